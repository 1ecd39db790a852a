/**
 * Gather kernels over flat Float32Arrays. `index[s]` names the source token read for output token s; a negative
 * entry leaves the (zero-initialised) destination untouched, which is how padding tokens stay 0. Channel-first
 * sources and destinations are `[rows, length]` row-major; token-major ones are `[B, tokens, C]`.
 */

/** Channels handled together when a gather also transposes, so that the rows being written stay in cache. */
const CHANNEL_TILE = 16;

/**
 * dst[r, s] = src[r, index[s]] for every row r (channel-first to channel-first). Destination rows are `dstStride`
 * apart (default: the index length), so a gather can write straight into a wider stack.
 */
export function gatherRows(
  src: Float32Array,
  rows: number,
  srcLength: number,
  index: Int32Array,
  dst: Float32Array,
  dstStride = index.length,
): void {
  const n = index.length;
  for (let r = 0; r < rows; r++) {
    const so = r * srcLength;
    const d0 = r * dstStride;
    for (let s = 0; s < n; s++) {
      const j = index[s];
      if (j >= 0) dst[d0 + s] = src[so + j];
    }
  }
}

/** dst[r, s] += src[r, index[s]] (float32 accumulation, as in PyTorch's fp32 add). */
export function gatherRowsAdd(src: Float32Array, rows: number, srcLength: number, index: Int32Array, dst: Float32Array): void {
  const n = index.length;
  for (let r = 0; r < rows; r++) {
    const so = r * srcLength;
    const d0 = r * n;
    for (let s = 0; s < n; s++) {
      const j = index[s];
      if (j >= 0) dst[d0 + s] += src[so + j];
    }
  }
}

/**
 * Token-major `[B, L, C]` source to channel-first `[B, C, n]`: dst[b, c, s] = src[b, index[s], c]. Destination
 * channel rows are `dstStride` apart (default n).
 */
export function gatherTokensToChannels(
  src: Float32Array,
  B: number,
  L: number,
  C: number,
  index: Int32Array,
  dst: Float32Array,
  dstStride = index.length,
): void {
  const n = dstStride;
  const count = index.length;
  for (let b = 0; b < B; b++) {
    const sb = b * L * C;
    const db = b * C * n;
    for (let c0 = 0; c0 < C; c0 += CHANNEL_TILE) {
      const c1 = Math.min(C, c0 + CHANNEL_TILE);
      for (let s = 0; s < count; s++) {
        const j = index[s];
        if (j < 0) continue;
        const so = sb + j * C;
        let d = db + c0 * n + s;
        for (let c = c0; c < c1; c++, d += n) dst[d] = src[so + c];
      }
    }
  }
}

/** Channel-first `[B, C, srcLength]` source to token-major `[B, n, C]`: dst[b, p, c] = src[b, c, index[p]]. */
export function gatherChannelsToTokens(
  src: Float32Array,
  B: number,
  C: number,
  srcLength: number,
  index: Int32Array,
  dst: Float32Array,
): void {
  const n = index.length;
  for (let b = 0; b < B; b++) {
    const sb = b * C * srcLength;
    const db = b * n * C;
    for (let c0 = 0; c0 < C; c0 += CHANNEL_TILE) {
      const c1 = Math.min(C, c0 + CHANNEL_TILE);
      for (let p = 0; p < n; p++) {
        const j = index[p];
        if (j < 0) continue;
        let so = sb + c0 * srcLength + j;
        let d = db + p * C + c0;
        for (let c = c0; c < c1; c++, so += srcLength) dst[d++] = src[so];
      }
    }
  }
}
