import { ArgumentError, type ShapeMismatch, StateDictError } from '../errors.js';
import { formatShape, type Shape, shapesEqual } from '../shape.js';

/** Anything with a shape: a `Tensor`, or a plain `{ shape }` description. */
export interface Shaped {
  readonly shape: Shape;
}

export interface StateDictMatch {
  /** Expected keys the state dict lacks, in expected order. */
  missing: string[];
  /** Keys of the state dict the model does not expect, in state-dict order. */
  unexpected: string[];
  /** Keys present on both sides with different shapes, in expected order. */
  mismatched: ShapeMismatch[];
  /** True when all three lists are empty. */
  ok: boolean;
}

export interface MatchStateDictOptions {
  /** Throw one `StateDictError` listing every problem (default true). */
  strict?: boolean;
  /** Names listed per category in the error message (default 20). */
  maxListed?: number;
}

function listSection<T>(title: string, items: readonly T[], line: (item: T) => string, maxListed: number): string[] {
  if (items.length === 0) return [];
  const out = [`  ${title} (${items.length}):`];
  for (const it of items.slice(0, maxListed)) out.push(`    ${line(it)}`);
  if (items.length > maxListed) out.push(`    ... and ${items.length - maxListed} more`);
  return out;
}

/** When most unexpected keys are missing keys plus one prefix (e.g. `backbone.`), names that prefix. */
function prefixHint(missing: readonly string[], unexpected: readonly string[]): string | undefined {
  if (!missing.length || !unexpected.length) return undefined;
  const missingSet = new Set(missing);
  const counts = new Map<string, number>();
  for (const u of unexpected.slice(0, 2000)) {
    for (let i = u.indexOf('.'); i >= 0; i = u.indexOf('.', i + 1)) {
      if (missingSet.has(u.slice(i + 1))) {
        const prefix = u.slice(0, i + 1);
        counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
        break;
      }
    }
  }
  let best: [string, number] | undefined;
  for (const c of counts) if (!best || c[1] > best[1]) best = c;
  if (!best || best[1] * 2 < Math.min(missing.length, unexpected.length)) return undefined;
  return `hint: ${best[1]} unexpected keys are missing keys with the prefix '${best[0]}'; try stripPrefixes: ['${best[0]}']`;
}

function toEntries<V>(source: ReadonlyMap<string, V> | Iterable<readonly [string, V]>, what: string): [string, V][] {
  const out: [string, V][] = [];
  const seen = new Set<string>();
  for (const pair of source as Iterable<readonly [string, V]>) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string')
      throw new ArgumentError(`matchStateDict: ${what} must be [name, value] pairs`);
    if (seen.has(pair[0])) throw new ArgumentError(`matchStateDict: ${what} lists '${pair[0]}' twice`);
    seen.add(pair[0]);
    out.push([pair[0], pair[1]]);
  }
  return out;
}

/**
 * Compares a state dict with the keys and shapes a model expects. Returns the missing, unexpected and
 * mis-shaped keys; in strict mode (default) any of them throws a single `StateDictError` whose message gives
 * the counts, then up to `maxListed` names per category with expected/actual shapes.
 */
export function matchStateDict(
  actual: ReadonlyMap<string, Shaped> | Iterable<readonly [string, Shaped]>,
  expected: ReadonlyMap<string, Shape> | Iterable<readonly [string, Shape]>,
  options: MatchStateDictOptions = {},
): StateDictMatch {
  const { strict = true, maxListed = 20 } = options;
  const actualEntries = toEntries(actual, 'the state dict');
  const expectedEntries = toEntries(expected, 'the expected keys');
  const actualMap = new Map(actualEntries);
  const expectedNames = new Set(expectedEntries.map(([name]) => name));
  const missing: string[] = [];
  const mismatched: ShapeMismatch[] = [];
  for (const [key, shape] of expectedEntries) {
    if (!Array.isArray(shape)) throw new ArgumentError(`matchStateDict: expected shape for '${key}' is not an array`);
    const value = actualMap.get(key);
    if (value === undefined) {
      missing.push(key);
    } else {
      const actualShape = value?.shape;
      if (!Array.isArray(actualShape)) throw new ArgumentError(`matchStateDict: state dict entry '${key}' has no shape`);
      if (!shapesEqual(actualShape, shape)) mismatched.push({ key, expected: shape.slice(), actual: actualShape.slice() });
    }
  }
  const unexpected = actualEntries.map(([key]) => key).filter((key) => !expectedNames.has(key));
  const ok = missing.length === 0 && unexpected.length === 0 && mismatched.length === 0;
  if (strict && !ok) {
    const expectedShapes = new Map(expectedEntries);
    const lines = [
      `state dict does not match the model: ${missing.length} missing, ${unexpected.length} unexpected, ${mismatched.length} with mismatched shapes`,
      ...listSection('missing keys', missing, (k) => `${k} (expected ${formatShape(expectedShapes.get(k)!)})`, maxListed),
      ...listSection('unexpected keys', unexpected, (k) => `${k} (shape ${formatShape(actualMap.get(k)!.shape)})`, maxListed),
      ...listSection(
        'shape mismatches',
        mismatched,
        (m) => `${m.key}: expected ${formatShape(m.expected)}, got ${formatShape(m.actual)}`,
        maxListed,
      ),
    ];
    const hint = prefixHint(missing, unexpected);
    if (hint) lines.push(`  ${hint}`);
    throw new StateDictError(lines.join('\n'), missing, unexpected, mismatched);
  }
  return { missing, unexpected, mismatched, ok };
}
