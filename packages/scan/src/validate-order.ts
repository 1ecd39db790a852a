import { ArgumentError } from '@vssm/core';
import { MAX_SCAN_TOKENS } from './limits.js';

function listSome(values: number[]): string {
  return values.length > 8 ? `${values.slice(0, 8).join(', ')}, … (${values.length} in all)` : values.join(', ');
}

/**
 * Checks a user-supplied order for an H×W grid and returns it as a fresh Int32Array: at least H·W entries, every
 * entry an integer in [−1, H·W), every real token present exactly once. `what` names the caller in errors.
 */
export function validateOrder(values: ArrayLike<number>, H: number, W: number, what: string): Int32Array {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new ArgumentError(
      `${what}: an order must be an Int32Array or an array of numbers, got ${values === null ? 'null' : typeof values}`,
    );
  }
  const n = values.length;
  const HW = H * W;
  if (n < HW) {
    throw new ArgumentError(`${what}: order has ${n} entries but the ${H}x${W} grid has ${HW} tokens that must each appear once`);
  }
  if (n > MAX_SCAN_TOKENS) {
    throw new ArgumentError(`${what}: order has ${n} entries, more than the limit of ${MAX_SCAN_TOKENS}`);
  }
  const order = new Int32Array(n);
  const firstSeenAt = new Int32Array(HW).fill(-1);
  for (let s = 0; s < n; s++) {
    const v = values[s];
    if (!Number.isInteger(v) || v < -1 || v >= HW) {
      throw new ArgumentError(
        `${what}: entry ${s} is ${v}; entries must be integers in [0, ${HW}) for the ${H}x${W} grid, or -1 for padding`,
      );
    }
    if (v >= 0) {
      if (firstSeenAt[v] >= 0) {
        throw new ArgumentError(
          `${what}: token ${v} appears more than once (scan positions ${firstSeenAt[v]} and ${s}); each real token must appear exactly once`,
        );
      }
      firstSeenAt[v] = s;
    }
    order[s] = v;
  }
  const missing: number[] = [];
  for (let p = 0; p < HW; p++) if (firstSeenAt[p] < 0) missing.push(p);
  if (missing.length > 0) {
    throw new ArgumentError(`${what}: tokens missing from the ${H}x${W} order: ${listSome(missing)}`);
  }
  return order;
}
