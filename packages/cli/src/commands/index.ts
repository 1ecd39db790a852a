import type { Command } from '../framework/command.js';
import { benchCommand } from './bench.js';
import { classifyCommand } from './classify.js';
import { demoCommand } from './demo.js';
import { goldenCommand } from './golden.js';
import { infoCommand } from './info.js';

/** Every `vssm` subcommand, in help order. */
export const COMMANDS: Command[] = [infoCommand, classifyCommand, benchCommand, demoCommand, goldenCommand];
