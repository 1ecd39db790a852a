import { Tensor } from '@vssm/core';
import type { CpuKernelFn } from '../signatures.js';

/**
 * `x·cos + rotate_half(x)·sin` with the interleaved rotate_half of EVA's VisionRotaryEmbeddingFast:
 * out[2m] = x[2m]·cos[2m] − x[2m+1]·sin[2m], out[2m+1] = x[2m+1]·cos[2m+1] + x[2m]·sin[2m+1], tables indexed by (l, channel).
 */
export const ropeCpu: CpuKernelFn<'rope'> = ({ x, cos, sin }) => {
  const L = x.shape[x.rank - 2];
  const D = x.shape[x.rank - 1];
  const src = x.contiguousData();
  const cd = cos.contiguousData();
  const sd = sin.contiguousData();
  const out = new Float32Array(src.length);
  const table = L * D;
  for (let base = 0; base < src.length; base += table) {
    for (let t = 0; t < table; t += 2) {
      const a = src[base + t];
      const b = src[base + t + 1];
      out[base + t] = a * cd[t] - b * sd[t];
      out[base + t + 1] = b * cd[t + 1] + a * sd[t + 1];
    }
  }
  return new Tensor(out, x.shape);
};
