import test from 'tape';
import { goldenClose, loadSafetensors, parseSafetensors, StateDictError, saveSafetensors } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import {
  checkpointBytes,
  configFromOfficialKwargs,
  createModel,
  createModelFromOfficialKwargs,
  getPreset,
  loadCheckpoint,
  presetNames,
} from '@vssm/models';

const PTH_CASES: Array<[pth: string, golden: string, container?: 'model' | 'model_ema']> = [
  ['local-vim-rope.model.pth', 'local-vim-rope.safetensors'],
  ['local-vmamba.state_dict.pth', 'local-vmamba.safetensors'],
  ['msvmamba.model_ema.pth', 'msvmamba.safetensors'],
  ['msvmamba-v2.bare.pth', 'msvmamba-v2.safetensors'],
];

async function goldenModel(name: string) {
  const golden = await loadSafetensors(goldenFile(name));
  const model = createModelFromOfficialKwargs(golden.metadata.family, JSON.parse(golden.metadata.config));
  return { golden, model };
}

test('loadCheckpoint: every official .pth container loads strictly and reproduces the golden logits', async (t) => {
  for (const [pth, name] of PTH_CASES) {
    const { golden, model } = await goldenModel(name);
    const report = await loadCheckpoint(model, goldenFile(pth));
    t.ok(report.ok, `${pth}: strict load, nothing missing or unexpected`);
    const logits = await model.forward(golden.get('input'), { scanBackend: 'cpu' });
    const r = goldenClose(logits, golden.get('output'));
    t.ok(r.ok, `${pth} → ${name} output: ${r.message}`);
  }
});

test('loadCheckpoint: model_ema container is selectable', async (t) => {
  const { golden, model } = await goldenModel('msvmamba.safetensors');
  await loadCheckpoint(model, goldenFile('msvmamba.model_ema.pth'), { container: 'model_ema' });
  const key = 'layers.0.blocks.0.op.in_proj.weight';
  const expected = golden.get(`param.${key}`).mul(0.5);
  t.ok(goldenClose(model.stateDict().get(key)!, expected).ok, 'model_ema weights are 0.5 × model');
});

test('loadCheckpoint: safetensors with prefixes, strict errors name the problem', async (t) => {
  const { golden, model } = await goldenModel('msvmamba-v2.safetensors');
  const params = new Map([...golden.tensors('param.')]);
  const bytes = saveSafetensors(params, { order: 'insertion' });
  const report = await loadCheckpoint(model, bytes);
  t.ok(report.ok, 'safetensors state dict loads');
  const wrong = createModel('msvmamba_nano');
  try {
    await loadCheckpoint(wrong, goldenFile('msvmamba.model_ema.pth'));
    t.fail('a checkpoint of another size must not load');
  } catch (e) {
    t.ok(e instanceof StateDictError, 'StateDictError');
    t.ok(/mismatch|missing|unexpected/.test((e as Error).message), (e as Error).message.split('\n')[0]);
  }
});

test('saveCheckpoint: official names in insertion order, config in metadata, round trip', async (t) => {
  const { golden, model } = await goldenModel('local-vmamba.safetensors');
  await loadCheckpoint(model, goldenFile('local-vmamba.state_dict.pth'));
  const bytes = checkpointBytes(model);
  const file = parseSafetensors(bytes);
  t.deepEqual(file.names(), [...model.stateDict().keys()], 'keys in state-dict order');
  t.equal(JSON.parse(file.metadata.vssm_config).family, 'local_vmamba', 'config stored');
  const again = createModel(JSON.parse(file.metadata.vssm_config));
  await loadCheckpoint(again, bytes);
  const x = golden.get('input');
  const a = await model.forward(x, { scanBackend: 'cpu' });
  const b = await again.forward(x, { scanBackend: 'cpu' });
  t.deepEqual(Array.from(a.contiguousData()), Array.from(b.contiguousData()), 'reloaded model gives identical logits');
});

test('registry: 14 presets, configs are plain JSON, unknown names list the known ones', (t) => {
  const names = presetNames();
  t.deepEqual(names.slice().sort(), [
    'local_vim_small',
    'local_vim_tiny',
    'local_vim_tiny_middle_cls_token',
    'local_vim_tiny_search',
    'local_vssm_small',
    'local_vssm_small_search',
    'local_vssm_tiny',
    'local_vssm_tiny_search',
    'msvmamba_micro',
    'msvmamba_nano',
    'msvmamba_tiny',
    'msvmambav3_base',
    'msvmambav3_small',
    'msvmambav3_tiny',
  ]);
  for (const n of names) {
    const c = getPreset(n);
    t.deepEqual(JSON.parse(JSON.stringify(c)), c, `${n} config is plain JSON`);
  }
  t.throws(() => createModel('local_vim_huge'), /unknown preset 'local_vim_huge'; known: local_vim_tiny/);
  t.throws(() => configFromOfficialKwargs('vit', {}), /unknown model family 'vit'/);
  const custom = createModel({ ...getPreset('msvmamba_nano'), depths: [1, 1, 1, 1] } as never);
  t.ok(custom.parameterCount() < createModel('msvmamba_nano').parameterCount(), 'a config object builds a custom model');
  t.end();
});
