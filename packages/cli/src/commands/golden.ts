import { loadSafetensors, saveSafetensorsFile } from '@vssm/core';
import type { Command } from '../framework/command.js';
import { UsageError } from '../framework/errors.js';
import { GOLDEN_KINDS } from '../golden/kinds.js';

/** `vssm golden <file> --out <result> [--backend <name>]`: recompute a golden file's outputs with vssm. */
export const goldenCommand: Command = {
  name: 'golden',
  summary: 'Recompute the outputs of a golden vector file and save them as safetensors',
  usage: '<file.safetensors> --out <result.safetensors> [--backend <name>]',
  details: `Reads __metadata__.kind of the file and runs its cases. Kinds: ${[...GOLDEN_KINDS.keys()].join(', ')}.\nselective_scan writes caseK.out, caseK.last_state and caseK.grad.<input> (gradients of sum(out * caseK.dout)).`,
  options: [
    { name: 'out', type: 'string', value: 'file', description: 'Where to write the results (safetensors)' },
    {
      name: 'backend',
      type: 'string',
      value: 'name',
      description: "Backend to run on (see 'vssm info --backends'); default: the fastest available",
    },
  ],
  async run({ options, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError(`vssm golden: expected one golden file, got ${positionals.length}`);
    const out = options.out;
    if (typeof out !== 'string' || out === '') throw new UsageError('vssm golden: --out <file> is required');
    const file = await loadSafetensors(positionals[0]);
    const kind = file.metadata.kind;
    const load = kind === undefined ? undefined : GOLDEN_KINDS.get(kind);
    if (!load) {
      throw new UsageError(
        `vssm golden: ${kind === undefined ? `${positionals[0]} has no __metadata__.kind` : `no runner for golden kind '${kind}'`} (known kinds: ${[...GOLDEN_KINDS.keys()].join(', ')})`,
      );
    }
    const runner = await load();
    const backend = typeof options.backend === 'string' ? options.backend : undefined;
    const tensors = await runner(file, { backend, log: (line) => io.stderr(`${line}\n`) });
    await saveSafetensorsFile(out, tensors, {
      metadata: { format: 'vssm-golden-result/1', kind, source: positionals[0], ...(backend ? { backend } : {}) },
    });
    io.stderr(`wrote ${tensors.size} tensors to ${out}\n`);
    return 0;
  },
};
