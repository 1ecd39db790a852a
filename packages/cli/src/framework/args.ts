import { UsageError } from './errors.js';

/** One option of a command: `--name` (boolean flag) or `--name <value>` / `--name=value` (string). */
export interface OptionSpec {
  name: string;
  type: 'boolean' | 'string';
  description: string;
  /** Placeholder shown in help for string options, e.g. 'file'. */
  value?: string;
}

export interface ParsedArgs {
  options: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` against a command's options. `--` ends option parsing. Unknown options, missing values and
 * values given to boolean flags are UsageErrors.
 */
export function parseArgs(command: string, argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const options: ParsedArgs['options'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) {
      const known = specs.map((s) => `--${s.name}`).join(', ') || 'none';
      throw new UsageError(`${command}: unknown option --${name} (options: ${known})`);
    }
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`${command}: --${name} is a flag and takes no value`);
      options[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--')))
      throw new UsageError(`${command}: --${name} needs a value (<${spec.value ?? 'value'}>)`);
    options[name] = value;
  }
  return { options, positionals };
}
