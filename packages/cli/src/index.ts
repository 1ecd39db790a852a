import { COMMANDS } from './commands/index.js';
import type { CliIO } from './framework/command.js';
import { runCommands } from './framework/run.js';

export { COMMANDS } from './commands/index.js';
export { type OptionSpec, type ParsedArgs, parseArgs } from './framework/args.js';
export { type CliIO, type Command, commandHelp } from './framework/command.js';
export { EXIT, UsageError } from './framework/errors.js';
export { mainHelp, runCommands } from './framework/run.js';
export { GOLDEN_KINDS, type GoldenKind, type GoldenRunner, type GoldenRunOptions, type JsonGoldenRunner } from './golden/kinds.js';

const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs `vssm` with `argv` (arguments after the program name); resolves to the exit code. */
export function runCli(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  return runCommands(argv, COMMANDS, io);
}
