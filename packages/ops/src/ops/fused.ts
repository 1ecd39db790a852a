import { ArgumentError, formatShape, ShapeError, type Tensor } from '@vssm/core';
import { runKernel } from '../registry.js';
import type { Activation } from '../signatures.js';
import { assertFinite, assertOptions, assertTensor, assertVector, optionalTensor } from '../validate.js';
import { type Conv2dOptions, checkConv1dCausal, checkConv2d, conv2dOutputShape } from './conv.js';
import { checkLinear } from './linear.js';

export const ACTIVATIONS: readonly Activation[] = ['none', 'silu', 'gelu', 'relu', 'sigmoid'];

/** What the fused ops add after the main op: `act(op(x) + bias + residual)`. */
export interface FusedOptions {
  /** Applied last (default 'none'). */
  activation?: Activation;
  /** Added before the activation; must have the output's shape (any strides). */
  residual?: Tensor | null;
}

function activationOf(op: string, v: unknown): Activation {
  if (v === undefined) return 'none';
  if (typeof v !== 'string' || !(ACTIVATIONS as readonly string[]).includes(v)) {
    throw new ArgumentError(`${op}: activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as Activation;
}

function residualOf(op: string, residual: Tensor | null | undefined, outShape: readonly number[]): Tensor | null {
  const r = optionalTensor(op, 'residual', residual);
  if (r && (r.rank !== outShape.length || r.shape.some((d, i) => d !== outShape[i]))) {
    throw new ShapeError(`${op}: residual ${formatShape(r.shape)} must have the output's shape ${formatShape(outShape)}`);
  }
  return r;
}

/** `act(F.linear(x, weight, bias) + residual)` in one kernel (the epilogue of the GEMM on the wasm backend). */
export function fusedLinear(x: Tensor, weight: Tensor, bias?: Tensor | null, options: FusedOptions = {}): Tensor {
  const op = 'fusedLinear';
  const b = checkLinear(op, x, weight, bias);
  assertOptions(op, options, ['activation', 'residual']);
  const residual = residualOf(op, options.residual, [...x.shape.slice(0, -1), weight.shape[0]]);
  return runKernel(op, { x, weight, bias: b, residual }, { activation: activationOf(op, options.activation) });
}

/**
 * `act(F.conv2d(x, weight, bias, …) + residual)` in one kernel: e.g. SiLU after a depthwise conv, or ConvFFN's
 * `gelu(h + dwc(h))` as `fusedConv2d(h, dwc.weight, dwc.bias, { padding: 1, groups, residual: h, activation: 'gelu' })`.
 */
export function fusedConv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions & FusedOptions = {}): Tensor {
  const op = 'fusedConv2d';
  const checked = checkConv2d(op, x, weight, bias, options, ['activation', 'residual']);
  const residual = residualOf(op, options.residual, conv2dOutputShape(x, weight, checked.attrs));
  return runKernel(op, { x, weight, bias: checked.bias, residual }, { ...checked.attrs, activation: activationOf(op, options.activation) });
}

/** `act(conv1dCausal(x, weight, bias))` in one kernel (Mamba's conv1d + SiLU). */
export function fusedConv1dCausal(x: Tensor, weight: Tensor, bias?: Tensor | null, options: { activation?: Activation } = {}): Tensor {
  const op = 'fusedConv1dCausal';
  const checked = checkConv1dCausal(op, x, weight, bias);
  assertOptions(op, options, ['activation']);
  return runKernel(op, checked, { activation: activationOf(op, options.activation) });
}

/** `x * F.silu(z)` for x and z of one shape (any strides): the gate of the Mamba mixers. */
export function mulSilu(x: Tensor, z: Tensor): Tensor {
  const op = 'mulSilu';
  assertTensor(op, 'x', x);
  assertTensor(op, 'z', z);
  if (x.rank !== z.rank || x.shape.some((d, i) => d !== z.shape[i])) {
    throw new ShapeError(`${op}: x ${formatShape(x.shape)} and z ${formatShape(z.shape)} must have one shape`);
  }
  return runKernel(op, { x, z }, {});
}

function checkAddNorm(op: string, x: Tensor, residual: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): void {
  assertTensor(op, 'x', x);
  assertTensor(op, 'residual', residual);
  if (x.rank < 1) throw new ShapeError(`${op}: x must have at least 1 dimension, got shape ${formatShape(x.shape)}`);
  if (x.rank !== residual.rank || x.shape.some((d, i) => d !== residual.shape[i])) {
    throw new ShapeError(`${op}: x ${formatShape(x.shape)} and residual ${formatShape(residual.shape)} must have one shape`);
  }
  const D = x.shape[x.rank - 1];
  assertVector(op, 'weight', weight, D, `the last axis of x ${formatShape(x.shape)}`);
  assertVector(op, 'bias', bias, D, `the last axis of x ${formatShape(x.shape)}`);
  assertFinite(op, 'eps', eps, 0);
}

/**
 * The residual add + LayerNorm of the Vim blocks in one kernel: returns `{ out: layerNorm(x + residual), sum: x + residual }`.
 */
export function addLayerNorm(
  x: Tensor,
  residual: Tensor,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): { out: Tensor; sum: Tensor } {
  const op = 'addLayerNorm';
  const w = optionalTensor(op, 'weight', weight);
  const b = optionalTensor(op, 'bias', bias);
  checkAddNorm(op, x, residual, w, b, eps);
  const [out, sum] = runKernel(op, { x, residual, weight: w, bias: b }, { eps });
  return { out, sum };
}

/** The residual add + RMSNorm of the Vim blocks in one kernel: `{ out: rmsNorm(x + residual), sum: x + residual }`. */
export function addRmsNorm(x: Tensor, residual: Tensor, weight?: Tensor | null, eps = 1e-5): { out: Tensor; sum: Tensor } {
  const op = 'addRmsNorm';
  const w = optionalTensor(op, 'weight', weight);
  checkAddNorm(op, x, residual, w, null, eps);
  const [out, sum] = runKernel(op, { x, residual, weight: w }, { eps });
  return { out, sum };
}

/**
 * `act(F.linear(F.layer_norm(x, [D], normWeight, normBias, eps), weight, bias))` with the normalised rows kept in
 * kernel memory between the two steps (a block's norm followed by its in_proj).
 */
export function layerNormLinear(
  x: Tensor,
  normWeight: Tensor | null,
  normBias: Tensor | null,
  weight: Tensor,
  bias?: Tensor | null,
  options: { eps?: number; activation?: Activation } = {},
): Tensor {
  const op = 'layerNormLinear';
  const b = checkLinear(op, x, weight, bias);
  const nw = optionalTensor(op, 'normWeight', normWeight);
  const nb = optionalTensor(op, 'normBias', normBias);
  const D = x.shape[x.rank - 1];
  assertVector(op, 'normWeight', nw, D, `the last axis of x ${formatShape(x.shape)}`);
  assertVector(op, 'normBias', nb, D, `the last axis of x ${formatShape(x.shape)}`);
  assertOptions(op, options, ['eps', 'activation']);
  const eps = assertFinite(op, 'eps', options.eps ?? 1e-5, 0);
  return runKernel(op, { x, normWeight: nw, normBias: nb, weight, bias: b }, { eps, activation: activationOf(op, options.activation) });
}
