/**
 * Loops for the end of MS2D, after the two selective scans, each doing in one pass over channel-first maps what
 * would otherwise be several elementwise ops (and their temporaries). Float32 results match the op-by-op
 * composition: every intermediate that PyTorch rounds to float32 is rounded here too (`Math.fround`, or a store
 * into a Float32Array); norm statistics are taken in double precision.
 */

/** Channels handled together where a loop also transposes, so that the rows being written stay in cache. */
const TILE = 16;

/**
 * Per position s of a channel-first (E, L) block at `base`: the mean and 1/√(var + eps) over the E channels
 * (biased variance), written into mean[s] and rstd[s].
 */
function channelStats(x: Float32Array, base: number, E: number, L: number, eps: number, mean: Float64Array, rstd: Float64Array): void {
  mean.fill(0);
  rstd.fill(0);
  for (let e = 0; e < E; e++) {
    const row = base + e * L;
    for (let s = 0; s < L; s++) {
      const v = x[row + s];
      mean[s] += v;
      rstd[s] += v * v;
    }
  }
  for (let s = 0; s < L; s++) {
    const m = mean[s] / E;
    mean[s] = m;
    rstd[s] = 1 / Math.sqrt(Math.max(0, rstd[s] / E - m * m) + eps);
  }
}

/**
 * out = LayerNorm_E(x) (+ up, when given, added after the norm) on channel-first (B, E, L) maps, and
 * channelMean[b·E + e] = the mean over L of out. `out` may be x itself (not up).
 */
function normPool(
  x: Float32Array,
  up: Float32Array | null,
  B: number,
  E: number,
  L: number,
  w: Float32Array,
  b: Float32Array,
  eps: number,
  out: Float32Array,
  channelMean: Float64Array,
): void {
  const mean = new Float64Array(L);
  const rstd = new Float64Array(L);
  const fround = Math.fround;
  for (let n = 0; n < B; n++) {
    const base = n * E * L;
    channelStats(x, base, E, L, eps, mean, rstd);
    for (let e = 0; e < E; e++) {
      const row = base + e * L;
      const we = w[e];
      const be = b[e];
      let sum = 0;
      if (up) {
        for (let s = 0; s < L; s++) {
          const v = fround(fround((x[row + s] - mean[s]) * rstd[s] * we + be) + up[row + s]);
          out[row + s] = v;
          sum += v;
        }
      } else {
        for (let s = 0; s < L; s++) {
          const v = fround((x[row + s] - mean[s]) * rstd[s] * we + be);
          out[row + s] = v;
          sum += v;
        }
      }
      channelMean[n * E + e] = sum / L;
    }
  }
}

/**
 * out = LayerNorm_E(y) + up on channel-first (B, E, L) maps (the norm over the channel axis, affine w, b: master's
 * `out_norm` applied per scan position), and channelMean[b·E + e] = the mean over L of out (SE's pooling).
 */
export function normAddPool(
  y: Float32Array,
  up: Float32Array,
  B: number,
  E: number,
  L: number,
  w: Float32Array,
  b: Float32Array,
  eps: number,
  out: Float32Array,
  channelMean: Float64Array,
): void {
  normPool(y, up, B, E, L, w, b, eps, out, channelMean);
}

/**
 * out = LayerNorm_E(y + up) on channel-first (B, E, L) maps (v2's merge then `out_norm` LayerNorm2d), and
 * channelMean = the mean over L of out per (b, e). `out` may not alias y or up.
 */
export function addNormPool(
  y: Float32Array,
  up: Float32Array,
  B: number,
  E: number,
  L: number,
  w: Float32Array,
  b: Float32Array,
  eps: number,
  out: Float32Array,
  channelMean: Float64Array,
): void {
  for (let i = 0; i < B * E * L; i++) out[i] = y[i] + up[i];
  normPool(out, null, B, E, L, w, b, eps, out, channelMean);
}

/**
 * Channel-last out (B, L, E) = (y (B, E, L) · gate[b, e]) · z (B, L, E): SE's scaling, the permute to channel-last
 * and the z gate in one transposing pass. `gate` null skips the scaling (no SE).
 */
export function scaleTransposeMul(
  y: Float32Array,
  gate: Float32Array | null,
  z: Float32Array,
  B: number,
  E: number,
  L: number,
  out: Float32Array,
): void {
  const fround = Math.fround;
  for (let n = 0; n < B; n++) {
    const yb = n * E * L;
    const ob = n * L * E;
    for (let e0 = 0; e0 < E; e0 += TILE) {
      const e1 = Math.min(E, e0 + TILE);
      for (let s = 0; s < L; s++) {
        const o = ob + s * E;
        let yi = yb + e0 * L + s;
        if (gate) for (let e = e0; e < e1; e++, yi += L) out[o + e] = fround(fround(y[yi] * gate[n * E + e]) * z[o + e]);
        else for (let e = e0; e < e1; e++, yi += L) out[o + e] = fround(y[yi] * z[o + e]);
      }
    }
  }
}

/** Channel-first out (B, E, L) = (y · gate[b, e]) · g, elementwise; `gate` null skips the scaling. */
export function scaleMul(
  y: Float32Array,
  gate: Float32Array | null,
  g: Float32Array,
  B: number,
  E: number,
  L: number,
  out: Float32Array,
): void {
  const fround = Math.fround;
  for (let n = 0; n < B; n++) {
    for (let e = 0; e < E; e++) {
      const row = (n * E + e) * L;
      if (gate) {
        const s = gate[n * E + e];
        for (let i = row; i < row + L; i++) out[i] = fround(fround(y[i] * s) * g[i]);
      } else for (let i = row; i < row + L; i++) out[i] = fround(y[i] * g[i]);
    }
  }
}

/** Channel-first out (B, E, L) = y · gate[b, e] (SE's scaling alone, v2 without the z gate). */
export function scaleChannels(y: Float32Array, gate: Float32Array, B: number, E: number, L: number, out: Float32Array): void {
  for (let n = 0; n < B; n++) {
    for (let e = 0; e < E; e++) {
      const row = (n * E + e) * L;
      const s = gate[n * E + e];
      for (let i = row; i < row + L; i++) out[i] = y[i] * s;
    }
  }
}
