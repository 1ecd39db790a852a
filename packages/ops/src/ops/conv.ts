import { ArgumentError, formatShape, ShapeError, type Tensor } from '@vssm/core';
import { runKernel } from '../registry.js';
import type { Pair } from '../signatures.js';
import { assertInt, assertOptions, assertRank, assertTensor, assertVector, optionalTensor, toPair } from '../validate.js';

export interface Conv2dOptions {
  /** Stride, as a number or [h, w] (default 1). */
  stride?: number | readonly [number, number];
  /** Zero padding on both sides of each axis, as a number or [h, w] (default 0). */
  padding?: number | readonly [number, number];
  /** Only 1 is supported. */
  dilation?: number | readonly [number, number];
  /** Channel groups (default 1); groups == channels is a depthwise conv. */
  groups?: number;
}

const CONV2D_OPTIONS = ['stride', 'padding', 'dilation', 'groups'] as const;

/** Validates conv2d's operands and options (named `op` in errors); returns the bias and the normalised attributes. */
export function checkConv2d(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  options: Conv2dOptions,
  extraOptions: readonly string[] = [],
): { bias: Tensor | null; attrs: { stride: Pair; padding: Pair; groups: number } } {
  assertTensor(op, 'x', x);
  assertTensor(op, 'weight', weight);
  const b = optionalTensor(op, 'bias', bias);
  assertOptions(op, options, [...CONV2D_OPTIONS, ...extraOptions]);
  assertRank(op, 'x', x, 4, '4-D NCHW');
  assertRank(op, 'weight', weight, 4, '4-D (out_channels, in_channels/groups, kh, kw)');
  const stride = toPair(op, 'stride', options.stride ?? 1, 1);
  const padding = toPair(op, 'padding', options.padding ?? 0, 0);
  const dilation = toPair(op, 'dilation', options.dilation ?? 1, 1);
  if (dilation[0] !== 1 || dilation[1] !== 1) throw new ArgumentError(`${op}: only dilation 1 is supported, got [${dilation.join(', ')}]`);
  const groups = assertInt(op, 'groups', options.groups ?? 1, 1);
  const [, C, H, W] = x.shape;
  const [O, Cg, kh, kw] = weight.shape;
  if (C % groups !== 0)
    throw new ArgumentError(`${op}: groups=${groups} does not divide the ${C} input channels of x ${formatShape(x.shape)}`);
  if (O % groups !== 0)
    throw new ArgumentError(`${op}: groups=${groups} does not divide the ${O} output channels of weight ${formatShape(weight.shape)}`);
  if (Cg !== C / groups) {
    throw new ShapeError(
      `${op}: weight ${formatShape(weight.shape)} expects ${Cg * groups} input channels (groups=${groups}) but x ${formatShape(x.shape)} has ${C}`,
    );
  }
  if (kh === 0 || kw === 0) throw new ShapeError(`${op}: empty kernel in weight ${formatShape(weight.shape)}`);
  if (H + 2 * padding[0] < kh || W + 2 * padding[1] < kw) {
    throw new ShapeError(
      `${op}: kernel ${kh}×${kw} is larger than the padded input ${H + 2 * padding[0]}×${W + 2 * padding[1]} (x ${formatShape(x.shape)}, padding [${padding.join(', ')}])`,
    );
  }
  assertVector(op, 'bias', b, O, `weight ${formatShape(weight.shape)}`);
  return { bias: b, attrs: { stride, padding, groups } };
}

/** The output shape of a validated conv2d. */
export function conv2dOutputShape(x: Tensor, weight: Tensor, attrs: { stride: Pair; padding: Pair }): number[] {
  const [B, , H, W] = x.shape;
  const [O, , kh, kw] = weight.shape;
  return [
    B,
    O,
    Math.floor((H + 2 * attrs.padding[0] - kh) / attrs.stride[0]) + 1,
    Math.floor((W + 2 * attrs.padding[1] - kw) / attrs.stride[1]) + 1,
  ];
}

/** `F.conv2d(x, weight, bias, stride, padding, dilation=1, groups)` on NCHW input, weight (O, C/groups, kh, kw). */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const checked = checkConv2d('conv2d', x, weight, bias, options);
  return runKernel('conv2d', { x, weight, bias: checked.bias }, checked.attrs);
}

/**
 * Mamba's causal depthwise conv1d: x (B, C, L), weight (C, 1, K) or (C, K), bias (C); left padding K−1 so output
 * t sees inputs t−K+1 … t. Equals `Conv1d(C, C, K, groups=C, padding=K−1)(x)[..., :L]`.
 */
export function conv1dCausal(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const checked = checkConv1dCausal('conv1dCausal', x, weight, bias);
  return runKernel('conv1dCausal', checked, {});
}

/** Validates conv1dCausal's operands (named `op` in errors); returns them with the weight as (C, K). */
export function checkConv1dCausal(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
): { x: Tensor; weight: Tensor; bias: Tensor | null } {
  assertTensor(op, 'x', x);
  assertTensor(op, 'weight', weight);
  const b = optionalTensor(op, 'bias', bias);
  assertRank(op, 'x', x, 3, '3-D (batch, channels, length)');
  let w = weight;
  if (w.rank === 3) {
    if (w.shape[1] !== 1) throw new ShapeError(`${op}: a 3-D weight must be (C, 1, K) for a depthwise conv, got ${formatShape(w.shape)}`);
    w = w.reshape([w.shape[0], w.shape[2]]);
  } else if (w.rank !== 2) {
    throw new ShapeError(`${op}: weight must be (C, 1, K) or (C, K), got ${formatShape(weight.shape)}`);
  }
  const C = x.shape[1];
  if (w.shape[0] !== C)
    throw new ShapeError(`${op}: weight ${formatShape(weight.shape)} has ${w.shape[0]} channels but x ${formatShape(x.shape)} has ${C}`);
  if (w.shape[1] < 1) throw new ShapeError(`${op}: kernel size must be at least 1, weight ${formatShape(weight.shape)}`);
  assertVector(op, 'bias', b, C, `x ${formatShape(x.shape)}`);
  return { x, weight: w, bias: b };
}
