import { Tensor } from '@vssm/core';
import {
  assertAlive,
  currentScope,
  isResident,
  type Kernel,
  type LoadedModule,
  peekSharedRuntime,
  residentTensor,
  type ScratchScope,
  scopeAlloc,
  type RunOptions,
  sharedRuntime,
  sharedRuntimeSync,
  type WasmModuleSource,
  type WasmRuntime,
} from '@vssm/wasm';
import { MAX_SLOTS, P_SCRATCH, P_SCRATCH_STRIDE, P_TABLE } from '../../assembly/params.js';
import { opsWasm } from '../generated/ops-wasm.js';
import { copyInto } from './copy.js';

/** The ops kernels compiled from assembly/index.ts. */
export const OPS_WASM: WasmModuleSource = { name: 'ops', ...opsWasm };

const KERNEL_NAMES = [
  'gemm_pack',
  'gemm_compute',
  'unary',
  'binary',
  'layer_norm',
  'layer_norm2d',
  'rms_norm',
  'depthwise_conv2d',
  'conv1d_causal',
  'im2col',
  'resample',
  'rope',
] as const;
type KernelName = (typeof KERNEL_NAMES)[number];

/** Helper exports the glue calls on the main thread. */
export interface OpsHelpers {
  constants_bytes(): number;
  write_constants(ptr: number): void;
  depthwise_scratch(Ho: number, Wo: number, kh: number, kw: number, sh: number, sw: number): number;
  conv1d_scratch(L: number, K: number): number;
  resample_scratch(H: number, Wo: number): number;
}

/** Where the wasm kernels' wall time went, in ms, while recording (setWasmPhaseRecording). */
export interface WasmPhaseTimes {
  /** Copying inputs into wasm memory (includes allocating). */
  copyIn: number;
  /** Kernel runs (dispatch included). */
  kernel: number;
  /** Copying outputs out to JavaScript arrays (includes allocating them). */
  copyOut: number;
  /** Kernel runs counted. */
  runs: number;
}

let phases: WasmPhaseTimes | undefined;

/**
 * Starts (true) or stops (false) accumulating the wasm kernels' phase times and returns what was accumulated since
 * the last start (for benchmarks: how much of an op is copying rather than computing).
 */
export function setWasmPhaseRecording(on: boolean): WasmPhaseTimes {
  const done = phases ?? { copyIn: 0, kernel: 0, copyOut: 0, runs: 0 };
  phases = on ? { copyIn: 0, kernel: 0, copyOut: 0, runs: 0 } : undefined;
  return done;
}

/** Rounds a per-participant scratch stride up to whole 256-byte blocks (no cache line shared between threads). */
function padStride(bytes: number): number {
  return Math.ceil(Math.max(bytes, 16) / 256) * 256;
}

/**
 * The loaded ops module on a runtime: its kernels, the constant table (written once), and `stage()`, which gives a
 * kernel call its allocations.
 */
export class WasmOps {
  readonly kernels: Readonly<Record<KernelName, Kernel>>;
  readonly helpers: OpsHelpers;
  /** Address of the constant table every parameter block points to. */
  readonly table: number;

  constructor(
    readonly rt: WasmRuntime,
    module: LoadedModule,
  ) {
    const kernels = {} as Record<KernelName, Kernel>;
    for (const name of KERNEL_NAMES) kernels[name] = module.kernel(name);
    this.kernels = kernels;
    this.helpers = module.exports as unknown as OpsHelpers;
    this.table = rt.alloc(this.helpers.constants_bytes());
    this.helpers.write_constants(this.table);
  }

  /** Participants for a call doing `work` units, `minPerThread` of which make an extra thread worth its dispatch. */
  participants(work: number, minPerThread: number): number {
    if (!this.rt.canRunParallelSync) return 1;
    if (minPerThread <= 0) return this.rt.threads;
    return Math.max(1, Math.min(this.rt.threads, Math.floor(work / minPerThread)));
  }

