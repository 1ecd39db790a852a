import type { Tensor } from '@vssm/core';

/**
 * Writes `t`'s values in row-major order into `dst` (which has room for t.size floats): one block copy when `t` is
 * contiguous, otherwise a row copy (or, for a strided last axis, an element loop) per innermost row, so a permuted
 * or sliced view goes straight into wasm memory without an intermediate contiguous tensor.
 */
export function copyInto(t: Tensor, dst: Float32Array): void {
  const size = t.size;
  if (size === 0) return;
  if (t.isContiguous) {
    dst.set(t.data.subarray(t.offset, t.offset + size));
    return;
  }
  const rank = t.rank;
  const shape = t.shape;
  const strides = t.strides;
  const inner = shape[rank - 1];
  const innerStride = strides[rank - 1];
  const rows = size / inner;
  const index = new Array<number>(rank - 1).fill(0);
  const src = t.data;
  let base = t.offset;
  for (let r = 0, o = 0; r < rows; r++, o += inner) {
    if (innerStride === 1) dst.set(src.subarray(base, base + inner), o);
    else for (let i = 0, s = base; i < inner; i++, s += innerStride) dst[o + i] = src[s];
    // advance the multi-index over the leading axes
    for (let a = rank - 2; a >= 0; a--) {
      base += strides[a];
      if (++index[a] < shape[a]) break;
      base -= strides[a] * shape[a];
      index[a] = 0;
    }
  }
}
