import { ArgumentError, UnknownNameError } from '@vssm/core';
import { registerDirection, unregisterDirection } from '@vssm/scan';
import test from 'tape';
import { localVimFamily, localVMambaFamily } from '../src/index.js';

const GOLDEN_VIM = {
  img_size: 32,
  patch_size: 8,
  depth: 2,
  embed_dim: 16,
  num_classes: 10,
  rms_norm: true,
  residual_in_fp32: true,
  fused_add_norm: true,
  final_pool_type: 'mean',
  if_abs_pos_embed: true,
  bimamba_type: 'v2',
  drop_path_rate: 0,
  if_rope: true,
  if_rope_residual: true,
  directions: [
    ['h', 'v_flip', 'w2', 'w7_flip'],
    ['h_flip', 'v', 'w2_flip', 'w7'],
  ],
};

test('local_vim fromOfficialKwargs maps every official kwarg and keeps the constructor defaults', (t) => {
  const c = localVimFamily.fromOfficialKwargs(GOLDEN_VIM);
  t.deepEqual(
    [c.imgSize, c.patchSize, c.depth, c.embedDim, c.numClasses, c.norm, c.pool, c.absPosEmbed, c.rope, c.ropeResidual, c.clsToken],
    [[32, 32], 8, 2, 16, 10, 'rms', 'mean', true, true, true, 'none'],
  );
  t.equal(c.reverseMode, 'official-v-bug', 'official kwargs reproduce the official v reverse; presets use exact');
  t.equal(localVimFamily.presets.local_vim_tiny.reverseMode, 'exact');
  const d = localVimFamily.fromOfficialKwargs({});
  t.deepEqual(
    [d.depth, d.embedDim, d.norm, d.pool, d.absPosEmbed, d.rope, d.directions, d.dropPathRate],
    [24, 192, 'layer', 'last', false, false, null, 0.1],
    'VisionMamba() defaults: depth 24, LayerNorm, final_pool_type none, no pos embed, search supernet',
  );
  const mid = localVimFamily.fromOfficialKwargs({
    ...GOLDEN_VIM,
    if_rope: false,
    if_rope_residual: false,
    if_cls_token: true,
    use_middle_cls_token: true,
  });
  t.equal(mid.clsToken, 'middle');
  const ssm = localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, ssm_cfg: { d_state: 8, expand: 1.5, dt_rank: 3, dt_min: 0.01 } });
  t.deepEqual([ssm.dState, ssm.expand, ssm.dtRank], [8, 1.5, 3]);
  t.end();
});

test('local_vim fromOfficialKwargs: unknown or unsupported kwargs are typed errors that name them', (t) => {
  t.throws(() => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, if_devide_out: true, foo: 1 }), /'if_devide_out', 'foo'/);
  t.throws(() => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, ssm_cfg: { d_state: 8, headdim: 4 } }), /ssm_cfg key 'headdim'/);
  t.throws(() => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, final_pool_type: 'max' }), /final_pool_type/);
  t.throws(() => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, if_rope: false, if_cls_token: true }), /use_middle_cls_token/);
  t.throws(() => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, if_abs_pos_embed: false }), /rope requires absPosEmbed/);
  t.throws(
    () => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, if_cls_token: true, use_middle_cls_token: true }),
    /rope cannot be combined/,
  );
  t.throws(() => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, initializer_cfg: { initializer_range: 0.1 } }), /initializer_cfg/);
  t.throws(() => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, directions: [['h']] }), /list of 2 per-layer/);
  t.throws(() => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, directions: [['h'], ['spiral']] }), UnknownNameError);
  t.throws(() => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, embed_dim: 18 }), /divisible by 4/);
  t.throws(() => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, drop_path_rate: 1.5 }), ArgumentError);
  t.doesNotThrow(
    () => localVimFamily.fromOfficialKwargs({ ...GOLDEN_VIM, use_checkpoint: false, ft_seq_len: null, device: null }),
    'maths-free kwargs are accepted',
  );
  t.end();
});

