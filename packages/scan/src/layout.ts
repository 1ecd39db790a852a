import { ArgumentError, ShapeError, Tensor, formatShape } from '@vssm/core';
import { assertGrid } from './limits.js';

/**
 * How a token tensor is laid out: `blc` = [B, L, C] token-major (LocalVim), `bcl` = [B, C, L] channel-first,
 * `bchw` = [B, C, H, W] feature map (LocalVMamba, VMamba), `bhwc` = [B, H, W, C] channel-last map. L = H·W row-major.
 */
export type TokenLayout = 'blc' | 'bcl' | 'bchw' | 'bhwc';

const LAYOUTS: readonly TokenLayout[] = ['blc', 'bcl', 'bchw', 'bhwc'];

/** A token tensor reduced to flat row-major data and its sizes. */
export interface TokenData {
  data: Float32Array;
  B: number;
  C: number;
  H: number;
  W: number;
  /** True for `blc`/`bhwc` (channels innermost), false for `bcl`/`bchw`. */
  tokenMajor: boolean;
}

export function assertLayout(layout: unknown, op: string): TokenLayout | undefined {
  if (layout === undefined || LAYOUTS.includes(layout as TokenLayout)) return layout as TokenLayout | undefined;
  throw new ArgumentError(`${op}: layout must be one of ${LAYOUTS.join(', ')}, got ${JSON.stringify(layout)}`);
}

/** Whether a layout keeps channels innermost. */
export function isTokenMajor(layout: TokenLayout): boolean {
  return layout === 'blc' || layout === 'bhwc';
}

/**
 * Interprets `x` as a token tensor. Rank 4 defaults to `bchw` and takes H, W from the shape (given H, W must agree);
 * rank 3 defaults to `blc` and needs H, W with H·W = L.
 */
export function readTokens(x: Tensor, layoutOption: unknown, H: number | undefined, W: number | undefined, op: string): TokenData {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  const requested = assertLayout(layoutOption, op);
  const s = x.shape;
  if (s.length === 4) {
    const layout = requested ?? 'bchw';
    if (layout !== 'bchw' && layout !== 'bhwc') {
      throw new ShapeError(`${op}: layout '${layout}' needs a rank-3 tensor, got shape ${formatShape(s)}`);
    }
    const tokenMajor = layout === 'bhwc';
    const [B, C, h, w] = tokenMajor ? [s[0], s[3], s[1], s[2]] : [s[0], s[1], s[2], s[3]];
    if ((H !== undefined && H !== h) || (W !== undefined && W !== w)) {
      throw new ShapeError(`${op}: options say H=${H}, W=${W} but the ${layout} input ${formatShape(s)} is ${h}x${w}`);
    }
    assertGrid(h, w, op);
    return { data: x.contiguousData(), B, C, H: h, W: w, tokenMajor };
  }
  if (s.length === 3) {
    const layout = requested ?? 'blc';
    if (layout !== 'blc' && layout !== 'bcl') {
      throw new ShapeError(`${op}: layout '${layout}' needs a rank-4 tensor, got shape ${formatShape(s)}`);
    }
    if (H === undefined || W === undefined) {
      throw new ArgumentError(`${op}: a rank-3 ${layout} input ${formatShape(s)} needs the grid size { H, W }`);
    }
    assertGrid(H, W, op);
    const tokenMajor = layout === 'blc';
    const [B, L, C] = tokenMajor ? [s[0], s[1], s[2]] : [s[0], s[2], s[1]];
    if (L !== H * W) {
      throw new ShapeError(`${op}: ${layout} input ${formatShape(s)} has ${L} tokens but the grid ${H}x${W} has ${H * W}`);
    }
    return { data: x.contiguousData(), B, C, H, W, tokenMajor };
  }
  throw new ShapeError(`${op}: expected a [B, L, C], [B, C, L], [B, C, H, W] or [B, H, W, C] tensor, got shape ${formatShape(s)}`);
}

/** The shape of a B×C token tensor on an H×W grid in a layout. */
export function tokenShape(layout: TokenLayout, B: number, C: number, H: number, W: number): number[] {
  switch (layout) {
    case 'blc':
      return [B, H * W, C];
    case 'bcl':
      return [B, C, H * W];
    case 'bchw':
      return [B, C, H, W];
    case 'bhwc':
      return [B, H, W, C];
  }
}
