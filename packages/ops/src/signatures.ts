import type { Tensor } from '@vssm/core';

export type Pair = readonly [number, number];
export type InterpolationMode = 'bilinear' | 'nearest' | 'bicubic';
/** Activation applied by the fused ops, last. */
export type Activation = 'none' | 'silu' | 'gelu' | 'relu' | 'sigmoid';

/**
 * Inputs, attributes and output of every registered op, as a kernel receives them: already validated and normalised
 * by the public op (pairs expanded, axes non-negative, optional tensors `null`). A backend kernel may rely on that.
 */
export interface OpSignatures {
  /** a (..., M, K) · b (..., K, N) with broadcast batch dims (1-D operands are promoted by the op). */
  matmul: { inputs: { a: Tensor; b: Tensor }; attrs: Record<string, never>; output: Tensor };
  /** x (..., K) · weightᵀ + bias, weight (N, K). */
  linear: { inputs: { x: Tensor; weight: Tensor; bias: Tensor | null }; attrs: Record<string, never>; output: Tensor };
  /** NCHW convolution, weight (O, C/groups, kh, kw), dilation 1. */
  conv2d: {
    inputs: { x: Tensor; weight: Tensor; bias: Tensor | null };
    attrs: { stride: Pair; padding: Pair; groups: number };
    output: Tensor;
  };
  /** Causal depthwise conv over (B, C, L) with weight (C, K): left padding K−1, output length L. */
  conv1dCausal: { inputs: { x: Tensor; weight: Tensor; bias: Tensor | null }; attrs: Record<string, never>; output: Tensor };
  layerNorm: { inputs: { x: Tensor; weight: Tensor | null; bias: Tensor | null }; attrs: { eps: number }; output: Tensor };
  layerNorm2d: { inputs: { x: Tensor; weight: Tensor | null; bias: Tensor | null }; attrs: { eps: number }; output: Tensor };
  rmsNorm: { inputs: { x: Tensor; weight: Tensor | null }; attrs: { eps: number }; output: Tensor };
  gelu: { inputs: { x: Tensor }; attrs: Record<string, never>; output: Tensor };
  silu: { inputs: { x: Tensor }; attrs: Record<string, never>; output: Tensor };
  sigmoid: { inputs: { x: Tensor }; attrs: Record<string, never>; output: Tensor };
  relu: { inputs: { x: Tensor }; attrs: Record<string, never>; output: Tensor };
  softplus: { inputs: { x: Tensor }; attrs: { beta: number; threshold: number }; output: Tensor };
  softmax: { inputs: { x: Tensor }; attrs: { axis: number }; output: Tensor };
  avgPool2d: {
    inputs: { x: Tensor };
    attrs: { kernelSize: Pair; stride: Pair; padding: Pair; ceilMode: boolean; countIncludePad: boolean; outSize: Pair };
    output: Tensor;
  };
  adaptiveAvgPool2d: { inputs: { x: Tensor }; attrs: { outSize: Pair }; output: Tensor };
  /** `scale` is PyTorch's source/destination coordinate ratio per axis (in/out, or 1/scaleFactor when one was given). */
  interpolate: {
    inputs: { x: Tensor };
    attrs: { outSize: Pair; mode: InterpolationMode; alignCorners: boolean; scale: Pair };
    output: Tensor;
  };
  /** `pads[d]` = [before, after] for every axis d (negative values crop). */
  pad: { inputs: { x: Tensor }; attrs: { pads: readonly Pair[]; value: number }; output: Tensor };
  concat: { inputs: { tensors: readonly Tensor[] }; attrs: { axis: number }; output: Tensor };
  stack: { inputs: { tensors: readonly Tensor[] }; attrs: { axis: number }; output: Tensor };
  split: { inputs: { x: Tensor }; attrs: { sizes: readonly number[]; axis: number }; output: Tensor[] };
  /** Channel-last (B, H, W, C) → (B, ⌈H/2⌉, ⌈W/2⌉, 4C) in Swin order, odd sizes zero-padded. */
  patchMerging2d: { inputs: { x: Tensor }; attrs: Record<string, never>; output: Tensor };
  /** x (..., L, D) rotated with per-channel tables cos, sin of shape (L, D). */
  rope: { inputs: { x: Tensor; cos: Tensor; sin: Tensor }; attrs: Record<string, never>; output: Tensor };

  // Fused ops: one kernel where the models run these in a row. Each `cpu` kernel is the unfused composition.
  /** act(linear(x, weight, bias) + residual), residual (..., N) like the output. */
  fusedLinear: {
    inputs: { x: Tensor; weight: Tensor; bias: Tensor | null; residual: Tensor | null };
    attrs: { activation: Activation };
    output: Tensor;
  };
  /** act(conv2d(x, weight, bias) + residual), residual shaped like the output (ConvFFN: gelu(h + dwc(h))). */
  fusedConv2d: {
    inputs: { x: Tensor; weight: Tensor; bias: Tensor | null; residual: Tensor | null };
    attrs: { stride: Pair; padding: Pair; groups: number; activation: Activation };
    output: Tensor;
  };
  /** act(conv1dCausal(x, weight, bias)), weight (C, K). */
  fusedConv1dCausal: {
    inputs: { x: Tensor; weight: Tensor; bias: Tensor | null };
    attrs: { activation: Activation };
    output: Tensor;
  };
  /** x · silu(z), x and z of one shape (the Mamba gate). */
  mulSilu: { inputs: { x: Tensor; z: Tensor }; attrs: Record<string, never>; output: Tensor };
  /** [layerNorm(x + residual), x + residual] over the last axis. */
  addLayerNorm: {
    inputs: { x: Tensor; residual: Tensor; weight: Tensor | null; bias: Tensor | null };
    attrs: { eps: number };
    output: [Tensor, Tensor];
  };
  /** [rmsNorm(x + residual), x + residual] over the last axis. */
  addRmsNorm: { inputs: { x: Tensor; residual: Tensor; weight: Tensor | null }; attrs: { eps: number }; output: [Tensor, Tensor] };
  /** act(linear(layerNorm(x, normWeight, normBias, eps), weight, bias)). */
  layerNormLinear: {
    inputs: { x: Tensor; normWeight: Tensor | null; normBias: Tensor | null; weight: Tensor; bias: Tensor | null };
    attrs: { eps: number; activation: Activation };
    output: Tensor;
  };
}

export type OpName = keyof OpSignatures;
export type KernelInputs<K extends OpName> = OpSignatures[K]['inputs'];
export type KernelAttrs<K extends OpName> = OpSignatures[K]['attrs'];
export type KernelOutput<K extends OpName> = OpSignatures[K]['output'];

/** A backend's implementation of op K; returning `undefined` declines the call and dispatch falls back to `cpu`. */
export type KernelFn<K extends OpName> = (inputs: KernelInputs<K>, attrs: KernelAttrs<K>) => KernelOutput<K> | undefined;

/** A CPU reference kernel: never declines. */
export type CpuKernelFn<K extends OpName> = (inputs: KernelInputs<K>, attrs: KernelAttrs<K>) => KernelOutput<K>;
