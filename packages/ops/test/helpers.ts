import fc from 'fast-check';
import { allClose, type Tensor } from '@vssm/core';
import type { Test } from 'tape';

/** Asserts a float32 result equals a double-precision brute-force reference up to float32 rounding noise. */
export function assertClose(t: Test, actual: Tensor, expected: Tensor, what: string, rtol = 1e-5, atol = 1e-5): void {
  const r = allClose(actual, expected, { rtol, atol });
  t.ok(r.ok, `${what}: ${r.message}`);
}

/** Naive matmul on plain nested loops, reading through Tensor.get (any strides). */
export function naiveMatmul2d(a: Tensor, b: Tensor): number[][] {
  const [M, K] = a.shape;
  const N = b.shape[1];
  const out: number[][] = [];
  for (let i = 0; i < M; i++) {
    const row: number[] = [];
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a.get(i, k) * b.get(k, j);
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

/** Runs a fast-check property and records the outcome (with the counterexample) as one tape assertion. */
export function checkProperty(
  t: Test,
  property: fc.IProperty<unknown> | fc.IAsyncProperty<unknown>,
  params: fc.Parameters<unknown>,
  what: string,
): void {
  try {
    fc.assert(property as fc.IProperty<unknown>, params);
    t.pass(`${what} (${params.numRuns ?? 100} runs)`);
  } catch (e) {
    t.fail(`${what}: ${(e as Error).message}`);
  }
}
