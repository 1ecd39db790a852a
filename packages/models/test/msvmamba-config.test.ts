import test from 'tape';
import { ArgumentError, loadSafetensors, Tensor, VssmError } from '@vssm/core';
import { msvmambaFamily, msvmambaV2Family } from '@vssm/models';
import { goldenFile } from '@vssm/testing';

const goldenConfig = async (file: string) =>
  JSON.parse((await loadSafetensors(goldenFile(file))).metadata.config) as Record<string, unknown>;

test('fromOfficialKwargs: golden metadata configs convert field by field', async (t) => {
  const master = msvmambaFamily.fromOfficialKwargs(await goldenConfig('msvmamba.safetensors'));
  t.deepEqual(master, {
    family: 'msvmamba',
    numClasses: 10,
    inChans: 3,
    patchSize: 4,
    dims: [8, 16, 32, 64],
    depths: [1, 1, 1, 1],
    dState: 1,
    ssmRatio: 2,
    dtRank: 'auto',
    dConv: 3,
    convBias: true,
    se: true,
    dropPathRate: 0,
  });
  const v2 = msvmambaV2Family.fromOfficialKwargs(await goldenConfig('msvmamba-v2.safetensors'));
  t.equal(v2.family, 'msvmamba_v2');
  t.equal(v2.gate, false, 'vms_noz');
  t.equal(v2.convFfnRatio, 4);
  t.equal(v2.ssmRatio, 1);
  t.equal(msvmambaV2Family.fromOfficialKwargs(await goldenConfig('msvmamba-v2-gated.safetensors')).gate, true, 'vms');
  t.deepEqual(
    msvmambaV2Family.fromOfficialKwargs({ ...(await goldenConfig('msvmamba-v2.safetensors')), forward_type: ['vms', 'vms', 'vms', 'vms'] })
      .gate,
    true,
    'per-stage list',
  );
});

test('fromOfficialKwargs: code paths that are not implemented throw an ArgumentError naming the field', async (t) => {
  const master = await goldenConfig('msvmamba.safetensors');
  const badMaster: [string, unknown][] = [
    ['ms_split', [1, 2]],
    ['ms_stage', [0, 1, 2]],
    ['downsample_version', 'v3'],
    ['patchembed_version', 'v2'],
    ['sscore_type', 'None'],
    ['mlp_ratio', 4.0],
    ['add_conv', false],
    ['sep_norm', true],
    ['convFFN', false],
    ['ssm_rank_ratio', 1.0],
    ['ssm_act_layer', 'gelu'],
    ['forward_type', 'v2nozact'],
    ['norm_layer', 'bn'],
    ['ssm_d_state', 'auto'],
    ['ssm_conv', 1],
    ['ssm_simple_init', true],
    ['patch_norm', false],
    ['dims', 'x'],
  ];
  for (const [field, value] of badMaster) {
    t.throws(
      () => msvmambaFamily.fromOfficialKwargs({ ...master, [field]: value }),
      (e: unknown) => e instanceof ArgumentError && e.message.includes(field),
      `master ${field}=${JSON.stringify(value)}`,
    );
  }
  const v2 = await goldenConfig('msvmamba-v2.safetensors');
  const badV2: [string, unknown][] = [
    ['full_res_index', 2],
    ['forward_type', 'v05'],
    ['forward_type', ['vms', 'vms_noz', 'vms', 'vms']],
    ['downsample_version', 'v1'],
    ['patchembed_version', 'v1'],
    ['norm_layer', 'ln'],
    ['posembed', true],
    ['convffn', false],
    ['ssm_init', 'v1'],
    ['post_norm', true],
  ];
  for (const [field, value] of badV2) {
    t.throws(
      () => msvmambaV2Family.fromOfficialKwargs({ ...v2, [field]: value }),
      (e: unknown) => e instanceof ArgumentError && e.message.includes(field),
      `v2 ${field}=${JSON.stringify(value)}`,
    );
  }
  t.throws(() => msvmambaFamily.fromOfficialKwargs({ ...master, bogus_field: 1 }), /unknown official field.*bogus_field/);
  t.throws(() => msvmambaV2Family.fromOfficialKwargs({ ...v2, bogus_field: 1 }), /unknown official field.*bogus_field/);
  t.throws(() => msvmambaFamily.fromOfficialKwargs(null as unknown as Record<string, unknown>), ArgumentError);
});

test('fromOfficialKwargs: inference-neutral fields are accepted', async (t) => {
  const master = await goldenConfig('msvmamba.safetensors');
  const c = msvmambaFamily.fromOfficialKwargs({
    ...master,
    use_checkpoint: true,
    ffn_dropout: 0.3,
    ssm_drop_rate: 0.1,
    up_sample: 'conv',
    lpu: true,
  });
  t.equal(c.numClasses, 10);
  const v2 = await goldenConfig('msvmamba-v2.safetensors');
  t.equal(msvmambaV2Family.fromOfficialKwargs({ ...v2, mlp_ratio: 0, gmlp: true, imgsize: 512 }).depths.length, 4);
});

