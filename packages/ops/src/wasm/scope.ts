import type { Tensor } from '@vssm/core';
import { isResident as residentIn, persist as persistCopy, withScratch as scratchScope } from '@vssm/wasm';
import { wasmOps } from './context.js';

/**
 * `withScratch` of `@vssm/wasm` on the runtime the ops kernels use (started first if need be): inside `fn`, the
 * outputs of the wasm kernels stay in wasm memory and chained ops read them in place; see that package's README
 * ("Output residency") for the lifetime rule: tensors made inside are valid until the scope ends; return what you
 * keep, or `persist()` it.
 */
export function withScratch<T>(fn: () => T | Promise<T>): Promise<T> {
  return scratchScope(fn, wasmOps()?.rt);
}

/** A JavaScript-heap copy of a tensor that lives in wasm memory (withScratch); any other tensor is returned as is. */
export function persist(t: Tensor): Tensor {
  return persistCopy(t);
}

/** Whether `t`'s values live in wasm memory (an output of a wasm kernel inside withScratch). */
export function isResident(t: Tensor): boolean {
  return residentIn(t);
}
