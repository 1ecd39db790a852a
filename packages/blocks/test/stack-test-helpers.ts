import type test from 'tape';

/** Index of the first element where a and b differ (=== per element, lengths included), or -1. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Asserts that `actual` and `expected` hold the same values bit for bit, naming the first difference. */
export function assertSame(t: test.Test, actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const i = firstDifference(actual, expected);
  t.equal(
    i,
    -1,
    i < 0
      ? `${what}: bit-identical (${expected.length} values)`
      : `${what}: first difference at ${i}: ${actual[i]} vs ${expected[i]} (lengths ${actual.length}, ${expected.length})`,
  );
}
