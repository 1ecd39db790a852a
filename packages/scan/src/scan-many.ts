import { ShapeError, Tensor, formatShape } from '@vssm/core';
import { gatherChannelsToTokens, gatherRows, gatherTokensToChannels } from './gather.js';
import { type TokenLayout, assertLayout, isTokenMajor, readTokens, tokenShape } from './layout.js';
import { assertOptions } from './options.js';
import { type Direction, type ReverseIndex, assertReverseMode, reverseIndex, scanIndex } from './resolve.js';
import { type ReverseOptions, type ScanOptions, gridOf } from './scan.js';
import { readRank } from './sequence.js';

/**
 * Scans `x` along several directions and stacks the results as [B, K, C, Lmax]; a direction shorter than the
 * longest (less padding) is zero-padded at the end, as LocalVMamba does before its batched selective scan.
 */
export function scanMany(x: Tensor, directions: readonly Direction[], options: ScanOptions = {}): Tensor {
  assertOptions(options, ['H', 'W', 'layout'], 'scanMany');
  const tokens = readTokens(x, options.layout, options.H, options.W, 'scanMany');
  const indices = directionList(directions, 'scanMany').map((d) => scanIndex(d, tokens.H, tokens.W));
  const K = indices.length;
  const Lmax = Math.max(...indices.map((i) => i.length));
  const { B, C } = tokens;
  const { data, H, W } = tokens;
  const L = H * W;
  const out = new Float32Array(B * K * C * Lmax);
  // Each direction is gathered straight into its rows of the stack (row stride Lmax; the tail stays zero).
  indices.forEach((index, k) => {
    for (let b = 0; b < B; b++) {
      const src = data.subarray(b * C * L, (b + 1) * C * L);
      const dst = out.subarray((b * K + k) * C * Lmax, (b * K + k + 1) * C * Lmax);
      if (tokens.tokenMajor) gatherTokensToChannels(src, 1, L, C, index.order, dst, Lmax);
      else gatherRows(src, C, L, index.order, dst, Lmax);
    }
  });
  return Tensor.fromData(out, [B, K, C, Lmax]);
}

function directionList(directions: readonly Direction[], op: string): readonly Direction[] {
  if (!Array.isArray(directions) || directions.length === 0) {
    throw new ShapeError(`${op}: expected a non-empty array of directions, got ${Array.isArray(directions) ? '[]' : typeof directions}`);
  }
  return directions;
}

/** Reverses direction k of a [B, K, C, L] stack into `out` (one B×C×H·W block per direction, in `layout`). */
function reverseStackInto(
  data: Float32Array,
  shape: readonly number[],
  k: number,
  inverse: ReverseIndex,
  tokenMajor: boolean,
  out: Float32Array,
): void {
  const [B, K, C, L] = shape;
  const HW = inverse.positions.length;
  for (let b = 0; b < B; b++) {
    const src = data.subarray((b * K + k) * C * L, (b * K + k + 1) * C * L);
    const dst = out.subarray(b * C * HW, (b + 1) * C * HW);
    if (tokenMajor) gatherChannelsToTokens(src, 1, C, L, inverse.positions, dst);
    else gatherRows(src, C, L, inverse.positions, dst);
  }
}

/** Reads a [B, K, C, L] stack and the reverse maps of its K directions (each L′k ≤ L; the tail beyond L′k is ignored). */
function readStack(ys: Tensor, directions: readonly Direction[], options: ReverseOptions, op: string) {
  assertOptions(options, ['H', 'W', 'layout', 'reverseMode'], op);
  const layout = assertLayout(options.layout, op);
  const reverseMode = assertReverseMode(options.reverseMode, op);
  const data = readRank(ys, 4, '[B, K, C, L] stack', op);
  const list = directionList(directions, op);
  const { H, W } = gridOf(list[0], options.H, options.W, op);
  const [, K, , L] = ys.shape;
  if (K !== list.length) throw new ShapeError(`${op}: stack ${formatShape(ys.shape)} has K=${K} but ${list.length} directions were given`);
  const inverses = list.map((d) => reverseIndex(d, H, W, { reverseMode }));
  for (const inv of inverses) {
    if (inv.length > L)
      throw new ShapeError(
        `${op}: direction '${inv.name}' on ${H}x${W} needs length ${inv.length}, but the stack ${formatShape(ys.shape)} has ${L}`,
      );
  }
  return { data, layout, H, W, inverses };
}

/**
 * Reverses each direction of a [B, K, C, L] stack to row-major order, cropping padding and any trailing fill:
 * [B, K, C, H·W] by default; `layout` gives [B, K, H·W, C] (`blc`), [B, K, C, H, W] or [B, K, H, W, C].
 */
export function reverseMany(ys: Tensor, directions: readonly Direction[], options: ReverseOptions = {}): Tensor {
  const { data, layout = 'bcl', H, W, inverses } = readStack(ys, directions, options, 'reverseMany');
  const [B, K, C] = ys.shape;
  const n = C * H * W;
  const out = new Float32Array(K * B * n);
  const [, , , L] = ys.shape;
  const tokenMajor = isTokenMajor(layout);
  inverses.forEach((inv, k) => {
    for (let b = 0; b < B; b++) {
      const src = data.subarray((b * K + k) * C * L, (b * K + k + 1) * C * L);
      const dst = out.subarray((b * K + k) * n, (b * K + k + 1) * n);
      if (tokenMajor) gatherChannelsToTokens(src, 1, C, L, inv.positions, dst);
      else gatherRows(src, C, L, inv.positions, dst);
    }
  });
  const shape = tokenShape(layout, B, C, H, W);
  return Tensor.fromData(out, [B, K, ...shape.slice(1)]);
}

/** Sum over k of the reversed directions of a [B, K, C, L] stack, accumulated in float32 in order k = 0…K−1. */
export function mergeMany(ys: Tensor, directions: readonly Direction[], options: ReverseOptions = {}): Tensor {
  const { data, layout = 'bcl', H, W, inverses } = readStack(ys, directions, options, 'mergeMany');
  const [B, , C] = ys.shape;
  const out = new Float32Array(B * C * H * W);
  const term = new Float32Array(out.length);
  inverses.forEach((inv, k) => {
    reverseStackInto(data, ys.shape, k, inv, isTokenMajor(layout), k === 0 ? out : term);
    if (k > 0) for (let i = 0; i < out.length; i++) out[i] += term[i];
  });
  return Tensor.fromData(out, tokenShape(layout as TokenLayout, B, C, H, W));
}
