import { ArgumentError, ShapeError, Tensor, formatShape } from '@vssm/core';
import { gatherChannelsToTokens, gatherRows, gatherTokensToChannels } from './gather.js';
import { type TokenData, type TokenLayout, assertLayout, isTokenMajor, readTokens, tokenShape } from './layout.js';
import { assertOptions } from './options.js';
import { type Direction, type ReverseMode, assertReverseMode, reverseIndex, scanIndex } from './resolve.js';
import type { ScanIndex } from './scan-index.js';
import { readRank } from './sequence.js';

export interface ScanOptions {
  /** Grid height; required for rank-3 input, checked against the shape for rank-4 input. */
  H?: number;
  /** Grid width; required for rank-3 input, checked against the shape for rank-4 input. */
  W?: number;
  /** Layout of the input: rank 3 defaults to `blc` (pass `bcl` for channel-first tokens), rank 4 to `bchw`. */
  layout?: TokenLayout;
}

export interface ReverseOptions {
  /** Grid height (may be omitted when the direction is an index map). */
  H?: number;
  /** Grid width (may be omitted when the direction is an index map). */
  W?: number;
  /** Layout of the result (default `bcl`, i.e. [B, C, H·W]; `blc` gives token-major [B, H·W, C]). */
  layout?: TokenLayout;
  /** `'exact'` (default) or `'official-v-bug'`; see `ReverseMode`. */
  reverseMode?: ReverseMode;
}

const SCAN_OPTIONS = ['H', 'W', 'layout'];
const REVERSE_OPTIONS = ['H', 'W', 'layout', 'reverseMode'];

/** Gathers tokens into a [B, C, L′] sequence along an index map (padding positions stay 0). */
export function gatherSequence(tokens: TokenData, index: Pick<ScanIndex, 'order' | 'length'>): Float32Array {
  const { data, B, C, H, W } = tokens;
  const out = new Float32Array(B * C * index.length);
  if (tokens.tokenMajor) gatherTokensToChannels(data, B, H * W, C, index.order, out);
  else gatherRows(data, B * C, H * W, index.order, out);
  return out;
}

/**
 * Reorders tokens along a scan direction. Input: [B, L, C] (default for rank 3), [B, C, L] (`layout: 'bcl'`),
 * [B, C, H, W] (default for rank 4) or [B, H, W, C] (`layout: 'bhwc'`). Returns the channel-first sequence
 * [B, C, L′], where L′ includes padding tokens (zeros) for windowed directions.
 */
export function scan(x: Tensor, direction: Direction, options: ScanOptions = {}): Tensor {
  assertOptions(options, SCAN_OPTIONS, 'scan');
  const tokens = readTokens(x, options.layout, options.H, options.W, 'scan');
  const index = scanIndex(direction, tokens.H, tokens.W);
  return Tensor.fromData(gatherSequence(tokens, index), [tokens.B, tokens.C, index.length]);
}

/** The grid size for a reverse: from the options, or from an index map passed as the direction. */
export function gridOf(direction: Direction, H: number | undefined, W: number | undefined, op: string): { H: number; W: number } {
  if (H !== undefined && W !== undefined) return { H, W };
  if (typeof direction === 'object' && direction !== null && 'order' in direction) {
    return { H: H ?? direction.H, W: W ?? direction.W };
  }
  throw new ArgumentError(
    `${op}: the grid size { H, W } is required to reverse direction ${typeof direction === 'string' ? `'${direction}'` : '(order array)'}`,
  );
}

/**
 * Maps a scanned sequence [B, C, L′] back to row-major token order, dropping padding positions. The result is
 * [B, C, H·W] by default, or another layout via `layout`. With the default `reverseMode: 'exact'` this is the true
 * inverse (and the adjoint) of `scan`.
 */
export function reverse(y: Tensor, direction: Direction, options: ReverseOptions = {}): Tensor {
  assertOptions(options, REVERSE_OPTIONS, 'reverse');
  const layout = assertLayout(options.layout, 'reverse') ?? 'bcl';
  const reverseMode = assertReverseMode(options.reverseMode, 'reverse');
  const data = readRank(y, 3, '[B, C, L′] sequence', 'reverse');
  const { H, W } = gridOf(direction, options.H, options.W, 'reverse');
  const inverse = reverseIndex(direction, H, W, { reverseMode });
  const [B, C, L] = y.shape;
  if (L !== inverse.length) {
    throw new ShapeError(
      `reverse: direction '${inverse.name}' on ${H}x${W} has length ${inverse.length}, but the sequence ${formatShape(y.shape)} has ${L}`,
    );
  }
  const out = new Float32Array(B * C * H * W);
  if (isTokenMajor(layout)) gatherChannelsToTokens(data, B, C, L, inverse.positions, out);
  else gatherRows(data, B * C, L, inverse.positions, out);
  return Tensor.fromData(out, tokenShape(layout, B, C, H, W));
}
