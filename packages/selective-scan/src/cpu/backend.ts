import { ArgumentError } from '@vssm/core';
import { decodeBase64, type SyncMode, sharedRuntime, WasmRuntime } from '@vssm/wasm';
import type { BackendForward, BackendGrads, BackendStatus, ScanProblem, SelectiveScanBackend } from '../types.js';
import { type ChunkStates, defaultChunkSize } from './layout.js';
import { tsBackward, tsForward } from './ts-kernel.js';
import { SCAN_WASM, type ScanPhases, WasmScan } from './wasm-kernel.js';

export interface CpuBackendOptions {
  /** 'auto' (default): WebAssembly SIMD when the engine has it, else TypeScript. 'wasm' or 'ts' force one. */
  kernel?: 'auto' | 'wasm' | 'ts';
  /**
   * Threads including the main thread. Omitted: the process-wide shared runtime (all hardware threads).
   * The TypeScript kernel is single-threaded.
   */
  threads?: number;
  /** Worker synchronisation of a private runtime (default 'atomics'). */
  sync?: SyncMode;
  /** Steps per chunk of the stored states (default: defaultChunkSize(dstate)). */
  chunkSize?: number;
  /** Largest WebAssembly memory in bytes of a private runtime (default 4 GiB − 64 KiB). */
  memoryLimit?: number;
  /** Smallest work per thread, in (b, d, l, n + 2) updates, before a call is split between threads (default 32768). */
  minWorkPerThread?: number;
  /** Registry name (default 'cpu'). */
  name?: string;
  /** Registry priority (default 50). */
  priority?: number;
}

/** What the CPU backend resolved to run on. */
export interface CpuVariant {
  kernel: 'wasm-simd' | 'typescript';
  threads: number;
  description: string;
}

type Impl =
  | { kind: 'wasm'; scan: WasmScan; runtime: WasmRuntime; owned: boolean; variant: CpuVariant }
  | { kind: 'ts'; variant: CpuVariant };

/** Turns the allocator's RangeError (problem too large for a wasm32 memory) into a typed error with a way out. */
async function withMemoryLimit<T>(p: ScanProblem, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof RangeError && /memory limit/.test(e.message)) {
      const shape = `(${p.batch}, ${p.dim}, ${p.length}, ${p.dstate})`;
      throw new ArgumentError(
        `selectiveScan (cpu): a problem of shape ${shape} does not fit in WebAssembly memory (${e.message}); split the batch, or use a GPU backend`,
      );
    }
    throw e;
  }
}

function isChunkStates(x: unknown): x is ChunkStates {
  return typeof x === 'object' && x !== null && (x as ChunkStates).kind === 'cpu-chunk-states';
}

/** Whether the engine validates the SIMD kernels (WebAssembly SIMD support). */
function wasmSimdStatus(): { ok: boolean; reason: string } {
  if (typeof WebAssembly !== 'object') return { ok: false, reason: 'WebAssembly is unavailable' };
  const bytes = typeof SCAN_WASM.plain === 'string' ? decodeBase64(SCAN_WASM.plain) : SCAN_WASM.plain;
  return WebAssembly.validate(bytes as BufferSource)
    ? { ok: true, reason: 'WebAssembly SIMD' }
    : { ok: false, reason: 'this engine does not support WebAssembly SIMD' };
}

/**
 * The fused float32 CPU backend: WebAssembly SIMD kernels on worker threads sharing one memory, or the same
 * algorithm in TypeScript where WebAssembly SIMD is missing. Its probe() reason names the variant that runs.
 */
export function createCpuBackend(options: CpuBackendOptions = {}): SelectiveScanBackend & {
  variant(): Promise<CpuVariant>;
  /** Milliseconds the last wasm call spent copying in, in the kernel and copying out (undefined for TypeScript). */
  phases(): ScanPhases | undefined;
} {
  const want = options.kernel ?? 'auto';
  let impl: Promise<Impl> | undefined;
  let lastScan: WasmScan | undefined;

  const resolve = (): Promise<Impl> => {
    impl ??= (async (): Promise<Impl> => {
      let why = 'forced by kernel: ts';
      if (want !== 'ts') {
        const simd = wasmSimdStatus();
        if (simd.ok) {
          const owned = options.threads !== undefined || options.sync !== undefined || options.memoryLimit !== undefined;
          const runtime = owned
            ? await WasmRuntime.create({ threads: options.threads, sync: options.sync, maxBytes: options.memoryLimit })
            : await sharedRuntime();
          const scan = await WasmScan.create(runtime, options.minWorkPerThread);
          lastScan = scan;
          const t = runtime.threads;
          return {
            kind: 'wasm',
            scan,
            runtime,
            owned,
            variant: { kernel: 'wasm-simd', threads: t, description: `wasm-simd, ${runtime.describe()}` },
          };
        }
        if (want === 'wasm') throw new Error(simd.reason);
        why = simd.reason;
      }
      return { kind: 'ts', variant: { kernel: 'typescript', threads: 1, description: `typescript f32, 1 thread (${why})` } };
    })();
    return impl;
  };

  const chunkFor = (p: ScanProblem) => options.chunkSize ?? defaultChunkSize(p.dstate);

  return {
    name: options.name ?? 'cpu',
    priority: options.priority ?? 50,
    async probe(): Promise<BackendStatus> {
      try {
        return { available: true, reason: (await resolve()).variant.description };
      } catch (e) {
        return { available: false, reason: (e as Error).message };
      }
    },
    async variant(): Promise<CpuVariant> {
      return (await resolve()).variant;
    },
    phases(): ScanPhases | undefined {
      return lastScan ? { ...lastScan.phases } : undefined;
    },
    async forward(p: ScanProblem): Promise<BackendForward> {
      const r = await resolve();
      return r.kind === 'wasm' ? withMemoryLimit(p, () => r.scan.forward(p, chunkFor(p))) : tsForward(p, chunkFor(p));
    },
    async backward(p: ScanProblem, forward: BackendForward, dout: Float32Array): Promise<BackendGrads> {
      const saved = forward.saved;
      if (!isChunkStates(saved))
        throw new Error('cpu backend: the forward result carries no chunk states (was it computed by another backend?)');
      const r = await resolve();
      return r.kind === 'wasm' ? withMemoryLimit(p, () => r.scan.backward(p, saved, dout)) : tsBackward(p, saved, dout);
    },
    async dispose(): Promise<void> {
      const current = impl;
      impl = undefined;
      lastScan = undefined;
      if (!current) return;
      const r = await current.catch(() => undefined);
      if (r?.kind === 'wasm' && r.owned) await r.runtime.shutdown();
    },
  };
}
