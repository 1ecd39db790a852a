import type { Tensor } from '@vssm/core';

/**
 * Values derived from parameter tensors (A = −exp(A_log), weights of K directions stacked into one tensor, …),
 * computed once and reused by every forward.
 *
 * The cache is keyed on the IDENTITY of the tensors a value was built from: `loadStateDict` swaps parameter tensor
 * objects, so loading weights makes the next forward rebuild. Writing into a parameter's `data` in place is not
 * seen; replace the tensor (or call `clearDerived(owner)`) instead.
 */
const cache = new WeakMap<object, Map<string, { deps: readonly Tensor[]; value: unknown }>>();

/** The value `build()` makes from `deps`, cached on `owner` under `key` while `deps` are the same objects. */
export function derived<T>(owner: object, key: string, deps: readonly Tensor[], build: () => T): T {
  let entries = cache.get(owner);
  if (!entries) {
    entries = new Map();
    cache.set(owner, entries);
  }
  const hit = entries.get(key);
  if (hit && hit.deps.length === deps.length && hit.deps.every((d, i) => d === deps[i])) return hit.value as T;
  const value = build();
  entries.set(key, { deps: [...deps], value });
  return value;
}

/** Drops every value cached on `owner`. */
export function clearDerived(owner: object): void {
  cache.delete(owner);
}
