import { Tensor } from '@vssm/core';
import type { LayerNorm, Linear } from '@vssm/nn';
import { gelu, sigmoid } from '@vssm/ops';
import type { SCAttn, ScanMerge } from '@vssm/scattn';
import type { DirectionStack } from './direction-stack.js';
import { section } from './profile.js';
import { reverseOne } from './stack-kernels.js';
import { mergeGated, mergeSearch, stackWasmRuns, tokenMeans } from './stack-wasm.js';

/**
 * SCAttn's channel gates of the K directions of a stacked scan output ys (B, K, E, Lmax), as (B·K, 1, E): the token
 * mean of LayerNorm(reverse(y_k)) is computed in scan order (no reversed copy, no normalised copy), then
 * global_reduce → GELU → channel_select → sigmoid run on all B·K means at once.
 */
export function scattnGates(ys: Tensor, stack: DirectionStack, attn: SCAttn): Tensor {
  const [B, K, E] = ys.shape;
  const norm = attn.child<LayerNorm>('norm');
  const means = section('SCAttn.stats', () => tokenMeans(ys, stack, norm.eps));
  const pooled = new Float32Array(B * K * E);
  if (norm.hasParam('weight')) {
    const w = norm.param('weight').contiguousData();
    const b = norm.param('bias').contiguousData();
    for (let i = 0; i < pooled.length; i++) pooled[i] = w[i % E] * means[i] + b[i % E];
  } else pooled.set(means);
  const reduced = gelu(attn.child<Linear>('global_reduce').forward(Tensor.fromData(pooled, [B * K, 1, E])));
  return sigmoid(attn.child<Linear>('channel_select').forward(reduced));
}

/**
 * LocalMamba's direction merge for a stacked scan output ys (B, K, E, Lmax) → token-major (B, T, E):
 * Σ_k reverse(y_k) ⊙ SCAttn(y_k) (the plain sum), or in search mode Σ_k softmax(α)_k · LayerNorm(reverse(y_k) ⊙
 * SCAttn(y_k)), each fused into one pass over the stack. The spatial SCAttn variant, and the search merge when the
 * wasm kernels do not run or a reverse map is not one-to-one, take the general path (reverse each direction,
 * SCAttn, ScanMerge). The result is owned by the caller alone (its storage may come from the scratch pool:
 * `release` it once consumed).
 */
export function mergeDirections(ys: Tensor, stack: DirectionStack, attn: SCAttn, merge: ScanMerge): Tensor {
  const [B, K, E, Lmax] = ys.shape;
  if (merge.search && !attn.spatial && stack.rowOf && stackWasmRuns(ys.size)) {
    const gates = scattnGates(ys, stack, attn);
    const weights = merge.branchWeights();
    return section('scan.reverse+gate+norm+sum', () => mergeSearch(ys, stack, gates, weights, merge.eps));
  }
  if (merge.search || attn.spatial) {
    const branches: Tensor[] = [];
    for (let k = 0; k < K; k++) {
      const tokens = new Float32Array(B * stack.T * E);
      section('scan.reverse', () => reverseOne(ys.contiguousData(), B, K, k, E, Lmax, stack.positions[k], tokens));
      branches.push(section('SCAttn', () => attn.forward(Tensor.fromData(tokens, [B, stack.T, E]))));
    }
    return merge.forward(branches);
  }
  const gates = scattnGates(ys, stack, attn);
  return section('scan.reverse+gate+sum', () => mergeGated(ys, stack, gates));
}
