import { Rng, Tensor } from '@vssm/core';
import fc from 'fast-check';

/** A tensor of small random integers, so sums and products are exact in float32 and float64. */
export function randomIntTensor(shape: number[], seed: number, range = 8): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.int(2 * range + 1) - range;
  return Tensor.fromData(data, shape);
}

/** Σ a·b in float64. */
export function dot(a: Tensor, b: Tensor): number {
  const x = a.contiguousData();
  const y = b.contiguousData();
  if (x.length !== y.length) throw new Error(`dot: ${x.length} vs ${y.length} elements`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** True when both tensors have the same shape and bit-identical values. */
export function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const x = a.contiguousData();
  const y = b.contiguousData();
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

/** Directions drawn by property tests: the canonical eight plus wK / wK_flip for K = 1…9. */
export const arbitraryDirection = fc.oneof(
  fc.constantFrom('h', 'h_flip', 'v', 'v_flip', 'w2', 'w2_flip', 'w7', 'w7_flip'),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.boolean()).map(([K, flip]) => `w${K}${flip ? '_flip' : ''}`),
);

/** Grid sizes 1×1 … 20×17, square and non-square. */
export const arbitraryGrid = fc.record({ H: fc.integer({ min: 1, max: 20 }), W: fc.integer({ min: 1, max: 17 }) });

export const PROPERTY_RUNS = { numRuns: 150, seed: 20240506 };

/** Runs a fast-check property and reports its outcome as one tape assertion (the counterexample on failure). */
export function checkProperty(t: { ok(value: unknown, msg?: string): void }, property: fc.IProperty<unknown>, message: string): void {
  const details = fc.check(property, PROPERTY_RUNS);
  t.ok(!details.failed, details.failed ? `${message}: ${fc.defaultReportMessage(details) ?? 'failed'}` : message);
}
