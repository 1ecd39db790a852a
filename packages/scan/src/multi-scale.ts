import { ArgumentError, ShapeError, Tensor, formatShape } from '@vssm/core';
import { MULTI_SCALE_LOW_DIRECTIONS } from './directions.js';
import { gatherChannelsToTokens } from './gather.js';
import { type TokenLayout, assertLayout, isTokenMajor, readTokens, tokenShape } from './layout.js';
import { assertGrid } from './limits.js';
import { assertOptions } from './options.js';
import { reverseIndex, scanIndex } from './resolve.js';
import type { ScanIndex } from './scan-index.js';
import { type ScanOptions, gatherSequence } from './scan.js';
import { readRank } from './sequence.js';

/**
 * Several directions on one grid concatenated into a single sequence (the selective scan runs over all of them in
 * one pass, carrying its state across the joins). Each real token appears once per segment.
 */
export interface SegmentedIndex {
  readonly name: string;
  /** Scan position → source row-major index over the whole concatenated sequence. */
  readonly order: Int32Array;
  readonly length: number;
  readonly H: number;
  readonly W: number;
  /** The segments in sequence order; segment k covers positions [offsets[k], offsets[k] + segments[k].length). */
  readonly segments: readonly ScanIndex[];
  readonly offsets: readonly number[];
}

/** Size of MSVMamba's low-resolution map for an H×W map: the output of its 7×7, stride-2, padding-3 depthwise conv. */
export function lowResolutionGrid(H: number, W: number): { H: number; W: number } {
  assertGrid(H, W, 'lowResolutionGrid');
  return { H: Math.ceil(H / 2), W: Math.ceil(W / 2) };
}

/** Concatenates the index maps of several directions on one grid into one sequence. */
export function segmentedIndex(name: string, directions: readonly string[], H: number, W: number): SegmentedIndex {
  const segments = directions.map((d) => scanIndex(d, H, W));
  const offsets: number[] = [];
  let length = 0;
  for (const s of segments) {
    offsets.push(length);
    length += s.length;
  }
  const order = new Int32Array(length);
  segments.forEach((s, k) => {
    order.set(s.order, offsets[k]);
  });
  return { name, order, length, H, W, segments, offsets };
}

/**
 * MSVMamba's low-resolution order on an H1×W1 map: `[h_flip, v, v_flip]` concatenated, length 3·H1·W1.
 * (The full-resolution branch is the plain row-major scan `h`.)
 */
export function multiScaleIndex(H1: number, W1: number): SegmentedIndex {
  assertGrid(H1, W1, 'multiScaleIndex');
  return segmentedIndex('multiscale-low', MULTI_SCALE_LOW_DIRECTIONS, H1, W1);
}

/** Both MSVMamba orders for an H×W full-resolution map: `full` (row-major H×W) and `low` (on the ⌈H/2⌉×⌈W/2⌉ map). */
export function multiScaleOrders(H: number, W: number): { full: ScanIndex; low: SegmentedIndex } {
  const low = lowResolutionGrid(H, W);
  return { full: scanIndex('h', H, W), low: multiScaleIndex(low.H, low.W) };
}

/**
 * Scans MSVMamba's low-resolution map (the stride-2 conv output, [B, C, H1, W1] or tokens with `layout` and
 * { H, W } = its size) into the single sequence [B, C, 3·H1·W1] = [h_flip | v | v_flip].
 */
export function multiScaleScan(x1: Tensor, options: ScanOptions = {}): Tensor {
  assertOptions(options, ['H', 'W', 'layout'], 'multiScaleScan');
  const tokens = readTokens(x1, options.layout, options.H, options.W, 'multiScaleScan');
  const index = multiScaleIndex(tokens.H, tokens.W);
  const { B, C } = tokens;
  const out = gatherSequence(tokens, index);
  return Tensor.fromData(out, [B, C, index.length]);
}

export interface MultiScaleMergeOptions {
  /** Height of the low-resolution map (H1). */
  H: number;
  /** Width of the low-resolution map (W1). */
  W: number;
  /** Layout of the result: `bchw` (default, [B, C, H1, W1]), `bcl`, `blc` or `bhwc`. */
  layout?: TokenLayout;
}

/**
 * MSVMamba's low-resolution merge: un-scans each of the three segments of a [B, C, 3·H1·W1] sequence back to
 * row-major H1×W1 and sums them in float32 as (seg0 + seg1) + seg2. Upsampling to full resolution is left to the caller.
 */
export function multiScaleMerge(y: Tensor, options: MultiScaleMergeOptions): Tensor {
  assertOptions(options, ['H', 'W', 'layout'], 'multiScaleMerge');
  if (options === undefined || options.H === undefined || options.W === undefined) {
    throw new ArgumentError('multiScaleMerge: the low-resolution grid size { H, W } is required');
  }
  const layout = assertLayout(options.layout, 'multiScaleMerge') ?? 'bchw';
  const { H, W } = options;
  assertGrid(H, W, 'multiScaleMerge');
  const data = readRank(y, 3, '[B, C, 3·H1·W1] sequence', 'multiScaleMerge');
  const [B, C, L] = y.shape;
  const L1 = H * W;
  if (L !== 3 * L1)
    throw new ShapeError(`multiScaleMerge: sequence ${formatShape(y.shape)} should have 3·${H}·${W} = ${3 * L1} positions, got ${L}`);
  const out = new Float32Array(B * C * L1);
  const tokenMajor = isTokenMajor(layout);
  const positions = MULTI_SCALE_LOW_DIRECTIONS.map((direction) => reverseIndex(direction, H, W).positions);
  if (!tokenMajor) {
    // One pass: out = (seg0 + seg1) + seg2, each sum rounded to float32.
    const [p0, p1, p2] = positions;
    const fround = Math.fround;
    for (let r = 0; r < B * C; r++) {
      const s0 = r * L;
      const s1 = s0 + L1;
      const s2 = s1 + L1;
      const o = r * L1;
      for (let p = 0; p < L1; p++) out[o + p] = fround(data[s0 + p0[p]] + data[s1 + p1[p]]) + data[s2 + p2[p]];
    }
    return Tensor.fromData(out, tokenShape(layout, B, C, H, W));
  }
  const term = new Float32Array(out.length);
  positions.forEach((pos, k) => {
    const shifted = new Int32Array(L1);
    for (let p = 0; p < L1; p++) shifted[p] = pos[p] + k * L1;
    gatherChannelsToTokens(data, B, C, L, shifted, k === 0 ? out : term);
    if (k > 0) for (let i = 0; i < out.length; i++) out[i] += term[i];
  });
  return Tensor.fromData(out, tokenShape(layout, B, C, H, W));
}
