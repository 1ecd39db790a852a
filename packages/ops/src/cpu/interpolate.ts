import { Tensor } from '@vssm/core';
import type { CpuKernelFn } from '../signatures.js';

const f32 = Math.fround;
const CUBIC_A = -0.75;

/** Per-axis taps: output index o reads input `index[o·taps + j]` with weight `weight[o·taps + j]`. */
export interface AxisTaps {
  taps: number;
  index: Int32Array;
  weight: Float64Array;
}

/** PyTorch's source coordinate (computed in float32 like ATen's CPU kernels); cubic keeps negative coordinates. */
function sourceCoord(scale: number, o: number, alignCorners: boolean, cubic: boolean): number {
  if (alignCorners) return f32(scale * o);
  const s = f32(f32(scale * f32(o + 0.5)) - 0.5);
  return !cubic && s < 0 ? 0 : s;
}

/** The coordinate ratio ATen uses: (in−1)/(out−1) with align_corners, else the given in/out or 1/scale_factor. */
function coordScale(inSize: number, outSize: number, alignCorners: boolean, scale: number): number {
  if (alignCorners) return outSize > 1 ? f32((inSize - 1) / (outSize - 1)) : 0;
  return f32(scale);
}

function nearestTaps(inSize: number, outSize: number, scale: number): AxisTaps {
  const index = new Int32Array(outSize);
  const s = f32(scale);
  for (let o = 0; o < outSize; o++) index[o] = outSize === inSize ? o : Math.min(Math.floor(f32(o * s)), inSize - 1);
  return { taps: 1, index, weight: new Float64Array(outSize).fill(1) };
}

function linearTaps(inSize: number, outSize: number, alignCorners: boolean, scale: number): AxisTaps {
  const index = new Int32Array(outSize * 2);
  const weight = new Float64Array(outSize * 2);
  const ratio = coordScale(inSize, outSize, alignCorners, scale);
  for (let o = 0; o < outSize; o++) {
    let i0 = o;
    let lambda = 0;
    if (outSize !== inSize) {
      const real = sourceCoord(ratio, o, alignCorners, false);
      i0 = Math.floor(real);
      lambda = Math.min(Math.max(f32(real - i0), 0), 1);
    }
    index[2 * o] = i0;
    index[2 * o + 1] = i0 < inSize - 1 ? i0 + 1 : i0;
    weight[2 * o] = f32(1 - lambda);
    weight[2 * o + 1] = lambda;
  }
  return { taps: 2, index, weight };
}

function cubicConv1(x: number): number {
  return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
}

function cubicConv2(x: number): number {
  return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
}

function cubicTaps(inSize: number, outSize: number, alignCorners: boolean, scale: number): AxisTaps {
  const index = new Int32Array(outSize * 4);
  const weight = new Float64Array(outSize * 4);
  const ratio = coordScale(inSize, outSize, alignCorners, scale);
  for (let o = 0; o < outSize; o++) {
    const real = sourceCoord(ratio, o, alignCorners, true);
    const i = Math.floor(real);
    const t = f32(real - i);
    const w = [cubicConv2(t + 1), cubicConv1(t), cubicConv1(1 - t), cubicConv2(2 - t)];
    for (let j = 0; j < 4; j++) {
      index[4 * o + j] = Math.min(Math.max(i - 1 + j, 0), inSize - 1);
      weight[4 * o + j] = w[j];
    }
  }
  return { taps: 4, index, weight };
}

/** PyTorch's source indices and weights along one axis. */
export function axisTaps(
  mode: 'bilinear' | 'nearest' | 'bicubic',
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  scale: number,
): AxisTaps {
  if (mode === 'nearest') return nearestTaps(inSize, outSize, scale);
  if (mode === 'bilinear') return linearTaps(inSize, outSize, alignCorners, scale);
  return cubicTaps(inSize, outSize, alignCorners, scale);
}

/** Separable NCHW resampling with PyTorch's index and weight rules (no antialiasing). */
export const interpolateCpu: CpuKernelFn<'interpolate'> = ({ x }, { outSize, mode, alignCorners, scale }) => {
  const [B, C, H, W] = x.shape;
  const [Ho, Wo] = outSize;
  const ty = axisTaps(mode, H, Ho, alignCorners, scale[0]);
  const tx = axisTaps(mode, W, Wo, alignCorners, scale[1]);
  const src = x.contiguousData();
  const out = new Float32Array(B * C * Ho * Wo);
  const rowBuf = new Float64Array(Wo);
  for (let plane = 0; plane < B * C; plane++) {
    const inOff = plane * H * W;
    const outOff = plane * Ho * Wo;
    for (let oy = 0; oy < Ho; oy++) {
      rowBuf.fill(0);
      for (let jy = 0; jy < ty.taps; jy++) {
        const wy = ty.weight[oy * ty.taps + jy];
        const row = inOff + ty.index[oy * ty.taps + jy] * W;
        for (let ox = 0; ox < Wo; ox++) {
          let v = 0;
          for (let jx = 0; jx < tx.taps; jx++) v += tx.weight[ox * tx.taps + jx] * src[row + tx.index[ox * tx.taps + jx]];
          rowBuf[ox] += wy * v;
        }
      }
      for (let ox = 0; ox < Wo; ox++) out[outOff + oy * Wo + ox] = rowBuf[ox];
    }
  }
  return new Tensor(out, [B, C, Ho, Wo]);
};
