/** The LocalMamba candidate set in its canonical order; the position of a name is its parameter index in the search. */
export const ALL_DIRECTIONS = Object.freeze(['h', 'h_flip', 'v', 'v_flip', 'w2', 'w2_flip', 'w7', 'w7_flip'] as const);

/** VMamba's cross-scan: row-major, column-major and their reverses, in the official k = 0…3 order. */
export const CROSS_SCAN_DIRECTIONS = Object.freeze(['h', 'v', 'h_flip', 'v_flip'] as const);

/** MSVMamba's three low-resolution directions, concatenated in this order into one sequence. */
export const MULTI_SCALE_LOW_DIRECTIONS = Object.freeze(['h_flip', 'v', 'v_flip'] as const);

/** A built-in direction name as parsed: row-major, column-major or K×K windows, optionally flipped. */
export type BuiltinDirection = { kind: 'h' } | { kind: 'v' } | { kind: 'window'; K: number };

export interface ParsedBuiltin {
  base: BuiltinDirection;
  flip: boolean;
}

const WINDOW_NAME = /^w([1-9][0-9]*)$/;

/** Parses `h`, `v`, `wK` (any positive integer K without leading zeros) and their `_flip` forms; null otherwise. */
export function parseBuiltinDirection(name: string): ParsedBuiltin | null {
  const flip = name.endsWith('_flip');
  const base = flip ? name.slice(0, -'_flip'.length) : name;
  if (base === 'h') return { base: { kind: 'h' }, flip };
  if (base === 'v') return { base: { kind: 'v' }, flip };
  const m = WINDOW_NAME.exec(base);
  if (m) {
    const K = Number(m[1]);
    if (Number.isSafeInteger(K)) return { base: { kind: 'window', K }, flip };
  }
  return null;
}

/** Descriptions of the built-in names, for error messages and listings. */
export const BUILTIN_DIRECTION_NAMES = Object.freeze([
  'h',
  'h_flip',
  'v',
  'v_flip',
  'wK',
  'wK_flip (any integer K >= 1, e.g. w2, w7_flip)',
]);
