import { ArgumentError } from '@vssm/core';
import { peekSharedRuntime, sharedRuntime } from '@vssm/wasm';
import { wasmOps, wasmOpsReady, wasmUnavailableReason } from './context.js';

/** What the `wasm` backend runs on, or why it cannot run. */
export interface WasmBackendStatus {
  /** True when the kernels are loaded and serve calls. */
  ready: boolean;
  /** Participating threads (main thread included) when ready. */
  threads: number;
  /** e.g. "2 threads (main + 1 worker, atomics)", or why the kernels are not (yet) running. */
  detail: string;
}

function describe(): WasmBackendStatus {
  const ops = wasmOps();
  if (ops) return { ready: true, threads: ops.rt.threads, detail: ops.rt.describe() };
  return { ready: false, threads: 0, detail: wasmUnavailableReason() ?? 'starting (await ready())' };
}

/**
 * Starts the `wasm` backend (the shared WebAssembly runtime and the ops module) and resolves once it serves calls,
 * or once it is known that it cannot (then every op runs on `cpu`). Await it before a forward pass in browsers,
 * where nothing starts synchronously; in Node the first op starts it anyway, so awaiting only moves that cost.
 */
export async function ready(options: ReadyOptions = {}): Promise<WasmBackendStatus> {
  if (options.threads !== undefined) await startWithThreads(options.threads);
  await wasmOpsReady();
  return describe();
}

export interface ReadyOptions {
  /**
   * Threads of the shared WebAssembly runtime, main thread included (default: the hardware threads, at most 16).
   * Only before anything has started the runtime; later, asking for another count is an ArgumentError.
   */
  threads?: number;
}

async function startWithThreads(threads: number): Promise<void> {
  if (!Number.isSafeInteger(threads) || threads < 1) throw new ArgumentError(`ready: threads must be an integer ≥ 1, got ${threads}`);
  const running = peekSharedRuntime();
  if (!running) {
    await sharedRuntime({ threads });
    return;
  }
  if (running.threads !== threads) {
    throw new ArgumentError(
      `ready: the shared WebAssembly runtime already runs ${running.threads} thread(s); ask for ${threads} before any op starts it`,
    );
  }
}

/** The `wasm` backend's state now (starts it synchronously in Node if it has not started yet). */
export function wasmBackendStatus(): WasmBackendStatus {
  return describe();
}
