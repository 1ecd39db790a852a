import { ArgumentError } from '@vssm/core';

/** Throws an ArgumentError naming `op` when `options` is not an object or has a key outside `allowed`. */
export function assertOptions(options: unknown, allowed: readonly string[], op: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(`${op}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new ArgumentError(`${op}: unknown option '${key}'; accepted: ${allowed.join(', ')}`);
  }
}
