import { ArgumentError, formatShape, ShapeError, type Tensor } from '@vssm/core';
import { runKernel } from '../registry.js';
import type { InterpolationMode, Pair } from '../signatures.js';
import { assertFinite, assertInt, assertOptions, assertRank, assertTensor, toBool } from '../validate.js';

export const INTERPOLATION_MODES: readonly InterpolationMode[] = ['nearest', 'bilinear', 'bicubic'];

export interface InterpolateOptions {
  /** Output size, a number or [h, w]. Exactly one of size / scaleFactor. */
  size?: number | readonly [number, number];
  /** Output = ⌊input · scaleFactor⌋ per axis. */
  scaleFactor?: number | readonly [number, number];
  /** Default 'nearest' (PyTorch's legacy nearest: src = min(⌊dst·scale⌋, in−1)). */
  mode?: InterpolationMode;
  /** bilinear/bicubic only (default false). */
  alignCorners?: boolean;
  /** With scaleFactor: map coordinates by in/out instead of 1/scaleFactor (default false, as PyTorch). */
  recomputeScaleFactor?: boolean;
}

function pairOf(op: string, name: string, v: number | readonly [number, number], check: (name: string, v: unknown) => number): Pair {
  if (typeof v === 'number') return [check(name, v), check(name, v)];
  if (Array.isArray(v) && v.length === 2) return [check(`${name}[0]`, v[0]), check(`${name}[1]`, v[1])];
  throw new ArgumentError(`${op}: ${name} must be a number or [h, w], got ${JSON.stringify(v)}`);
}

/**
 * `F.interpolate(x, size | scale_factor, mode, align_corners)` on NCHW input: 'nearest' (legacy), 'bilinear'
 * (half-pixel, source clamped at 0) and 'bicubic' (A = −0.75, taps clamped to the border); no antialiasing.
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const op = 'interpolate';
  assertTensor(op, 'x', x);
  assertOptions(op, options, ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor']);
  assertRank(op, 'x', x, 4, '4-D NCHW');
  const mode = options?.mode ?? 'nearest';
  if (!INTERPOLATION_MODES.includes(mode))
    throw new ArgumentError(`${op}: unknown mode '${String(mode)}'; known: ${INTERPOLATION_MODES.join(', ')}`);
  if (mode === 'nearest' && options.alignCorners !== undefined) {
    throw new ArgumentError(`${op}: alignCorners can only be set with the 'bilinear' and 'bicubic' modes`);
  }
  const alignCorners = toBool(op, 'alignCorners', options.alignCorners, false);
  const recompute = toBool(op, 'recomputeScaleFactor', options.recomputeScaleFactor, false);
  const hasSize = options.size !== undefined;
  const hasScale = options.scaleFactor !== undefined;
  if (hasSize === hasScale) throw new ArgumentError(`${op}: give exactly one of size and scaleFactor`);
  const [, , H, W] = x.shape;
  if (H === 0 || W === 0) throw new ShapeError(`${op}: x ${formatShape(x.shape)} has an empty spatial axis`);
  let outSize: Pair;
  let scale: Pair;
  if (hasSize) {
    outSize = pairOf(op, 'size', options.size!, (n, v) => assertInt(op, n, v, 1));
    scale = [H / outSize[0], W / outSize[1]];
  } else {
    const factor = pairOf(op, 'scaleFactor', options.scaleFactor!, (n, v) => {
      const f = assertFinite(op, n, v);
      if (f <= 0) throw new ArgumentError(`${op}: ${n} must be positive, got ${f}`);
      return f;
    });
    outSize = [Math.floor(H * factor[0]), Math.floor(W * factor[1])];
    if (outSize[0] < 1 || outSize[1] < 1) {
      throw new ShapeError(
        `${op}: scaleFactor [${factor.join(', ')}] gives an empty output ${outSize[0]}×${outSize[1]} for x ${formatShape(x.shape)}`,
      );
    }
    scale = recompute ? [H / outSize[0], W / outSize[1]] : [1 / factor[0], 1 / factor[1]];
  }
  return runKernel('interpolate', { x }, { outSize, mode, alignCorners, scale });
}
