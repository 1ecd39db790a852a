import { ArgumentError, formatShape, ShapeError, type Tensor } from '@vssm/core';
import { runKernel } from '../registry.js';
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

/** `F.conv2d(x, weight, bias, stride, padding, dilation=1, groups)` on NCHW input, weight (O, C/groups, kh, kw). */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  assertTensor(op, 'x', x);
  assertTensor(op, 'weight', weight);
  const b = optionalTensor(op, 'bias', bias);
  assertOptions(op, options, CONV2D_OPTIONS);
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
  return runKernel('conv2d', { x, weight, bias: b }, { stride, padding, groups });
}

/**
 * Mamba's causal depthwise conv1d: x (B, C, L), weight (C, 1, K) or (C, K), bias (C); left padding K−1 so output
 * t sees inputs t−K+1 … t. Equals `Conv1d(C, C, K, groups=C, padding=K−1)(x)[..., :L]`.
 */
export function conv1dCausal(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const op = 'conv1dCausal';
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
  return runKernel('conv1dCausal', { x, weight: w, bias: b }, {});
}
