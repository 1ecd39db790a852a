import { Tensor } from '@vssm/core';
import type { CpuKernelFn } from '../signatures.js';

/** Constant padding: out = value everywhere, then the (possibly cropped) input block is copied in place. */
export const padCpu: CpuKernelFn<'pad'> = ({ x }, { pads, value }) => {
  const rank = x.rank;
  const inShape = x.shape;
  const outShape = inShape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const size = outShape.reduce((s, d) => s * d, 1);
  const out = new Float32Array(size);
  if (value !== 0) out.fill(value);
  const src = x.contiguousData();
  if (src.length === 0 || size === 0) return new Tensor(out, outShape);
  const inStrides = new Array<number>(rank);
  const outStrides = new Array<number>(rank);
  for (let i = rank - 1, si = 1, so = 1; i >= 0; i--) {
    inStrides[i] = si;
    outStrides[i] = so;
    si *= inShape[i];
    so *= outShape[i];
  }
  // per axis, the input range [lo, hi) that lands inside the output
  const lo = pads.map(([before]) => Math.max(0, -before));
  const hi = inShape.map((d, i) => Math.min(d, outShape[i] - pads[i][0]));
  if (lo.some((l, i) => l >= hi[i])) return new Tensor(out, outShape);
  const copy = (axis: number, inOff: number, outOff: number): void => {
    const before = pads[axis][0];
    if (axis === rank - 1) {
      out.set(src.subarray(inOff + lo[axis], inOff + hi[axis]), outOff + lo[axis] + before);
      return;
    }
    for (let i = lo[axis]; i < hi[axis]; i++) copy(axis + 1, inOff + i * inStrides[axis], outOff + (i + before) * outStrides[axis]);
  };
  if (rank === 0) out[0] = src[0];
  else copy(0, 0, 0);
  return new Tensor(out, outShape);
};
