import { ArgumentError } from '@vssm/core';
import type { BaseModelConfig, FamilyName } from '../family.js';
import { LOCAL_VIM_DEFAULTS, LOCAL_VIM_TINY_DIRECTIONS } from './presets.js';
import {
  assertPlainObject,
  bool,
  directionLists,
  oneOf,
  posInt,
  posNumber,
  probability,
  rankOrAuto,
  rejectUnknownKeys,
} from './validate.js';

/** A LocalVim (`VisionMamba` of hunto/LocalMamba) configuration: plain JSON. */
export interface LocalVimConfig extends BaseModelConfig {
  family: 'local_vim';
  /** Training resolution [H, W]; fixes the native token grid (⌊H/p⌋, ⌊W/p⌋), pos_embed and RoPE tables. */
  imgSize: [number, number];
  patchSize: number;
  inChannels: number;
  embedDim: number;
  depth: number;
  /** d_state N. */
  dState: number;
  /** Causal conv1d kernel. */
  dConv: number;
  /** E = int(expand · embedDim). */
  expand: number;
  dtRank: number | 'auto';
  /** Bias on the per-direction conv1d (official `conv_bias`). */
  convBias: boolean;
  /** Bias on in_proj / out_proj (official `bias`). */
  projBias: boolean;
  /** Per-layer direction lists (slot k ↔ `A_log_k` …), or null = the 8-direction search supernet. */
  directions: string[][] | null;
  /** 'rms' (RMSNorm, `rms_norm=True`) or 'layer' (LayerNorm). */
  norm: 'rms' | 'layer';
  normEps: number;
  /** Learned absolute position embedding `pos_embed` (`if_abs_pos_embed`). */
  absPosEmbed: boolean;
  /** RoPE on the hidden state at every layer (`if_rope`). */
  rope: boolean;
  /** RoPE also on the residual stream (`if_rope_residual`), cumulative over layers. */
  ropeResidual: boolean;
  /** RoPE `pt_hw_seq_len` (14). */
  ropePtSeqLen: number;
  /** 'middle': a class token at Npatch//2 (`if_cls_token` + `use_middle_cls_token`), used as the pooled feature. */
  clsToken: 'none' | 'middle';
  /** Pooling without a class token: 'mean' over tokens, or 'last' token (official `final_pool_type='none'`). */
  pool: 'mean' | 'last';
  /** Stochastic depth (training only). */
  dropPathRate: number;
  /** `v`/`v_flip` reverse on non-square grids: 'exact' (default) or 'official-v-bug' (the repo's behaviour). */
  reverseMode: 'exact' | 'official-v-bug';
  /** SCAttn spatial branch of the paper (not in the released code or checkpoints). */
  spatialAttention: boolean;
}

const KEYS: readonly (keyof LocalVimConfig)[] = [
  'family',
  'numClasses',
  'imgSize',
  'patchSize',
  'inChannels',
  'embedDim',
  'depth',
  'dState',
  'dConv',
  'expand',
  'dtRank',
  'convBias',
  'projBias',
  'directions',
  'norm',
  'normEps',
  'absPosEmbed',
  'rope',
  'ropeResidual',
  'ropePtSeqLen',
  'clsToken',
  'pool',
  'dropPathRate',
  'reverseMode',
  'spatialAttention',
];

function imgSizeOf(op: string, v: unknown): [number, number] {
  if (typeof v === 'number') return [posInt(op, 'imgSize', v), v];
  if (Array.isArray(v) && v.length === 2) return [posInt(op, 'imgSize[0]', v[0]), posInt(op, 'imgSize[1]', v[1])];
  throw new ArgumentError(`${op}: imgSize must be a positive integer or [H, W], got ${JSON.stringify(v)}`);
}

/** The native token grid of a config: (⌊H/p⌋, ⌊W/p⌋) of its training resolution (timm PatchEmbed.grid_size). */
export function nativeGrid(config: Pick<LocalVimConfig, 'imgSize' | 'patchSize'>): [number, number] {
  return [Math.floor(config.imgSize[0] / config.patchSize), Math.floor(config.imgSize[1] / config.patchSize)];
}

/**
 * Fills defaults (those of `local_vim_tiny`) and validates a LocalVim config. `directions` defaults to the LocalVim-T
 * lists when depth is 20 and must be given for other depths. Unknown keys and combinations the official code cannot
 * run (RoPE without abs pos embed, RoPE with a class token, …) throw ArgumentError.
 */
