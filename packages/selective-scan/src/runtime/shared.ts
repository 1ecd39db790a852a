import { type RuntimeOptions, WasmRuntime } from './runtime.js';

let shared: Promise<WasmRuntime> | undefined;

/**
 * The process-wide runtime (all hardware threads, atomics sync) that kernels share by default, so that every
 * module lives in one memory and one worker pool. Created on first use.
 */
export function sharedRuntime(options?: RuntimeOptions): Promise<WasmRuntime> {
  if (!shared) {
    shared = WasmRuntime.create(options);
    shared.catch(() => {
      shared = undefined;
    });
  }
  return shared;
}

/** Stops the shared runtime's workers; the next sharedRuntime() call starts a fresh one. */
export async function shutdownSharedRuntime(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current) await (await current).shutdown();
}
