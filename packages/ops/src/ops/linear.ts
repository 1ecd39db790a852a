import { broadcastShapes, formatShape, ShapeError, type Tensor } from '@vssm/core';
import { runKernel } from '../registry.js';
import { assertRank, assertTensor, assertVector, optionalTensor } from '../validate.js';

/** Validates linear's operands (named `op` in errors); returns the bias as Tensor | null. */
export function checkLinear(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): Tensor | null {
  assertTensor(op, 'x', x);
  assertTensor(op, 'weight', weight);
  const b = optionalTensor(op, 'bias', bias);
  if (x.rank < 1) throw new ShapeError(`${op}: x must have at least 1 dimension, got shape ${formatShape(x.shape)}`);
  assertRank(op, 'weight', weight, 2, '2-D (out_features, in_features)');
  if (x.shape[x.rank - 1] !== weight.shape[1]) {
    throw new ShapeError(
      `${op}: x ${formatShape(x.shape)} has ${x.shape[x.rank - 1]} input features but weight ${formatShape(weight.shape)} expects ${weight.shape[1]}`,
    );
  }
  assertVector(op, 'bias', b, weight.shape[0], `weight ${formatShape(weight.shape)}`);
  return b;
}

/** `F.linear(x, weight, bias)`: x (..., K) · weightᵀ + bias with weight (N, K), bias (N). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const b = checkLinear('linear', x, weight, bias);
  return runKernel('linear', { x, weight, bias: b }, {});
}

/**
 * `torch.matmul(a, b)`: 1-D·1-D is a dot product (0-D result), a 1-D operand is promoted to a matrix and the
 * added axis removed afterwards, and leading (batch) axes broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  assertTensor('matmul', 'a', a);
  assertTensor('matmul', 'b', b);
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(`matmul: both operands need at least 1 dimension, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const a2 = a.rank === 1 ? a.unsqueeze(0) : a;
  const b2 = b.rank === 1 ? b.unsqueeze(1) : b;
  const K = a2.shape[a2.rank - 1];
  if (b2.shape[b2.rank - 2] !== K) {
    throw new ShapeError(
      `matmul: inner dimensions differ: a ${formatShape(a.shape)} has ${K} columns, b ${formatShape(b.shape)} has ${b2.shape[b2.rank - 2]} rows`,
    );
  }
  try {
    broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), 'matmul');
  } catch {
    throw new ShapeError(
      `matmul: batch dimensions of a ${formatShape(a.shape)} and b ${formatShape(b.shape)} cannot be broadcast together`,
    );
  }
  let out = runKernel('matmul', { a: a2, b: b2 }, {});
  if (a.rank === 1) out = out.squeeze(out.rank - 2);
  if (b.rank === 1) out = out.squeeze(out.rank - 1);
  return out;
}