  /** A new set of allocations for one kernel call (release it in a finally). */
  stage(): Staging {
    return new Staging(this);
  }

  run(kernel: KernelName, args: number, count: number, options: RunOptions = {}): void {
    if (!phases) {
      this.rt.runSync(this.kernels[kernel], args, count, options);
      return;
    }
    const t0 = performance.now();
    this.rt.runSync(this.kernels[kernel], args, count, options);
    phases.kernel += performance.now() - t0;
    phases.runs++;
  }
}

/**
 * The wasm memory one kernel call uses: inputs copied in, outputs, scratch and the parameter block, all released
 * together. Views of the memory are only ever taken right before use, since an allocation may grow the memory
 * (which detaches earlier views of an unshared memory).
 */
export class Staging {
  private readonly ptrs: number[] = [];
  private readonly rt: WasmRuntime;
  /** The withScratch scope outputs go to (undefined: outputs are copied out). */
  private readonly scope: ScratchScope | undefined;
  /** Outputs allocated in the scope: address → floats. */
  private readonly resident = new Map<number, number>();

  constructor(private readonly ops: WasmOps) {
    this.rt = ops.rt;
    this.scope = currentScope(ops.rt);
  }

  /** `floats` fresh floats (16-byte aligned, not zeroed; `pad` rounds the count up to a multiple). */
  alloc(floats: number, pad = 4): number {
    const ptr = this.rt.alloc(Math.max(pad, Math.ceil(floats / pad) * pad) * 4);
    this.ptrs.push(ptr);
    return ptr;
  }

  /**
   * The address of `t`'s values in row-major order: a resident contiguous tensor is used where it is; anything
   * else is copied (any strides) into a new block, with the floats past t.size up to a multiple of `pad` zeroed.
   */
  input(t: Tensor, pad = 4): number {
    if (isResident(t)) {
      assertAlive('wasm kernel', t);
      if (pad <= 4 && t.isContiguous && isResident(t, this.rt)) return t.data.byteOffset + 4 * t.offset;
    }
    const t0 = phases ? performance.now() : 0;
    const n = Math.max(pad, Math.ceil(t.size / pad) * pad);
    const ptr = this.alloc(n, pad);
    const view = this.rt.f32(ptr, n);
    copyInto(t, view);
    if (n > t.size) view.fill(0, t.size);
    if (phases) phases.copyIn += performance.now() - t0;
    return ptr;
  }

  /** Like input, or 0 for null. */
  optional(t: Tensor | null, pad = 4): number {
    return t ? this.input(t, pad) : 0;
  }

  /** Room for an output of `floats`: in the withScratch scope when one is open (see result), else staged. */
  output(floats: number): number {
    if (this.scope) {
      const ptr = scopeAlloc(this.scope, floats);
      if (ptr !== undefined) {
        this.resident.set(ptr, floats);
        return ptr;
      }
    }
    return this.alloc(floats);
  }

  /** The output at `ptr` as a tensor: a view of wasm memory inside a scope, else a JavaScript-owned copy. */
  result(ptr: number, shape: readonly number[]): Tensor {
    const floats = this.resident.get(ptr);
    if (floats !== undefined && this.scope) return residentTensor(this.scope, ptr, floats, shape);
    return new Tensor(
      this.read(
        ptr,
        shape.reduce((a, b) => a * b, 1),
      ),
      shape.slice(),
    );
  }

  /** Per-participant scratch of `bytes` each: [address, stride]. */
  scratch(bytes: number, participants: number): [number, number] {
    const stride = padStride(bytes);
    const ptr = this.alloc((stride * participants) / 4);
    return [ptr, stride];
  }

  /**
   * A parameter block: `fill` gets i32 and f32 views of its slots (after every other allocation of the call, so
   * they stay valid), with the constant table and the scratch set.
   */
  params(scratch: [number, number], fill: (i32: Int32Array, f32: Float32Array) => void): number {
    const ptr = this.alloc(MAX_SLOTS);
    const i32 = this.rt.i32(ptr, MAX_SLOTS);
    i32.fill(0);
    i32[P_TABLE] = this.ops.table;
    i32[P_SCRATCH] = scratch[0];
    i32[P_SCRATCH_STRIDE] = scratch[1];
    fill(i32, new Float32Array(i32.buffer, i32.byteOffset, MAX_SLOTS));
    return ptr;
  }

