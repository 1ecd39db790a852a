import { backends } from '@vssm/selective-scan';
import type { Command } from '../framework/command.js';
import { UsageError } from '../framework/errors.js';

/** `vssm info --backends [--json]`: which selective-scan backends can run here, and why not. */
export const infoCommand: Command = {
  name: 'info',
  summary: 'Show what this installation can run',
  usage: '--backends [--json]',
  details:
    'With --backends, lists every selective-scan backend in priority order with whether it is available here and why (or what it runs on).',
  options: [
    { name: 'backends', type: 'boolean', description: 'List the selective-scan backends' },
    { name: 'json', type: 'boolean', description: 'Print JSON: [{"name","available","reason"}]' },
  ],
  async run({ options, positionals }, io) {
    if (positionals.length) throw new UsageError(`vssm info: unexpected argument '${positionals[0]}' (presets are not available yet)`);
    if (!options.backends) throw new UsageError('vssm info: say what to show (--backends)');
    const list = (await backends()).map(({ name, available, reason }) => ({ name, available, reason }));
    if (options.json) {
      io.stdout(`${JSON.stringify(list, null, 2)}\n`);
      return 0;
    }
    const width = Math.max(...list.map((b) => b.name.length));
    for (const b of list) io.stdout(`${b.name.padEnd(width)}  ${b.available ? 'available  ' : 'unavailable'}  ${b.reason}\n`);
    return 0;
  },
};
