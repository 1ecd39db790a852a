import { ArgumentError, UnknownNameError } from '@vssm/core';
import { isKnownDirection } from '@vssm/blocks';
import { BUILTIN_DIRECTION_NAMES, customDirections } from '@vssm/scan';

/** Validators shared by the LocalMamba families: each names the function and the offending field and value. */

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? JSON.stringify(v) : String(v));

export function posInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new ArgumentError(`${op}: ${name} must be a positive integer, got ${show(v)}`);
  return v;
}

export function posNumber(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new ArgumentError(`${op}: ${name} must be a positive number, got ${show(v)}`);
  return v;
}

export function probability(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new ArgumentError(`${op}: ${name} must be a number in [0, 1), got ${show(v)}`);
  return v;
}

export function bool(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ArgumentError(`${op}: ${name} must be true or false, got ${show(v)}`);
  return v;
}

export function oneOf<T extends string>(op: string, name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw new ArgumentError(`${op}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(v)}`);
  }
  return v as T;
}

export function rankOrAuto(op: string, name: string, v: unknown): number | 'auto' {
  return v === 'auto' ? 'auto' : posInt(op, name, v);
}

/** Throws one ArgumentError naming every key of `obj` outside `known`. */
export function rejectUnknownKeys(op: string, obj: Record<string, unknown>, known: readonly string[], what = 'option'): void {
  const unknown = Object.keys(obj).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new ArgumentError(
      `${op}: unknown or unsupported ${what}${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; supported: ${known.join(', ')}`,
    );
  }
}

/** Per-layer direction lists (`count` lists of known names), or null for the search supernet. */
export function directionLists(op: string, v: unknown, count: number, what: string): string[][] | null {
  if (v === null) return null;
  if (!Array.isArray(v) || v.length !== count) {
    throw new ArgumentError(
      `${op}: directions must be null or a list of ${count} per-${what} direction lists, got ${Array.isArray(v) ? `${v.length} lists` : show(v)}`,
    );
  }
  return v.map((layer, i) => {
    if (!Array.isArray(layer) || layer.length === 0)
      throw new ArgumentError(`${op}: directions[${i}] must be a non-empty list of direction names, got ${show(layer)}`);
    for (const name of layer) {
      if (typeof name !== 'string' || !isKnownDirection(name)) {
        throw new UnknownNameError('scan direction', String(name), [...BUILTIN_DIRECTION_NAMES, ...customDirections()]);
      }
    }
    return [...layer] as string[];
  });
}

export function assertPlainObject(op: string, v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ArgumentError(`${op}: ${what} must be an object, got ${show(v)}`);
  return v as Record<string, unknown>;
}