export function normalizeLocalVimConfig(input: Partial<LocalVimConfig> & { family?: FamilyName }): LocalVimConfig {
  const op = 'local_vim config';
  const raw = assertPlainObject(op, input, 'the config');
  rejectUnknownKeys(op, raw, KEYS, 'key');
  if (raw.family !== undefined && raw.family !== 'local_vim')
    throw new ArgumentError(`${op}: family must be 'local_vim', got ${JSON.stringify(raw.family)}`);
  const c = { ...LOCAL_VIM_DEFAULTS, ...raw } as LocalVimConfig & Record<string, unknown>;
  const depth = posInt(op, 'depth', c.depth);
  let directions: unknown = raw.directions;
  if (directions === undefined) {
    if (depth !== LOCAL_VIM_TINY_DIRECTIONS.length) {
      throw new ArgumentError(`${op}: directions must be given for depth ${depth} (the default lists are LocalVim-T's 20 layers)`);
    }
    directions = LOCAL_VIM_TINY_DIRECTIONS.map((l) => [...l]);
  }
  const out: LocalVimConfig = {
    family: 'local_vim',
    numClasses: posInt(op, 'numClasses', c.numClasses),
    imgSize: imgSizeOf(op, c.imgSize),
    patchSize: posInt(op, 'patchSize', c.patchSize),
    inChannels: posInt(op, 'inChannels', c.inChannels),
    embedDim: posInt(op, 'embedDim', c.embedDim),
    depth,
    dState: posInt(op, 'dState', c.dState),
    dConv: posInt(op, 'dConv', c.dConv),
    expand: posNumber(op, 'expand', c.expand),
    dtRank: rankOrAuto(op, 'dtRank', c.dtRank),
    convBias: bool(op, 'convBias', c.convBias),
    projBias: bool(op, 'projBias', c.projBias),
    directions: directionLists(op, directions, depth, 'layer'),
    norm: oneOf(op, 'norm', c.norm, ['rms', 'layer'] as const),
    normEps: posNumber(op, 'normEps', c.normEps),
    absPosEmbed: bool(op, 'absPosEmbed', c.absPosEmbed),
    rope: bool(op, 'rope', c.rope),
    ropeResidual: bool(op, 'ropeResidual', c.ropeResidual),
    ropePtSeqLen: posNumber(op, 'ropePtSeqLen', c.ropePtSeqLen),
    clsToken: oneOf(op, 'clsToken', c.clsToken, ['none', 'middle'] as const),
    pool: oneOf(op, 'pool', c.pool, ['mean', 'last'] as const),
    dropPathRate: probability(op, 'dropPathRate', c.dropPathRate),
    reverseMode: oneOf(op, 'reverseMode', c.reverseMode, ['exact', 'official-v-bug'] as const),
    spatialAttention: bool(op, 'spatialAttention', c.spatialAttention),
  };
  const [gh, gw] = nativeGrid(out);
  if (gh < 1 || gw < 1) throw new ArgumentError(`${op}: imgSize [${out.imgSize.join(', ')}] is smaller than patchSize ${out.patchSize}`);
  const inner = Math.trunc(out.expand * out.embedDim);
  if (Math.trunc(inner * 0.125) < 1)
    throw new ArgumentError(`${op}: the inner width ${inner} leaves SCAttn no reduced channels (needs ≥ 8)`);
  if (out.rope) {
    if (!out.absPosEmbed)
      throw new ArgumentError(`${op}: rope requires absPosEmbed (the official forward only builds the RoPE tables on that path)`);
    if (out.clsToken !== 'none')
      throw new ArgumentError(`${op}: rope cannot be combined with a class token (the RoPE tables cover patch tokens only)`);
    if (out.embedDim % 4 !== 0) throw new ArgumentError(`${op}: rope needs embedDim divisible by 4, got ${out.embedDim}`);
    if (gh !== gw)
      throw new ArgumentError(`${op}: rope needs a square native grid, got ${gh}x${gw} from imgSize [${out.imgSize.join(', ')}]`);
  }
  return out;
}

const OFFICIAL_KEYS = [
  'img_size',
  'patch_size',
  'depth',
  'embed_dim',
  'channels',
  'num_classes',
  'ssm_cfg',
  'drop_rate',
  'drop_path_rate',
  'norm_epsilon',
  'rms_norm',
  'initializer_cfg',
  'fused_add_norm',
  'residual_in_fp32',
  'device',
  'dtype',
  'ft_seq_len',
  'pt_hw_seq_len',
  'final_pool_type',
  'if_abs_pos_embed',
  'if_rope',
  'if_rope_residual',
  'bimamba_type',
  'if_cls_token',
  'use_middle_cls_token',
  'directions',
  'use_checkpoint',
] as const;

const SSM_CFG_KEYS = [
  'd_state',
  'd_conv',
  'expand',
  'dt_rank',
  'conv_bias',
  'bias',
  'dt_min',
  'dt_max',
  'dt_init',
  'dt_scale',
  'dt_init_floor',
  'use_fast_path',
];

