import { ShapeError, Tensor, formatShape } from '@vssm/core';
import { CROSS_SCAN_DIRECTIONS } from './directions.js';
import { gatherChannelsToTokens, gatherRows } from './gather.js';
import { type TokenLayout, assertLayout, isTokenMajor, tokenShape } from './layout.js';
import { assertGrid } from './limits.js';
import { assertOptions } from './options.js';
import { reverseIndex } from './resolve.js';
import type { ScanOptions } from './scan.js';
import { scanMany } from './scan-many.js';

/**
 * VMamba cross-scan: [B, C, H, W] (or tokens with `layout` and { H, W }) → [B, 4, C, H·W] holding, for k = 0…3,
 * the row-major, column-major, reversed row-major and reversed column-major sequences.
 */
export function crossScan(x: Tensor, options: ScanOptions = {}): Tensor {
  return scanMany(x, CROSS_SCAN_DIRECTIONS, options);
}

export interface CrossMergeOptions {
  /** Grid height; required for a [B, 4, C, L] input, checked against a [B, 4, C, H, W] input. */
  H?: number;
  /** Grid width; required for a [B, 4, C, L] input, checked against a [B, 4, C, H, W] input. */
  W?: number;
  /** Layout of the result: `bchw` (default), `bcl`, `blc` or `bhwc`. */
  layout?: TokenLayout;
}

/**
 * VMamba cross-merge, the adjoint of `crossScan`: the sum of the four sequences of a [B, 4, C, L] (or
 * [B, 4, C, H, W]) tensor, each put back in row-major order. Summed in float32 as the official PyTorch code does:
 * (y0 + flip(y2)) + (y1 + flip(y3)) after un-transposing the column-major pair.
 */
export function crossMerge(ys: Tensor, options: CrossMergeOptions = {}): Tensor {
  assertOptions(options, ['H', 'W', 'layout'], 'crossMerge');
  const layout = assertLayout(options.layout, 'crossMerge') ?? 'bchw';
  if (!(ys instanceof Tensor))
    throw new ShapeError(`crossMerge: expected a Tensor of shape [B, 4, C, L] or [B, 4, C, H, W], got ${typeof ys}`);
  const s = ys.shape;
  let H = options.H;
  let W = options.W;
  if (s.length === 5) {
    if ((H !== undefined && H !== s[3]) || (W !== undefined && W !== s[4])) {
      throw new ShapeError(`crossMerge: options say H=${H}, W=${W} but the input ${formatShape(s)} is ${s[3]}x${s[4]}`);
    }
    H = s[3];
    W = s[4];
  } else if (s.length !== 4) {
    throw new ShapeError(`crossMerge: expected a [B, 4, C, L] or [B, 4, C, H, W] tensor, got shape ${formatShape(s)}`);
  }
  if (H === undefined || W === undefined)
    throw new ShapeError(`crossMerge: a [B, 4, C, L] input ${formatShape(s)} needs the grid size { H, W }`);
  assertGrid(H, W, 'crossMerge');
  const [B, K, C] = s;
  const L = H * W;
  if (K !== 4) throw new ShapeError(`crossMerge: expected 4 directions on axis 1, got shape ${formatShape(s)}`);
  if (s.length === 4 && s[3] !== L)
    throw new ShapeError(`crossMerge: input ${formatShape(s)} has length ${s[3]} but the grid ${H}x${W} has ${L} tokens`);
  const data = ys.contiguousData();
  const n = B * C * L;
  const terms = CROSS_SCAN_DIRECTIONS.map((direction, k) => {
    const positions = reverseIndex(direction, H, W).positions;
    const out = new Float32Array(n);
    for (let b = 0; b < B; b++) {
      const src = data.subarray((b * K + k) * C * L, (b * K + k + 1) * C * L);
      const dst = out.subarray(b * C * L, (b + 1) * C * L);
      if (isTokenMajor(layout)) gatherChannelsToTokens(src, 1, C, L, positions, dst);
      else gatherRows(src, C, L, positions, dst);
    }
    return out;
  });
  const [rowMajor, columnMajor, rowMajorReversed, columnMajorReversed] = terms;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.fround(rowMajor[i] + rowMajorReversed[i]) + Math.fround(columnMajor[i] + columnMajorReversed[i]);
  }
  return Tensor.fromData(out, tokenShape(layout, B, C, H, W));
}
