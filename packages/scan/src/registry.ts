import { ArgumentError } from '@vssm/core';
import { parseBuiltinDirection } from './directions.js';

/** Produces the order of a custom direction for an H×W grid: scan position → row-major index, −1 for padding. */
export type DirectionGenerator = (H: number, W: number) => Int32Array | readonly number[];

export interface RegisterOptions {
  /** Replace an existing custom direction of the same name (built-in names can never be replaced). */
  replace?: boolean;
}

const CUSTOM_NAME = /^[A-Za-z][A-Za-z0-9_.:-]*$/;

const generators = new Map<string, DirectionGenerator>();
const listeners = new Set<(name: string) => void>();

/** Called with a name whenever its definition changes, so caches can drop stale maps. */
export function onDirectionChange(listener: (name: string) => void): void {
  listeners.add(listener);
}

function notify(name: string): void {
  for (const l of listeners) {
    l(name);
    l(`${name}_flip`);
  }
}

/**
 * Registers a custom scan direction usable everywhere a built-in name is accepted. The order is produced lazily per
 * grid size and validated then (every real token exactly once, indices in range or −1; padding tokens allowed).
 * Unless `name_flip` is registered too, `name_flip` resolves to the whole sequence reversed.
 */
export function registerDirection(name: string, generator: DirectionGenerator, options: RegisterOptions = {}): void {
  if (typeof name !== 'string' || !CUSTOM_NAME.test(name)) {
    throw new ArgumentError(
      `registerDirection: invalid name ${JSON.stringify(name)}; use a letter followed by letters, digits, '_', '.', ':' or '-'`,
    );
  }
  if (parseBuiltinDirection(name) !== null) {
    throw new ArgumentError(
      `registerDirection: '${name}' is a built-in direction name (h, v, wK and their _flip forms) and cannot be redefined`,
    );
  }
  if (typeof generator !== 'function') {
    throw new ArgumentError(
      `registerDirection('${name}'): the generator must be a function (H, W) => Int32Array | number[], got ${typeof generator}`,
    );
  }
  if (generators.has(name) && !options.replace) {
    throw new ArgumentError(`registerDirection: '${name}' is already registered; pass { replace: true } to redefine it`);
  }
  generators.set(name, generator);
  notify(name);
}

/** Removes a custom direction; returns whether it existed. */
export function unregisterDirection(name: string): boolean {
  const existed = generators.delete(name);
  if (existed) notify(name);
  return existed;
}

/** The generator registered under exactly this name, if any. */
export function customGenerator(name: string): DirectionGenerator | undefined {
  return generators.get(name);
}

/** Names of the registered custom directions, in registration order. */
export function customDirections(): string[] {
  return [...generators.keys()];
}
