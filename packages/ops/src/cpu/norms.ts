import { Tensor } from '@vssm/core';
import type { CpuKernelFn } from '../signatures.js';

/** LayerNorm over the last axis: (x − mean) / sqrt(var + eps) · weight + bias, biased variance, two-pass in double. */
export const layerNormCpu: CpuKernelFn<'layerNorm'> = ({ x, weight, bias }, { eps }) => {
  const D = x.shape[x.rank - 1];
  const xd = x.contiguousData();
  const wd = weight ? weight.contiguousData() : null;
  const bd = bias ? bias.contiguousData() : null;
  const out = new Float32Array(xd.length);
  const rows = D === 0 ? 0 : xd.length / D;
  for (let r = 0; r < rows; r++) {
    const base = r * D;
    let sum = 0;
    for (let i = 0; i < D; i++) sum += xd[base + i];
    const mean = sum / D;
    let sq = 0;
    for (let i = 0; i < D; i++) {
      const d = xd[base + i] - mean;
      sq += d * d;
    }
    const rstd = 1 / Math.sqrt(sq / D + eps);
    for (let i = 0; i < D; i++) {
      let v = (xd[base + i] - mean) * rstd;
      if (wd) v *= wd[i];
      if (bd) v += bd[i];
      out[base + i] = v;
    }
  }
  return new Tensor(out, x.shape);
};

/** LayerNorm over C of an NCHW tensor (per pixel), accumulating per-pixel statistics channel by channel. */
export const layerNorm2dCpu: CpuKernelFn<'layerNorm2d'> = ({ x, weight, bias }, { eps }) => {
  const [B, C, H, W] = x.shape;
  const P = H * W;
  const xd = x.contiguousData();
  const wd = weight ? weight.contiguousData() : null;
  const bd = bias ? bias.contiguousData() : null;
  const out = new Float32Array(xd.length);
  const mean = new Float64Array(P);
  const rstd = new Float64Array(P);
  for (let b = 0; b < B; b++) {
    const img = b * C * P;
    mean.fill(0);
    rstd.fill(0);
    for (let c = 0; c < C; c++) {
      const base = img + c * P;
      for (let p = 0; p < P; p++) mean[p] += xd[base + p];
    }
    for (let p = 0; p < P; p++) mean[p] /= C;
    for (let c = 0; c < C; c++) {
      const base = img + c * P;
      for (let p = 0; p < P; p++) {
        const d = xd[base + p] - mean[p];
        rstd[p] += d * d;
      }
    }
    for (let p = 0; p < P; p++) rstd[p] = 1 / Math.sqrt(rstd[p] / C + eps);
    for (let c = 0; c < C; c++) {
      const base = img + c * P;
      const w = wd ? wd[c] : 1;
      const bb = bd ? bd[c] : 0;
      for (let p = 0; p < P; p++) out[base + p] = (xd[base + p] - mean[p]) * rstd[p] * w + bb;
    }
  }
  return new Tensor(out, x.shape);
};

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · weight. */
export const rmsNormCpu: CpuKernelFn<'rmsNorm'> = ({ x, weight }, { eps }) => {
  const D = x.shape[x.rank - 1];
  const xd = x.contiguousData();
  const wd = weight ? weight.contiguousData() : null;
  const out = new Float32Array(xd.length);
  const rows = D === 0 ? 0 : xd.length / D;
  for (let r = 0; r < rows; r++) {
    const base = r * D;
    let sq = 0;
    for (let i = 0; i < D; i++) sq += xd[base + i] * xd[base + i];
    const rstd = 1 / Math.sqrt(sq / D + eps);
    for (let i = 0; i < D; i++) out[base + i] = wd ? xd[base + i] * rstd * wd[i] : xd[base + i] * rstd;
  }
  return new Tensor(out, x.shape);
};
