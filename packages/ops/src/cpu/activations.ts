import { Tensor } from '@vssm/core';
import type { CpuKernelFn } from '../signatures.js';
import { erf, erfc } from './erf.js';

const SQRT1_2 = Math.SQRT1_2;

function unary(x: Tensor, fn: (v: number) => number): Tensor {
  const src = x.contiguousData();
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = fn(src[i]);
  return new Tensor(out, x.shape);
}

/** GELU, exact form x·Φ(x) = x/2·(1 + erf(x/√2)); negative inputs use erfc so the small tail keeps its precision. */
export function geluScalar(v: number): number {
  return v >= 0 ? 0.5 * v * (1 + erf(v * SQRT1_2)) : 0.5 * v * erfc(-v * SQRT1_2);
}

export function sigmoidScalar(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

export function siluScalar(v: number): number {
  return v / (1 + Math.exp(-v));
}

export function reluScalar(v: number): number {
  return v > 0 || Number.isNaN(v) ? v : 0; // NaN propagates, as in torch.relu
}

/** PyTorch softplus: x when β·x > threshold, else log1p(exp(β·x)) / β. */
export function softplusScalar(v: number, beta = 1, threshold = 20): number {
  const z = beta * v;
  return z > threshold ? v : Math.log1p(Math.exp(z)) / beta;
}

export const geluCpu: CpuKernelFn<'gelu'> = ({ x }) => unary(x, geluScalar);
export const sigmoidCpu: CpuKernelFn<'sigmoid'> = ({ x }) => unary(x, sigmoidScalar);
export const siluCpu: CpuKernelFn<'silu'> = ({ x }) => unary(x, siluScalar);
export const reluCpu: CpuKernelFn<'relu'> = ({ x }) => unary(x, reluScalar);
export const softplusCpu: CpuKernelFn<'softplus'> = ({ x }, { beta, threshold }) => unary(x, (v) => softplusScalar(v, beta, threshold));

/** Softmax along `axis`: max-subtracted exponentials normalised in double precision. */
export const softmaxCpu: CpuKernelFn<'softmax'> = ({ x }, { axis }) => {
  const src = x.contiguousData();
  const n = x.shape[axis];
  const inner = x.shape.slice(axis + 1).reduce((s, d) => s * d, 1);
  const outer = x.shape.slice(0, axis).reduce((s, d) => s * d, 1);
  const out = new Float32Array(src.length);
  const e = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        const v = src[base + k * inner];
        if (v > max || Number.isNaN(v)) max = v;
      }
      let sum = 0;
      for (let k = 0; k < n; k++) {
        // an all −∞ slice gives NaN, as in torch
        const v = Math.exp(src[base + k * inner] - max);
        e[k] = v;
        sum += v;
      }
      for (let k = 0; k < n; k++) out[base + k * inner] = e[k] / sum;
    }
  }
  return new Tensor(out, x.shape);
};
