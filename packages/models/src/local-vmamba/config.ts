import { ArgumentError } from '@vssm/core';
import type { BaseModelConfig, FamilyName } from '../family.js';
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
} from '../local-vim/validate.js';
import { LOCAL_VMAMBA_DEFAULTS, LOCAL_VSSM_TINY_DIRECTIONS } from './presets.js';

/** A LocalVMamba (`VSSM` of hunto/LocalMamba `local_vmamba.py`) configuration: plain JSON. */
export interface LocalVMambaConfig extends BaseModelConfig {
  family: 'local_vmamba';
  patchSize: number;
  inChannels: number;
  /** Stage widths. */
  dims: number[];
  /** Blocks per stage. */
  depths: number[];
  /** d_state N, or 'auto' = ⌈C/6⌉ per block. */
  dState: number | 'auto';
  ssmRatio: number;
  dtRank: number | 'auto';
  /** Activation of SS2D (`ssm_act_layer`). */
  act: 'silu' | 'gelu' | 'relu';
  /** Depthwise conv kernel (odd), or < 2 for none (`ssm_conv`). */
  ssmConv: number;
  ssmConvBias: boolean;
  /** LayerNorm after the stem conv (`patch_norm`). */
  patchNorm: boolean;
  /** One direction list per block (all stages, in order), or null = the 8-direction search supernet. */
  directions: string[][] | null;
  dropPathRate: number;
  reverseMode: 'exact' | 'official-v-bug';
  /** SCAttn spatial branch of the paper (not in the released code or checkpoints). */
  spatialAttention: boolean;
  /** `ssm_simple_init` (initialisation only). */
  simpleInit: boolean;
}

const KEYS: readonly (keyof LocalVMambaConfig)[] = [
  'family',
  'numClasses',
  'patchSize',
  'inChannels',
  'dims',
  'depths',
  'dState',
  'ssmRatio',
  'dtRank',
  'act',
  'ssmConv',
  'ssmConvBias',
  'patchNorm',
  'directions',
  'dropPathRate',
  'reverseMode',
  'spatialAttention',
  'simpleInit',
];

function intList(op: string, name: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.length === 0)
    throw new ArgumentError(`${op}: ${name} must be a non-empty list of positive integers, got ${JSON.stringify(v)}`);
  return v.map((d, i) => posInt(op, `${name}[${i}]`, d));
}

/**
 * Fills defaults (those of `local_vssm_tiny`) and validates a LocalVMamba config. `directions` defaults to the
 * LocalVMamba-T lists when depths total 15 and must be given otherwise.
 */
export function normalizeLocalVMambaConfig(input: Partial<LocalVMambaConfig> & { family?: FamilyName }): LocalVMambaConfig {
  const op = 'local_vmamba config';
  const raw = assertPlainObject(op, input, 'the config');
  rejectUnknownKeys(op, raw, KEYS, 'key');
  if (raw.family !== undefined && raw.family !== 'local_vmamba') {
    throw new ArgumentError(`${op}: family must be 'local_vmamba', got ${JSON.stringify(raw.family)}`);
  }
  const c = { ...LOCAL_VMAMBA_DEFAULTS, ...raw } as LocalVMambaConfig;
  const dims = intList(op, 'dims', c.dims);
  const depths = intList(op, 'depths', c.depths);
  if (dims.length !== depths.length)
    throw new ArgumentError(`${op}: dims (${dims.length} stages) and depths (${depths.length} stages) differ in length`);
  const total = depths.reduce((s, d) => s + d, 0);
  let directions: unknown = raw.directions;
  if (directions === undefined) {
    if (total !== LOCAL_VSSM_TINY_DIRECTIONS.length) {
      throw new ArgumentError(`${op}: directions must be given for ${total} blocks (the default lists are LocalVMamba-T's 15 blocks)`);
    }
    directions = LOCAL_VSSM_TINY_DIRECTIONS.map((l) => [...l]);
  }
  const out: LocalVMambaConfig = {
    family: 'local_vmamba',
    numClasses: posInt(op, 'numClasses', c.numClasses),
    patchSize: posInt(op, 'patchSize', c.patchSize),
    inChannels: posInt(op, 'inChannels', c.inChannels),
    dims,
    depths,
    dState: c.dState === 'auto' ? 'auto' : posInt(op, 'dState', c.dState),
    ssmRatio: posNumber(op, 'ssmRatio', c.ssmRatio),
    dtRank: rankOrAuto(op, 'dtRank', c.dtRank),
    act: oneOf(op, 'act', c.act, ['silu', 'gelu', 'relu'] as const),
    ssmConv: c.ssmConv as number,
    ssmConvBias: bool(op, 'ssmConvBias', c.ssmConvBias),
    patchNorm: bool(op, 'patchNorm', c.patchNorm),
    directions: directionLists(op, directions, total, 'block'),
    dropPathRate: probability(op, 'dropPathRate', c.dropPathRate),
    reverseMode: oneOf(op, 'reverseMode', c.reverseMode, ['exact', 'official-v-bug'] as const),
    spatialAttention: bool(op, 'spatialAttention', c.spatialAttention),
    simpleInit: bool(op, 'simpleInit', c.simpleInit),
  };
  if (!Number.isInteger(out.ssmConv) || (out.ssmConv > 1 && out.ssmConv % 2 === 0)) {
    throw new ArgumentError(`${op}: ssmConv must be an odd integer (or below 2 for no conv), got ${JSON.stringify(c.ssmConv)}`);
  }
  for (const d of dims) {
    if (Math.trunc(Math.trunc(out.ssmRatio * d) * 0.125) < 1) {
      throw new ArgumentError(
        `${op}: stage width ${d} with ssmRatio ${out.ssmRatio} leaves SCAttn no reduced channels (inner width must be ≥ 8)`,
      );
    }
  }
  return out;
}

