import { ArgumentError, formatShape, ShapeError, type Tensor } from '@vssm/core';
import { runKernel } from '../registry.js';
import type { Pair } from '../signatures.js';
import { assertInt, assertOptions, assertRank, assertTensor, toBool, toPair } from '../validate.js';

export interface AvgPool2dOptions {
  kernelSize: number | readonly [number, number];
  /** Default: kernelSize. */
  stride?: number | readonly [number, number];
  /** Implicit zero padding on both sides (default 0, at most half the kernel). */
  padding?: number | readonly [number, number];
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/** ATen's pooling_output_shape for one axis. */
function pooledSize(n: number, k: number, s: number, p: number, ceil: boolean): number {
  const span = n + 2 * p - k + (ceil ? s - 1 : 0);
  let out = Math.floor(span / s) + 1;
  if (ceil && (out - 1) * s >= n + p) out--;
  return out;
}

/** `F.avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad)` on NCHW input. */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  const op = 'avgPool2d';
  assertTensor(op, 'x', x);
  assertOptions(op, options, ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad']);
  assertRank(op, 'x', x, 4, '4-D NCHW');
  if (options?.kernelSize === undefined) throw new ArgumentError(`${op}: kernelSize is required`);
  const kernelSize = toPair(op, 'kernelSize', options.kernelSize, 1);
  const stride = toPair(op, 'stride', options.stride ?? kernelSize, 1);
  const padding = toPair(op, 'padding', options.padding ?? 0, 0);
  if (padding[0] > kernelSize[0] / 2 || padding[1] > kernelSize[1] / 2) {
    throw new ArgumentError(`${op}: padding [${padding.join(', ')}] must be at most half of kernelSize [${kernelSize.join(', ')}]`);
  }
  const ceilMode = toBool(op, 'ceilMode', options.ceilMode, false);
  const countIncludePad = toBool(op, 'countIncludePad', options.countIncludePad, true);
  const [, , H, W] = x.shape;
  const outSize: Pair = [
    pooledSize(H, kernelSize[0], stride[0], padding[0], ceilMode),
    pooledSize(W, kernelSize[1], stride[1], padding[1], ceilMode),
  ];
  if (outSize[0] < 1 || outSize[1] < 1) {
    throw new ShapeError(
      `${op}: output size ${outSize[0]}×${outSize[1]} is empty for x ${formatShape(x.shape)} with kernelSize [${kernelSize.join(', ')}], padding [${padding.join(', ')}]`,
    );
  }
  return runKernel('avgPool2d', { x }, { kernelSize, stride, padding, ceilMode, countIncludePad, outSize });
}

/**
 * `F.adaptive_avg_pool2d(x, output_size)` on NCHW input; `outputSize` 1 (or [1, 1]) is global average pooling.
 * A null entry keeps that input size, as in PyTorch.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  const op = 'adaptiveAvgPool2d';
  assertTensor(op, 'x', x);
  assertRank(op, 'x', x, 4, '4-D NCHW');
  const [, , H, W] = x.shape;
  const pair =
    typeof outputSize === 'number' ? [outputSize, outputSize] : Array.isArray(outputSize) && outputSize.length === 2 ? outputSize : null;
  if (!pair) throw new ArgumentError(`${op}: outputSize must be an integer or [h, w], got ${JSON.stringify(outputSize)}`);
  const outSize: Pair = [assertInt(op, 'outputSize[0]', pair[0] ?? H, 1), assertInt(op, 'outputSize[1]', pair[1] ?? W, 1)];
  if (H === 0 || W === 0) throw new ShapeError(`${op}: x ${formatShape(x.shape)} has an empty spatial axis`);
  return runKernel('adaptiveAvgPool2d', { x }, { outSize });
}
