// Convert an official PyTorch checkpoint (.pth, torch.save zip) to safetensors with the official key names, without
// Python. The .pth is read by a restricted unpickler (tensors and plain containers only; nothing is executed).
//
//   npx tsx --conditions=source examples/convert-checkpoint.ts <in.pth> <out.safetensors> [--preset <name>] [--container auto]
//
// --container picks the state dict inside the .pth: auto (model, then state_dict, then model_ema, else the bare
// dict), model, model_ema, state_dict or none. With --preset the weights are first loaded strictly into that preset
// (so a wrong or incomplete file fails here, not in PyTorch) and saved in the model's key order with its vssm config
// in the metadata. `module.` prefixes (DDP/EMA wrappers) are removed.
//
// Back in PyTorch, with the official model code on the path:
//
//   from safetensors.torch import load_file
//   model = local_vim_tiny()                      # the official constructor of the same model
//   model.load_state_dict(load_file('out.safetensors'))   # strict by default
import { loadStateDict, saveSafetensorsFile, type StateDictContainer } from '@vssm/core';
import { createModel, loadCheckpoint, saveCheckpoint } from '@vssm/models';
import { parseExampleArgs } from './args.js';

const args = parseExampleArgs(process.argv.slice(2));
const [input, output] = args.positionals;
if (!input || !output) {
  console.error(
    'usage: convert-checkpoint.ts <in.pth> <out.safetensors> [--preset <name>] [--container auto|model|model_ema|state_dict|none]',
  );
  process.exit(2);
}
const container = (args.options.get('container') ?? 'auto') as StateDictContainer;
const preset = args.options.get('preset');

if (typeof preset === 'string') {
  const model = createModel(preset);
  await loadCheckpoint(model, input, { container });
  await saveCheckpoint(model, output, { metadata: { source: input } });
  console.log(`${input} → ${output}: ${model.stateDict().size} tensors, checked against preset ${preset}`);
} else {
  const state = await loadStateDict(input, { container });
  await saveSafetensorsFile(output, state, { metadata: { format: 'pt', source: input }, order: 'insertion' });
  const elements = [...state.values()].reduce((n, t) => n + t.size, 0);
  console.log(`${input} → ${output}: ${state.size} tensors, ${elements} values`);
}
console.log(`
Load it into the official PyTorch model:

  from safetensors.torch import load_file
  model.load_state_dict(load_file('${output}'))`);
