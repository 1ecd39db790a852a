// Tiny argument parser shared by the example scripts: positionals plus `--name value` / `--flag`.

export interface ExampleArgs {
  positionals: string[];
  options: Map<string, string | true>;
}

/** Splits argv into positionals and options; `flags` lists the options that take no value. */
export function parseExampleArgs(argv: readonly string[], flags: readonly string[] = []): ExampleArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const name = a.slice(2);
    if (flags.includes(name)) options.set(name, true);
    else if (i + 1 < argv.length) options.set(name, argv[++i]);
    else throw new Error(`--${name} needs a value`);
  }
  return { positionals, options };
}

/** A numeric option with a default. */
export function numberOption(args: ExampleArgs, name: string, fallback: number): number {
  const v = args.options.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${String(v)}`);
  return n;
}
