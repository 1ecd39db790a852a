/**
 * Index of the first NaN or ±Infinity in `values`, or −1 when every value is finite. The common case costs one
 * branch-free multiply-add per element (x·0 is NaN exactly for NaN and ±Infinity), summed into four independent
 * accumulators so that the adds do not wait on each other; the element search runs only on failure.
 */
export function firstNonFinite(values: Float32Array): number {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  const n = values.length;
  const n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) {
    p0 += values[i] * 0;
    p1 += values[i + 1] * 0;
    p2 += values[i + 2] * 0;
    p3 += values[i + 3] * 0;
  }
  for (let i = n4; i < n; i++) p0 += values[i] * 0;
  if (p0 + p1 + p2 + p3 === 0) return -1;
  for (let i = 0; i < n; i++) if (values[i] - values[i] !== 0) return i;
  return -1;
}
