import { Tensor } from '@vssm/core';
import type { Activation, CpuKernelFn } from '../signatures.js';
import { geluScalar, reluScalar, sigmoidScalar, siluScalar } from './activations.js';
import { conv1dCausalCpu } from './conv1d.js';
import { conv2dCpu } from './conv2d.js';
import { linearCpu } from './matmul.js';
import { layerNormCpu, rmsNormCpu } from './norms.js';

const SCALAR: Record<Exclude<Activation, 'none'>, (v: number) => number> = {
  silu: siluScalar,
  gelu: geluScalar,
  relu: reluScalar,
  sigmoid: sigmoidScalar,
};

/** act(y + residual) elementwise over a fresh contiguous y (modified in place and returned). */
function finish(y: Tensor, residual: Tensor | null, activation: Activation): Tensor {
  const out = y.data;
  if (residual) {
    const r = residual.contiguousData();
    for (let i = 0; i < out.length; i++) out[i] += r[i];
  }
  if (activation !== 'none') {
    const f = SCALAR[activation];
    for (let i = 0; i < out.length; i++) out[i] = f(out[i]);
  }
  return y;
}

export const fusedLinearCpu: CpuKernelFn<'fusedLinear'> = ({ x, weight, bias, residual }, { activation }) =>
  finish(linearCpu({ x, weight, bias }, {}), residual, activation);

export const fusedConv2dCpu: CpuKernelFn<'fusedConv2d'> = ({ x, weight, bias, residual }, { activation, ...attrs }) =>
  finish(conv2dCpu({ x, weight, bias }, attrs), residual, activation);

export const fusedConv1dCausalCpu: CpuKernelFn<'fusedConv1dCausal'> = ({ x, weight, bias }, { activation }) =>
  finish(conv1dCausalCpu({ x, weight, bias }, {}), null, activation);

export const mulSiluCpu: CpuKernelFn<'mulSilu'> = ({ x, z }) => {
  const xd = x.contiguousData();
  const zd = z.contiguousData();
  const out = new Float32Array(xd.length);
  // silu(z) rounded to float32 first, as the unfused x.mul(silu(z)) does
  for (let i = 0; i < out.length; i++) out[i] = xd[i] * Math.fround(siluScalar(zd[i]));
  return new Tensor(out, x.shape);
};

/** x + residual as a fresh contiguous tensor. */
function sum(x: Tensor, residual: Tensor): Tensor {
  const xd = x.contiguousData();
  const rd = residual.contiguousData();
  const out = new Float32Array(xd.length);
  for (let i = 0; i < out.length; i++) out[i] = xd[i] + rd[i];
  return new Tensor(out, x.shape);
}

export const addLayerNormCpu: CpuKernelFn<'addLayerNorm'> = ({ x, residual, weight, bias }, { eps }) => {
  const s = sum(x, residual);
  return [layerNormCpu({ x: s, weight, bias }, { eps }), s];
};

export const addRmsNormCpu: CpuKernelFn<'addRmsNorm'> = ({ x, residual, weight }, { eps }) => {
  const s = sum(x, residual);
  return [rmsNormCpu({ x: s, weight }, { eps }), s];
};

export const layerNormLinearCpu: CpuKernelFn<'layerNormLinear'> = ({ x, normWeight, normBias, weight, bias }, { eps, activation }) =>
  finish(linearCpu({ x: layerNormCpu({ x, weight: normWeight, bias: normBias }, { eps }), weight, bias }, {}), null, activation);
