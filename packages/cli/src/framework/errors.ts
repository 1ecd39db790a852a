import { BackendUnavailableError, UnknownNameError, VssmError } from '@vssm/core';

/** Exit codes: 0 success, 1 the command failed (bad file, non-finite data...), 2 bad usage (arguments, names). */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** The exit-code section of `vssm --help`. */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  success',
  '  1  the command failed: a file is missing, unreadable or malformed (weights, golden files, images that do not',
  '     decode), weights do not fit the preset, non-finite values, or an internal error (which prints a stack)',
  '  2  bad usage: unknown command, option, preset, golden kind or backend, a missing or invalid argument, or',
  '     classify without --weights',
  'Errors are one line on stderr, without a stack trace.',
  '',
].join('\n');

/** Wrong command line: unknown command or option, missing argument. Exit code 2, printed with the usage hint. */
export class UsageError extends VssmError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

/** Exit code for an error thrown by a command: 2 for usage and unknown/unavailable names, 1 for other vssm errors. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof UnknownNameError || error instanceof BackendUnavailableError) return EXIT.USAGE;
  return EXIT.FAILED;
}

/** User errors (typed vssm errors) print their message only; anything else is a bug and prints its stack. */
export function isUserError(error: unknown): error is VssmError {
  return error instanceof VssmError;
}
