/**
 * The stacked-direction passes (gathers into the (B, K, C, Lmax) stack, SCAttn's token means, the gated merge) as
 * WebAssembly kernels (assembly/stack.ts) on the shared runtime the ops use, bit-identical to the TypeScript
 * kernels of stack-kernels.ts, which remain the fallback. Inputs that already live in wasm memory are read in
 * place; inside a `withScratch` scope the outputs stay in wasm memory too (the next op reads them in place),
 * outside one they are copied out into scratch-pool arrays.
 */
import { ArgumentError, ShapeError, Tensor } from '@vssm/core';
import {
  assertAlive,
  currentScope,
  isResident,
  type Kernel,
  peekSharedRuntime,
  residentTensor,
  type ScratchScope,
  scopeAlloc,
  sharedRuntimeSync,
  type WasmModuleSource,
  type WasmRuntime,
} from '@vssm/wasm';
import {
  GATHER_TILE,
  GM_E,
  GM_GATES,
  GM_K,
  GM_LMAX,
  GM_OUT,
  GM_ROWS,
  GM_T,
  GM_TILES,
  GM_YS,
  GR_BLOCK,
  GR_BLOCKS,
  GR_C,
  GR_DST,
  GR_K,
  GR_KINDS,
  GR_LENGTHS,
  GR_LMAX,
  GR_ORDERS,
  GR_SRC,
  GR_T,
  GT_C0,
  GT_CN,
  GT_CTOT,
  GT_DST,
  GT_K,
  GT_LMAX,
  GT_ORDERS,
  GT_SRC,
  GT_T,
  GT_TILES,
  LN_E,
  LN_E_BLOCK,
  LN_E_BLOCKS,
  LN_EPS,
  LN_K,
  LN_LENGTHS,
  LN_LMAX,
  LN_MEAN,
  LN_OUT,
  LN_S_BLOCK,
  LN_S_BLOCKS,
  LN_SCALE,
  LN_USES,
  LN_YS,
  MERGE_TILE,
  ORDER_DENSE,
  ORDER_IDENTITY,
  ORDER_PADDED,
  ORDER_REVERSED,
  SM_E,
  SM_EPS,
  SM_GATES,
  SM_K,
  SM_LENGTHS,
  SM_LMAX,
  SM_MEAN,
  SM_OUT,
  SM_ROWS,
  SM_RSTD,
  SM_S_BLOCK,
  SM_S_BLOCKS,
  SM_T,
  SM_TILES,
  SM_WEIGHTS,
  SM_YS,
  STACK_SLOTS,
} from '../../assembly/stack-params.js';
import { stackWasm } from '../generated/stack-wasm.js';
import type { DirectionStack, OrderKind } from './direction-stack.js';
import { acquire } from './scratch.js';
import { gatedMerge, gatherRowsToStack, gatherTokensToStack, layerNormTokenMeans, searchMergeStack } from './stack-kernels.js';

/** The kernels compiled from assembly/stack.ts. */
export const STACK_WASM: WasmModuleSource = { name: 'blocks-stack', ...stackWasm };

/**
 * 'auto' (default): the wasm kernels when they can run and the problem is not tiny; 'wasm': the wasm kernels
 * whenever they can run (tests); 'ts': always the TypeScript kernels (benchmarks' baseline). The environment
 * variable VSSM_STACK_KERNELS sets the initial mode.
 */
export type StackKernelMode = 'auto' | 'wasm' | 'ts';

const MODES: readonly StackKernelMode[] = ['auto', 'wasm', 'ts'];
/** Below this many floats moved, 'auto' keeps to TypeScript (staging and a dispatch cost more than they save). */
const MIN_WASM_FLOATS = 8192;
/** Floats of work that make one more thread worth its dispatch. */
const FLOATS_PER_THREAD = 32768;

