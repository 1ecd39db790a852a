import * as P from '../../assembly/params.js';
import { scanWasm } from '../generated/scan-wasm.js';
import {
  currentScope,
  type Kernel,
  residentAddress,
  residentTensor,
  scopeAlloc,
  type WasmModuleSource,
  type WasmRuntime,
} from '@vssm/wasm';
import type { BackendForward, BackendGrads, ScanProblem } from '../types.js';
import { type ChunkStates, chunkCount, reduceStateTime, transposeStateTime } from './layout.js';

/** The scan kernels compiled from assembly/scan.ts. */
export const SCAN_WASM: WasmModuleSource = { name: 'selective-scan', ...scanWasm };

/** Below this many (b, d, l, n + 2) updates per participant, extra threads cost more than they save. */
export const MIN_WORK_PER_THREAD = 32_768;

/**
 * Rounds a per-participant stride up to whole 256-byte blocks, so that no two threads write the same cache lines
 * (or adjacent-line prefetch pairs): a shared line costs more than the whole N = 1 kernel.
 */
function padStride(bytes: number): number {
  return Math.ceil(bytes / 256) * 256;
}

/** Allocations of one call, released together. */
class Arena {
  private readonly ptrs: number[] = [];
  constructor(private readonly rt: WasmRuntime) {}
  alloc(floats: number): number {
    const ptr = this.rt.alloc(Math.max(1, floats) * 4);
    this.ptrs.push(ptr);
    return ptr;
  }
  release(): void {
    for (const ptr of this.ptrs) this.rt.release(ptr);
    this.ptrs.length = 0;
  }
}

/** Milliseconds spent in the phases of the last call: copying in, the kernel, copying out. */
export interface ScanPhases {
  copyIn: number;
  kernel: number;
  copyOut: number;
}

/** Runs the fused WebAssembly SIMD scan kernels on a runtime (threads as the runtime has them). */
export class WasmScan {
  /** Where the last forward or backward spent its time (for benchmarks). */
  readonly phases: ScanPhases = { copyIn: 0, kernel: 0, copyOut: 0 };

  private constructor(
    private readonly rt: WasmRuntime,
    private readonly forwardKernel: Kernel,
    private readonly backwardKernel: Kernel,
    private readonly scratch: { header: number; forward: (dstate: number) => number; backward: (dstate: number, chunk: number) => number },
    private readonly minWorkPerThread: number,
  ) {}

  static async create(rt: WasmRuntime, minWorkPerThread = MIN_WORK_PER_THREAD): Promise<WasmScan> {
    const module = await rt.load(SCAN_WASM);
    const e = module.exports as Record<string, (...args: number[]) => number>;
    const scratch = { header: e.scan_scratch_header(), forward: e.scan_forward_scratch, backward: e.scan_backward_scratch };
    return new WasmScan(rt, module.kernel('scan_forward'), module.kernel('scan_backward'), scratch, minWorkPerThread);
  }

  private plan(p: ScanProblem): { items: number; parts: number } {
    const items = p.batch * p.groups * Math.ceil(p.dim / p.groups / 4);
    const work = p.batch * p.dim * p.length * (p.dstate + 2);
    const parts = Math.max(1, Math.min(this.rt.threads, items, Math.floor(work / this.minWorkPerThread)));
    return { items, parts };
  }

  /**
   * Allocates the inputs and parameter block shared by forward and backward. The large (batch, dim, length) inputs
   * are read where they are when they already live in this runtime's memory (outputs of wasm ops in a withScratch
   * scope); `copied` lists those that fill() must copy in.
   */
  private stage(p: ScanProblem, arena: Arena, chunkSize: number): { ptr: Record<string, number>; copied: Set<'u' | 'delta' | 'z'> } {
    const { batch, dim, length: L, dstate: N } = p;
    const bdl = batch * dim * L;
    const copied = new Set<'u' | 'delta' | 'z'>();
    const large = (name: 'u' | 'delta' | 'z', values: Float32Array | undefined): number => {
      if (!values) return 0;
      const address = residentAddress(values, this.rt);
      if (address !== undefined) return address;
      copied.add(name);
      return arena.alloc(bdl);
    };
    const ptr: Record<string, number> = {
      args: arena.alloc(P.PARAM_SLOTS),
      u: large('u', p.u),
      delta: large('delta', p.delta),
      A: arena.alloc(dim * N),
      Bt: arena.alloc(p.B.length),
      Ct: arena.alloc(p.C.length),
      D: p.D ? arena.alloc(dim) : 0,
      z: large('z', p.z),
      bias: p.deltaBias ? arena.alloc(dim) : 0,
      states: arena.alloc(batch * dim * chunkCount(L, chunkSize) * N),
    };
    return { ptr, copied };
  }

