import type { CliIO, Command } from '../framework/command.js';
import { UsageError } from '../framework/errors.js';
import { intOption } from '../framework/values.js';

/** `vssm info <preset> | --presets | --backends [--json] [--size <px>]`: what a preset is, or what can run here. */
export const infoCommand: Command = {
  name: 'info',
  summary: 'Show a preset (parameters, FLOPs, state dict) or what this installation can run',
  usage: '<preset> [--size <px>] [--json] | --presets [--json] | --backends [--json]',
  details: [
    "With a preset name: its family, exact parameter count, FLOPs at --size (in the owning paper's convention) and every",
    'state-dict entry (official key, shape) in order. JSON: {"preset","family","params","flops","stateDict":[[key,shape],...],',
    '"size","flopsConvention"}.',
    'With --presets, lists the preset names and families. With --backends, lists every selective-scan backend in',
    'priority order with whether it is available here and why (or what it runs on).',
  ].join('\n'),
  options: [
    { name: 'backends', type: 'boolean', description: 'List the selective-scan backends' },
    { name: 'presets', type: 'boolean', description: 'List the model presets' },
    { name: 'size', type: 'string', value: 'px', description: 'Input height and width for the FLOP count (default 224)' },
    { name: 'json', type: 'boolean', description: 'Print JSON instead of a table' },
  ],
  async run(args, io) {
    const { options, positionals } = args;
    const topics = [options.backends, options.presets, positionals.length > 0].filter(Boolean).length;
    if (topics > 1) throw new UsageError('vssm info: give one of <preset>, --presets or --backends');
    if (positionals.length > 1) throw new UsageError(`vssm info: expected one preset, got ${positionals.length}`);
    if (options.backends) return showBackends(Boolean(options.json), io);
    const { presetNames } = await import('@vssm/models');
    if (options.presets) return showPresets(Boolean(options.json), io);
    if (positionals.length === 0) {
      throw new UsageError(`vssm info: say what to show: a preset (${presetNames().join(', ')}), --presets or --backends`);
    }
    const size = intOption('vssm info', args, 'size', 224);
    return showPreset(positionals[0], size, Boolean(options.json), io);
  },
};

async function showBackends(json: boolean, io: CliIO): Promise<number> {
  const { backends } = await import('@vssm/selective-scan');
  const list = (await backends()).map(({ name, available, reason }) => ({ name, available, reason }));
  if (json) {
    io.stdout(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...list.map((b) => b.name.length));
  for (const b of list) io.stdout(`${b.name.padEnd(width)}  ${b.available ? 'available  ' : 'unavailable'}  ${b.reason}\n`);
  return 0;
}

async function showPresets(json: boolean, io: CliIO): Promise<number> {
  const { getPreset, presetNames } = await import('@vssm/models');
  const list = presetNames().map((preset) => ({ preset, family: getPreset(preset).family }));
  if (json) io.stdout(`${JSON.stringify(list, null, 2)}\n`);
  else {
    const width = Math.max(...list.map((p) => p.preset.length));
    for (const p of list) io.stdout(`${p.preset.padEnd(width)}  ${p.family}\n`);
  }
  return 0;
}

/** 1234567 → "1,234,567". */
const grouped = (n: number) => n.toLocaleString('en-US');

async function showPreset(preset: string, size: number, json: boolean, io: CliIO): Promise<number> {
  const { countFlops, createModel, getPreset } = await import('@vssm/models');
  const config = getPreset(preset); // UnknownNameError listing the presets
  const model = createModel(preset, { seed: 0 });
  const { flops, convention } = countFlops(config, { height: size, width: size });
  const stateDict = model.stateDictShapes();
  const params = model.parameterCount();
  if (json) {
    const out = { preset, family: config.family, params, flops, stateDict, size, flopsConvention: convention };
    io.stdout(`${JSON.stringify(out)}\n`);
    return 0;
  }
  const rows: Array<[string, string]> = [
    ['preset', preset],
    ['family', config.family],
    ['parameters', `${grouped(params)} (${(params / 1e6).toFixed(2)} M)`],
    ['FLOPs', `${grouped(flops)} (${(flops / 1e9).toFixed(2)} G) at ${size}×${size}`],
    ['convention', convention],
    ['state dict', `${stateDict.length} entries`],
  ];
  for (const [k, v] of rows) io.stdout(`${k.padEnd(11)} ${v}\n`);
  const width = Math.max(...stateDict.map(([k]) => k.length));
  for (const [key, shape] of stateDict) io.stdout(`  ${key.padEnd(width)}  ${shape.length ? shape.join('×') : 'scalar'}\n`);
  return 0;
}
