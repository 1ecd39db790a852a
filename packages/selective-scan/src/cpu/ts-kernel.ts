import type { BackendForward, BackendGrads, ScanProblem } from '../types.js';
import { type ChunkStates, chunkCount, transposeStateTime } from './layout.js';

/**
 * The fused CPU algorithm in plain TypeScript, the fallback where WebAssembly SIMD is unavailable: one pass over
 * L per channel with the states in a Float32Array, B/C read as (length, dstate), chunk-end states kept for the
 * backward, which recomputes each chunk from its start state and runs the reverse scan (selective-scan.md §2).
 */

function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

function softplusGrad(x: number): number {
  return x > 20 ? 1 : 1 / (1 + Math.exp(-x));
}

function transposedBC(p: ScanProblem): { Bt: Float32Array; Ct: Float32Array } {
  const rows = p.batch * p.groups;
  const Bt = new Float32Array(p.B.length);
  const Ct = new Float32Array(p.C.length);
  transposeStateTime(p.B, Bt, rows, p.dstate, p.length);
  transposeStateTime(p.C, Ct, rows, p.dstate, p.length);
  return { Bt, Ct };
}

/** Offsets of channel d of batch element b (its (length) row, its group's B/C block, its A row and stored states) and its scalars. */
function channelRow(p: ScanProblem, b: number, d: number, nC: number) {
  const { dim, length: L, dstate: N, groups: G } = p;
  const g = Math.floor(d / (dim / G));
  return {
    row: (b * dim + d) * L,
    bc: (b * G + g) * L * N,
    bias: p.deltaBias ? p.deltaBias[d] : 0,
    Dd: p.D ? p.D[d] : 0,
    aRow: d * N,
    sRow: (b * dim + d) * nC * N,
  };
}

export function tsForward(p: ScanProblem, chunkSize: number): BackendForward & { saved: ChunkStates } {
  const { batch, dim, length: L, dstate: N } = p;
  const nC = chunkCount(L, chunkSize);
  const { Bt, Ct } = transposedBC(p);
  const out = new Float32Array(batch * dim * L);
  const lastState = new Float32Array(batch * dim * N);
  const states = new Float32Array(batch * dim * nC * N);
  const h = new Float32Array(N);
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < dim; d++) {
      const { row, bc, bias, Dd, aRow, sRow } = channelRow(p, b, d, nC);
      h.fill(0);
      for (let c = 0; c < nC; c++) {
        const l1 = Math.min(L, (c + 1) * chunkSize);
        for (let l = c * chunkSize; l < l1; l++) {
          const raw = p.delta[row + l] + bias;
          const dl = p.deltaSoftplus ? softplus(raw) : raw;
          const u = p.u[row + l];
          const du = dl * u;
          const o = bc + l * N;
          let acc = 0;
          for (let n = 0; n < N; n++) {
            h[n] = Math.exp(dl * p.A[aRow + n]) * h[n] + du * Bt[o + n];
            acc += h[n] * Ct[o + n];
          }
          let y = acc + Dd * u;
          if (p.z) {
            const z = p.z[row + l];
            y *= z / (1 + Math.exp(-z));
          }
          out[row + l] = y;
        }
        states.set(h, sRow + c * N);
      }
      lastState.set(h, (b * dim + d) * N);
    }
  }
  return { out, lastState, saved: { kind: 'cpu-chunk-states', chunkSize, states } };
}

export function tsBackward(p: ScanProblem, saved: ChunkStates, dout: Float32Array): BackendGrads {
  const { batch, dim, length: L, dstate: N, groups: G } = p;
  const CH = saved.chunkSize;
  const nC = chunkCount(L, CH);
  const { Bt, Ct } = transposedBC(p);
  const du = new Float32Array(batch * dim * L);
  const ddelta = new Float32Array(batch * dim * L);
  const dz = p.z ? new Float32Array(batch * dim * L) : undefined;
  const dA = new Float64Array(dim * N);
  const dBt = new Float64Array(p.B.length);
  const dCt = new Float64Array(p.C.length);
  const dD = new Float64Array(dim);
  const dBias = new Float64Array(dim);
  const traj = new Float32Array((CH + 1) * N);
  const abar = new Float32Array(CH * N);
  const carry = new Float32Array(N);
  const dlS = new Float32Array(CH);
  const gyS = new Float32Array(CH);
  const sgS = new Float32Array(CH);
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < dim; d++) {
      const { row, bc, bias, Dd, aRow, sRow } = channelRow(p, b, d, nC);
      carry.fill(0);
      for (let c = nC - 1; c >= 0; c--) {
        const l0 = c * CH;
        const l1 = Math.min(L, l0 + CH);
        if (c === 0) traj.fill(0, 0, N);
        else traj.set(saved.states.subarray(sRow + (c - 1) * N, sRow + c * N), 0);
        for (let l = l0; l < l1; l++) {
          const k = l - l0;
          const raw = p.delta[row + l] + bias;
          const dl = p.deltaSoftplus ? softplus(raw) : raw;
          const u = p.u[row + l];
          const dul = dl * u;
          const o = bc + l * N;
          let acc = 0;
          for (let n = 0; n < N; n++) {
            const ab = Math.exp(dl * p.A[aRow + n]);
            abar[k * N + n] = ab;
            const h = (traj[(k + 1) * N + n] = ab * traj[k * N + n] + dul * Bt[o + n]);
            acc += h * Ct[o + n];
          }
          const g0 = dout[row + l];
          let gy = g0;
          if (p.z && dz) {
            const z = p.z[row + l];
            const s = 1 / (1 + Math.exp(-z));
            dz[row + l] = g0 * (acc + Dd * u) * s * (1 + z * (1 - s));
            gy = g0 * z * s;
          }
          dlS[k] = dl;
          gyS[k] = gy;
          if (p.deltaSoftplus) sgS[k] = softplusGrad(raw);
        }
        for (let l = l1 - 1; l >= l0; l--) {
          const k = l - l0;
          const dl = dlS[k];
          const gy = gyS[k];
          const u = p.u[row + l];
          const dul = dl * u;
          const o = bc + l * N;
          let sumB = 0;
          let sumAa = 0;
          for (let n = 0; n < N; n++) {
            const dh = carry[n] + gy * Ct[o + n];
            const ab = abar[k * N + n];
            const t = dh * ab * traj[k * N + n];
            sumB += dh * Bt[o + n];
            sumAa += t * p.A[aRow + n];
            dA[aRow + n] += dl * t;
            dBt[o + n] += dh * dul;
            dCt[o + n] += gy * traj[(k + 1) * N + n];
            carry[n] = ab * dh;
          }
          dD[d] += gy * u; // every reduction runs in reverse step order, whatever the chunking
          du[row + l] = Dd * gy + dl * sumB;
          let dd = u * sumB + sumAa;
          if (p.deltaSoftplus) dd *= sgS[k];
          ddelta[row + l] = dd;
          dBias[d] += dd;
        }
      }
    }
  }
  // (length, dstate) back to (dstate, length): the transpose with the two axes' roles swapped
  const dB = new Float32Array(p.B.length);
  const dC = new Float32Array(p.C.length);
  transposeStateTime(dBt, dB, batch * G, L, N);
  transposeStateTime(dCt, dC, batch * G, L, N);
  return {
    du,
    ddelta,
    dA: Float32Array.from(dA),
    dB,
    dC,
    dD: p.D ? Float32Array.from(dD) : undefined,
    dz,
    ddeltaBias: p.deltaBias ? Float32Array.from(dBias) : undefined,
  };
}
