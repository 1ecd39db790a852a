import { ArgumentError, UnknownNameError } from '@vssm/core';
import { ALL_DIRECTIONS, BUILTIN_DIRECTION_NAMES, customDirections, parseBuiltinDirection } from '@vssm/scan';

/** True when `name` is a built-in direction (h, v, wK, their _flip forms) or a registered one (or its _flip). */
export function isKnownDirection(name: string): boolean {
  if (typeof name !== 'string') return false;
  if (parseBuiltinDirection(name) !== null) return true;
  const custom = customDirections();
  if (custom.includes(name)) return true;
  return name.endsWith('_flip') && custom.includes(name.slice(0, -'_flip'.length));
}

/**
 * A layer's direction list: the given names (checked), or LocalMamba's 8 candidates when `directions` is null
 * (the search supernet). `search` defaults to `directions === null`.
 */
export function resolveDirections(
  op: string,
  directions: readonly string[] | null | undefined,
  search: boolean | undefined,
): { names: string[]; search: boolean } {
  const names = directions == null ? [...ALL_DIRECTIONS] : [...directions];
  if (!Array.isArray(directions) && directions != null) {
    throw new ArgumentError(`${op}: directions must be an array of direction names or null, got ${typeof directions}`);
  }
  if (names.length === 0) throw new ArgumentError(`${op}: at least one scan direction is required`);
  for (const name of names) {
    if (!isKnownDirection(name)) {
      throw new UnknownNameError('scan direction', String(name), [...BUILTIN_DIRECTION_NAMES, ...customDirections()]);
    }
  }
  return { names, search: search ?? directions == null };
}