  /** Copies the inputs in (after every allocation, since growing the memory detaches views) and fills the common slots. */
  private fill(
    p: ScanProblem,
    { ptr, copied }: { ptr: Record<string, number>; copied: Set<'u' | 'delta' | 'z'> },
    chunkSize: number,
  ): Int32Array {
    const rt = this.rt;
    const { batch, dim, length: L, dstate: N, groups: G } = p;
    const bdl = batch * dim * L;
    if (copied.has('u')) rt.f32(ptr.u, bdl).set(p.u);
    if (copied.has('delta')) rt.f32(ptr.delta, bdl).set(p.delta);
    rt.f32(ptr.A, dim * N).set(p.A);
    transposeStateTime(p.B, rt.f32(ptr.Bt, p.B.length), batch * G, N, L);
    transposeStateTime(p.C, rt.f32(ptr.Ct, p.C.length), batch * G, N, L);
    if (p.D) rt.f32(ptr.D, dim).set(p.D);
    if (p.z && copied.has('z')) rt.f32(ptr.z, bdl).set(p.z);
    if (p.deltaBias) rt.f32(ptr.bias, dim).set(p.deltaBias);
    const a = rt.i32(ptr.args, P.PARAM_SLOTS);
    a.fill(0);
    a[P.P_BATCH] = batch;
    a[P.P_DIM] = dim;
    a[P.P_LENGTH] = L;
    a[P.P_DSTATE] = N;
    a[P.P_GROUPS] = G;
    a[P.P_FLAGS] =
      (p.deltaSoftplus ? P.FLAG_SOFTPLUS : 0) | (p.D ? P.FLAG_HAS_D : 0) | (p.z ? P.FLAG_HAS_Z : 0) | (p.deltaBias ? P.FLAG_HAS_BIAS : 0);
    a[P.P_CHUNK] = chunkSize;
    a[P.P_NCHUNKS] = chunkCount(L, chunkSize);
    a[P.P_U] = ptr.u;
    a[P.P_DELTA] = ptr.delta;
    a[P.P_A] = ptr.A;
    a[P.P_BT] = ptr.Bt;
    a[P.P_CT] = ptr.Ct;
    a[P.P_D] = ptr.D;
    a[P.P_Z] = ptr.z;
    a[P.P_BIAS] = ptr.bias;
    a[P.P_STATES] = ptr.states;
    return a;
  }

  async forward(p: ScanProblem, chunkSize: number): Promise<BackendForward & { saved: ChunkStates }> {
    const { batch, dim, length: L, dstate: N } = p;
    const { items, parts } = this.plan(p);
    const arena = new Arena(this.rt);
    const t0 = performance.now();
    try {
      const staged = this.stage(p, arena, chunkSize);
      const ptr = staged.ptr;
      const scratchStride = padStride(this.scratch.header + this.scratch.forward(N));
      // inside a withScratch scope the output stays in wasm memory for the next op to read in place
      const scope = currentScope(this.rt);
      const resident = scope ? scopeAlloc(scope, batch * dim * L) : undefined;
      ptr.out = resident ?? arena.alloc(batch * dim * L);
      ptr.last = arena.alloc(batch * dim * N);
      ptr.scratch = arena.alloc((parts * scratchStride) / 4);
      const a = this.fill(p, staged, chunkSize);
      a[P.P_OUT] = ptr.out;
      a[P.P_LAST] = ptr.last;
      a[P.P_SCRATCH] = ptr.scratch;
      a[P.P_SCRATCH_STRIDE] = scratchStride;
      const t1 = performance.now();
      await this.rt.run(this.forwardKernel, ptr.args, items, { participants: parts });
      const t2 = performance.now();
      this.phases.copyIn = t1 - t0;
      this.phases.kernel = t2 - t1;
      const nStates = batch * dim * chunkCount(L, chunkSize) * N;
      const result = {
        out:
          scope && resident !== undefined
            ? residentTensor(scope, resident, batch * dim * L, [batch * dim * L]).data
            : this.rt.f32(ptr.out, batch * dim * L).slice(),
        lastState: this.rt.f32(ptr.last, batch * dim * N).slice(),
        saved: { kind: 'cpu-chunk-states' as const, chunkSize, states: this.rt.f32(ptr.states, nStates).slice() },
      };
      this.phases.copyOut = performance.now() - t2;
      return result;
    } finally {
      arena.release();
    }
  }

