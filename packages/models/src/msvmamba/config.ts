import { ArgumentError } from '@vssm/core';
import type { BaseModelConfig } from '../family.js';

/** Fields shared by both MSVMamba code lines. */
interface MSVMambaCommonConfig extends BaseModelConfig {
  numClasses: number;
  inChans: number;
  patchSize: number;
  /** Width of each stage (the official `dims`; an integer d there means [d, 2d, 4d, …]). */
  dims: number[];
  /** Blocks per stage. */
  depths: number[];
  /** SSM state size N (`ssm_d_state`). */
  dState: number;
  /** E = ⌊ssmRatio · C⌋ (`ssm_ratio`). */
  ssmRatio: number;
  /** `ssm_dt_rank`: 'auto' = ⌈C/16⌉. */
  dtRank: number | 'auto';
  /** Kernel of the full-resolution depthwise conv (`ssm_conv`, odd ≥ 3). */
  dConv: number;
  /** Bias on the depthwise convs (`ssm_conv_bias`). */
  convBias: boolean;
  /** Squeeze-excitation in every mixer (`add_se`). */
  se: boolean;
  /** Stochastic depth, linearly increasing over all blocks (training only). */
  dropPathRate: number;
}

/**
 * MSVMamba, master branch (MSVMamba-Nano/Micro/Tiny): channel-last, 4×4 patch stem + LN, PatchMerging2D, MS2D with
 * bilinear upsampling and per-branch out_norm, ConvFFN ×2 (pre-norm).
 */
export interface MSVMambaConfig extends MSVMambaCommonConfig {
  family: 'msvmamba';
}

/**
 * MSVMamba, v2 branch (MSVMambav3-T/S/B): channel-first, two-conv stem, conv downsample, MS2D with nearest upsampling
 * and one LayerNorm2d after the merge, optional z gate (`vms` vs `vms_noz`), post-norm ConvFFN.
 */
export interface MSVMambaV2Config extends MSVMambaCommonConfig {
  family: 'msvmamba_v2';
  /** SiLU(z) gate: `forward_type` 'vms' (true) or 'vms_noz' (false). */
  gate: boolean;
  /** ConvFFN hidden ratio (`conv_ffn_ratio`). */
  convFfnRatio: number;
}

const COMMON_KEYS = [
  'family',
  'numClasses',
  'inChans',
  'patchSize',
  'dims',
  'depths',
  'dState',
  'ssmRatio',
  'dtRank',
  'dConv',
  'convBias',
  'se',
  'dropPathRate',
] as const;

/** What a master-branch config leaves out defaults to (MSVMamba-Tiny). */
export const MASTER_DEFAULTS: Omit<MSVMambaConfig, 'family'> = {
  numClasses: 1000,
  inChans: 3,
  patchSize: 4,
  dims: [96, 192, 384, 768],
  depths: [1, 2, 9, 2],
  dState: 1,
  ssmRatio: 2,
  dtRank: 'auto',
  dConv: 3,
  convBias: true,
  se: true,
  dropPathRate: 0,
};

/** What a v2-branch config leaves out defaults to (MSVMambav3-Tiny). */
export const V2_DEFAULTS: Omit<MSVMambaV2Config, 'family'> = {
  ...MASTER_DEFAULTS,
  depths: [2, 2, 9, 2],
  ssmRatio: 1,
  gate: false,
  convFfnRatio: 4,
};

/** Expands an integer width into [d, 2d, 4d, …] for `stages` stages (as the official constructors do). */
export function expandDims(dims: number | readonly number[], stages: number): number[] {
  return typeof dims === 'number' ? Array.from({ length: stages }, (_, i) => Math.floor(dims * 2 ** i)) : dims.slice();
}

type AnyPartial = Record<string, unknown> & { family?: string };

/** Fills defaults (MSVMamba-Tiny) and validates a master-branch config. */
export function normalizeMasterConfig(config: Partial<MSVMambaConfig> | AnyPartial): MSVMambaConfig {
  const out = fill('msvmamba', config as AnyPartial, MASTER_DEFAULTS, COMMON_KEYS) as unknown as MSVMambaConfig;
  validateCommon(out);
  return out;
}

