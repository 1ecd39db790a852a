import { ArgumentError } from '@vssm/core';
import { ALL_DIRECTIONS, scanIndex } from '@vssm/scan';
import type { LocalVMambaConfig } from './config.js';

export const LOCAL_VMAMBA_FLOPS_CONVENTION =
  "fvcore convention of LocalVMamba's VSSM.flops (multiply-accumulates): convs, linears and einsums; LayerNorm 5 per element (4 without affine); adaptive average pool 1 per input element; selective scan 9·Lmax·(K·E)·N + (K·E)·Lmax per block (Lmax = longest padded direction); activations, element-wise products, sums, softmax, scans/flips/pads are free.";

/**
 * FLOPs of LocalVMamba as its paper measures them (fvcore with the repo's selective-scan rule); 5.73G for
 * LocalVMamba-T and 11.37G for LocalVMamba-S at 224² (reported 5.7G / 11.4G). Counted (MACs):
 * - stem conv C0·(p²·C_in)·h·w, its LayerNorm 5·C0·h·w;
 * - per block (C, E = int(ratio·C), R, N, K directions, L = h·w, Lmax = longest padded scan): norm 5·L·C; in_proj
 *   L·C·2E; depthwise conv k²·E·L; x_proj einsum K·(R+2N)·E·Lmax; dt einsum K·E·R·Lmax; scan 9·Lmax·K·E·N +
 *   K·E·Lmax; SCAttn per branch 5·L·E (its LayerNorm) + 2·E·(E/8) (linears on the pooled token); search mode adds
 *   4·L·E per branch (affine-free LayerNorm); out_norm 5·L·E; out_proj L·E·C;
 * - PatchMerging: 5·(h′w′·4C) + h′w′·4C·C′;
 * - classifier: 5·L·C (norm) + L·C (average pool) + C·numClasses.
 */
export function localVMambaFlops(config: LocalVMambaConfig, input: { height: number; width: number }): number {
  const { height, width } = input;
  const p = config.patchSize;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < p || width < p) {
    throw new ArgumentError(`local_vmamba flops: height and width must be integers ≥ the patch size ${p}, got ${height}x${width}`);
  }
  let H = Math.floor(height / p);
  let W = Math.floor(width / p);
  const { dims, depths } = config;
  let flops = dims[0] * p * p * config.inChannels * H * W;
  if (config.patchNorm) flops += 5 * dims[0] * H * W;
  let block = 0;
  for (let i = 0; i < dims.length; i++) {
    const C = dims[i];
    const E = Math.trunc(config.ssmRatio * C);
    const R = config.dtRank === 'auto' ? Math.ceil(C / 16) : config.dtRank;
    const N = config.dState === 'auto' ? Math.ceil(C / 6) : config.dState;
    const L = H * W;
    for (let j = 0; j < depths[i]; j++, block++) {
      const directions = config.directions ? config.directions[block] : ALL_DIRECTIONS;
      const K = directions.length;
      const Lmax = Math.max(...directions.map((d) => scanIndex(d, H, W).length));
      flops += 5 * L * C + L * C * 2 * E;
      if (config.ssmConv > 1) flops += config.ssmConv * config.ssmConv * E * L;
      flops += K * (R + 2 * N) * E * Lmax + K * E * R * Lmax;
      flops += 9 * Lmax * K * E * N + K * E * Lmax;
      flops += K * (5 * L * E + 2 * E * Math.trunc(E * 0.125));
      if (!config.directions) flops += K * 4 * L * E;
      flops += 5 * L * E + L * E * C;
    }
    if (i < dims.length - 1) {
      H = Math.ceil(H / 2);
      W = Math.ceil(W / 2);
      flops += 5 * H * W * 4 * C + H * W * 4 * C * dims[i + 1];
    }
  }
  const C = dims[dims.length - 1];
  return flops + 5 * H * W * C + H * W * C + C * config.numClasses;
}
