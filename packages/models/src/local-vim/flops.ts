import { ArgumentError } from '@vssm/core';
import { ALL_DIRECTIONS } from '@vssm/scan';
import type { LocalVimConfig } from './config.js';

export const LOCAL_VIM_FLOPS_CONVENTION =
  'LocalVim paper convention (VisionMamba.flops of hunto/LocalMamba): multiply-accumulates of the patch conv, and per layer in_proj, ONE causal conv1d, ONE x_proj and ONE dt_proj (not one per direction), 5·E·L·N + 2·E·L per direction for the selective scan, the SCAttn linears on the pooled token, out_proj and L·D for the norm; plus D·numClasses for the head. L = unpadded token count (+1 class token); biases, activations, RoPE, pos_embed and window padding are not counted.';

/**
 * FLOPs of LocalVim in the convention of its paper (the official `VisionMamba.flops()`), which gives 1.482G for
 * LocalVim-T, 4.771G for LocalVim-S and 1.489G for the middle-cls model at 224²:
 * - patch embed: D · (p² · C_in) · Npatch (conv MACs, no bias);
 * - per layer, with L = Npatch (+1 class token), E = inner width, R = dt rank, N = d_state, k = conv kernel:
 *   in_proj D·2E·L; causal conv (L+k−1)·E·k; x_proj L·E·(R+2N); dt_proj L·R·E — each counted ONCE per layer
 *   although every direction has its own (the official formula's simplification, §7.13 of the spec);
 *   selective scan per direction: E·L·N (A) + 2·E·L·N (B) + 2·E·N·L (C) + E·L (D) + E·L (z);
 *   SCAttn: 2·E·(E/8) (the linears on the pooled token); out_proj L·E·D; norm L·D;
 * - head: D · numClasses (the official code hard-codes 1000).
 * The token count follows the input size (the official code keeps the native count for every input).
 */
export function localVimFlops(config: LocalVimConfig, input: { height: number; width: number }): number {
  const { height, width } = input;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new ArgumentError(`local_vim flops: height and width must be positive integers, got ${height}x${width}`);
  }
  const p = config.patchSize;
  const numPatches = Math.ceil(height / p) * Math.ceil(width / p);
  const L = numPatches + (config.clsToken === 'middle' ? 1 : 0);
  const D = config.embedDim;
  const E = Math.trunc(config.expand * D);
  const R = config.dtRank === 'auto' ? Math.ceil(D / 16) : config.dtRank;
  const N = config.dState;
  const k = config.dConv;
  const reduced = Math.trunc(E * 0.125);
  let flops = D * (p * p * config.inChannels) * numPatches;
  for (let layer = 0; layer < config.depth; layer++) {
    const K = config.directions ? config.directions[layer].length : ALL_DIRECTIONS.length;
    flops += D * 2 * E * L;
    flops += (L + k - 1) * E * k;
    flops += L * E * (R + 2 * N);
    flops += L * R * E;
    flops += K * (5 * E * L * N + 2 * E * L);
    flops += 2 * E * reduced;
    flops += L * E * D;
    flops += L * D;
  }
  return flops + D * config.numClasses;
}
