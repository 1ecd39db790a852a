import type { ParsedArgs } from './args.js';
import { UsageError } from './errors.js';

/** A string option's value, or `fallback` when absent. */
export function stringOption(args: ParsedArgs, name: string): string | undefined;
export function stringOption(args: ParsedArgs, name: string, fallback: string): string;
export function stringOption(args: ParsedArgs, name: string, fallback?: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : fallback;
}

/** An integer option ≥ `min` (UsageError naming the command and option otherwise), or `fallback` when absent. */
export function intOption(
  command: string,
  args: ParsedArgs,
  name: string,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = args.options[name];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`${command}: --${name} must be ${range}, got '${String(v)}'`);
  }
  return n;
}

/** Exactly `count` positionals (or at least `count` with `atLeast`), else a UsageError saying what was expected. */
export function expectPositionals(command: string, args: ParsedArgs, what: string, count: number, atLeast = false): string[] {
  const n = args.positionals.length;
  if (atLeast ? n < count : n !== count) {
    throw new UsageError(`${command}: expected ${atLeast ? 'at least ' : ''}${count === 1 && !atLeast ? 'one' : count} ${what}, got ${n}`);
  }
  return args.positionals;
}