const OFFICIAL_KEYS = [
  'patch_size',
  'in_chans',
  'num_classes',
  'depths',
  'dims',
  'ssm_d_state',
  'ssm_ratio',
  'ssm_dt_rank',
  'ssm_act_layer',
  'ssm_conv',
  'ssm_conv_bias',
  'ssm_drop_rate',
  'ssm_simple_init',
  'drop_path_rate',
  'patch_norm',
  'norm_layer',
  'use_checkpoint',
  'directions',
  'd_state',
] as const;

/**
 * Converts `VSSM(**kwargs)` keyword arguments (hunto/LocalMamba `local_vmamba.py`, golden metadata `config`) into a
 * LocalVMamba config, with the official defaults for missing keys (`directions=None` = search supernet). `dims`
 * may be an int (doubled per stage, as the official code does). Accepted without effect on the maths:
 * `ssm_drop_rate` (dropout), `use_checkpoint`, `norm_layer='LN'`, and `d_state` (the official registry functions
 * pass it, and `VSSM` ignores it — `ssm_d_state` is what counts). Anything else throws ArgumentError.
 * The result reproduces the official model exactly, so it sets `reverseMode: 'official-v-bug'` (the repo's `v`
 * reverse, which differs from the true inverse only on non-square grids); presets and `normalizeConfig` default
 * to 'exact'.
 */
export function localVMambaFromOfficialKwargs(kwargs: Record<string, unknown>): LocalVMambaConfig {
  const op = 'local_vmamba fromOfficialKwargs';
  const k = assertPlainObject(op, kwargs, 'kwargs');
  rejectUnknownKeys(op, k, OFFICIAL_KEYS, 'keyword argument');
  const get = (name: string, fallback: unknown): unknown => (k[name] === undefined ? fallback : k[name]);
  const depths = get('depths', [2, 2, 9, 2]);
  let dims = get('dims', [96, 192, 384, 768]);
  if (typeof dims === 'number') {
    const base = posInt(op, 'dims', dims);
    dims = Array.from({ length: Array.isArray(depths) ? depths.length : 0 }, (_, i) => base * 2 ** i);
  }
  const norm = get('norm_layer', 'LN');
  if (typeof norm !== 'string' || norm.toLowerCase() !== 'ln') {
    throw new ArgumentError(`${op}: norm_layer must be 'LN' (the only one the official VSSM builds), got ${JSON.stringify(norm)}`);
  }
  const act = get('ssm_act_layer', 'silu');
  if (typeof act !== 'string') throw new ArgumentError(`${op}: ssm_act_layer must be 'silu', 'gelu' or 'relu', got ${JSON.stringify(act)}`);
  if (k.ssm_drop_rate !== undefined) probability(op, 'ssm_drop_rate', k.ssm_drop_rate);
  if (k.use_checkpoint !== undefined) bool(op, 'use_checkpoint', k.use_checkpoint);
  if (k.d_state !== undefined && k.d_state !== 'auto') posInt(op, 'd_state', k.d_state);
  return normalizeLocalVMambaConfig({
    family: 'local_vmamba',
    numClasses: get('num_classes', 1000) as number,
    patchSize: get('patch_size', 4) as number,
    inChannels: get('in_chans', 3) as number,
    dims: dims as number[],
    depths: depths as number[],
    dState: get('ssm_d_state', 16) as number | 'auto',
    ssmRatio: get('ssm_ratio', 2) as number,
    dtRank: get('ssm_dt_rank', 'auto') as number | 'auto',
    act: act.toLowerCase() as LocalVMambaConfig['act'],
    ssmConv: get('ssm_conv', 3) as number,
    ssmConvBias: get('ssm_conv_bias', true) as boolean,
    patchNorm: get('patch_norm', true) as boolean,
    directions: get('directions', null) as string[][] | null,
    dropPathRate: get('drop_path_rate', 0.1) as number,
    simpleInit: get('ssm_simple_init', false) as boolean,
    reverseMode: 'official-v-bug',
  });
}
