import { ArgumentError } from '@vssm/core';
import type { AnyMSVMambaConfig } from './model.js';

/**
 * What `msvmambaFlops` counts: the fvcore convention the official `VSSM.flops()` uses (multiply–accumulates, "FLOPs"
 * in the papers), op by op as fvcore's handlers count them, plus the official selective-scan rule.
 */
export const MSVMAMBA_FLOPS_CONVENTION =
  'fvcore-style multiply-accumulates (batch 1), as the official VSSM.flops(): conv = out_elems·(in/groups)·kh·kw, ' +
  'linear/einsum/Linear2d = MACs, layer_norm = 5·numel (affine), adaptive_avg_pool = input numel, ' +
  'upsample bilinear = 4·output numel, nearest = 1·output numel, selective scan = 9·L·D·N + D·L per sequence ' +
  '(with D, no z); biases, activations, adds, muls, flips, concats and pads not counted';

/** Output size of a conv / pooling axis. */
const convOut = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;

/**
 * MACs of one forward pass of an MSVMamba model (either branch) at height × width, batch 1, counted as the official
 * fvcore run counts them (see `MSVMAMBA_FLOPS_CONVENTION`). At 224² this gives 0.883G / 1.532G / 4.613G for
 * Nano / Micro / Tiny (yaml comments: 0.88G / 1.532G / 4.613G) and 5.13G / 8.77G / 16.28G for v3 T / S / B
 * (README: 5.0G / 8.8G / 16.3G).
 */
export function msvmambaFlops(config: AnyMSVMambaConfig, input: { height: number; width: number }): number {
  const { height, width } = input ?? ({} as { height: number; width: number });
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < config.patchSize || width < config.patchSize) {
    throw new ArgumentError(`msvmambaFlops: height and width must be integers >= patchSize ${config.patchSize}, got ${height}×${width}`);
  }
  const master = config.family === 'msvmamba';
  const { dims, depths, dState: N, inChans, patchSize: p } = config;
  const layerNorm = (numel: number) => 5 * numel;
  let flops = 0;
  let h: number;
  let w: number;
  if (master) {
    h = convOut(height, p, p, 0);
    w = convOut(width, p, p, 0);
    flops += h * w * dims[0] * inChans * p * p + layerNorm(h * w * dims[0]);
  } else {
    const s = p / 2;
    const half = Math.floor(dims[0] / 2);
    h = convOut(height, s + 1, s, 1);
    w = convOut(width, s + 1, s, 1);
    flops += h * w * half * inChans * (s + 1) ** 2 + layerNorm(h * w * half);
    h = convOut(h, s + 1, s, 1);
    w = convOut(w, s + 1, s, 1);
    flops += h * w * dims[0] * half * (s + 1) ** 2 + layerNorm(h * w * dims[0]);
  }
  for (let i = 0; i < dims.length; i++) {
    const C = dims[i];
    const E = Math.floor(config.ssmRatio * C);
    const R = config.dtRank === 'auto' ? Math.ceil(C / 16) : config.dtRank;
    const L0 = h * w;
    const L1 = Math.ceil(h / 2) * Math.ceil(w / 2);
    const Ls = L0 + 3 * L1;
    const gated = master || (config.family === 'msvmamba_v2' && config.gate);
    const ffnHidden = master ? 2 * C : (config as { convFfnRatio: number }).convFfnRatio * C;
    let block = 0;
    block += layerNorm(L0 * C); // norm
    block += L0 * C * (gated ? 2 * E : E); // in_proj
    block += L0 * E * config.dConv ** 2 + L1 * E * 49; // depthwise convs (full res, 7×7 stride 2)
    block += (R + 2 * N) * E * Ls + E * R * Ls; // x_proj, dt_proj on both sequences
    block += 9 * Ls * E * N + E * Ls; // selective scans
    block += master ? layerNorm(E * Ls) + 4 * E * L0 : E * L0 + layerNorm(E * L0); // out_norm + upsample
    if (config.se) block += E * L0 + 2 * E * Math.floor(E / 8); // SE pool + fcs
    block += L0 * E * C; // out_proj
    block += layerNorm(L0 * C); // norm2
    block += 2 * L0 * C * ffnHidden + L0 * ffnHidden * 9; // ConvFFN
    flops += depths[i] * block;
    if (i < dims.length - 1) {
      const h2 = Math.ceil(h / 2);
      const w2 = Math.ceil(w / 2);
      flops += master
        ? layerNorm(h2 * w2 * 4 * C) + h2 * w2 * 4 * C * dims[i + 1]
        : h2 * w2 * dims[i + 1] * C * 9 + layerNorm(h2 * w2 * dims[i + 1]);
      h = h2;
      w = w2;
    }
  }
  const C = dims[dims.length - 1];
  flops += layerNorm(h * w * C) + h * w * C + C * config.numClasses;
  return flops;
}
