import { Tensor } from '@vssm/core';
import type { CpuKernelFn } from '../signatures.js';

/** Concatenation along `axis`: each input contributes a contiguous block of `shape[axis]·inner` per outer index. */
export const concatCpu: CpuKernelFn<'concat'> = ({ tensors }, { axis }) => {
  const first = tensors[0].shape;
  const outer = first.slice(0, axis).reduce((s, d) => s * d, 1);
  const inner = first.slice(axis + 1).reduce((s, d) => s * d, 1);
  const total = tensors.reduce((s, t) => s + t.shape[axis], 0);
  const out = new Float32Array(outer * total * inner);
  let start = 0;
  for (const t of tensors) {
    const block = t.shape[axis] * inner;
    const src = t.contiguousData();
    for (let o = 0; o < outer; o++) out.set(src.subarray(o * block, (o + 1) * block), o * total * inner + start);
    start += block;
  }
  const shape = first.slice();
  shape[axis] = total;
  return new Tensor(out, shape);
};

/** Stacking along a new `axis` = concatenation of the inputs with a size-1 axis inserted there. */
export const stackCpu: CpuKernelFn<'stack'> = ({ tensors }, { axis }) =>
  concatCpu({ tensors: tensors.map((t) => t.unsqueeze(axis)) }, { axis });

/** Splits along `axis` into parts of the given sizes; each part is a new contiguous tensor. */
export const splitCpu: CpuKernelFn<'split'> = ({ x }, { sizes, axis }) => {
  const parts: Tensor[] = [];
  let start = 0;
  for (const n of sizes) {
    const spec = x.shape.map((_, i) => (i === axis ? ([start, start + n] as const) : null));
    const part = x.slice(...spec);
    parts.push(new Tensor(part.toFloat32Array(), part.shape));
    start += n;
  }
  return parts;
};
