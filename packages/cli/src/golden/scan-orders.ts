import { WeightFileError } from '@vssm/core';
import { scanIndex } from '@vssm/scan';
import type { GoldenRunOptions } from './kinds.js';

const KEY = /^(\d+)x(\d+)\/(.+)$/;

/**
 * Runs a `scan_orders` golden file (JSON): for every key `"HxW/direction"` of its `orders`, the order computed by
 * `scanIndex(direction, H, W)` (source row-major token index per scan position, −1 for padding), under the same key.
 */
export async function runScanOrdersGolden(
  golden: Record<string, unknown>,
  path: string,
  options: GoldenRunOptions,
): Promise<Record<string, unknown>> {
  const orders = golden.orders;
  if (typeof orders !== 'object' || orders === null || Array.isArray(orders)) {
    throw new WeightFileError(path, "scan_orders golden file has no 'orders' object");
  }
  const out: Record<string, number[]> = {};
  for (const key of Object.keys(orders)) {
    const m = KEY.exec(key);
    if (!m) throw new WeightFileError(path, `orders key '${key}' is not of the form 'HxW/direction'`);
    out[key] = Array.from(scanIndex(m[3], Number(m[1]), Number(m[2])).order);
  }
  options.log(`${Object.keys(out).length} orders`);
  return { orders: out };
}
