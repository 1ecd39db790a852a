/**
 * Loops over flat row-major Float32Arrays for the stacked multi-direction path: gathers that scan token-major
 * activations straight into the (B, K, C, Lmax) layout of the grouped selective scan, SCAttn's token-mean statistics
 * read in scan order, and the reverse + gate + sum of the K outputs in one pass.
 */

import type { OrderKind } from './direction-stack.js';

/** Channels handled together where a loop also transposes, so the rows being written stay in cache. */
const TILE = 16;

/**
 * dst[b, k, c, s] = src[b, orders[k][s], c0 + c] for c < Cn and the real positions s of each direction: token-major
 * src (B, T, Ctot) into a stack (B, K, Cn, Lmax). Padding positions and the tail beyond L_k are left untouched
 * (zero in a fresh array).
 */
export function gatherTokensToStack(
  src: Float32Array,
  B: number,
  T: number,
  Ctot: number,
  c0: number,
  Cn: number,
  orders: readonly Int32Array[],
  Lmax: number,
  dst: Float32Array,
): void {
  const K = orders.length;
  for (let b = 0; b < B; b++) {
    const sb = b * T * Ctot + c0;
    for (let k = 0; k < K; k++) {
      const order = orders[k];
      const L = order.length;
      const db = (b * K + k) * Cn * Lmax;
      for (let t0 = 0; t0 < Cn; t0 += TILE) {
        const t1 = Math.min(Cn, t0 + TILE);
        for (let s = 0; s < L; s++) {
          const j = order[s];
          if (j < 0) continue;
          let so = sb + j * Ctot + t0;
          let d = db + t0 * Lmax + s;
          for (let c = t0; c < t1; c++, d += Lmax) dst[d] = src[so++];
        }
      }
    }
  }
}

/**
 * dst[b, k, c, s] = src[b, c, orders[k][s]] for the real positions s of each direction: a channel-first src
 * (B, C, T) into a stack (B, K, C, Lmax), row by row. Padding positions and the tail beyond L_k are left untouched.
 * `kinds` (from the direction stack) selects a specialised loop per direction: a block copy for the identity, a
 * reversed copy, an index loop without the padding test for dense orders.
 */
export function gatherRowsToStack(
  src: Float32Array,
  B: number,
  C: number,
  T: number,
  orders: readonly Int32Array[],
  kinds: readonly OrderKind[],
  Lmax: number,
  dst: Float32Array,
): void {
  const K = orders.length;
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < K; k++) {
      const order = orders[k];
      const L = order.length;
      const kind = kinds[k];
      for (let c = 0; c < C; c++) {
        const so = (b * C + c) * T;
        const d = ((b * K + k) * C + c) * Lmax;
        if (kind === 'identity') dst.set(src.subarray(so, so + L), d);
        else if (kind === 'reversed') for (let s = 0, j = so + T - 1; s < L; s++, j--) dst[d + s] = src[j];
        else if (kind === 'dense') for (let s = 0; s < L; s++) dst[d + s] = src[so + order[s]];
        else {
          for (let s = 0; s < L; s++) {
            const j = order[s];
            if (j >= 0) dst[d + s] = src[so + j];
          }
        }
      }
    }
  }
}

/**
 * SCAttn's token mean of an affine-free LayerNorm, read in scan order: for each (b, k),
 * out[(b·K + k)·E + e] = Σ_s uses[k][s] · (y[e, s] − μ_s) / √(σ²_s + eps) / Σ_s uses[k][s], where μ_s and σ²_s are the
 * mean and (biased) variance over the E channels of position s of the channel-first ys (B, K, E, Lmax). `uses[k][s]`
 * counts the token rows that read position s (0 for padding), so this is the mean over the reversed tokens without
 * reversing them. Double precision, two passes in memory order: Σy and Σy² per position, then per channel
 * Σ_s y·scale_s − Σ_s μ_s·scale_s.
 */