test('normalizeConfig: defaults, dims expansion, validation', (t) => {
  const tiny = msvmambaFamily.normalizeConfig({});
  t.deepEqual(tiny, msvmambaFamily.presets.msvmamba_tiny, 'master defaults = MSVMamba-Tiny');
  t.deepEqual(msvmambaV2Family.normalizeConfig({}), msvmambaV2Family.presets.msvmambav3_tiny, 'v2 defaults = MSVMambav3-Tiny');
  t.deepEqual(msvmambaFamily.normalizeConfig({ dims: 16 as unknown as number[], depths: [1, 1] }).dims, [16, 32]);
  const bad: Record<string, unknown>[] = [
    { dims: [8, 16], depths: [1, 1, 1] },
    { depths: [] },
    { numClasses: 0 },
    { dConv: 4 },
    { dtRank: 0 },
    { ssmRatio: -1 },
    { dropPathRate: 1 },
    { family: 'msvmamba_v2' },
    { nope: true },
    { dims: [2, 4, 8, 16] }, // SE would have no hidden units
  ];
  for (const b of bad) t.throws(() => msvmambaFamily.normalizeConfig(b), ArgumentError, JSON.stringify(b));
  t.throws(() => msvmambaV2Family.normalizeConfig({ patchSize: 3 }), ArgumentError, 'odd v2 patch size');
  t.throws(() => msvmambaV2Family.normalizeConfig({ gate: 'yes' as unknown as boolean }), ArgumentError);
  t.throws(() => msvmambaFamily.create({ ...tiny, family: 'msvmamba_v2' } as never), ArgumentError, 'create checks the family');
  t.end();
});

test('create: the model rejects bad images with typed errors', async (t) => {
  const model = msvmambaFamily.create(msvmambaFamily.normalizeConfig({ dims: [8, 16], depths: [1, 1], numClasses: 3 }));
  for (const [x, what] of [
    [Tensor.zeros([1, 4, 16, 16]), 'channels'],
    [Tensor.zeros([3, 16, 16]), 'rank'],
    [Tensor.zeros([1, 3, 3, 16]), 'smaller than a patch'],
  ] as const) {
    try {
      await model.forward(x);
      t.fail(what);
    } catch (e) {
      t.ok(e instanceof VssmError && /MSVMamba\.forward/.test((e as Error).message), `${what}: ${(e as Error).message}`);
    }
  }
  const nan = Tensor.zeros([1, 3, 16, 16]);
  nan.data[5] = Number.NaN;
  try {
    await model.forward(nan);
    t.fail('NaN');
  } catch (e) {
    t.equal((e as VssmError).code, 'ERR_NON_FINITE', 'NaN input');
  }
});

test('v2 loadStateDict accepts 4-D (out, in, 1, 1) Linear2d weights as the official loader does; master stays strict', async (t) => {
  const g = await loadSafetensors(goldenFile('msvmamba-v2.safetensors'));
  const model = msvmambaV2Family.create(msvmambaV2Family.fromOfficialKwargs(JSON.parse(g.metadata.config)));
  const sd = g.tensors('param.');
  const w = sd.get('layers.0.blocks.0.op.in_proj.weight')!;
  sd.set('layers.0.blocks.0.op.in_proj.weight', w.reshape([w.shape[0], w.shape[1], 1, 1]));
  model.loadStateDict(sd);
  t.deepEqual(model.stateDict().get('layers.0.blocks.0.op.in_proj.weight')!.shape, w.shape);
  t.deepEqual(Array.from(model.stateDict().get('layers.0.blocks.0.op.in_proj.weight')!.toFloat32Array()), Array.from(w.toFloat32Array()));
  sd.set('layers.0.blocks.0.convFFN.linear1.weight', Tensor.zeros([1, 2, 3]));
  t.throws(() => model.loadStateDict(sd), /convFFN\.linear1\.weight/, 'other shape mismatches still throw');
  const master = msvmambaFamily.create(msvmambaFamily.normalizeConfig({ dims: [8], depths: [1] }));
  const msd = master.stateDict();
  const mw = msd.get('layers.0.blocks.0.op.in_proj.weight')!;
  msd.set('layers.0.blocks.0.op.in_proj.weight', mw.reshape([mw.shape[0], mw.shape[1], 1, 1]));
  t.throws(() => master.loadStateDict(msd), /in_proj/, 'master in_proj is an nn.Linear: 4-D rejected');
});
