import { allClose, loadSafetensors, NonFiniteError, ShapeError, Tensor } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import test from 'tape';
import { type LocalVimConfig, type LocalVMambaConfig, localVimFamily, localVMambaFamily, type VisionModel } from '../src/index.js';

async function goldenModel(file: string) {
  const g = await loadSafetensors(goldenFile(file));
  const family = g.metadata.family === 'local_vim' ? localVimFamily : localVMambaFamily;
  const model = family.create(family.fromOfficialKwargs(JSON.parse(g.metadata.config)) as never) as VisionModel;
  model.loadStateDict(g.tensors('param.'));
  return model;
}

/** Runs each batch item alone and compares with the batched logits. */
async function batchConsistent(model: VisionModel, images: Tensor): Promise<string | null> {
  const batched = await model.forward(images);
  for (let b = 0; b < images.shape[0]; b++) {
    const single = await model.forward(images.slice([b, b + 1]).contiguous());
    const r = allClose(single, batched.slice([b, b + 1]), { rtol: 1e-5, atol: 1e-6 });
    if (!r.ok) return `item ${b}: ${r.message}`;
  }
  return null;
}

test('batch 2 at a second input size equals the items run one by one (w7 padding on 5×5, resized pos/RoPE)', async (t) => {
  const cases: [string, number[]][] = [
    ['local-vim-rope.safetensors', [2, 3, 40, 40]],
    ['local-vim-search.safetensors', [2, 3, 33, 47]],
    ['local-vim-midcls.safetensors', [2, 3, 32, 32]],
    ['local-vmamba.safetensors', [2, 3, 36, 44]],
    ['local-vmamba-search.safetensors', [3, 3, 20, 28]],
  ];
  for (const [file, shape] of cases) {
    const model = await goldenModel(file);
    const problem = await batchConsistent(model, Tensor.randn(shape, 42));
    t.equal(problem, null, `${file} at [${shape.join(', ')}]`);
  }
});

test('capture records the official module paths', async (t) => {
  const vim = await goldenModel('local-vim-rope.safetensors');
  const capture = new Map<string, Tensor>();
  await vim.forward(Tensor.randn([1, 3, 32, 32], 1), { capture });
  t.deepEqual([...capture.keys()].sort(), [
    'layers.0.0',
    'layers.0.1',
    'layers.0.mixer',
    'layers.1.0',
    'layers.1.1',
    'layers.1.mixer',
    'patch_embed',
  ]);
  const vm = await goldenModel('local-vmamba.safetensors');
  const c2 = new Map<string, Tensor>();
  await vm.forward(Tensor.randn([1, 3, 28, 28], 1), { capture: c2 });
  t.ok(c2.has('layers.2.blocks.1') && c2.has('layers.3.downsample') && c2.has('patch_embed'), 'channel-last block outputs');
  t.deepEqual(c2.get('layers.0.blocks.0')!.shape, [1, 7, 7, 8]);
});

test('local_vim: inputs the official code cannot run give typed errors naming the supported sizes', async (t) => {
  const mid = await goldenModel('local-vim-midcls.safetensors');
  try {
    await mid.forward(Tensor.randn([1, 3, 40, 40], 2));
    t.fail('middle-cls model accepted a non-native grid');
  } catch (e) {
    t.ok(e instanceof ShapeError && /native 4x4 token grid/.test(e.message) && /25…32/.test(e.message), (e as Error).message);
  }
  const noPos = localVimFamily.create({
    ...localVimFamily.presets.local_vim_tiny,
    embedDim: 16,
    depth: 1,
    directions: [['h']],
    rope: false,
    absPosEmbed: false,
    imgSize: [32, 32],
    patchSize: 8,
  });
  await noPos.forward(Tensor.randn([1, 3, 32, 32], 3));
  t.pass('no pos embed: the native size runs');
  try {
    await noPos.forward(Tensor.randn([1, 3, 48, 32], 3));
    t.fail('accepted');
  } catch (e) {
    t.ok(e instanceof ShapeError && /absPosEmbed/.test((e as Error).message), (e as Error).message);
  }
  try {
    await noPos.forward(Tensor.randn([1, 4, 32, 32], 3));
    t.fail('accepted 4 channels');
  } catch (e) {
    t.ok(e instanceof ShapeError, 'ShapeError for the wrong channel count');
  }
  const bad = Tensor.randn([1, 3, 32, 32], 3);
  bad.data[5] = Number.NaN;
  try {
    await noPos.forward(bad);
    t.fail('accepted NaN');
  } catch (e) {
    t.ok(e instanceof NonFiniteError, 'NonFiniteError for NaN pixels');
  }
});

test('local_vmamba: typed errors for bad images', async (t) => {
  const vm = await goldenModel('local-vmamba.safetensors');
  for (const [shape, kind] of [
    [[1, 3, 3, 28], ShapeError],
    [[3, 28, 28], ShapeError],
  ] as const) {
    try {
      await vm.forward(Tensor.zeros([...shape]));
      t.fail(`accepted ${shape}`);
    } catch (e) {
      t.ok(e instanceof kind, `${kind.name} for [${shape.join(', ')}]`);
    }
  }
});