export function layerNormTokenMeans(
  ys: Float32Array,
  B: number,
  E: number,
  Lmax: number,
  uses: readonly Float64Array[],
  eps: number,
  out: Float64Array,
): void {
  const K = uses.length;
  const sum = new Float64Array(Lmax);
  const scale = new Float64Array(Lmax);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < K; k++) {
      const w = uses[k];
      const L = w.length;
      const base = (b * K + k) * E * Lmax;
      sum.fill(0);
      scale.fill(0);
      // four channel rows per sweep: one read-modify-write of the accumulators per four values
      let e = 0;
      for (; e + 4 <= E; e += 4) {
        const r0 = base + e * Lmax;
        const r1 = r0 + Lmax;
        const r2 = r1 + Lmax;
        const r3 = r2 + Lmax;
        for (let s = 0; s < L; s++) {
          const v0 = ys[r0 + s];
          const v1 = ys[r1 + s];
          const v2 = ys[r2 + s];
          const v3 = ys[r3 + s];
          sum[s] += v0 + v1 + v2 + v3;
          scale[s] += v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3;
        }
      }
      for (; e < E; e++) {
        const row = base + e * Lmax;
        for (let s = 0; s < L; s++) {
          const v = ys[row + s];
          sum[s] += v;
          scale[s] += v * v;
        }
      }
      let tokens = 0;
      let shift = 0;
      for (let s = 0; s < L; s++) {
        const mean = sum[s] / E;
        const variance = Math.max(0, scale[s] / E - mean * mean);
        const sc = w[s] === 0 ? 0 : w[s] / Math.sqrt(variance + eps);
        scale[s] = sc;
        shift += mean * sc;
        tokens += w[s];
      }
      const o = (b * K + k) * E;
      e = 0;
      for (; e + 4 <= E; e += 4) {
        const r0 = base + e * Lmax;
        const r1 = r0 + Lmax;
        const r2 = r1 + Lmax;
        const r3 = r2 + Lmax;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let s = 0; s < L; s++) {
          const sc = scale[s];
          a0 += ys[r0 + s] * sc;
          a1 += ys[r1 + s] * sc;
          a2 += ys[r2 + s] * sc;
          a3 += ys[r3 + s] * sc;
        }
        out[o + e] = (a0 - shift) / tokens;
        out[o + e + 1] = (a1 - shift) / tokens;
        out[o + e + 2] = (a2 - shift) / tokens;
        out[o + e + 3] = (a3 - shift) / tokens;
      }
      for (; e < E; e++) {
        const row = base + e * Lmax;
        let acc = 0;
        for (let s = 0; s < L; s++) acc += ys[row + s] * scale[s];
        out[o + e] = (acc - shift) / tokens;
      }
    }
  }
}

/**
 * out[b, t, e] = Σ_k ys[b, k, e, positions[k][t]] · gates[b, k, e], each product rounded to float32 and summed in
 * float32 in the order k = 0…K−1 (exactly `Σ_k reverse(y_k) ⊙ gate_k` as PyTorch computes it): channel-first stack
 * (B, K, E, Lmax) → token-major (B, T, E). With `rowOf` (sequence position → the one token row reading it, −1 for
 * none; present when every direction's reverse map is one-to-one) the stack is read in memory order, one direction
 * after the other; otherwise token by token through `positions`.
 */
export function gatedMerge(
  ys: Float32Array,
  B: number,
  E: number,
  Lmax: number,
  positions: readonly Int32Array[],
  rowOf: readonly Int32Array[] | null,
  gates: Float32Array,
  out: Float32Array,
): void {
  const K = positions.length;
  const T = positions[0].length;
  const fround = Math.fround;
  if (rowOf) {
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) {
        const rows = rowOf[k];
        const L = rows.length;
        const g = (b * K + k) * E;
        const yb = g * Lmax;
        for (let e0 = 0; e0 < E; e0 += TILE) {
          const e1 = Math.min(E, e0 + TILE);
          for (let s = 0; s < L; s++) {
            const t = rows[s];
            if (t < 0) continue;
            const o = (b * T + t) * E;
            let si = yb + e0 * Lmax + s;
            if (k === 0) for (let e = e0; e < e1; e++, si += Lmax) out[o + e] = fround(ys[si] * gates[g + e]);
            else for (let e = e0; e < e1; e++, si += Lmax) out[o + e] += fround(ys[si] * gates[g + e]);
          }
        }
      }
    }
    return;
  }
  for (let b = 0; b < B; b++) {
    for (let e0 = 0; e0 < E; e0 += TILE) {
      const e1 = Math.min(E, e0 + TILE);
      for (let t = 0; t < T; t++) {
        const o = (b * T + t) * E;
        for (let k = 0; k < K; k++) {
          const g = (b * K + k) * E;
          let si = g * Lmax + e0 * Lmax + positions[k][t];
          if (k === 0) for (let e = e0; e < e1; e++, si += Lmax) out[o + e] = fround(ys[si] * gates[g + e]);
          else for (let e = e0; e < e1; e++, si += Lmax) out[o + e] += fround(ys[si] * gates[g + e]);
        }
      }
    }
  }
}