/** Fills defaults (MSVMambav3-Tiny) and validates a v2-branch config. */
export function normalizeV2Config(config: Partial<MSVMambaV2Config> | AnyPartial): MSVMambaV2Config {
  const out = fill('msvmamba_v2', config as AnyPartial, V2_DEFAULTS, [
    ...COMMON_KEYS,
    'gate',
    'convFfnRatio',
  ]) as unknown as MSVMambaV2Config;
  validateCommon(out);
  if (typeof out.gate !== 'boolean') throw new ArgumentError(`msvmamba_v2 config: gate must be a boolean, got ${JSON.stringify(out.gate)}`);
  positiveInt('msvmamba_v2', 'convFfnRatio', out.convFfnRatio);
  if (out.patchSize % 2 !== 0) {
    throw new ArgumentError(`msvmamba_v2 config: patchSize must be even (the v2 stem is two stride-p/2 convs), got ${out.patchSize}`);
  }
  return out;
}

function fill(family: string, config: AnyPartial, defaults: object, keys: readonly string[]): Record<string, unknown> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ArgumentError(`${family} config: expected an object, got ${JSON.stringify(config)}`);
  }
  if (config.family !== undefined && config.family !== family) {
    throw new ArgumentError(`${family} config: family must be '${family}', got ${JSON.stringify(config.family)}`);
  }
  const unknown = Object.keys(config).filter((k) => !keys.includes(k));
  if (unknown.length) throw new ArgumentError(`${family} config: unknown field(s) ${unknown.join(', ')}; known: ${keys.join(', ')}`);
  const out: Record<string, unknown> = { family, ...structuredClone(defaults) };
  for (const [k, v] of Object.entries(config)) if (v !== undefined) out[k] = structuredClone(v);
  const depths = out.depths;
  if (typeof out.dims === 'number' && Array.isArray(depths)) out.dims = expandDims(out.dims, depths.length);
  return out;
}

function validateCommon(c: MSVMambaConfig | MSVMambaV2Config): void {
  const f = c.family;
  positiveInt(f, 'numClasses', c.numClasses);
  positiveInt(f, 'inChans', c.inChans);
  positiveInt(f, 'patchSize', c.patchSize);
  if (!Array.isArray(c.depths) || c.depths.length === 0) throw new ArgumentError(`${f} config: depths must be a non-empty array`);
  if (!Array.isArray(c.dims) || c.dims.length !== c.depths.length) {
    throw new ArgumentError(
      `${f} config: dims ${JSON.stringify(c.dims)} must have one width per stage (depths ${JSON.stringify(c.depths)})`,
    );
  }
  for (const [i, d] of c.depths.entries()) positiveInt(f, `depths[${i}]`, d);
  for (const [i, d] of c.dims.entries()) positiveInt(f, `dims[${i}]`, d);
  positiveInt(f, 'dState', c.dState);
  if (!(typeof c.ssmRatio === 'number' && Number.isFinite(c.ssmRatio) && c.ssmRatio > 0)) {
    throw new ArgumentError(`${f} config: ssmRatio must be a positive number, got ${JSON.stringify(c.ssmRatio)}`);
  }
  c.dims.forEach((d, i) => {
    if (Math.floor(c.ssmRatio * d) < 1) throw new ArgumentError(`${f} config: ssmRatio ${c.ssmRatio} leaves no SSM channels at stage ${i}`);
    if (Math.floor(c.ssmRatio * d) < 8 && c.se) {
      throw new ArgumentError(`${f} config: SE needs ⌊ssmRatio·dim⌋ >= 8 (reduction 8), stage ${i} has ${Math.floor(c.ssmRatio * d)}`);
    }
  });
  if (c.dtRank !== 'auto') positiveInt(f, 'dtRank', c.dtRank);
  if (!Number.isInteger(c.dConv) || c.dConv < 3 || c.dConv % 2 === 0) {
    throw new ArgumentError(`${f} config: dConv must be an odd integer >= 3, got ${JSON.stringify(c.dConv)}`);
  }
  if (typeof c.convBias !== 'boolean') throw new ArgumentError(`${f} config: convBias must be a boolean`);
  if (typeof c.se !== 'boolean') throw new ArgumentError(`${f} config: se must be a boolean`);
  if (!(typeof c.dropPathRate === 'number' && c.dropPathRate >= 0 && c.dropPathRate < 1)) {
    throw new ArgumentError(`${f} config: dropPathRate must be in [0, 1), got ${JSON.stringify(c.dropPathRate)}`);
  }
}

function positiveInt(family: string, name: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) <= 0)
    throw new ArgumentError(`${family} config: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
}
