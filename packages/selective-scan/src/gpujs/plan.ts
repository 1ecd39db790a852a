import { type GpuInput, type GpuInstance, input, type Kernel, type Pipeline } from './lib.js';
import type { ScanProblem } from '../types.js';
import { concatSlices } from '../webgpu/slicing.js';
import * as k from './kernels.js';

/** Sizes that fix one set of compiled kernels (gpu.js bakes constants and output sizes into each kernel). */
export interface PlanShape {
  batch: number;
  dim: number;
  length: number;
  dstate: number;
  groups: number;
  chunk: number;
  softplus: boolean;
  hasZ: boolean;
}

export function planKey(s: PlanShape): string {
  return `${s.batch}x${s.dim}x${s.length}x${s.dstate}g${s.groups}k${s.chunk}${s.softplus ? 's' : ''}${s.hasZ ? 'z' : ''}`;
}

/** What the last pipeline call ran on, as gpu.js reports it. */
export interface ExecutorReport {
  executorKind: string;
  backend: string | null;
  fallbackReason: string | null;
}

/**
 * The compiled kernels and the two createPipeline plans (forward; backward with its own recomputation of the
 * forward's chunk states) for one shape. Intermediates stay in device memory inside each plan; one readback at the end.
 */
export class GpujsPlan {
  readonly forward: Pipeline;
  readonly backward: Pipeline;
  private readonly kernels: Kernel[] = [];
  private readonly dummy: GpuInput;

  constructor(
    private readonly gpu: GpuInstance,
    readonly shape: PlanShape,
  ) {
    const { batch: BS, dim: D, length: L, dstate: N, groups: G, chunk: K } = shape;
    const NC = Math.ceil(L / K);
    const BD = BS * D;
    const BG = BS * G;
    const constants = { L, D, N, G, DG: D / G, K, NC, BS, softplus: shape.softplus ? 1 : 0, hasZ: shape.hasZ ? 1 : 0 };
    const loopMax = Math.max(K, N, D / G, BS * NC, 2) + 1;
    const make = (fn: object, output: number[]): Kernel => {
      const kernel = gpu.createKernel(fn, { output, constants, tactic: 'precision', precision: 'single', loopMaxIterations: loopMax });
      this.kernels.push(kernel);
      return kernel;
    };
    const seq = [L, BD];
    const chunks = [NC, N, BD];
    const states = [L, N, BD];
    const stepSize = make(k.stepSizeKernel, seq);
    const chunkEnd = make(k.chunkEndKernel, chunks);
    const chunkDecay = make(k.chunkDecayKernel, chunks);
    const carryState = make(k.carryStateKernel, chunks);
    const carryDecay = make(k.carryDecayKernel, chunks);
    const carryStateRev = make(k.carryStateReverseKernel, chunks);
    const carryDecayRev = make(k.carryDecayReverseKernel, chunks);
    const output = make(k.outputKernel, seq);
    const lastState = make(k.lastStateKernel, [N, BD]);
    const gateGrad = make(k.gateGradKernel, seq);
    const chunkStartGrad = make(k.chunkStartGradKernel, chunks);
    const state = make(k.stateKernel, states);
    const stateGrad = make(k.stateGradKernel, states);
    const inputGrad = make(k.inputGradKernel, seq);
    const stepGrad = make(k.stepGradKernel, seq);
    const gateInputGrad = make(k.gateInputGradKernel, seq);
    const bGrad = make(k.bGradKernel, [L, N, BG]);
    const cGrad = make(k.cGradKernel, [L, N, BG]);
    const decayGradPart = make(k.decayGradPartKernel, chunks);
    const decayGrad = make(k.decayGradKernel, [N, D]);
    const rowPart = make(k.rowPartKernel, [NC, BD]);
    const rowTotal = make(k.rowTotalKernel, [D]);
    this.dummy = input(new Float32Array(1), [1, 1]);
    const hasZ = shape.hasZ;

    // Orchestration runs once at trace time; gpu.js unrolls the loops into a static plan of kernel steps.
    type H = unknown;
    const chunkStates = (dt: H, u: H, B: H, prm: H): H => {
      let Hc = chunkEnd(dt, u, B, prm);
      let P = chunkDecay(dt, prm, 0);
      for (let s = 1; s < NC; s *= 2) {
        const next = carryState(P, Hc, s);
        P = carryDecay(P, s);
        Hc = next;
      }
      return Hc;
    };
    this.forward = gpu.createPipeline(function forwardPlan(delta: H, u: H, z: H, B: H, C: H, prm: H) {
      const dt = stepSize(delta, prm);
      const Hinc = chunkStates(dt, u, B, prm);
      return { out: output(dt, u, z, B, C, prm, Hinc), lastState: lastState(Hinc) };
    });
    this.backward = gpu.createPipeline(function backwardPlan(delta: H, u: H, z: H, B: H, C: H, prm: H, dout: H) {
      const dt = stepSize(delta, prm);
      const Hinc = chunkStates(dt, u, B, prm);
      const gy = gateGrad(dout, z);
      let R = chunkStartGrad(dt, C, gy, prm);
      let Q = chunkDecay(dt, prm, 1);
      for (let s = 1; s < NC; s *= 2) {
        const next = carryStateRev(Q, R, s);
        Q = carryDecayRev(Q, s);
        R = next;
      }
      const Hs = state(dt, u, B, prm, Hinc);
      const DHs = stateGrad(dt, C, gy, prm, R);
      const ddelta = stepGrad(delta, dt, u, B, prm, Hs, DHs);
      const result: Record<string, H> = {
        du: inputGrad(dt, gy, B, prm, DHs),
        ddelta,
        dB: bGrad(dt, u, DHs),
        dC: cGrad(gy, Hs),
        dA: decayGrad(decayGradPart(dt, u, B, Hs, DHs)),
        dD: rowTotal(rowPart(gy, u, 0)),
        ddeltaBias: rowTotal(rowPart(ddelta, ddelta, 1)),
      };
      if (hasZ) result.dz = gateInputGrad(dout, z, u, C, prm, Hs);
      return result;
    });
  }