test('local_vim normalizeConfig: defaults, unknown keys, directions', (t) => {
  const tiny = localVimFamily.normalizeConfig({});
  t.deepEqual(tiny, localVimFamily.presets.local_vim_tiny, 'empty config = local_vim_tiny');
  t.throws(() => localVimFamily.normalizeConfig({ depth: 12 }), /directions must be given for depth 12/);
  t.throws(() => localVimFamily.normalizeConfig({ embed: 10 } as never), /unknown or unsupported key 'embed'/);
  t.throws(() => localVimFamily.normalizeConfig({ family: 'local_vmamba' } as never), /family must be 'local_vim'/);
  t.throws(() => localVimFamily.normalizeConfig({ norm: 'batch' as never }), /norm must be one of/);
  t.throws(() => localVimFamily.normalizeConfig({ imgSize: [8, 8] }), /smaller than patchSize/);
  registerDirection('lm_cfg_snake', (H, W) => Array.from({ length: H * W }, (_, i) => i));
  try {
    const c = localVimFamily.normalizeConfig({ depth: 1, directions: [['lm_cfg_snake', 'lm_cfg_snake_flip']] });
    t.deepEqual(c.directions, [['lm_cfg_snake', 'lm_cfg_snake_flip']], 'registered directions are accepted');
  } finally {
    unregisterDirection('lm_cfg_snake');
  }
  t.end();
});

test('local_vmamba fromOfficialKwargs / normalizeConfig', (t) => {
  const golden = {
    patch_size: 4,
    dims: [8, 16, 32, 64],
    depths: [1, 1, 2, 1],
    num_classes: 10,
    directions: null,
    drop_path_rate: 0,
    ssm_d_state: 16,
    ssm_ratio: 2,
    ssm_conv: 3,
  };
  const c = localVMambaFamily.fromOfficialKwargs(golden);
  t.deepEqual([c.dims, c.depths, c.directions, c.dState, c.ssmRatio, c.ssmConv], [[8, 16, 32, 64], [1, 1, 2, 1], null, 16, 2, 3]);
  t.deepEqual(localVMambaFamily.fromOfficialKwargs({ ...golden, dims: 8 }).dims, [8, 16, 32, 64], 'int dims doubled per stage');
  t.equal(localVMambaFamily.fromOfficialKwargs({ ...golden, ssm_act_layer: 'GELU' }).act, 'gelu');
  t.doesNotThrow(() => localVMambaFamily.fromOfficialKwargs({ ...golden, d_state: 16, use_checkpoint: true, norm_layer: 'ln' }));
  t.throws(() => localVMambaFamily.fromOfficialKwargs({ ...golden, mlp_ratio: 4 }), /'mlp_ratio'/);
  t.throws(() => localVMambaFamily.fromOfficialKwargs({ ...golden, norm_layer: 'bn' }), /norm_layer/);
  t.throws(() => localVMambaFamily.fromOfficialKwargs({ ...golden, ssm_conv: 4 }), /odd/);
  t.throws(() => localVMambaFamily.fromOfficialKwargs({ ...golden, dims: [8, 16] }), /differ in length/);
  t.throws(() => localVMambaFamily.fromOfficialKwargs({ ...golden, directions: [['h']] }), /list of 5 per-block/);
  t.throws(() => localVMambaFamily.fromOfficialKwargs({ ...golden, ssm_act_layer: 'tanh' }), /act must be one of/);
  t.deepEqual(localVMambaFamily.normalizeConfig({}), localVMambaFamily.presets.local_vssm_tiny, 'empty config = local_vssm_tiny');
  t.throws(() => localVMambaFamily.normalizeConfig({ depths: [2, 2, 27, 2] }), /directions must be given for 33 blocks/);
  t.end();
});
