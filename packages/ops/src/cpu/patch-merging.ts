import { Tensor } from '@vssm/core';
import type { CpuKernelFn } from '../signatures.js';

/** Swin order of the 2×2 neighbours: x[0::2,0::2], x[1::2,0::2], x[0::2,1::2], x[1::2,1::2] as (dy, dx). */
const NEIGHBOURS: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 0],
  [0, 1],
  [1, 1],
];

/** PatchMerging2D gather: (B, H, W, C) → (B, ⌈H/2⌉, ⌈W/2⌉, 4C); rows/columns past an odd edge read as zero. */
export const patchMerging2dCpu: CpuKernelFn<'patchMerging2d'> = ({ x }) => {
  const [B, H, W, C] = x.shape;
  const H2 = Math.ceil(H / 2);
  const W2 = Math.ceil(W / 2);
  const src = x.contiguousData();
  const out = new Float32Array(B * H2 * W2 * 4 * C);
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < H2; i++) {
      for (let j = 0; j < W2; j++) {
        for (const [dy, dx] of NEIGHBOURS) {
          const y = 2 * i + dy;
          const xx = 2 * j + dx;
          if (y < H && xx < W) {
            const s = ((b * H + y) * W + xx) * C;
            out.set(src.subarray(s, s + C), o);
          }
          o += C; // out-of-range neighbours stay zero
        }
      }
    }
  }
  return new Tensor(out, [B, H2, W2, 4 * C]);
};
