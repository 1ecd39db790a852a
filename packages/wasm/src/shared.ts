import { canStartThreadsSync } from './threads.js';
import { type RuntimeOptions, WasmRuntime } from './runtime.js';

interface SharedSlot {
  promise?: Promise<WasmRuntime>;
  instance?: WasmRuntime;
}

// On globalThis so that ESM and CJS copies of this package (and every package using it) share one pool and memory.
const SLOT_KEY = Symbol.for('@vssm/wasm.shared-runtime');

function slot(): SharedSlot {
  const g = globalThis as unknown as Record<symbol, SharedSlot | undefined>;
  let s = g[SLOT_KEY];
  if (!s) {
    s = {};
    g[SLOT_KEY] = s;
  }
  return s;
}

/**
 * The process-wide runtime (all hardware threads, atomics sync) that kernels share by default, so that every
 * module lives in one memory and one worker pool. Created on first use.
 */
export function sharedRuntime(options?: RuntimeOptions): Promise<WasmRuntime> {
  const s = slot();
  if (!s.promise) {
    const promise = WasmRuntime.create(options);
    s.promise = promise;
    promise.then(
      (rt) => {
        if (s.promise === promise) s.instance = rt;
      },
      () => {
        if (s.promise === promise) s.promise = undefined;
      },
    );
  }
  return s.promise;
}

/**
 * The shared runtime without awaiting: the existing one when it is ready; otherwise, in Node (≥ 20.16), a new one
 * started synchronously (WasmRuntime.createSync). Undefined while an asynchronous creation is still in flight, and
 * where a synchronous start is impossible (browsers: await sharedRuntime() first).
 */
export function sharedRuntimeSync(options?: RuntimeOptions): WasmRuntime | undefined {
  const s = slot();
  if (s.instance) return s.instance;
  if (s.promise || !canStartThreadsSync()) return undefined;
  const rt = WasmRuntime.createSync(options);
  s.instance = rt;
  s.promise = Promise.resolve(rt);
  return rt;
}

/** The shared runtime if it exists and is ready (never creates one). */
export function peekSharedRuntime(): WasmRuntime | undefined {
  return slot().instance;
}

/** Stops the shared runtime's workers; the next sharedRuntime() call starts a fresh one. */
export async function shutdownSharedRuntime(): Promise<void> {
  const s = slot();
  const current = s.promise;
  s.promise = undefined;
  s.instance = undefined;
  if (current) await (await current).shutdown();
}
