import { Tensor } from '@vssm/core';
import type { CpuKernelFn } from '../signatures.js';

/** PyTorch avg_pool2d: windows clipped to the padded image for the divisor, to the image for the sum. */
export const avgPool2dCpu: CpuKernelFn<'avgPool2d'> = ({ x }, { kernelSize, stride, padding, countIncludePad, outSize }) => {
  const [B, C, H, W] = x.shape;
  const [kh, kw] = kernelSize;
  const [sh, sw] = stride;
  const [ph, pw] = padding;
  const [Ho, Wo] = outSize;
  const src = x.contiguousData();
  const out = new Float32Array(B * C * Ho * Wo);
  for (let plane = 0; plane < B * C; plane++) {
    const inOff = plane * H * W;
    const outOff = plane * Ho * Wo;
    for (let oy = 0; oy < Ho; oy++) {
      let y0 = oy * sh - ph;
      let y1 = Math.min(y0 + kh, H + ph);
      const padH = y1 - y0;
      y0 = Math.max(y0, 0);
      y1 = Math.min(y1, H);
      for (let ox = 0; ox < Wo; ox++) {
        let x0 = ox * sw - pw;
        let x1 = Math.min(x0 + kw, W + pw);
        const padCount = padH * (x1 - x0);
        x0 = Math.max(x0, 0);
        x1 = Math.min(x1, W);
        let sum = 0;
        for (let iy = y0; iy < y1; iy++) {
          const row = inOff + iy * W;
          for (let ix = x0; ix < x1; ix++) sum += src[row + ix];
        }
        const count = countIncludePad ? padCount : (y1 - y0) * (x1 - x0);
        out[outOff + oy * Wo + ox] = sum / count;
      }
    }
  }
  return new Tensor(out, [B, C, Ho, Wo]);
};

/** PyTorch adaptive_avg_pool2d: output cell i averages input [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). */
export const adaptiveAvgPool2dCpu: CpuKernelFn<'adaptiveAvgPool2d'> = ({ x }, { outSize }) => {
  const [B, C, H, W] = x.shape;
  const [Ho, Wo] = outSize;
  const src = x.contiguousData();
  const out = new Float32Array(B * C * Ho * Wo);
  for (let plane = 0; plane < B * C; plane++) {
    const inOff = plane * H * W;
    const outOff = plane * Ho * Wo;
    for (let oy = 0; oy < Ho; oy++) {
      const y0 = Math.floor((oy * H) / Ho);
      const y1 = Math.ceil(((oy + 1) * H) / Ho);
      for (let ox = 0; ox < Wo; ox++) {
        const x0 = Math.floor((ox * W) / Wo);
        const x1 = Math.ceil(((ox + 1) * W) / Wo);
        let sum = 0;
        for (let iy = y0; iy < y1; iy++) {
          const row = inOff + iy * W;
          for (let ix = x0; ix < x1; ix++) sum += src[row + ix];
        }
        out[outOff + oy * Wo + ox] = sum / ((y1 - y0) * (x1 - x0));
      }
    }
  }
  return new Tensor(out, [B, C, Ho, Wo]);
};
