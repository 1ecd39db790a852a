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

/** As assertSame, but comparing with Object.is: NaN equals NaN, and +0 and −0 differ. */
export function assertSameValues(t: test.Test, actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  let i = actual.length === expected.length ? -1 : 0;
  for (let j = 0; i < 0 && j < actual.length; j++) if (!Object.is(actual[j], expected[j])) i = j;
  t.equal(
    i,
    -1,
    i < 0
      ? `${what}: the same values (${expected.length})`
      : `${what}: first difference at ${i}: ${actual[i]} vs ${expected[i]} (lengths ${actual.length}, ${expected.length})`,
  );
}
