import { Tensor } from '@vssm/core';
import type { CpuKernelFn } from '../signatures.js';
import { type DepthwiseGeometry, depthwisePlane } from './depthwise-conv2d.js';
import { gemm } from './gemm.js';

interface ConvGeometry extends DepthwiseGeometry {
  B: number;
  C: number;
  O: number;
  groups: number;
}

/**
 * im2col for one group of one image: cols[(c·kh + ky)·kw + kx][oy·Wo + ox] = x[c][oy·sh − ph + ky][ox·sw − pw + kx]
 * (zero outside the image). Valid output columns are computed per (kx) so the copy loops carry no bounds checks.
 */
function im2col(src: Float32Array, srcOff: number, channels: number, g: ConvGeometry, cols: Float32Array): void {
  const { H, W, Ho, Wo, kh, kw, sh, sw, ph, pw } = g;
  const plane = Ho * Wo;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const chan = srcOff + c * H * W;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++, row++) {
        const base = row * plane;
        const oxLo = Math.min(Wo, Math.max(0, Math.ceil((pw - kx) / sw)));
        const oxHi = Math.max(oxLo, Math.min(Wo, Math.floor((W - 1 + pw - kx) / sw) + 1));
        for (let oy = 0; oy < Ho; oy++) {
          const dst = base + oy * Wo;
          const iy = oy * sh - ph + ky;
          if (iy < 0 || iy >= H) {
            cols.fill(0, dst, dst + Wo);
            continue;
          }
          cols.fill(0, dst, dst + oxLo);
          const s = chan + iy * W - pw + kx;
          if (sw === 1) cols.set(src.subarray(s + oxLo, s + oxHi), dst + oxLo);
          else for (let ox = oxLo; ox < oxHi; ox++) cols[dst + ox] = src[s + ox * sw];
          cols.fill(0, dst + oxHi, dst + Wo);
        }
      }
    }
  }
}

/** Depthwise (groups == C): a direct kernel per output channel; output channel o reads input channel ⌊o / (O/C)⌋. */
function depthwise(x: Float32Array, w: Float32Array, bias: Float32Array | null, g: ConvGeometry, out: Float32Array): void {
  const mult = g.O / g.C;
  const inPlane = g.H * g.W;
  const outPlane = g.Ho * g.Wo;
  const taps = g.kh * g.kw;
  for (let b = 0; b < g.B; b++) {
    for (let o = 0; o < g.O; o++) {
      const c = Math.floor(o / mult);
      depthwisePlane(x, (b * g.C + c) * inPlane, w, o * taps, bias ? bias[o] : 0, g, out, (b * g.O + o) * outPlane);
    }
  }
}

/** Dense or grouped: per image and group, weight (Og × Cg·kh·kw) · columns (Cg·kh·kw × Ho·Wo) by the blocked gemm. */
function grouped(x: Float32Array, w: Float32Array, bias: Float32Array | null, g: ConvGeometry, out: Float32Array): void {
  const Cg = g.C / g.groups;
  const Og = g.O / g.groups;
  const depth = Cg * g.kh * g.kw;
  const plane = g.Ho * g.Wo;
  const pointwise = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0;
  const cols = pointwise ? null : new Float32Array(depth * plane);
  for (let b = 0; b < g.B; b++) {
    for (let gi = 0; gi < g.groups; gi++) {
      const inOff = (b * g.C + gi * Cg) * g.H * g.W;
      const outOff = (b * g.O + gi * Og) * plane;
      const weights = { data: w, offset: gi * Og * depth, rowStride: depth, colStride: 1 };
      if (cols) {
        im2col(x, inOff, Cg, g, cols);
        gemm(Og, plane, depth, weights, { data: cols, offset: 0, rowStride: plane, colStride: 1 }, out, outOff, plane);
      } else {
        // 1×1 stride 1: the input channels are already the rows of the B operand
        gemm(Og, plane, depth, weights, { data: x, offset: inOff, rowStride: plane, colStride: 1 }, out, outOff, plane);
      }
    }
  }
  if (bias) {
    for (let b = 0; b < g.B; b++) {
      for (let o = 0; o < g.O; o++) {
        const base = (b * g.O + o) * plane;
        const v = bias[o];
        for (let i = 0; i < plane; i++) out[base + i] += v;
      }
    }
  }
}

/** NCHW conv2d (dilation 1): depthwise direct kernel when groups == C, otherwise im2col (or none for 1×1) + gemm. */
export const conv2dCpu: CpuKernelFn<'conv2d'> = ({ x, weight, bias }, { stride, padding, groups }) => {
  const [B, C, H, W] = x.shape;
  const [O, , kh, kw] = weight.shape;
  const [sh, sw] = stride;
  const [ph, pw] = padding;
  const Ho = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - kw) / sw) + 1;
  const g: ConvGeometry = { B, C, O, groups, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw };
  const out = new Float32Array(B * O * Ho * Wo);
  const xd = x.contiguousData();
  const wd = weight.contiguousData();
  const bd = bias ? bias.contiguousData() : null;
  if (groups === C && groups > 1) depthwise(xd, wd, bd, g, out);
  else grouped(xd, wd, bd, g, out);
  return new Tensor(out, [B, O, Ho, Wo]);
};
