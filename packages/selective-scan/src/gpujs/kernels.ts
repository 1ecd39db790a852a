import type { IKernelFunctionThis } from 'gpu.js';

/**
 * gpu.js kernel functions of the chunked selective scan. gpu.js parses each function's source text, so the bodies
 * stay flat (no nested functions or arrows: tsx's keepNames would inject `__name` calls into them) and only use what
 * its translators know. Every loop bound is a constant, so no backend truncates a loop at loopMaxIterations.
 *
 * Layouts (x fastest): per-(b, d, l) arrays are [L, BD] with bd = b·D + d; B and C are [L, N, BG] with
 * bg = b·G + g; per-chunk arrays are [NC, N, BD]; per-state arrays are [L, N, BD]; prm is [N + 2, D]
 * holding A[d, n], then D[d] at column N and delta_bias[d] at column N + 1 (zeros when absent).
 * Integer division uses floor((i + 0.5) / m), exact for the index ranges involved even with inexact f32 division.
 */
export interface ScanConstants {
  /** Sequence length, channels, state size, groups, channels per group. */
  L: number;
  D: number;
  N: number;
  G: number;
  DG: number;
  /** Chunk length and number of chunks. */
  K: number;
  NC: number;
  /** Batch elements in this slice. */
  BS: number;
  /** 1 when delta passes through softplus, when z gates the output. */
  softplus: number;
  hasZ: number;
  [key: string]: number;
}

type K = IKernelFunctionThis<ScanConstants>;
type A2 = number[][];
type A3 = number[][][];

/** Δ = softplus(delta + bias) (accurate form of selective-scan.md §6.2) or delta + bias. Output [L, BD]. */
export function stepSizeKernel(this: K, delta: A2, prm: A2): number {
  const l = this.thread.x;
  const bd = this.thread.y;
  const b = Math.floor((bd + 0.5) / this.constants.D);
  const d = bd - b * this.constants.D;
  let v = delta[bd][l] + prm[d][this.constants.N + 1];
  if (this.constants.softplus > 0) {
    if (v <= 20) {
      const t = Math.exp(v);
      if (v >= 0) {
        v = Math.log(1 + t);
      } else {
        const s = t / (2 + t);
        const s2 = s * s;
        v =
          2 *
          s *
          (1 +
            s2 *
              (0.33333333 + s2 * (0.2 + s2 * (0.14285714 + s2 * (0.11111111 + s2 * (0.09090909 + s2 * (0.07692308 + s2 * 0.06666667)))))));
      }
    }
  }
  return v;
}

/** End state of each chunk scanned from a zero state. Output [NC, N, BD]. */
export function chunkEndKernel(this: K, dt: A2, u: A2, B: A3, prm: A2): number {
  const c = this.thread.x;
  const n = this.thread.y;
  const bd = this.thread.z;
  const b = Math.floor((bd + 0.5) / this.constants.D);
  const d = bd - b * this.constants.D;
  const g = Math.floor((d + 0.5) / this.constants.DG);
  const bg = b * this.constants.G + g;
  const a = prm[d][n];
  let h = 0;
  for (let i = 0; i < this.constants.K; i++) {
    const l = c * this.constants.K + i;
    if (l < this.constants.L) {
      const s = dt[bd][l];
      h = Math.exp(s * a) * h + s * u[bd][l] * B[bg][n][l];
    }
  }
  return h;
}

/** Decay of each chunk, Π Abar = exp(A · Σ Δ), with Δ summed from chunk start + shift (shift 1: the reverse scan's). */
export function chunkDecayKernel(this: K, dt: A2, prm: A2, shift: number): number {
  const c = this.thread.x;
  const n = this.thread.y;
  const bd = this.thread.z;
  const b = Math.floor((bd + 0.5) / this.constants.D);
  const d = bd - b * this.constants.D;
  let sum = 0;
  for (let i = 0; i < this.constants.K; i++) {
    const l = c * this.constants.K + i + shift;
    if (l < this.constants.L) {
      sum += dt[bd][l];
    }
  }
  return Math.exp(prm[d][n] * sum);
}

/** One Hillis–Steele step over chunks, state part: h[c] ← P[c]·h[c − stride] + h[c]. Output [NC, N, BD]. */
export function carryStateKernel(this: K, P: A3, H: A3, stride: number): number {
  const c = this.thread.x;
  const n = this.thread.y;
  const bd = this.thread.z;
  let h = H[bd][n][c];
  if (c >= stride) {
    h = P[bd][n][c] * H[bd][n][c - stride] + h;
  }
  return h;
}

