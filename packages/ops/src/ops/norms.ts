import { formatShape, ShapeError, type Tensor } from '@vssm/core';
import { runKernel } from '../registry.js';
import { assertFinite, assertRank, assertTensor, assertVector, optionalTensor } from '../validate.js';

function lastDim(op: string, x: Tensor): number {
  if (x.rank < 1) throw new ShapeError(`${op}: x must have at least 1 dimension, got shape ${formatShape(x.shape)}`);
  return x.shape[x.rank - 1];
}

/** `F.layer_norm(x, [D], weight, bias, eps)` over the last axis; weight and bias (D) are optional. */
export function layerNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const op = 'layerNorm';
  assertTensor(op, 'x', x);
  const w = optionalTensor(op, 'weight', weight);
  const b = optionalTensor(op, 'bias', bias);
  const D = lastDim(op, x);
  assertVector(op, 'weight', w, D, `the last axis of x ${formatShape(x.shape)}`);
  assertVector(op, 'bias', b, D, `the last axis of x ${formatShape(x.shape)}`);
  return runKernel('layerNorm', { x, weight: w, bias: b }, { eps: assertFinite(op, 'eps', eps, 0) });
}

/** LayerNorm over the channel axis of NCHW input (VMamba's `LayerNorm2d`); weight and bias (C) optional. */
export function layerNorm2d(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const op = 'layerNorm2d';
  assertTensor(op, 'x', x);
  const w = optionalTensor(op, 'weight', weight);
  const b = optionalTensor(op, 'bias', bias);
  assertRank(op, 'x', x, 4, '4-D NCHW');
  assertVector(op, 'weight', w, x.shape[1], `the channels of x ${formatShape(x.shape)}`);
  assertVector(op, 'bias', b, x.shape[1], `the channels of x ${formatShape(x.shape)}`);
  return runKernel('layerNorm2d', { x, weight: w, bias: b }, { eps: assertFinite(op, 'eps', eps, 0) });
}

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · weight (weight (D) optional). */
export function rmsNorm(x: Tensor, weight?: Tensor | null, eps = 1e-5): Tensor {
  const op = 'rmsNorm';
  assertTensor(op, 'x', x);
  const w = optionalTensor(op, 'weight', weight);
  const D = lastDim(op, x);
  assertVector(op, 'weight', w, D, `the last axis of x ${formatShape(x.shape)}`);
  return runKernel('rmsNorm', { x, weight: w }, { eps: assertFinite(op, 'eps', eps, 0) });
}