  async backward(p: ScanProblem, saved: ChunkStates, dout: Float32Array): Promise<BackendGrads> {
    const { batch, dim, length: L, dstate: N, groups: G } = p;
    const CH = saved.chunkSize;
    const { items, parts } = this.plan(p);
    const bdl = batch * dim * L;
    const bcSize = p.B.length;
    const bcStride = padStride(bcSize * 4) / 4;
    const arena = new Arena(this.rt);
    const t0 = performance.now();
    try {
      const staged = this.stage(p, arena, CH);
      const ptr = staged.ptr;
      const scratchStride = padStride(this.scratch.header + this.scratch.backward(N, CH));
      ptr.dout = arena.alloc(bdl);
      ptr.du = arena.alloc(bdl);
      ptr.ddelta = arena.alloc(bdl);
      ptr.dz = p.z ? arena.alloc(bdl) : 0;
      ptr.dA = arena.alloc(batch * dim * N);
      ptr.dD = arena.alloc(batch * dim);
      ptr.dBias = arena.alloc(batch * dim);
      ptr.dB = arena.alloc(parts * bcStride);
      ptr.dC = arena.alloc(parts * bcStride);
      ptr.scratch = arena.alloc((parts * scratchStride) / 4);
      const a = this.fill(p, staged, CH);
      const rt = this.rt;
      rt.f32(ptr.states, saved.states.length).set(saved.states);
      rt.f32(ptr.dout, bdl).set(dout);
      rt.f32(ptr.dB, parts * bcStride).fill(0);
      rt.f32(ptr.dC, parts * bcStride).fill(0);
      a[P.P_OUT] = ptr.dout;
      a[P.P_SCRATCH] = ptr.scratch;
      a[P.P_SCRATCH_STRIDE] = scratchStride;
      a[P.P_DU] = ptr.du;
      a[P.P_DDELTA] = ptr.ddelta;
      a[P.P_DZ] = ptr.dz;
      a[P.P_DA_PART] = ptr.dA;
      a[P.P_DD_PART] = ptr.dD;
      a[P.P_DBIAS_PART] = ptr.dBias;
      a[P.P_DB_PART] = ptr.dB;
      a[P.P_DC_PART] = ptr.dC;
      a[P.P_BC_PART_STRIDE] = bcStride * 4;
      // static schedule: each participant accumulates dB/dC over a fixed set of items, so results are reproducible
      const t1 = performance.now();
      await rt.run(this.backwardKernel, ptr.args, items, { participants: parts, schedule: 'static' });
      const t2 = performance.now();
      this.phases.copyIn = t1 - t0;
      this.phases.kernel = t2 - t1;
      const partsOf = (base: number) => Array.from({ length: parts }, (_, i) => rt.f32(base + i * bcStride * 4, bcSize));
      const dB = new Float32Array(bcSize);
      const dC = new Float32Array(bcSize);
      reduceStateTime(partsOf(ptr.dB), dB, batch * G, N, L);
      reduceStateTime(partsOf(ptr.dC), dC, batch * G, N, L);
      const grads: BackendGrads = {
        du: rt.f32(ptr.du, bdl).slice(),
        ddelta: rt.f32(ptr.ddelta, bdl).slice(),
        dz: p.z ? rt.f32(ptr.dz, bdl).slice() : undefined,
        dA: sumOverBatch(rt.f32(ptr.dA, batch * dim * N), batch),
        dB,
        dC,
        dD: p.D ? sumOverBatch(rt.f32(ptr.dD, batch * dim), batch) : undefined,
        ddeltaBias: p.deltaBias ? sumOverBatch(rt.f32(ptr.dBias, batch * dim), batch) : undefined,
      };
      this.phases.copyOut = performance.now() - t2;
      return grads;
    } finally {
      arena.release();
    }
  }
}

/** Sums (batch, rest) over batch in double precision. */
function sumOverBatch(x: Float32Array, batch: number): Float32Array {
  const size = x.length / batch;
  const acc = new Float64Array(size);
  for (let b = 0; b < batch; b++) for (let i = 0; i < size; i++) acc[i] += x[b * size + i];
  return Float32Array.from(acc);
}
