import { ArgumentError } from '@vssm/core';

/**
 * Largest sequence length (padding included) and largest grid (H·W) that an index map may have: 2^26 tokens,
 * i.e. a 256 MiB Int32Array. Anything larger is refused instead of attempting the allocation.
 */
export const MAX_SCAN_TOKENS = 1 << 26;

/** Throws an ArgumentError naming `op` unless H and W are positive integers with H·W within MAX_SCAN_TOKENS. */
export function assertGrid(H: number, W: number, op: string): void {
  if (!Number.isSafeInteger(H) || H < 1 || !Number.isSafeInteger(W) || W < 1) {
    throw new ArgumentError(`${op}: grid size must be positive integers, got H=${H}, W=${W}`);
  }
  if (H * W > MAX_SCAN_TOKENS) {
    throw new ArgumentError(`${op}: grid ${H}x${W} has ${H * W} tokens, more than the limit of ${MAX_SCAN_TOKENS}`);
  }
}
