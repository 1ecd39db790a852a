import { ArgumentError, type Rng, Tensor } from '@vssm/core';
import { dtBiasInit, uniform } from '@vssm/nn';

/** Mamba's dt-projection initialisation options (`dt_min`, `dt_max`, `dt_init`, `dt_scale`, `dt_init_floor`). */
export interface DtInitOptions {
  dtMin?: number;
  dtMax?: number;
  dtInit?: 'random' | 'constant';
  dtScale?: number;
  dtInitFloor?: number;
}

/** dt_proj weight (E, R): U(±R^−½·scale) ('random') or the constant R^−½·scale; bias = softplus⁻¹(log-uniform dt). */
export function dtProjInit(inner: number, rank: number, rng: Rng, options: DtInitOptions = {}): { weight: Tensor; bias: Tensor } {
  const std = rank ** -0.5 * (options.dtScale ?? 1);
  const mode = options.dtInit ?? 'random';
  let weight: Tensor;
  if (mode === 'random') weight = uniform([inner, rank], -std, std, rng);
  else if (mode === 'constant') weight = Tensor.full([inner, rank], std);
  else throw new ArgumentError(`dt_proj init: dtInit must be 'random' or 'constant', got ${JSON.stringify(mode)}`);
  const bias = dtBiasInit(inner, rng, options.dtMin ?? 1e-3, options.dtMax ?? 0.1, options.dtInitFloor ?? 1e-4);
  return { weight, bias };
}

/** ceil(dModel / 16) for 'auto', else the given positive integer. */
export function resolveDtRank(op: string, dModel: number, dtRank: number | 'auto' | undefined): number {
  if (dtRank === undefined || dtRank === 'auto') return Math.ceil(dModel / 16);
  if (!Number.isInteger(dtRank) || dtRank <= 0)
    throw new ArgumentError(`${op}: dtRank must be 'auto' or a positive integer, got ${dtRank}`);
  return dtRank;
}

export function assertPositiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new ArgumentError(`${op}: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}
