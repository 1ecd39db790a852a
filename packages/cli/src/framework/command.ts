import type { OptionSpec, ParsedArgs } from './args.js';

/** Where a command writes: injected so that tests and embedders can capture output. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * A subcommand. Add one by writing a module that exports a Command and listing it in src/commands/index.ts;
 * `vssm <name> --help` is generated from `usage`, `summary` and `options`.
 */
export interface Command {
  name: string;
  /** One line for `vssm --help`. */
  summary: string;
  /** Synopsis after `vssm <name>`, e.g. '<file> --out <file> [--backend <name>]'. */
  usage: string;
  /** Longer help text (optional). */
  details?: string;
  options: OptionSpec[];
  /** Runs the command; resolves to the exit code (default 0). Throw typed errors for failures. */
  run(args: ParsedArgs, io: CliIO): Promise<number | undefined>;
}

/** The `--help` text of a command. */
export function commandHelp(c: Command): string {
  const lines = [`Usage: vssm ${c.name} ${c.usage}`.trimEnd(), '', c.summary];
  if (c.details) lines.push('', c.details);
  const opts = [...c.options, { name: 'help', type: 'boolean' as const, description: 'Show this help' }];
  lines.push('', 'Options:');
  const flag = (o: OptionSpec) => `--${o.name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`;
  const width = Math.max(...opts.map((o) => flag(o).length));
  for (const o of opts) lines.push(`  ${flag(o).padEnd(width)}  ${o.description}`);
  return `${lines.join('\n')}\n`;
}
