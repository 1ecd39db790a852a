import type { BackendGrads, ScanProblem } from '../types.js';

/** [start, end) batch ranges of at most `step` elements. */
export function batchSlices(batch: number, step: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let b = 0; b < batch; b += step) out.push([b, Math.min(batch, b + step)]);
  return out;
}

/** The sub-problem of batch elements [b0, b1): views, no copies. */
export function problemSlice(p: ScanProblem, b0: number, b1: number): ScanProblem {
  const seq = p.dim * p.length;
  const bc = p.groups * p.dstate * p.length;
  return {
    ...p,
    batch: b1 - b0,
    u: p.u.subarray(b0 * seq, b1 * seq),
    delta: p.delta.subarray(b0 * seq, b1 * seq),
    z: p.z?.subarray(b0 * seq, b1 * seq),
    B: p.B.subarray(b0 * bc, b1 * bc),
    C: p.C.subarray(b0 * bc, b1 * bc),
  };
}

export function concatSlices(parts: readonly ArrayLike<number>[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of parts) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** Element-wise sum of equally long arrays, accumulated in float64 in slice order. */
export function sumInto(parts: readonly Float32Array[]): Float32Array {
  const acc = new Float64Array(parts[0].length);
  for (const a of parts) for (let i = 0; i < a.length; i++) acc[i] += a[i];
  return Float32Array.from(acc);
}

/** The gradients of a problem with no elements (batch · dim · length = 0): zero arrays of the inputs' sizes. */
export function zeroGrads(p: ScanProblem): BackendGrads {
  const z = (n: number) => new Float32Array(n);
  return {
    du: z(p.u.length),
    ddelta: z(p.delta.length),
    dA: z(p.A.length),
    dB: z(p.B.length),
    dC: z(p.C.length),
    dD: p.D ? z(p.dim) : undefined,
    dz: p.z ? z(p.z.length) : undefined,
    ddeltaBias: p.deltaBias ? z(p.dim) : undefined,
  };
}
