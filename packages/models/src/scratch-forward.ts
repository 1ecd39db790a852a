import type { Module, Tensor } from '@vssm/core';
import type { ForwardOptions } from '@vssm/blocks';
import { persist, pinWeights, withScratch } from '@vssm/ops';

/** A capture map that stores JavaScript-heap copies of what is captured (the scratch scope frees the originals). */
class PersistingCapture extends Map<string, Tensor> {
  constructor(private readonly target: Map<string, Tensor>) {
    super();
  }

  override set(key: string, value: Tensor): this {
    this.target.set(key, persist(value));
    return this;
  }
}

/**
 * Runs a model forward with its weights in WebAssembly memory (`pinWeights`, once: after that and after every
 * load) and in a scratch scope of `@vssm/ops` (`withScratch`): op results stay in WebAssembly memory and the next
 * op reads them in place, the logits are copied out at the end, and captured intermediates (`options.capture`) are
 * copied out as they are captured. Without a resident-capable runtime this is a plain call.
 */
export function scratchForward<T>(model: Module, options: ForwardOptions, run: (options: ForwardOptions) => Promise<T>): Promise<T> {
  pinWeights(model);
  const capture = options.capture;
  const scoped = capture ? { ...options, capture: new PersistingCapture(capture) } : options;
  return withScratch(() => run(scoped));
}