  /** A JavaScript-owned copy of `n` floats at `ptr`. */
  read(ptr: number, n: number): Float32Array {
    if (!phases) return this.rt.f32(ptr, n).slice();
    const t0 = performance.now();
    const out = this.rt.f32(ptr, n).slice();
    phases.copyOut += performance.now() - t0;
    return out;
  }

  release(): void {
    for (const ptr of this.ptrs) this.rt.release(ptr);
    this.ptrs.length = 0;
  }
}

interface ContextState {
  ops?: WasmOps;
  pending?: Promise<WasmOps | undefined>;
  /** Why the wasm backend cannot run here (set once it is known for good). */
  unavailable?: string;
}

const context: ContextState = {};

function attach(rt: WasmRuntime, module: LoadedModule): WasmOps {
  const ops = new WasmOps(rt, module);
  context.ops = ops;
  return ops;
}

function fail(e: unknown): undefined {
  context.unavailable = `the WebAssembly ops module cannot run here (${(e as Error)?.message ?? String(e)})`;
  return undefined;
}

/**
 * The ops kernels, ready to run, or undefined while they are not (yet). In Node the first call starts the shared
 * runtime and compiles the module synchronously (tens of milliseconds, once); elsewhere, or while an asynchronous
 * start-up is in flight, it starts one in the background (see wasmOpsReady) and returns undefined, and the kernels
 * fall back to the cpu backend meanwhile.
 */
export function wasmOps(): WasmOps | undefined {
  const current = context.ops;
  if (current && !current.rt.isShutdown) return current;
  context.ops = undefined;
  if (context.unavailable) return undefined;
  let rt = peekSharedRuntime();
  if (!rt) {
    try {
      rt = sharedRuntimeSync();
    } catch {
      rt = undefined;
    }
  }
  if (rt && !rt.isShutdown) {
    const loaded = rt.loadedModule(OPS_WASM);
    if (loaded) return attach(rt, loaded);
    if (rt.idle) {
      try {
        return attach(rt, rt.loadSync(OPS_WASM));
      } catch (e) {
        // a browser main thread may refuse to compile a module this size synchronously: load it asynchronously
        if (!(e instanceof WebAssembly.CompileError)) void wasmOpsReady();
        else return fail(e);
      }
    }
    return undefined;
  }
  void wasmOpsReady();
  return undefined;
}

/** Starts (or awaits) the shared runtime and loads the ops module asynchronously; undefined if it cannot run. */
export function wasmOpsReady(): Promise<WasmOps | undefined> {
  if (context.ops && !context.ops.rt.isShutdown) return Promise.resolve(context.ops);
  if (context.unavailable) return Promise.resolve(undefined);
  if (!context.pending) {
    const pending = (async () => {
      try {
        const rt = await sharedRuntime();
        return attach(rt, await rt.load(OPS_WASM));
      } catch (e) {
        return fail(e);
      }
    })();
    context.pending = pending;
    pending.finally(() => {
      if (context.pending === pending) context.pending = undefined;
    });
  }
  return context.pending;
}

/**
 * Runs `fn` with the kernels on `rt` instead of the shared runtime (tests: a single-threaded runtime on unshared
 * memory exercises the 'plain' module variant), restoring the previous context afterwards.
 */
export function withWasmRuntime<T>(rt: WasmRuntime, fn: () => T): T {
  const previous = context.ops;
  context.ops = new WasmOps(rt, rt.loadSync(OPS_WASM));
  try {
    return fn();
  } finally {
    context.ops = previous;
  }
}

/** Why the wasm kernels cannot run here, or undefined when they can (or may once started). */
export function wasmUnavailableReason(): string | undefined {
  return context.unavailable;
}
