import { ArgumentError, formatShape, normalizeAxis, ShapeError, Tensor } from '@vssm/core';
import type { Pair } from './signatures.js';

/** Throws an ArgumentError unless `t` is a Tensor. */
export function assertTensor(op: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
}

/** Throws a ShapeError unless `t` has exactly `rank` dimensions (`what` describes the expected layout). */
export function assertRank(op: string, name: string, t: Tensor, rank: number, what = `${rank}-D`): void {
  if (t.rank !== rank) throw new ShapeError(`${op}: ${name} must be ${what}, got shape ${formatShape(t.shape)}`);
}

/** An optional tensor argument: undefined/null → null, otherwise it must be a Tensor. */
export function optionalTensor(op: string, name: string, t: Tensor | null | undefined): Tensor | null {
  if (t === undefined || t === null) return null;
  assertTensor(op, name, t);
  return t;
}

/** Checks an optional per-channel vector (weight, bias) against its expected length. */
export function assertVector(op: string, name: string, t: Tensor | null, length: number, against: string): void {
  if (t && (t.rank !== 1 || t.shape[0] !== length)) {
    throw new ShapeError(`${op}: ${name} must have shape [${length}] to match ${against}, got ${formatShape(t.shape)}`);
  }
}

/** An integer ≥ `min`. */
export function assertInt(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ArgumentError(`${op}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** A finite number (optionally ≥ `min`). */
export function assertFinite(op: string, name: string, v: unknown, min = Number.NEGATIVE_INFINITY): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new ArgumentError(
      `${op}: ${name} must be a finite number${min > Number.NEGATIVE_INFINITY ? ` >= ${min}` : ''}, got ${String(v)}`,
    );
  }
  return v;
}

/** Expands `n` or `[h, w]` into a pair of integers ≥ `min`. */
export function toPair(op: string, name: string, v: unknown, min: number): Pair {
  if (typeof v === 'number') {
    assertInt(op, name, v, min);
    return [v, v];
  }
  if (Array.isArray(v) && v.length === 2) {
    assertInt(op, `${name}[0]`, v[0], min);
    assertInt(op, `${name}[1]`, v[1], min);
    return [v[0], v[1]];
  }
  throw new ArgumentError(`${op}: ${name} must be an integer or [h, w], got ${JSON.stringify(v)}`);
}

/** A boolean option with a default. */
export function toBool(op: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ArgumentError(`${op}: ${name} must be a boolean, got ${String(v)}`);
  return v;
}

/** Normalises an axis (negative counts from the end) with errors naming the op. */
export function axisOf(op: string, axis: unknown, rank: number): number {
  if (typeof axis !== 'number') throw new ArgumentError(`${op}: axis must be an integer, got ${String(axis)}`);
  return normalizeAxis(axis, rank, op);
}

/** Rejects unknown option keys, so a typo (e.g. `stides`) is an error and not a silently ignored setting. */
export function assertOptions(op: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new ArgumentError(`${op}: options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new ArgumentError(`${op}: unknown option '${key}'; known: ${known.join(', ')}`);
  }
}