/**
 * Converts `VisionMamba(**kwargs)` keyword arguments (hunto/LocalMamba `local_vim.py`, golden metadata `config`)
 * into a LocalVim config, with the official constructor's defaults for missing keys (depth 24, LayerNorm, no pos
 * embed, `final_pool_type='none'`, `directions=None` = search supernet, …). Accepted without effect on the maths:
 * `fused_add_norm`, `residual_in_fp32` (float32 throughout), `bimamba_type` (ignored by MultiMamba), `ft_seq_len`
 * (unused), `drop_rate` (dropout, inference no-op), `use_checkpoint`, `device`/`dtype` = null, and the dt-init
 * keys of `ssm_cfg` (overwritten by the official `segm_init_weights`). Anything else throws ArgumentError.
 * The result reproduces the official model exactly, so it sets `reverseMode: 'official-v-bug'` (the repo's `v`
 * reverse, which differs from the true inverse only on non-square token grids); presets and `normalizeConfig`
 * default to 'exact'.
 */
export function localVimFromOfficialKwargs(kwargs: Record<string, unknown>): LocalVimConfig {
  const op = 'local_vim fromOfficialKwargs';
  const k = assertPlainObject(op, kwargs, 'kwargs');
  rejectUnknownKeys(op, k, OFFICIAL_KEYS, 'keyword argument');
  const get = <T>(name: string, fallback: T): unknown => (k[name] === undefined ? fallback : k[name]);
  for (const name of ['device', 'dtype', 'initializer_cfg'] as const) {
    if (k[name] !== undefined && k[name] !== null)
      throw new ArgumentError(`${op}: ${name} is not supported (got ${JSON.stringify(k[name])}); pass null or leave it out`);
  }
  for (const name of ['fused_add_norm', 'residual_in_fp32', 'use_checkpoint'] as const) if (k[name] !== undefined) bool(op, name, k[name]);
  if (k.drop_rate !== undefined) probability(op, 'drop_rate', k.drop_rate);
  if (k.bimamba_type !== undefined && typeof k.bimamba_type !== 'string')
    throw new ArgumentError(`${op}: bimamba_type must be a string, got ${JSON.stringify(k.bimamba_type)}`);
  const ssm = k.ssm_cfg == null ? {} : assertPlainObject(op, k.ssm_cfg, 'ssm_cfg');
  rejectUnknownKeys(op, ssm, SSM_CFG_KEYS, 'ssm_cfg key');
  const pool = get('final_pool_type', 'none');
  if (pool !== 'mean' && pool !== 'none') {
    throw new ArgumentError(
      `${op}: final_pool_type must be 'mean' or 'none' ('max' and 'all' do not give logits in the official code), got ${JSON.stringify(pool)}`,
    );
  }
  const ifCls = bool(op, 'if_cls_token', get('if_cls_token', false));
  const middle = bool(op, 'use_middle_cls_token', get('use_middle_cls_token', false));
  if (ifCls !== middle) {
    throw new ArgumentError(
      `${op}: only if_cls_token=True with use_middle_cls_token=True (or both False) is supported; a front class token does not fit MultiMamba's 2-D scans (got if_cls_token=${ifCls}, use_middle_cls_token=${middle})`,
    );
  }
  const depth = posInt(op, 'depth', get('depth', 24));
  const directions = get('directions', null);
  return normalizeLocalVimConfig({
    family: 'local_vim',
    numClasses: get('num_classes', 1000) as number,
    imgSize: imgSizeOf(op, get('img_size', 224)),
    patchSize: get('patch_size', 16) as number,
    inChannels: get('channels', 3) as number,
    embedDim: get('embed_dim', 192) as number,
    depth,
    dState: (ssm.d_state ?? 16) as number,
    dConv: (ssm.d_conv ?? 4) as number,
    expand: (ssm.expand ?? 2) as number,
    dtRank: (ssm.dt_rank ?? 'auto') as number | 'auto',
    convBias: (ssm.conv_bias ?? true) as boolean,
    projBias: (ssm.bias ?? false) as boolean,
    directions: directions as string[][] | null,
    norm: bool(op, 'rms_norm', get('rms_norm', false)) ? 'rms' : 'layer',
    normEps: get('norm_epsilon', 1e-5) as number,
    absPosEmbed: get('if_abs_pos_embed', false) as boolean,
    rope: get('if_rope', false) as boolean,
    ropeResidual: get('if_rope_residual', false) as boolean,
    ropePtSeqLen: get('pt_hw_seq_len', 14) as number,
    clsToken: middle ? 'middle' : 'none',
    pool: pool === 'mean' ? 'mean' : 'last',
    dropPathRate: get('drop_path_rate', 0.1) as number,
    reverseMode: 'official-v-bug',
  });
}
