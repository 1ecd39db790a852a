import type { BackendForward, BackendGrads, ScanProblem } from './types.js';

/** A ScanProblem whose arrays may be any numeric arrays (Float64Array for finite-difference checks). */
export type ScanProblemLike = {
  [K in keyof ScanProblem]: ScanProblem[K] extends Float32Array
    ? ArrayLike<number>
    : ScanProblem[K] extends Float32Array | undefined
      ? ArrayLike<number> | undefined
      : ScanProblem[K];
};

/**
 * The double-precision oracle: a direct port of the maths of `mamba_ssm.selective_scan_ref` (and of the backward
 * formulas of selective-scan.md §2.1), sequential over L, storing the whole state trajectory per (b, d).
 * Slow and simple on purpose; every other backend is tested against it.
 */

function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Δ for one (b, d) row: delta + bias, softplus when asked. */
function stepSizes(p: ScanProblemLike, b: number, d: number): Float64Array {
  const L = p.length;
  const base = (b * p.dim + d) * L;
  const bias = p.deltaBias ? p.deltaBias[d] : 0;
  const dt = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    const v = p.delta[base + l] + bias;
    dt[l] = p.deltaSoftplus ? softplus(v) : v;
  }
  return dt;
}

/** Runs the recurrence for one (b, d), returning y (before D and gate) and the state trajectory h (L × N). */
function scanRow(p: ScanProblemLike, b: number, d: number, dt: Float64Array): { y: Float64Array; h: Float64Array } {
  const { length: L, dstate: N, dim, groups } = p;
  const g = Math.floor(d / (dim / groups));
  const row = (b * dim + d) * L;
  const bcBase = (b * groups + g) * N * L;
  const y = new Float64Array(L);
  const h = new Float64Array(L * N);
  const state = new Float64Array(N);
  for (let l = 0; l < L; l++) {
    const du = dt[l] * p.u[row + l];
    let acc = 0;
    for (let n = 0; n < N; n++) {
      const s = Math.exp(dt[l] * p.A[d * N + n]) * state[n] + du * p.B[bcBase + n * L + l];
      state[n] = s;
      h[l * N + n] = s;
      acc += s * p.C[bcBase + n * L + l];
    }
    y[l] = acc;
  }
  return { y, h };
}

export function referenceForward(p: ScanProblem): BackendForward {
  const r = referenceForward64(p);
  return { out: Float32Array.from(r.out), lastState: Float32Array.from(r.lastState) };
}

/** The forward in float64 throughout, outputs included (for finite-difference gradient checks). */
export function referenceForward64(p: ScanProblemLike): { out: Float64Array; lastState: Float64Array } {
  const { batch, dim, length: L, dstate: N } = p;
  const out = new Float64Array(batch * dim * L);
  const lastState = new Float64Array(batch * dim * N);
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < dim; d++) {
      const dt = stepSizes(p, b, d);
      const { y, h } = scanRow(p, b, d, dt);
      const row = (b * dim + d) * L;
      const Dd = p.D ? p.D[d] : 0;
      for (let l = 0; l < L; l++) {
        let o = y[l] + Dd * p.u[row + l];
        if (p.z) {
          const z = p.z[row + l];
          o *= z * sigmoid(z);
        }
        out[row + l] = o;
      }
      if (L > 0) for (let n = 0; n < N; n++) lastState[(b * dim + d) * N + n] = h[(L - 1) * N + n];
    }
  }
  return { out, lastState };
}

export function referenceBackward(p: ScanProblemLike, _forward: BackendForward | undefined, dout: ArrayLike<number>): BackendGrads {
  const { batch, dim, length: L, dstate: N, groups } = p;
  const du = new Float32Array(batch * dim * L);
  const ddelta = new Float32Array(batch * dim * L);
  const dz = p.z ? new Float32Array(batch * dim * L) : undefined;
  const dA = new Float64Array(dim * N);
  const dB = new Float64Array(batch * groups * N * L);
  const dC = new Float64Array(batch * groups * N * L);
  const dD = new Float64Array(dim);
  const dBias = new Float64Array(dim);
  const dh = new Float64Array(N);
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < dim; d++) {
      const g = Math.floor(d / (dim / groups));
      const row = (b * dim + d) * L;
      const bcBase = (b * groups + g) * N * L;
      const dt = stepSizes(p, b, d);
      const { y, h } = scanRow(p, b, d, dt);
      const Dd = p.D ? p.D[d] : 0;
      const gy = new Float64Array(L);
      for (let l = 0; l < L; l++) {
        const g0 = dout[row + l];
        if (p.z && dz) {
          const z = p.z[row + l];
          const s = sigmoid(z);
          const pre = y[l] + Dd * p.u[row + l];
          dz[row + l] = g0 * pre * s * (1 + z * (1 - s));
          gy[l] = g0 * z * s;
        } else {
          gy[l] = g0;
        }
      }
      dh.fill(0);
      for (let l = L - 1; l >= 0; l--) {
        const u = p.u[row + l];
        let sumDhB = 0;
        let sumDhAa = 0;
        for (let n = 0; n < N; n++) {
          const a = p.A[d * N + n];
          // dh[l] = Abar[l+1]·dh[l+1] + C[l]·gy[l]
          const next = l + 1 < L ? Math.exp(dt[l + 1] * a) * dh[n] : 0;
          const cur = next + p.C[bcBase + n * L + l] * gy[l];
          dh[n] = cur;
          const hPrev = l > 0 ? h[(l - 1) * N + n] : 0;
          const decayed = Math.exp(dt[l] * a) * hPrev; // a[l,n] = Abar[l]·h[l−1]
          const bv = p.B[bcBase + n * L + l];
          sumDhB += cur * bv;
          sumDhAa += cur * a * decayed;
          dA[d * N + n] += dt[l] * cur * decayed;
          dB[bcBase + n * L + l] += cur * dt[l] * u;
          dC[bcBase + n * L + l] += gy[l] * h[l * N + n];
        }
        du[row + l] = Dd * gy[l] + dt[l] * sumDhB;
        dD[d] += gy[l] * u;
        let dDelta = u * sumDhB + sumDhAa;
        if (p.deltaSoftplus) {
          const v = p.delta[row + l] + (p.deltaBias ? p.deltaBias[d] : 0);
          if (v <= 20) dDelta *= sigmoid(v);
        }
        ddelta[row + l] = dDelta;
        dBias[d] += dDelta;
      }
    }
  }
  return {
    du,
    ddelta,
    dA: Float32Array.from(dA),
    dB: Float32Array.from(dB),
    dC: Float32Array.from(dC),
    dD: p.D ? Float32Array.from(dD) : undefined,
    dz,
    ddeltaBias: p.deltaBias ? Float32Array.from(dBias) : undefined,
  };
}
