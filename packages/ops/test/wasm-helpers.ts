import { Tensor } from '@vssm/core';
import fc from 'fast-check';
import type { Test } from 'tape';
import { lastServedBy, withBackend } from '../src/index.js';
import { gemmTuning } from '../src/wasm/gemm.js';
import { wasmTuning } from '../src/wasm/kernels.js';

/** float32 unit roundoff. */
export const U32 = 2 ** -24;

/** Sizes the properties draw from: the edge sizes around SIMD widths and tiles, and some others. */
export const EDGE_SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 65];
export const edgeSize = (max = 65) => fc.constantFrom(...EDGE_SIZES.filter((n) => n <= max));

/** How a test tensor is laid out: contiguous, transposed (last two axes), every other element (odd strides), flipped. */
export type Layout = 'contiguous' | 'transposed' | 'strided' | 'flipped';
export const layout = fc.constantFrom<Layout>('contiguous', 'transposed', 'strided', 'flipped');

/** A standard-normal tensor of `shape` stored with the given layout (the values are the same for any layout). */
export function randn(shape: readonly number[], seed: number, how: Layout = 'contiguous', scale = 1): Tensor {
  const base = Tensor.randn(shape.slice(), seed).mul(scale);
  if (how === 'contiguous' || shape.length === 0) return base;
  if (how === 'transposed' && shape.length >= 2) return base.transpose(-2, -1).contiguous().transpose(-2, -1);
  if (how === 'strided') {
    // every other element of a larger buffer along the first axis, starting at 1
    const big = Tensor.zeros([2 * shape[0] + 1, ...shape.slice(1)]);
    const view = big.slice([1, 2 * shape[0] + 1, 2]);
    const src = base.contiguousData();
    let i = 0;
    const idx = new Array<number>(shape.length).fill(0);
    for (let n = 0; n < base.size; n++) {
      view.set(src[i++], ...idx);
      for (let a = shape.length - 1; a >= 0; a--) {
        if (++idx[a] < shape[a]) break;
        idx[a] = 0;
      }
    }
    return view;
  }
  if (how === 'flipped') return base.flip(0).contiguous().flip(0);
  return base;
}

/**
 * Runs `f` on the cpu backend and on the wasm backend (thresholds lowered so that every size runs on wasm, and a
 * second thread joins any job with at least `perThread` units); returns both results and who served the wasm call.
 */
export function onBoth<T>(op: string, f: () => T, perThread = 1): { cpu: T; wasm: T; servedBy: string | undefined } {
  const cpu = withBackend('cpu', f);
  const saved = { ...wasmTuning, gemm: gemmTuning.minWorkPerThread };
  wasmTuning.minProduct = 0;
  wasmTuning.minElements = 0;
  wasmTuning.minElementwisePerThread = perThread;
  gemmTuning.minWorkPerThread = perThread;
  try {
    const wasm = withBackend('wasm', f);
    return { cpu, wasm, servedBy: lastServedBy(op) };
  } finally {
    wasmTuning.minProduct = saved.minProduct;
    wasmTuning.minElements = saved.minElements;
    wasmTuning.minElementwisePerThread = saved.minElementwisePerThread;
    gemmTuning.minWorkPerThread = saved.gemm;
  }
}

/**
 * Elementwise check |actual − expected| ≤ bound[i]; returns a message naming the worst element, or '' when all pass.
 * NaN must match NaN.
 */
export function withinBound(actual: Tensor, expected: Tensor, bound: (i: number, e: number) => number): string {
  if (actual.shape.join() !== expected.shape.join()) return `shape [${actual.shape}] vs expected [${expected.shape}]`;
  const a = actual.contiguousData();
  const e = expected.contiguousData();
  let worst = -1;
  let worstRatio = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(e[i]) || Number.isNaN(a[i])) {
      if (Number.isNaN(e[i]) !== Number.isNaN(a[i])) return `element ${i}: ${a[i]} vs ${e[i]} (NaN mismatch)`;
      continue;
    }
    if (a[i] === e[i]) continue;
    const ratio = Math.abs(a[i] - e[i]) / bound(i, e[i]);
    if (!(ratio <= 1)) {
      if (!(ratio <= worstRatio)) {
        worstRatio = ratio;
        worst = i;
      }
    }
  }
  return worst < 0
    ? ''
    : `element ${worst}: ${a[worst]} vs ${e[worst]}, |diff| ${Math.abs(a[worst] - e[worst]).toExponential(2)} is ${worstRatio.toFixed(1)}× the bound`;
}

/** Asserts a property of two results in one tape assertion (fast-check's counterexample in the message). */
export function property(t: Test, what: string, prop: fc.IPropertyWithHooks<unknown> | fc.IProperty<unknown>, numRuns = 60): void {
  try {
    fc.assert(prop as fc.IProperty<unknown>, { numRuns });
    t.pass(`${what} (${numRuns} runs)`);
  } catch (e) {
    t.fail(`${what}: ${(e as Error).message}`);
  }
}

/**
 * The float32 error bound of a sum of `terms` products whose absolute values sum to `absSum` (the γ_n bound,
 * n·u/(1 − n·u) ≈ n·u, of recursive summation), doubled for the epilogue's roundings, plus a relative ulp.
 */
export function productBound(terms: number, absSum: number, expected: number): number {
  return 2 * (terms + 2) * U32 * absSum + 2 * U32 * Math.abs(expected) + 1e-30;
}