test('local_vim official init (§6.1): zeroed dt biases, trunc-normal Linears, scaled out_proj, zero cls token', (t) => {
  const config: LocalVimConfig = {
    ...localVimFamily.presets.local_vim_tiny_middle_cls_token,
    embedDim: 64,
    depth: 4,
    directions: Array.from({ length: 4 }, () => ['h', 'w7']),
  };
  const sd = localVimFamily.create(config, { seed: 5 }).stateDict();
  const E = 128;
  t.equal(
    sd.get('layers.2.mixer.dt_proj_1.bias')!.abs().max().item(),
    0,
    'dt_proj bias is 0 (segm_init_weights overwrites the softplus⁻¹ init)',
  );
  t.equal(sd.get('cls_token')!.abs().max().item(), 0, 'cls_token starts at 0');
  const std = (x: Tensor) => Math.sqrt(x.pow(2).mean().item());
  t.ok(Math.abs(std(sd.get('layers.0.mixer.in_proj.weight')!) - 0.02) < 0.002, 'in_proj ~ trunc_normal(0.02)');
  t.ok(Math.abs(std(sd.get('layers.0.mixer.dt_proj_0.weight')!) - 0.02) < 0.004, 'dt_proj weight ~ trunc_normal(0.02) too');
  t.ok(Math.abs(std(sd.get('pos_embed')!) - 0.02) < 0.002, 'pos_embed ~ trunc_normal(0.02)');
  const bound = 1 / Math.sqrt(E) / Math.sqrt(4);
  const outProj = sd.get('layers.3.mixer.out_proj.weight')!;
  t.ok(outProj.abs().max().item() <= bound && outProj.abs().max().item() > 0.8 * bound, `out_proj ~ U(±1/√E/√depth = ${bound.toFixed(4)})`);
  t.equal(sd.get('head.bias')!.abs().max().item(), 0, 'head bias 0');
  t.ok(allClose(sd.get('layers.1.mixer.A_log_0')!.slice(7), Tensor.arange(1, 17).log(), { rtol: 1e-6 }).ok, 'A_log = ln(1..N)');
  t.equal(sd.get('layers.1.mixer.D_1')!.min().item(), 1, 'D = 1');
  t.deepEqual(
    [sd.get('layers.0.mixer.attn.norm.weight')!.min().item(), sd.get('layers.0.mixer.attn.norm.bias')!.abs().max().item()],
    [1, 0],
  );
  const search = localVimFamily.create({ ...config, clsToken: 'none', rope: true, directions: null }).stateDict();
  t.ok(search.get('layers.0.mixer.multi_scan.weights')!.abs().max().item() < 0.01, 'α ~ 1e-3·N(0,1)');
  t.end();
});

test('local_vmamba official init (§6.2): dt bias = softplus⁻¹(dt ∈ [1e-3, 0.1]), Linears trunc-normal, x_proj default', (t) => {
  const config: LocalVMambaConfig = {
    ...localVMambaFamily.presets.local_vssm_tiny,
    dims: [32, 64],
    depths: [1, 1],
    directions: [
      ['h', 'v'],
      ['w2', 'h_flip'],
    ],
  };
  const sd = localVMambaFamily.create(config, { seed: 6 }).stateDict();
  const dt = sd.get('layers.0.blocks.0.op.dt_projs_bias')!.map((v) => Math.log1p(Math.exp(v)));
  t.ok(
    dt.min().item() >= 1e-3 * 0.999 && dt.max().item() <= 0.1 * 1.001,
    `softplus(dt bias) in [1e-3, 0.1]: ${dt.min().item()}…${dt.max().item()}`,
  );
  const xProj = sd.get('layers.1.blocks.0.op.x_proj_weight')!;
  t.ok(
    xProj.abs().max().item() <= 1 / Math.sqrt(128) && xProj.abs().max().item() > 0.9 / Math.sqrt(128),
    'x_proj_weight ~ U(±1/√E) (nn.Linear default, kept)',
  );
  const std = (x: Tensor) => Math.sqrt(x.pow(2).mean().item());
  t.ok(Math.abs(std(sd.get('layers.0.blocks.0.op.in_proj.weight')!) - 0.02) < 0.003, 'in_proj ~ trunc_normal(0.02)');
  t.ok(Math.abs(std(sd.get('layers.0.downsample.reduction.weight')!) - 0.02) < 0.003, 'reduction ~ trunc_normal(0.02)');
  const dtw = sd.get('layers.0.blocks.0.op.dt_projs_weight')!;
  t.ok(
    dtw.abs().max().item() <= Math.SQRT1_2 && dtw.abs().max().item() > 0.6,
    'dt_projs_weight ~ U(±R^-½) with R = 2 (raw parameters keep it)',
  );
  t.equal(sd.get('classifier.head.bias')!.abs().max().item(), 0, 'head bias 0');
  t.equal(sd.get('layers.1.blocks.0.op.Ds')!.min().item(), 1, 'Ds = 1');
  t.end();
});

test('configs are plain JSON and survive a round trip', (t) => {
  for (const family of [localVimFamily, localVMambaFamily] as const) {
    for (const [name, preset] of Object.entries(family.presets)) {
      const again = family.normalizeConfig(JSON.parse(JSON.stringify(preset)));
      t.deepEqual(again, preset, `${name} round-trips`);
      t.equal(again.family, family.family);
    }
  }
  t.end();
});
