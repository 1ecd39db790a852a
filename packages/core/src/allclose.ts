import { formatShape, shapesEqual } from './shape.js';
import type { Tensor } from './tensor.js';

export interface AllCloseOptions {
  /** Relative tolerance (default 1e-5, as torch.allclose). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8, as torch.allclose). */
  atol?: number;
  /** Treat NaN == NaN as equal (default false). */
  equalNan?: boolean;
}

export interface AllCloseReport {
  ok: boolean;
  /** Largest |actual − expected| over all elements. */
  maxAbsDiff: number;
  /** Largest |actual − expected| / |expected| over elements with expected ≠ 0. */
  maxRelDiff: number;
  /** Number of elements outside tolerance. */
  mismatches: number;
  /** The element that exceeds its tolerance by the most (or the largest difference when all pass). */
  worst?: { index: number[]; actual: number; expected: number; diff: number; allowed: number };
  message: string;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

/**
 * Element-wise comparison `|a − e| <= atol + rtol·|e|` (torch.allclose semantics), with a report of the
 * worst element so that a failing parity test says where and by how much.
 */
export function allClose(actual: Tensor, expected: Tensor, options: AllCloseOptions = {}): AllCloseReport {
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-8;
  if (!shapesEqual(actual.shape, expected.shape)) {
    return {
      ok: false,
      maxAbsDiff: Number.POSITIVE_INFINITY,
      maxRelDiff: Number.POSITIVE_INFINITY,
      mismatches: Math.max(actual.size, expected.size),
      message: `shape mismatch: actual ${formatShape(actual.shape)} vs expected ${formatShape(expected.shape)}`,
    };
  }
  const a = actual.contiguousData();
  const e = expected.contiguousData();
  let maxAbs = 0;
  let maxRel = 0;
  let mismatches = 0;
  let worstExcess = Number.NEGATIVE_INFINITY;
  let worstAt = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = e[i];
    let diff: number;
    let allowed: number;
    if (x === y || (options.equalNan && Number.isNaN(x) && Number.isNaN(y))) {
      diff = 0;
      allowed = 0;
    } else if (!Number.isFinite(x) || !Number.isFinite(y)) {
      // NaN, or an infinity not matched exactly: never close
      diff = Number.POSITIVE_INFINITY;
      allowed = 0;
    } else {
      diff = Math.abs(x - y);
      allowed = atol + rtol * Math.abs(y);
    }
    if (diff > maxAbs) maxAbs = diff;
    if (y !== 0 && Number.isFinite(diff)) maxRel = Math.max(maxRel, diff / Math.abs(y));
    const excess = diff - allowed;
    if (excess > 0) mismatches++;
    if (excess > worstExcess) {
      worstExcess = excess;
      worstAt = i;
    }
  }
  const ok = mismatches === 0;
  const worst =
    worstAt >= 0
      ? {
          index: unravel(worstAt, actual.shape),
          actual: a[worstAt],
          expected: e[worstAt],
          diff: Math.abs(a[worstAt] - e[worstAt]),
          allowed: atol + rtol * Math.abs(e[worstAt]),
        }
      : undefined;
  const where = worst ? ` worst at [${worst.index.join(', ')}]: actual ${worst.actual}, expected ${worst.expected} (|diff| ${worst.diff.toExponential(3)}, allowed ${worst.allowed.toExponential(3)})` : '';
  const message = ok
    ? `all ${a.length} elements within rtol=${rtol}, atol=${atol}; max |diff| ${maxAbs.toExponential(3)}`
    : `${mismatches} of ${a.length} elements outside rtol=${rtol}, atol=${atol}; max |diff| ${maxAbs.toExponential(3)};${where}`;
  return { ok, maxAbsDiff: maxAbs, maxRelDiff: maxRel, mismatches, worst, message };
}

/**
 * The golden-file tolerance of ../shared/golden/README.md: `|a−e| <= atol·max(1, max|e|) + rtol·|e|`
 * with atol = 1e-4, rtol = 1e-3 for outputs, and ten times both for gradients.
 */
export function goldenTolerance(expected: Tensor, kind: 'output' | 'gradient' = 'output'): { rtol: number; atol: number } {
  const scale = kind === 'gradient' ? 10 : 1;
  const e = expected.contiguousData();
  let maxAbs = 0;
  for (let i = 0; i < e.length; i++) {
    const v = Math.abs(e[i]);
    if (v > maxAbs) maxAbs = v;
  }
  return { atol: 1e-4 * scale * Math.max(1, maxAbs), rtol: 1e-3 * scale };
}

/** allClose with the golden README's tolerance for outputs or gradients. */
export function goldenClose(actual: Tensor, expected: Tensor, kind: 'output' | 'gradient' = 'output'): AllCloseReport {
  return allClose(actual, expected, goldenTolerance(expected, kind));
}