/** One Hillis–Steele step over chunks, decay part: P[c] ← P[c]·P[c − stride]. Output [NC, N, BD]. */
export function carryDecayKernel(this: K, P: A3, stride: number): number {
  const c = this.thread.x;
  const n = this.thread.y;
  const bd = this.thread.z;
  let q = P[bd][n][c];
  if (c >= stride) {
    q = q * P[bd][n][c - stride];
  }
  return q;
}

/** Reverse Hillis–Steele step, state part: r[c] ← Q[c]·r[c + stride] + r[c]. Output [NC, N, BD]. */
export function carryStateReverseKernel(this: K, Q: A3, R: A3, stride: number): number {
  const c = this.thread.x;
  const n = this.thread.y;
  const bd = this.thread.z;
  let r = R[bd][n][c];
  if (c + stride < this.constants.NC) {
    r = Q[bd][n][c] * R[bd][n][c + stride] + r;
  }
  return r;
}

/** Reverse Hillis–Steele step, decay part: Q[c] ← Q[c]·Q[c + stride]. Output [NC, N, BD]. */
export function carryDecayReverseKernel(this: K, Q: A3, stride: number): number {
  const c = this.thread.x;
  const n = this.thread.y;
  const bd = this.thread.z;
  let q = Q[bd][n][c];
  if (c + stride < this.constants.NC) {
    q = q * Q[bd][n][c + stride];
  }
  return q;
}

/**
 * Output y + D·u (times silu(z)) at (l, bd): per state, replay the recurrence from the chunk's start state (the
 * inclusive carry of the previous chunk) up to l, then y = Σ_n C·h. Output [L, BD].
 */
export function outputKernel(this: K, dt: A2, u: A2, z: A2, B: A3, C: A3, prm: A2, Hinc: A3): number {
  const l = this.thread.x;
  const bd = this.thread.y;
  const b = Math.floor((bd + 0.5) / this.constants.D);
  const d = bd - b * this.constants.D;
  const g = Math.floor((d + 0.5) / this.constants.DG);
  const bg = b * this.constants.G + g;
  const c = Math.floor((l + 0.5) / this.constants.K);
  const start = c * this.constants.K;
  let y = 0;
  for (let n = 0; n < this.constants.N; n++) {
    const a = prm[d][n];
    let h = 0;
    if (c > 0) {
      h = Hinc[bd][n][c - 1];
    }
    for (let i = 0; i < this.constants.K; i++) {
      const k = start + i;
      if (k <= l) {
        const s = dt[bd][k];
        h = Math.exp(s * a) * h + s * u[bd][k] * B[bg][n][k];
      }
    }
    y += C[bg][n][l] * h;
  }
  let o = y + prm[d][this.constants.N] * u[bd][l];
  if (this.constants.hasZ > 0) {
    const zv = z[bd][l];
    o = (o * zv) / (1 + Math.exp(-zv));
  }
  return o;
}

/** The state after the last step: the inclusive carry of the last chunk. Output [N, BD]. */
export function lastStateKernel(this: K, Hinc: A3): number {
  return Hinc[this.thread.y][this.thread.x][this.constants.NC - 1];
}

/** Gradient reaching y: dout·silu(z), or dout. Output [L, BD]. */
export function gateGradKernel(this: K, dout: A2, z: A2): number {
  const l = this.thread.x;
  const bd = this.thread.y;
  let gy = dout[bd][l];
  if (this.constants.hasZ > 0) {
    const zv = z[bd][l];
    gy = (gy * zv) / (1 + Math.exp(-zv));
  }
  return gy;
}

/** dh at the first step of each chunk for a zero dh after the chunk: the local reverse scan. Output [NC, N, BD]. */
export function chunkStartGradKernel(this: K, dt: A2, C: A3, gy: A2, prm: A2): number {
  const c = this.thread.x;
  const n = this.thread.y;
  const bd = this.thread.z;
  const b = Math.floor((bd + 0.5) / this.constants.D);
  const d = bd - b * this.constants.D;
  const g = Math.floor((d + 0.5) / this.constants.DG);
  const bg = b * this.constants.G + g;
  const a = prm[d][n];
  const end = (c + 1) * this.constants.K;
  let dh = 0;
  for (let i = 0; i < this.constants.K; i++) {
    const k = end - 1 - i;
    if (k < this.constants.L) {
      if (k + 1 < end && k + 1 < this.constants.L) {
        dh = Math.exp(dt[bd][k + 1] * a) * dh;
      }
      dh = dh + C[bg][n][k] * gy[bd][k];
    }
  }
  return dh;
}

