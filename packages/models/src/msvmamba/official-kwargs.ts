import { ArgumentError } from '@vssm/core';
import { expandDims, type MSVMambaConfig, type MSVMambaV2Config, normalizeMasterConfig, normalizeV2Config } from './config.js';

/**
 * Conversion of the official `VSSM(**kwargs)` keyword arguments (as stored in the golden files' `config` metadata and
 * in models.json) into our configs. Every official field is handled explicitly: it maps to a config field, must hold
 * the one value whose code path is implemented (else an ArgumentError naming the field), or has no effect on inference
 * (dropout rates, checkpointing, options of code paths that are switched off) and is accepted. Unknown fields throw.
 */

type Kwargs = Record<string, unknown>;

/** Reads official kwargs with the official constructor defaults, recording which fields were consumed. */
class KwargReader {
  private readonly seen = new Set<string>();
  constructor(
    private readonly family: string,
    private readonly kwargs: Kwargs,
  ) {
    if (kwargs === null || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
      throw new ArgumentError(`${family}.fromOfficialKwargs: expected an object of keyword arguments, got ${JSON.stringify(kwargs)}`);
    }
  }

  get<T>(key: string, fallback: T): T {
    this.seen.add(key);
    return (key in this.kwargs ? this.kwargs[key] : fallback) as T;
  }

  /** A field that has no effect on the forward pass here (any value accepted). */
  ignore(...keys: string[]): void {
    for (const k of keys) this.seen.add(k);
  }

  /** A field whose other values select code paths that are not implemented. */
  require<T>(key: string, fallback: T, accepted: (v: unknown) => boolean, what: string): T {
    const v = this.get(key, fallback);
    if (!accepted(v)) throw this.error(key, v, what);
    return v;
  }

  error(key: string, value: unknown, what: string): ArgumentError {
    return new ArgumentError(`${this.family}.fromOfficialKwargs: unsupported ${key}=${JSON.stringify(value)}; ${what}`);
  }

  finish(): void {
    const unknown = Object.keys(this.kwargs).filter((k) => !this.seen.has(k));
    if (unknown.length) {
      throw new ArgumentError(`${this.family}.fromOfficialKwargs: unknown official field(s) ${unknown.join(', ')}`);
    }
  }
}

const isTrue = (v: unknown) => v === true;
const isFalse = (v: unknown) => v === false || v === 0;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

/** The config fields both branches read alike (dState, dtRank and dConv checked in this order). */
function commonFields(r: KwargReader, dims: number[], depths: number[], ssmRatio: number, se: boolean) {
  return {
    numClasses: r.get('num_classes', 1000),
    inChans: r.get('in_chans', 3),
    patchSize: r.get('patch_size', 4),
    dims,
    depths,
    dState: dStateOf(r),
    ssmRatio,
    dtRank: dtRankOf(r),
    dConv: dConvOf(r),
    convBias: r.get('ssm_conv_bias', true),
    se,
    dropPathRate: r.get('drop_path_rate', 0.1),
  };
}

function dimsAndDepths(r: KwargReader, family: string): { dims: number[]; depths: number[] } {
  const depths = r.get<unknown>('depths', [2, 2, 9, 2]);
  if (!Array.isArray(depths) || depths.length === 0) throw r.error('depths', depths, 'expected a non-empty list of block counts');
  const dims = r.get<unknown>('dims', [96, 192, 384, 768]);
  if (!(isNum(dims) || (Array.isArray(dims) && dims.every(isNum))))
    throw r.error('dims', dims, `expected an integer or a list (${family})`);
  return { dims: expandDims(dims as number | number[], depths.length), depths: depths as number[] };
}

function dtRankOf(r: KwargReader): number | 'auto' {
  const v = r.get<unknown>('ssm_dt_rank', 'auto');
  if (v === 'auto' || (Number.isInteger(v) && (v as number) > 0)) return v as number | 'auto';
  throw r.error('ssm_dt_rank', v, "expected 'auto' or a positive integer");
}

function dStateOf(r: KwargReader): number {
  return r.require(
    'ssm_d_state',
    16,
    (v) => Number.isInteger(v) && (v as number) > 0,
    "only an integer state size is implemented ('auto' is not)",
  );
}

function dConvOf(r: KwargReader): number {
  return r.require(
    'ssm_conv',
    3,
    (v) => Number.isInteger(v) && (v as number) >= 3 && (v as number) % 2 === 1,
    'the multi-scale path needs the depthwise conv (odd kernel >= 3; d_conv < 2 is a different code path)',
  );
}

