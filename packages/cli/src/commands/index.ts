import type { Command } from '../framework/command.js';
import { goldenCommand } from './golden.js';
import { infoCommand } from './info.js';

/** Every `vssm` subcommand, in help order. Add new commands (classify, bench, demo...) here. */
export const COMMANDS: Command[] = [infoCommand, goldenCommand];
