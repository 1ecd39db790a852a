import { parseArgs } from './args.js';
import { type CliIO, type Command, commandHelp } from './command.js';
import { EXIT, EXIT_CODES_HELP, exitCodeOf, isUserError, UsageError } from './errors.js';

/** Help listing every command. */
export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const rows = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: vssm <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun 'vssm <command> --help' for a command's options.\n\n${EXIT_CODES_HELP}`;
}

/**
 * Runs the command line `argv` (without node and the script) against `commands`; resolves to the exit code.
 * Typed errors print `vssm <command>: <message>` on stderr (usage errors add a help hint); other errors print
 * their stack, as they are bugs.
 */
export async function runCommands(argv: readonly string[], commands: readonly Command[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(mainHelp(commands));
    return EXIT.USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const c = topic ? commands.find((x) => x.name === topic) : undefined;
    if (topic && !c) {
      io.stderr(`vssm: unknown command '${topic}'\n\n${mainHelp(commands)}`);
      return EXIT.USAGE;
    }
    io.stdout(c ? commandHelp(c) : mainHelp(commands));
    return EXIT.OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`vssm: unknown command '${name}' (commands: ${commands.map((c) => c.name).join(', ')})\nRun 'vssm --help' for usage.\n`);
    return EXIT.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(commandHelp(command));
    return EXIT.OK;
  }
  try {
    return (await command.run(parseArgs(`vssm ${command.name}`, rest, command.options), io)) ?? EXIT.OK;
  } catch (error) {
    if (!isUserError(error)) {
      io.stderr(`vssm ${command.name}: internal error\n${(error as Error)?.stack ?? String(error)}\n`);
      return EXIT.FAILED;
    }
    const prefix = error.message.startsWith('vssm ') ? '' : `vssm ${command.name}: `;
    const hint = error instanceof UsageError ? `\nRun 'vssm ${command.name} --help' for usage.` : '';
    io.stderr(`${prefix}${error.message}${hint}\n`);
    return exitCodeOf(error);
  }
}