  /** The pipeline arguments for a (batch-sliced) problem: 2-D and 3-D views over the flat arrays. */
  inputs(p: ScanProblem): GpuInput[] {
    const { batch: BS, dim: D, length: L, dstate: N, groups: G } = this.shape;
    const prm = new Float32Array((N + 2) * D);
    for (let d = 0; d < D; d++) {
      prm.set(p.A.subarray(d * N, (d + 1) * N), d * (N + 2));
      prm[d * (N + 2) + N] = p.D ? p.D[d] : 0;
      prm[d * (N + 2) + N + 1] = p.deltaBias ? p.deltaBias[d] : 0;
    }
    return [
      input(p.delta, [L, BS * D]),
      input(p.u, [L, BS * D]),
      p.z ? input(p.z, [L, BS * D]) : this.dummy,
      input(p.B, [L, N, BS * G]),
      input(p.C, [L, N, BS * G]),
      input(prm, [N + 2, D]),
    ];
  }

  report(which: 'forward' | 'backward'): ExecutorReport {
    const pipe = which === 'forward' ? this.forward : this.backward;
    // GL kernels all report the mode 'gpu'; the GPU instance knows which GL mode it was created in
    const backend = pipe.backend === 'gpu' ? this.gpu.mode : pipe.backend;
    return { executorKind: pipe.executorKind, backend, fallbackReason: pipe.fallbackReason ?? null };
  }

  destroy(): void {
    this.forward.destroy();
    this.backward.destroy();
    for (const kernel of this.kernels) kernel.destroy();
  }
}

/** Flattens what a gpu.js kernel or pipeline returns (typed array, rows, or planes of rows) into one Float32Array. */
export function flatten(value: unknown): Float32Array {
  if (value instanceof Float32Array) return value;
  const parts: ArrayLike<number>[] = [];
  const walk = (v: unknown): void => {
    if (ArrayBuffer.isView(v)) parts.push(v as unknown as ArrayLike<number>);
    else if (Array.isArray(v)) {
      if (v.length > 0 && typeof v[0] === 'number') parts.push(v as number[]);
      else for (const x of v) walk(x);
    } else throw new TypeError(`gpu.js returned an unexpected ${typeof v}`);
  };
  walk(value);
  return concatSlices(parts);
}