/** h at every (l, n): replay from the chunk's start state. Output [L, N, BD]. */
export function stateKernel(this: K, dt: A2, u: A2, B: A3, prm: A2, Hinc: A3): number {
  const l = this.thread.x;
  const n = this.thread.y;
  const bd = this.thread.z;
  const b = Math.floor((bd + 0.5) / this.constants.D);
  const d = bd - b * this.constants.D;
  const g = Math.floor((d + 0.5) / this.constants.DG);
  const bg = b * this.constants.G + g;
  const c = Math.floor((l + 0.5) / this.constants.K);
  const start = c * this.constants.K;
  const a = prm[d][n];
  let h = 0;
  if (c > 0) {
    h = Hinc[bd][n][c - 1];
  }
  for (let i = 0; i < this.constants.K; i++) {
    const k = start + i;
    if (k <= l) {
      const s = dt[bd][k];
      h = Math.exp(s * a) * h + s * u[bd][k] * B[bg][n][k];
    }
  }
  return h;
}

/** dh at every (l, n): replay the reverse recurrence from the next chunk's first dh. Output [L, N, BD]. */
export function stateGradKernel(this: K, dt: A2, C: A3, gy: A2, prm: A2, Rinc: A3): number {
  const l = this.thread.x;
  const n = this.thread.y;
  const bd = this.thread.z;
  const b = Math.floor((bd + 0.5) / this.constants.D);
  const d = bd - b * this.constants.D;
  const g = Math.floor((d + 0.5) / this.constants.DG);
  const bg = b * this.constants.G + g;
  const c = Math.floor((l + 0.5) / this.constants.K);
  const end = (c + 1) * this.constants.K;
  const a = prm[d][n];
  let dh = 0;
  if (c + 1 < this.constants.NC) {
    dh = Rinc[bd][n][c + 1];
  }
  for (let i = 0; i < this.constants.K; i++) {
    const k = end - 1 - i;
    if (k >= l && k < this.constants.L) {
      let decay = 0;
      if (k + 1 < this.constants.L) {
        decay = Math.exp(dt[bd][k + 1] * a);
      }
      dh = decay * dh + C[bg][n][k] * gy[bd][k];
    }
  }
  return dh;
}

/** du = D·gy + Δ·Σ_n dh·B. Output [L, BD]. */
export function inputGradKernel(this: K, dt: A2, gy: A2, B: A3, prm: A2, DH: A3): number {
  const l = this.thread.x;
  const bd = this.thread.y;
  const b = Math.floor((bd + 0.5) / this.constants.D);
  const d = bd - b * this.constants.D;
  const g = Math.floor((d + 0.5) / this.constants.DG);
  const bg = b * this.constants.G + g;
  let s = 0;
  for (let n = 0; n < this.constants.N; n++) {
    s += DH[bd][n][l] * B[bg][n][l];
  }
  return prm[d][this.constants.N] * gy[bd][l] + dt[bd][l] * s;
}

/** ddelta = (u·Σ dh·B + Σ dh·A·(h − Δ·B·u)) · σ(delta + bias) under softplus. Output [L, BD]. */
export function stepGradKernel(this: K, delta: A2, dt: A2, u: A2, B: A3, prm: A2, H: A3, DH: A3): number {
  const l = this.thread.x;
  const bd = this.thread.y;
  const b = Math.floor((bd + 0.5) / this.constants.D);
  const d = bd - b * this.constants.D;
  const g = Math.floor((d + 0.5) / this.constants.DG);
  const bg = b * this.constants.G + g;
  const s = dt[bd][l];
  const x = u[bd][l];
  let sumB = 0;
  let sumA = 0;
  for (let n = 0; n < this.constants.N; n++) {
    const dh = DH[bd][n][l];
    const bv = B[bg][n][l];
    sumB += dh * bv;
    sumA += dh * prm[d][n] * (H[bd][n][l] - s * bv * x);
  }
  let r = x * sumB + sumA;
  if (this.constants.softplus > 0) {
    const v = delta[bd][l] + prm[d][this.constants.N + 1];
    if (v <= 20) {
      r = r / (1 + Math.exp(-v));
    }
  }
  return r;
}

/** dz = dout · (y + D·u) · σ(z)·(1 + z·(1 − σ(z))). Output [L, BD]. */
export function gateInputGradKernel(this: K, dout: A2, z: A2, u: A2, C: A3, prm: A2, H: A3): number {
  const l = this.thread.x;
  const bd = this.thread.y;
  const b = Math.floor((bd + 0.5) / this.constants.D);
  const d = bd - b * this.constants.D;
  const g = Math.floor((d + 0.5) / this.constants.DG);
  const bg = b * this.constants.G + g;
  let y = prm[d][this.constants.N] * u[bd][l];
  for (let n = 0; n < this.constants.N; n++) {
    y += C[bg][n][l] * H[bd][n][l];
  }
  const zv = z[bd][l];
  const sg = 1 / (1 + Math.exp(-zv));
  return dout[bd][l] * y * sg * (1 + zv * (1 - sg));
}