/** out[b, t, e] = ys[b, k, e, positions[t]] for one direction k: the reversed tokens (B, T, E) of that direction. */
export function reverseOne(
  ys: Float32Array,
  B: number,
  K: number,
  k: number,
  E: number,
  Lmax: number,
  positions: Int32Array,
  out: Float32Array,
): void {
  const T = positions.length;
  for (let b = 0; b < B; b++) {
    const sb = (b * K + k) * E * Lmax;
    for (let e0 = 0; e0 < E; e0 += TILE) {
      const e1 = Math.min(E, e0 + TILE);
      for (let t = 0; t < T; t++) {
        const o = (b * T + t) * E;
        let si = sb + e0 * Lmax + positions[t];
        for (let e = e0; e < e1; e++, si += Lmax) out[o + e] = ys[si];
      }
    }
  }
}

/**
 * LocalMamba's search merge over a channel-first stack (B, K, E, Lmax) → token-major (B, T, E):
 * out[b, t, e] = Σ_k w_k · LayerNorm_noaffine(a)[e] with a = ys[b, k, ·, s] ⊙ gates[b, k, ·] at the position s that
 * token row t reads in direction k (`rowOf[k][s] = t`, one-to-one maps only). Per position the mean and
 * 1 / √(σ² + eps) of a over the E channels come from Σa and Σa² in float64 (channels four at a time, then one by
 * one), rounded to float32; a, (a − μ)·rstd, its product with w_k and the running sum over k = 0…K−1 are each
 * rounded to float32 (PyTorch's order). The wasm kernels search_stats / search_merge give the same bits.
 */
export function searchMergeStack(
  ys: Float32Array,
  B: number,
  E: number,
  Lmax: number,
  rowOf: readonly Int32Array[],
  gates: Float32Array,
  weights: Float32Array,
  eps: number,
  T: number,
  out: Float32Array,
): void {
  const K = rowOf.length;
  const fround = Math.fround;
  const sum = new Float64Array(Lmax);
  const sq = new Float64Array(Lmax);
  const mean = new Float32Array(Lmax);
  const rstd = new Float32Array(Lmax);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < K; k++) {
      const rows = rowOf[k];
      const L = rows.length;
      const g = (b * K + k) * E;
      const base = g * Lmax;
      sum.fill(0);
      sq.fill(0);
      let e = 0;
      for (; e + 4 <= E; e += 4) {
        const r0 = base + e * Lmax;
        const g0 = gates[g + e];
        const g1 = gates[g + e + 1];
        const g2 = gates[g + e + 2];
        const g3 = gates[g + e + 3];
        for (let s = 0; s < L; s++) {
          const v0 = fround(ys[r0 + s] * g0);
          const v1 = fround(ys[r0 + Lmax + s] * g1);
          const v2 = fround(ys[r0 + 2 * Lmax + s] * g2);
          const v3 = fround(ys[r0 + 3 * Lmax + s] * g3);
          sum[s] += v0 + v1 + v2 + v3;
          sq[s] += v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3;
        }
      }
      for (; e < E; e++) {
        const row = base + e * Lmax;
        const ge = gates[g + e];
        for (let s = 0; s < L; s++) {
          const v = fround(ys[row + s] * ge);
          sum[s] += v;
          sq[s] += v * v;
        }
      }
      for (let s = 0; s < L; s++) {
        const mu = sum[s] / E;
        mean[s] = mu;
        rstd[s] = 1 / Math.sqrt(Math.max(0, sq[s] / E - mu * mu) + eps);
      }
      const w = weights[k];
      for (let e0 = 0; e0 < E; e0 += TILE) {
        const e1 = Math.min(E, e0 + TILE);
        for (let s = 0; s < L; s++) {
          const t = rows[s];
          if (t < 0) continue;
          const o = (b * T + t) * E;
          const mu = mean[s];
          const rs = rstd[s];
          let si = base + e0 * Lmax + s;
          for (let e = e0; e < e1; e++, si += Lmax) {
            const p = fround(fround(fround(fround(ys[si] * gates[g + e]) - mu) * rs) * w);
            if (k === 0) out[o + e] = p;
            else out[o + e] += p;
          }
        }
      }
    }
  }
}