/** Master branch (YuHengsss/MSVMamba `master`, `classification/models/vmamba.py` VSSM) → MSVMambaConfig. */
export function masterFromOfficialKwargs(kwargs: Kwargs): MSVMambaConfig {
  const r = new KwargReader('msvmamba', kwargs);
  const { dims, depths } = dimsAndDepths(r, 'msvmamba');
  const ssmRatio = r.require('ssm_ratio', 2.0, (v) => isNum(v) && v > 0, 'ssm_ratio <= 0 removes the SSM branch');
  r.require(
    'ssm_rank_ratio',
    2.0,
    (v) => isNum(v) && (v <= 0 || v >= ssmRatio),
    'ssm_rank_ratio < ssm_ratio selects the low-rank (in_rank/out_rank) path, which is not implemented',
  );
  r.require('ssm_act_layer', 'silu', (v) => lower(v) === 'silu', "only 'silu' is implemented");
  r.require('ssm_simple_init', false, isFalse, 'the simple initialisation is not implemented');
  r.require(
    'forward_type',
    'v2',
    (v) => typeof v === 'string' && !/(nozact|softmax|sigmoid)$/.test(v),
    'the nozact/softmax/sigmoid suffixes change the gate or out_norm',
  );
  r.require('mlp_ratio', 4.0, (v) => isNum(v) && v <= 0, 'an Mlp branch (mlp_ratio > 0) is not part of MSVMamba');
  r.require('patch_norm', true, isTrue, 'only the normalised stem is implemented');
  r.require('norm_layer', 'LN', (v) => lower(v) === 'ln', "the master branch uses 'ln'");
  r.require('downsample_version', 'v2', (v) => v === 'v1', "the master MSVMamba models use 'v1' (PatchMerging2D)");
  r.require('patchembed_version', 'v1', (v) => v === 'v1', "the master MSVMamba models use 'v1'");
  r.require('sscore_type', 'None', (v) => v === 'multiscale_4scan_12', "only the multi-scale scan 'multiscale_4scan_12' is implemented");
  r.require(
    'ms_stage',
    [],
    (v) => Array.isArray(v) && depths.every((_, i) => v.includes(i)),
    `every stage (0..${depths.length - 1}) must use MS2D; plain SS2D stages are not implemented`,
  );
  r.require(
    'ms_split',
    [1, 3],
    (v) => Array.isArray(v) && v.length === 2 && v[0] === 1 && v[1] === 3,
    'only [1, 3] is implemented (and works)',
  );
  r.require('add_conv', true, isTrue, 'the low-resolution branch needs its 7×7 stride-2 conv');
  r.require('sep_norm', false, isFalse, 'separate out_norm per branch is not implemented');
  r.require('convFFN', false, isTrue, 'MSVMamba blocks use the ConvFFN');
  const se = r.get<unknown>('add_se', false);
  if (typeof se !== 'boolean') throw r.error('add_se', se, 'expected a boolean');
  // No effect at inference, or options of code paths the official SS2D/VSSBlock never reads:
  r.ignore('ssm_drop_rate', 'mlp_act_layer', 'mlp_drop_rate', 'use_checkpoint', 'ffn_dropout', 'up_sample', 'ms_fusion');
  r.ignore('recurrent', 'inter_block_ssm', 'grid_size', 'multiscale_ratio', 'multiscale_ksize', 'continous_patch');
  r.ignore('adaptive_merge', 'b1_seq', 'b1_ratio', 'lpu');
  const config = normalizeMasterConfig({
    family: 'msvmamba',
    ...commonFields(r, dims, depths, ssmRatio, se),
  });
  r.finish();
  return config;
}

/** v2 branch (YuHengsss/MSVMamba `v2`, MSVMambav3) → MSVMambaV2Config. */
export function v2FromOfficialKwargs(kwargs: Kwargs): MSVMambaV2Config {
  const r = new KwargReader('msvmamba_v2', kwargs);
  const { dims, depths } = dimsAndDepths(r, 'msvmamba_v2');
  const forwardType = r.get<unknown>('forward_type', 'v2');
  const types = Array.isArray(forwardType) ? forwardType : [forwardType];
  if (!types.every((t) => t === 'vms' || t === 'vms_noz') || new Set(types).size !== 1) {
    throw r.error('forward_type', forwardType, "only 'vms' or 'vms_noz' (the same for every stage) is implemented");
  }
  const ssmRatio = r.require('ssm_ratio', 2.0, (v) => isNum(v) && v > 0, 'ssm_ratio <= 0 removes the SSM branch');
  r.require('ssm_act_layer', 'silu', (v) => lower(v) === 'silu', "only 'silu' is implemented");
  r.require('ssm_init', 'v0', (v) => v === 'v0', "only the 'v0' initialisation is implemented");
  r.require('patch_norm', true, isTrue, 'only the normalised stem is implemented');
  r.require('norm_layer', 'LN', (v) => lower(v) === 'ln2d', "MSVMambav3 uses 'ln2d' (channel-first)");
  r.require('downsample_version', 'v2', (v) => v === 'v3', "MSVMambav3 uses 'v3' (3×3 stride-2 conv + LayerNorm2d)");
  r.require('patchembed_version', 'v1', (v) => v === 'v2', "MSVMambav3 uses 'v2' (two 3×3 stride-2 convs)");
  r.require('posembed', false, isFalse, 'the absolute position embedding is not implemented');
  r.require('post_norm', false, isFalse, 'a post-norm mixer residual is not implemented');
  r.require('convffn', false, isTrue, 'MSVMambav3 blocks use the ConvFFN');
  r.require('full_res_index', 1, (v) => v === 1, 'only 1 (full-resolution horizontal scan) is implemented; 3 and 4 are buggy upstream');
  const se = r.get<unknown>('add_se', false);
  if (typeof se !== 'boolean') throw r.error('add_se', se, 'expected a boolean');
  // No effect at inference, or only read by other forward types (mlp branch is off when convffn is on):
  r.ignore('ssm_rank_ratio', 'ssm_drop_rate', 'mlp_ratio', 'mlp_act_layer', 'mlp_drop_rate', 'gmlp', 'use_checkpoint');
  r.ignore('imgsize', 'pre_norm', 'axis_stage', 'num_heads');
  const config = normalizeV2Config({
    family: 'msvmamba_v2',
    ...commonFields(r, dims, depths, ssmRatio, se),
    gate: types[0] === 'vms',
    convFfnRatio: r.get('conv_ffn_ratio', 2),
  });
  r.finish();
  return config;
}