/** The kernels of the stack module (assembly/stack.ts with assembly/tail.ts). */
export interface StackKernels {
  readonly gatherTokens: Kernel;
  readonly gatherRows: Kernel;
  readonly lnStats: Kernel;
  readonly lnMeans: Kernel;
  readonly gatedMerge: Kernel;
  readonly searchStats: Kernel;
  readonly searchMerge: Kernel;
  readonly tailStats: Kernel;
  readonly tailNorm: Kernel;
  readonly tailScaleT: Kernel;
  readonly tailScale: Kernel;
}

const state: { mode: StackKernelMode; runtime?: WasmRuntime; unavailable?: string } = { mode: initialMode() };
const loaded = new WeakMap<WasmRuntime, StackKernels>();

function initialMode(): StackKernelMode {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.VSSM_STACK_KERNELS;
  return env && (MODES as readonly string[]).includes(env) ? (env as StackKernelMode) : 'auto';
}

/** Sets how the stacked-direction passes run (see StackKernelMode) and returns the previous mode. */
export function setStackKernels(mode: StackKernelMode): StackKernelMode {
  if (!MODES.includes(mode))
    throw new ArgumentError(`setStackKernels: mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  const previous = state.mode;
  state.mode = mode;
  return previous;
}

/** The current mode of the stacked-direction passes. */
export function stackKernelMode(): StackKernelMode {
  return state.mode;
}

/** Runs `fn` with the stack kernels on `rt` instead of the shared runtime (tests: 1 or 2 threads, plain memory). */
export function withStackRuntime<T>(rt: WasmRuntime, fn: () => T): T {
  const previous = state.runtime;
  state.runtime = rt;
  try {
    return fn();
  } finally {
    state.runtime = previous;
  }
}

/** Why the wasm stack kernels cannot run here, or undefined when they can (or may once the runtime is up). */
export function stackWasmUnavailableReason(): string | undefined {
  return state.unavailable;
}

function load(rt: WasmRuntime): StackKernels | undefined {
  const hit = loaded.get(rt);
  if (hit) return hit;
  let module = rt.loadedModule(STACK_WASM);
  if (!module) {
    if (!rt.idle) return undefined; // an asynchronous load is in flight: TypeScript this time
    try {
      module = rt.loadSync(STACK_WASM);
    } catch (e) {
      state.unavailable = `the WebAssembly stack kernels cannot run here (${(e as Error)?.message ?? String(e)})`;
      return undefined;
    }
  }
  const kernels: StackKernels = {
    gatherTokens: module.kernel('gather_tokens'),
    gatherRows: module.kernel('gather_rows'),
    lnStats: module.kernel('ln_stats'),
    lnMeans: module.kernel('ln_means'),
    gatedMerge: module.kernel('gated_merge'),
    searchStats: module.kernel('search_stats'),
    searchMerge: module.kernel('search_merge'),
    tailStats: module.kernel('tail_stats'),
    tailNorm: module.kernel('tail_norm'),
    tailScaleT: module.kernel('tail_scale_t'),
    tailScale: module.kernel('tail_scale'),
  };
  loaded.set(rt, kernels);
  return kernels;
}

/**
 * The runtime and kernels for a pass moving `floats` floats, or undefined for the TypeScript kernels (mode 'ts',
 * a tiny problem under 'auto', or no runtime).
 */
export function stackEngine(floats: number): { rt: WasmRuntime; kernels: StackKernels } | undefined {
  if (state.mode === 'ts' || (state.mode === 'auto' && floats < MIN_WASM_FLOATS)) return undefined;
  let rt = state.runtime;
  if (!rt) {
    if (state.unavailable) return undefined;
    rt = peekSharedRuntime();
    if (!rt) {
      try {
        rt = sharedRuntimeSync();
      } catch {
        rt = undefined;
      }
    }
  }
  if (!rt || rt.isShutdown) return undefined;
  const kernels = load(rt);
  return kernels ? { rt, kernels } : undefined;
}

/** Whether a stacked-direction pass moving `floats` floats runs on the wasm kernels now (false: TypeScript). */
export function stackWasmRuns(floats: number): boolean {
  return stackEngine(floats) !== undefined;
}

function participants(rt: WasmRuntime, floats: number, items: number): number {
  if (!rt.canRunParallelSync) return 1;
  return Math.max(1, Math.min(rt.threads, items, Math.floor(floats / FLOATS_PER_THREAD)));
}

/**
 * The wasm memory of one call: staged inputs, index maps, scratch and the parameter block, released together;
 * outputs go to the withScratch scope when one is open. No view of the memory is kept across an allocation (growth
 * detaches the views of an unshared memory).
 */
export class StackCall {
  private readonly ptrs: number[] = [];
  private readonly scope: ScratchScope | undefined;
  private readonly resident = new Set<number>();

  constructor(readonly rt: WasmRuntime) {
    this.scope = currentScope(rt);
  }

  /** `bytes` fresh bytes (16-byte aligned, not zeroed). */
  alloc(bytes: number): number {
    const ptr = this.rt.alloc(Math.max(16, Math.ceil(bytes / 16) * 16));
    this.ptrs.push(ptr);
    return ptr;
  }

  /** The address of `t`'s row-major values: a contiguous resident tensor in place, anything else copied in. */
  input(op: string, t: Tensor): number {
    if (isResident(t)) {
      assertAlive(op, t);
      if (t.isContiguous && isResident(t, this.rt)) return t.data.byteOffset + 4 * t.offset;
    }
    const ptr = this.alloc(4 * t.size);
    this.rt.f32(ptr, t.size).set(t.contiguousData());
    return ptr;
  }

  /** K·Lmax int32 per-direction maps, each row padded with −1 past its length. */
  indexMaps(maps: readonly Int32Array[], Lmax: number): number {
    const ptr = this.alloc(4 * maps.length * Lmax);
    const view = this.rt.i32(ptr, maps.length * Lmax);
    view.fill(-1);
    for (const [k, m] of maps.entries()) view.set(m, k * Lmax);
    return ptr;
  }

  /** K·Lmax float64 per-direction weights, zero past each length. */
  weights(maps: readonly Float64Array[], Lmax: number): number {
    const ptr = this.alloc(8 * maps.length * Lmax);
    const view = new Float64Array(this.rt.memory.buffer, ptr, maps.length * Lmax);
    view.fill(0);
    for (const [k, m] of maps.entries()) view.set(m, k * Lmax);
    return ptr;
  }

  /** A small float32 array. */
  floats(values: ArrayLike<number>): number {
    const ptr = this.alloc(4 * values.length);
    this.rt.f32(ptr, values.length).set(values);
    return ptr;
  }

  /** A small int32 array. */
  ints(values: readonly number[]): number {
    const ptr = this.alloc(4 * values.length);
    this.rt.i32(ptr, values.length).set(values);
    return ptr;
  }

  /** Room for a float32 output: a block of the withScratch scope when one is open, else staged. */
  output(floats: number): number {
    if (this.scope) {
      const ptr = scopeAlloc(this.scope, floats);
      if (ptr !== undefined) {
        this.resident.add(ptr);
        return ptr;
      }
    }
    return this.alloc(4 * floats);
  }

  /** The output at `ptr`: a resident tensor inside a scope, else a copy in a scratch-pool array. */
  result(ptr: number, shape: readonly number[]): Tensor {
    const floats = shape.reduce((a, b) => a * b, 1);
    if (this.scope && this.resident.has(ptr)) return residentTensor(this.scope, ptr, floats, shape);
    const out = acquire(floats);
    out.set(this.rt.f32(ptr, floats));
    return Tensor.fromData(out, shape.slice());
  }

  /** A parameter block; `fill` gets its i32 view after every other allocation of the call. */
  params(fill: (i32: Int32Array) => void): number {
    const ptr = this.alloc(4 * STACK_SLOTS);
    const i32 = this.rt.i32(ptr, STACK_SLOTS);
    i32.fill(0);
    fill(i32);
    return ptr;
  }

  /**
   * Runs items [0, items) over the threads `floats` of work justify. `contiguous`: one contiguous range of items
   * per thread (the static schedule), for kernels whose neighbouring items write into the same cache lines.
   */
  run(kernel: Kernel, args: number, items: number, floats: number, contiguous = false): void {
    const count = participants(this.rt, floats, items);
    this.rt.runSync(kernel, args, items, { participants: count, schedule: contiguous && count > 1 ? 'static' : 'dynamic' });
  }

  release(): void {
    for (const ptr of this.ptrs) this.rt.release(ptr);
    this.ptrs.length = 0;
  }
}

/** ys (B, K, E, Lmax) must have one row per direction, each at least as long as the longest sequence. */
function checkStack(op: string, K: number, Lmax: number, stack: DirectionStack): void {
  if (K !== stack.K || Lmax < stack.Lmax) {
    throw new ShapeError(
      `${op}: the stack has K = ${K}, rows of ${Lmax}; the directions need K = ${stack.K}, rows of at least ${stack.Lmax}`,
    );
  }
}

const KIND_CODES: Record<OrderKind, number> = {
  identity: ORDER_IDENTITY,
  reversed: ORDER_REVERSED,
  dense: ORDER_DENSE,
  padded: ORDER_PADDED,
};

/**
 * The K scans of a channel-first u (B, C, …) with H·W = stack.T positions per channel, as the stack
 * (B, K, C, Lmax) (padding and tails zero): `gatherRowsToStack` on the wasm runtime when it can run.
 */
export function gatherRowsStack(u: Tensor, stack: DirectionStack): Tensor {
  const op = 'gatherRowsStack';
  const [B, C] = u.shape;
  const T = u.rank >= 2 ? u.size / (B * C) : Number.NaN;
  if (u.rank < 2 || T !== stack.T) {
    throw new ShapeError(`${op}: expected u of shape (B, C, …) with ${stack.T} positions per channel, got [${u.shape.join(', ')}]`);
  }
  const { K, Lmax } = stack;
  const shape = [B, K, C, Lmax];
  const floats = B * K * C * Lmax;
  const wasm = stackEngine(floats);
  if (!wasm) {
    const padded = stack.orders.some((o) => o.length < Lmax || o.includes(-1));
    const dst = acquire(floats, padded);
    gatherRowsToStack(u.contiguousData(), B, C, T, stack.orders, stack.kinds, Lmax, dst);
    return Tensor.fromData(dst, shape);
  }
  const call = new StackCall(wasm.rt);
  try {
    const src = call.input(op, u);
    const orders = call.indexMaps(stack.orders, Lmax);
    const kinds = call.ints(stack.kinds.map((k) => KIND_CODES[k]));
    const lengths = call.ints(stack.orders.map((o) => o.length));
    const dst = call.output(floats);
    const block = Math.max(1, Math.min(C, Math.ceil(16384 / Lmax)));
    const blocks = Math.ceil(C / block);
    const args = call.params((p) => {
      p[GR_SRC] = src;
      p[GR_DST] = dst;
      p[GR_C] = C;
      p[GR_T] = T;
      p[GR_K] = K;
      p[GR_LMAX] = Lmax;
      p[GR_ORDERS] = orders;
      p[GR_KINDS] = kinds;
      p[GR_LENGTHS] = lengths;
      p[GR_BLOCKS] = blocks;
      p[GR_BLOCK] = block;
    });
    call.run(wasm.kernels.gatherRows, args, B * K * blocks, floats);
    return call.result(dst, shape);
  } finally {
    call.release();
  }
}

/**
 * The K scans of channel ranges [c0, c0 + Cn) of a token-major x (B, T, Ctot), one stack (B, K, Cn, Lmax) per range
 * (padding and tails zero), x staged once: `gatherTokensToStack` on the wasm runtime when it can run.
 */
export function gatherTokensStacks(x: Tensor, ranges: readonly (readonly [number, number])[], stack: DirectionStack): Tensor[] {
  const op = 'gatherTokensStacks';
  if (x.rank !== 3 || x.shape[1] !== stack.T) {
    throw new ShapeError(`${op}: expected x of shape (B, ${stack.T}, C), got [${x.shape.join(', ')}]`);
  }
  const [B, T, Ctot] = x.shape;
  for (const [c0, Cn] of ranges) {
    if (!Number.isInteger(c0) || !Number.isInteger(Cn) || c0 < 0 || Cn <= 0 || c0 + Cn > Ctot) {
      throw new ArgumentError(`${op}: channel range [${c0}, ${c0 + Cn}) is not inside the ${Ctot} channels of x`);
    }
  }
  const { K, Lmax } = stack;
  const floats = ranges.reduce((s, [, Cn]) => s + B * K * Cn * Lmax, 0);
  const wasm = stackEngine(floats);
  if (!wasm) {
    const padded = stack.orders.some((o) => o.length < Lmax || o.includes(-1));
    const src = x.contiguousData();
    return ranges.map(([c0, Cn]) => {
      const dst = acquire(B * K * Cn * Lmax, padded);
      gatherTokensToStack(src, B, T, Ctot, c0, Cn, stack.orders, Lmax, dst);
      return Tensor.fromData(dst, [B, K, Cn, Lmax]);
    });
  }
  const call = new StackCall(wasm.rt);
  try {
    const src = call.input(op, x);
    const orders = call.indexMaps(stack.orders, Lmax);
    const dsts = ranges.map(([, Cn]) => call.output(B * K * Cn * Lmax));
    for (const [i, [c0, Cn]] of ranges.entries()) {
      const tiles = Math.ceil(Cn / GATHER_TILE);
      const args = call.params((p) => {
        p[GT_SRC] = src;
        p[GT_DST] = dsts[i];
        p[GT_T] = T;
        p[GT_CTOT] = Ctot;
        p[GT_C0] = c0;
        p[GT_CN] = Cn;
        p[GT_K] = K;
        p[GT_LMAX] = Lmax;
        p[GT_ORDERS] = orders;
        p[GT_TILES] = tiles;
      });
      call.run(wasm.kernels.gatherTokens, args, B * K * tiles, B * K * Cn * Lmax);
    }
    return ranges.map(([, Cn], i) => call.result(dsts[i], [B, K, Cn, Lmax]));
  } finally {
    call.release();
  }
}

/**
 * SCAttn's token means of LayerNorm(reverse(y_k)) for a stacked ys (B, K, E, Lmax), as (B·K·E) float64:
 * `layerNormTokenMeans` on the wasm runtime when it can run (same bits).
 */
export function tokenMeans(ys: Tensor, stack: DirectionStack, eps: number): Float64Array {
  const op = 'tokenMeans';
  if (ys.rank !== 4) throw new ShapeError(`${op}: expected ys of shape (B, K, E, Lmax), got [${ys.shape.join(', ')}]`);
  const [B, K, E, Lmax] = ys.shape;
  checkStack(op, K, Lmax, stack);
  const out = new Float64Array(B * K * E);
  const wasm = stackEngine(ys.size);
  if (!wasm) {
    layerNormTokenMeans(ys.contiguousData(), B, E, Lmax, stack.uses, eps, out);
    return out;
  }
  const call = new StackCall(wasm.rt);
  try {
    const src = call.input(op, ys);
    const uses = call.weights(stack.uses, Lmax);
    const lengths = call.ints(stack.uses.map((u) => u.length));
    const mean = call.alloc(8 * B * K * Lmax);
    const scale = call.alloc(8 * B * K * Lmax);
    const result = call.alloc(8 * B * K * E);
    const sBlock = 512;
    const sBlocks = Math.ceil(Lmax / sBlock);
    const eBlock = Math.min(Math.ceil(E / 4) * 4, Math.max(16, 4 * Math.ceil(16384 / Lmax)));
    const eBlocks = Math.ceil(E / eBlock);
    const args = call.params((p) => {
      p[LN_YS] = src;
      p[LN_E] = E;
      p[LN_K] = K;
      p[LN_LMAX] = Lmax;
      p[LN_USES] = uses;
      p[LN_LENGTHS] = lengths;
      p[LN_MEAN] = mean;
      p[LN_SCALE] = scale;
      p[LN_OUT] = result;
      p[LN_S_BLOCKS] = sBlocks;
      p[LN_S_BLOCK] = sBlock;
      p[LN_E_BLOCKS] = eBlocks;
      p[LN_E_BLOCK] = eBlock;
      new Float64Array(p.buffer, p.byteOffset + 4 * LN_EPS, 1)[0] = eps;
    });
    call.run(wasm.kernels.lnStats, args, B * K * sBlocks, ys.size);
    call.run(wasm.kernels.lnMeans, args, B * K * eBlocks, ys.size);
    out.set(new Float64Array(wasm.rt.memory.buffer, result, B * K * E));
    return out;
  } finally {
    call.release();
  }
}

/**
 * Σ_k reverse(y_k) ⊙ gate_k for a stacked ys (B, K, E, Lmax) and gates (B·K·E floats, e.g. (B·K, 1, E)) → token-major
 * (B, T, E): `gatedMerge` on the wasm runtime when it can run and every reverse map is one-to-one (same bits). The
 * result is the caller's alone (a scratch-pool array, or a block of the withScratch scope).
 */
export function mergeGated(ys: Tensor, stack: DirectionStack, gates: Tensor): Tensor {
  const op = 'mergeGated';
  if (ys.rank !== 4) throw new ShapeError(`${op}: expected ys of shape (B, K, E, Lmax), got [${ys.shape.join(', ')}]`);
  const [B, K, E, Lmax] = ys.shape;
  checkStack(op, K, Lmax, stack);
  if (gates.size !== B * K * E) {
    throw new ShapeError(`${op}: expected ${B * K * E} gates (B·K·E) for ys [${ys.shape.join(', ')}], got [${gates.shape.join(', ')}]`);
  }
  const T = stack.T;
  const shape = [B, T, E];
  const rowOf = stack.rowOf;
  const wasm = rowOf ? stackEngine(ys.size) : undefined;
  if (!wasm || !rowOf) {
    const out = acquire(B * T * E);
    gatedMerge(ys.contiguousData(), B, E, Lmax, stack.positions, rowOf, gates.contiguousData(), out);
    return Tensor.fromData(out, shape);
  }
  const call = new StackCall(wasm.rt);
  try {
    const src = call.input(op, ys);
    const g = call.input(op, gates);
    const rows = call.indexMaps(rowOf, Lmax);
    const dst = call.output(B * T * E);
    const tiles = Math.ceil(E / MERGE_TILE);
    const args = call.params((p) => {
      p[GM_YS] = src;
      p[GM_GATES] = g;
      p[GM_OUT] = dst;
      p[GM_E] = E;
      p[GM_K] = K;
      p[GM_LMAX] = Lmax;
      p[GM_T] = T;
      p[GM_ROWS] = rows;
      p[GM_TILES] = tiles;
    });
    call.run(wasm.kernels.gatedMerge, args, B * tiles, ys.size, true);
    return call.result(dst, shape);
  } finally {
    call.release();
  }
}

/**
 * LocalMamba's search merge of a stacked scan output ys (B, K, E, Lmax) with SCAttn's channel gates (B·K·E floats,
 * e.g. (B·K, 1, E)) and the branch weights w = softmax(α) (K values) → token-major (B, T, E):
 * Σ_k w_k · LayerNorm_noaffine(reverse(y_k) ⊙ gate_k) over the E channels with `eps`, in one reading of the stack
 * (`searchMergeStack` on the wasm runtime when it can run, same bits). Needs one-to-one reverse maps
 * (`stack.rowOf`). The result is the caller's alone (a scratch-pool array, or a block of the withScratch scope).
 */
export function mergeSearch(ys: Tensor, stack: DirectionStack, gates: Tensor, weights: ArrayLike<number>, eps: number): Tensor {
  const op = 'mergeSearch';
  if (ys.rank !== 4) throw new ShapeError(`${op}: expected ys of shape (B, K, E, Lmax), got [${ys.shape.join(', ')}]`);
  const [B, K, E, Lmax] = ys.shape;
  checkStack(op, K, Lmax, stack);
  if (gates.size !== B * K * E) {
    throw new ShapeError(`${op}: expected ${B * K * E} gates (B·K·E) for ys [${ys.shape.join(', ')}], got [${gates.shape.join(', ')}]`);
  }
  if (weights.length !== K) throw new ShapeError(`${op}: expected ${K} branch weights, got ${weights.length}`);
  for (let k = 0; k < K; k++) {
    if (!Number.isFinite(weights[k])) throw new ArgumentError(`${op}: branch weight ${k} is ${weights[k]}; the weights must be finite`);
  }
  if (!(Number.isFinite(eps) && eps >= 0)) throw new ArgumentError(`${op}: eps must be a finite number ≥ 0, got ${eps}`);
  const rowOf = stack.rowOf;
  if (!rowOf) throw new ArgumentError(`${op}: a direction reads some sequence position twice (no one-to-one reverse map)`);
  const T = stack.T;
  const shape = [B, T, E];
  const w = Float32Array.from(weights);
  const wasm = stackEngine(ys.size);
  if (!wasm) {
    const out = acquire(B * T * E);
    searchMergeStack(ys.contiguousData(), B, E, Lmax, rowOf, gates.contiguousData(), w, eps, T, out);
    return Tensor.fromData(out, shape);
  }
  const call = new StackCall(wasm.rt);
  try {
    const src = call.input(op, ys);
    const g = call.input(op, gates);
    const wk = call.floats(w);
    const rows = call.indexMaps(rowOf, Lmax);
    const lengths = call.ints(rowOf.map((r) => r.length));
    const mean = call.alloc(8 * B * K * Lmax);
    const rstd = call.alloc(8 * B * K * Lmax);
    const dst = call.output(B * T * E);
    const sBlock = 256;
    const sBlocks = Math.ceil(Lmax / sBlock);
    const tiles = Math.ceil(E / MERGE_TILE);
    const args = call.params((p) => {
      p[SM_YS] = src;
      p[SM_GATES] = g;
      p[SM_WEIGHTS] = wk;
      p[SM_OUT] = dst;
      p[SM_E] = E;
      p[SM_K] = K;
      p[SM_LMAX] = Lmax;
      p[SM_T] = T;
      p[SM_ROWS] = rows;
      p[SM_LENGTHS] = lengths;
      p[SM_MEAN] = mean;
      p[SM_RSTD] = rstd;
      p[SM_S_BLOCKS] = sBlocks;
      p[SM_S_BLOCK] = sBlock;
      p[SM_TILES] = tiles;
      new Float64Array(p.buffer, p.byteOffset + 4 * SM_EPS, 1)[0] = eps;
    });
    call.run(wasm.kernels.searchStats, args, B * K * sBlocks, ys.size);
    call.run(wasm.kernels.searchMerge, args, B * tiles, ys.size, true);
    return call.result(dst, shape);
  } finally {
    call.release();
  }
}