/** dB[b, g, n, l] = Σ over the group's channels of dh·Δ·u. Output [L, N, BG]. */
export function bGradKernel(this: K, dt: A2, u: A2, DH: A3): number {
  const l = this.thread.x;
  const n = this.thread.y;
  const bg = this.thread.z;
  const b = Math.floor((bg + 0.5) / this.constants.G);
  const g = bg - b * this.constants.G;
  let s = 0;
  for (let j = 0; j < this.constants.DG; j++) {
    const bd = b * this.constants.D + g * this.constants.DG + j;
    s += DH[bd][n][l] * dt[bd][l] * u[bd][l];
  }
  return s;
}

/** dC[b, g, n, l] = Σ over the group's channels of gy·h. Output [L, N, BG]. */
export function cGradKernel(this: K, gy: A2, H: A3): number {
  const l = this.thread.x;
  const n = this.thread.y;
  const bg = this.thread.z;
  const b = Math.floor((bg + 0.5) / this.constants.G);
  const g = bg - b * this.constants.G;
  let s = 0;
  for (let j = 0; j < this.constants.DG; j++) {
    const bd = b * this.constants.D + g * this.constants.DG + j;
    s += gy[bd][l] * H[bd][n][l];
  }
  return s;
}

/** Chunk partial of dA: Σ over the chunk of Δ·dh·(h − Δ·B·u). Output [NC, N, BD]. */
export function decayGradPartKernel(this: K, dt: A2, u: A2, B: A3, H: A3, DH: A3): number {
  const c = this.thread.x;
  const n = this.thread.y;
  const bd = this.thread.z;
  const b = Math.floor((bd + 0.5) / this.constants.D);
  const d = bd - b * this.constants.D;
  const g = Math.floor((d + 0.5) / this.constants.DG);
  const bg = b * this.constants.G + g;
  let s = 0;
  for (let i = 0; i < this.constants.K; i++) {
    const l = c * this.constants.K + i;
    if (l < this.constants.L) {
      const st = dt[bd][l];
      s += st * DH[bd][n][l] * (H[bd][n][l] - st * B[bg][n][l] * u[bd][l]);
    }
  }
  return s;
}

/** dA[d, n] = Σ over batch and chunks of the chunk partials. Output [N, D]. */
export function decayGradKernel(this: K, part: A3): number {
  const n = this.thread.x;
  const d = this.thread.y;
  let s = 0;
  for (let b = 0; b < this.constants.BS; b++) {
    for (let c = 0; c < this.constants.NC; c++) {
      s += part[b * this.constants.D + d][n][c];
    }
  }
  return s;
}

/** Chunk partial of a per-(b, d, l) product: Σ over the chunk of x·y (y = 1 when ones > 0). Output [NC, BD]. */
export function rowPartKernel(this: K, x: A2, y: A2, ones: number): number {
  const c = this.thread.x;
  const bd = this.thread.y;
  let s = 0;
  for (let i = 0; i < this.constants.K; i++) {
    const l = c * this.constants.K + i;
    if (l < this.constants.L) {
      let v = x[bd][l];
      if (ones < 1) {
        v = v * y[bd][l];
      }
      s += v;
    }
  }
  return s;
}

/** Per-channel total of chunk partials over batch and chunks (dD, ddelta_bias). Output [D]. */
export function rowTotalKernel(this: K, part: A2): number {
  const d = this.thread.x;
  let s = 0;
  for (let b = 0; b < this.constants.BS; b++) {
    for (let c = 0; c < this.constants.NC; c++) {
      s += part[b * this.constants.D + d][c];
    }
  }
  return s;
}

/** Every kernel function, for the compile test and the source check. */
export const KERNEL_FUNCTIONS = {
  stepSizeKernel,
  chunkEndKernel,
  chunkDecayKernel,
  carryStateKernel,
  carryDecayKernel,
  carryStateReverseKernel,
  carryDecayReverseKernel,
  outputKernel,
  lastStateKernel,
  gateGradKernel,
  chunkStartGradKernel,
  stateKernel,
  stateGradKernel,
  inputGradKernel,
  stepGradKernel,
  gateInputGradKernel,
  bGradKernel,
  cGradKernel,
  decayGradPartKernel,
  decayGradKernel,
  rowPartKernel,
  rowTotalKernel,
} as const;
