import type { Module, Tensor } from '@vssm/core';
import { isResident as residentIn, persist as persistCopy, pin, withScratch as scratchScope } from '@vssm/wasm';
import { wasmOps } from './context.js';

/**
 * `withScratch` of `@vssm/wasm` on the runtime the ops kernels use (started first if need be): inside `fn`, the
 * outputs of the wasm kernels stay in wasm memory and chained ops read them in place; see that package's README
 * ("Output residency") for the lifetime rule: tensors made inside are valid until the scope ends; return what you
 * keep, or `persist()` it.
 */
export function withScratch<T>(fn: () => T | Promise<T>): Promise<T> {
  return scratchScope(fn, wasmOps()?.rt);
}

/** A JavaScript-heap copy of a tensor that lives in wasm memory (withScratch); any other tensor is returned as is. */
export function persist(t: Tensor): Tensor {
  return persistCopy(t);
}

/** Whether `t`'s values live in wasm memory (an output of a wasm kernel inside withScratch). */
export function isResident(t: Tensor): boolean {
  return residentIn(t);
}

/**
 * Moves `module`'s parameters and persistent buffers into the WebAssembly memory the ops kernels run on, so that
 * every forward reads them in place instead of copying them in per call. The module's tensors are replaced by
 * pinned copies (as `loadStateDict` replaces them): a tensor taken from the module before the call is no longer
 * the one it uses. Cheap when they already live there (a forward may call it every time); returns false, changing
 * nothing, where the kernels cannot run on shared memory.
 */
export function pinWeights(module: Module): boolean {
  const rt = wasmOps()?.rt;
  if (!rt?.shared) return false;
  const state = module.stateDict();
  let moved = false;
  const pinned = new Map<string, Tensor>();
  for (const [name, t] of state) {
    const p = pin(t, rt);
    if (!p) return false;
    if (p !== t) moved = true;
    pinned.set(name, p);
  }
  if (moved) module.loadStateDict(pinned);
  return true;
}
