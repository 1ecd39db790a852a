import { ArgumentError, type Tensor } from '@vssm/core';
import { runKernel } from '../registry.js';
import { assertFinite, assertOptions, assertTensor, axisOf } from '../validate.js';

/** `F.gelu(x)` (exact erf form, approximate='none'). */
export function gelu(x: Tensor): Tensor {
  assertTensor('gelu', 'x', x);
  return runKernel('gelu', { x }, {});
}

/** `F.silu(x)` = x·sigmoid(x). */
export function silu(x: Tensor): Tensor {
  assertTensor('silu', 'x', x);
  return runKernel('silu', { x }, {});
}

/** `torch.sigmoid(x)`. */
export function sigmoid(x: Tensor): Tensor {
  assertTensor('sigmoid', 'x', x);
  return runKernel('sigmoid', { x }, {});
}

/** `F.relu(x)`. */
export function relu(x: Tensor): Tensor {
  assertTensor('relu', 'x', x);
  return runKernel('relu', { x }, {});
}

export interface SoftplusOptions {
  /** Default 1. */
  beta?: number;
  /** Above β·x > threshold the result is x (default 20). */
  threshold?: number;
}

/** `F.softplus(x, beta, threshold)`: log1p(exp(β·x))/β, or x where β·x > threshold. */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  assertTensor('softplus', 'x', x);
  assertOptions('softplus', options, ['beta', 'threshold']);
  const beta = assertFinite('softplus', 'beta', options.beta ?? 1);
  if (beta === 0) throw new ArgumentError('softplus: beta must be non-zero');
  const threshold = assertFinite('softplus', 'threshold', options.threshold ?? 20);
  return runKernel('softplus', { x }, { beta, threshold });
}

/** `F.softmax(x, dim=axis)` (default: the last axis). */
export function softmax(x: Tensor, axis = -1): Tensor {
  assertTensor('softmax', 'x', x);
  if (x.rank === 0) return runKernel('softmax', { x: x.reshape([1]) }, { axis: 0 }).reshape([]);
  return runKernel('softmax', { x }, { axis: axisOf('softmax', axis, x.rank) });
}
