import { ArgumentError, UnknownNameError } from '@vssm/core';
import type { BaseModelConfig, CreateOptions, FamilyName, ModelFamily, VisionModel } from './family.js';
import type { LocalVimConfig } from './local-vim/config.js';
import { localVimFamily } from './local-vim/index.js';
import type { LocalVMambaConfig } from './local-vmamba/config.js';
import { localVMambaFamily } from './local-vmamba/index.js';
import type { MSVMambaConfig, MSVMambaV2Config } from './msvmamba/config.js';
import { msvmambaFamily, msvmambaV2Family } from './msvmamba/index.js';

/**
 * A config as `createModel` takes it: `family` and any of that family's fields (the rest take the family's
 * defaults), or any complete config (e.g. from `getPreset`).
 */
export type ModelConfigInput =
  | (Partial<LocalVimConfig> & { family: 'local_vim' })
  | (Partial<LocalVMambaConfig> & { family: 'local_vmamba' })
  | (Partial<MSVMambaConfig> & { family: 'msvmamba' })
  | (Partial<MSVMambaV2Config> & { family: 'msvmamba_v2' })
  | BaseModelConfig;

/** Every family, in the order presets are listed. */
export const FAMILIES: readonly ModelFamily[] = [
  localVimFamily as unknown as ModelFamily,
  localVMambaFamily as unknown as ModelFamily,
  msvmambaFamily as unknown as ModelFamily,
  msvmambaV2Family as unknown as ModelFamily,
];

/** The family object for a family name. */
export function getFamily(name: FamilyName | string): ModelFamily {
  const family = FAMILIES.find((f) => f.family === name);
  if (!family)
    throw new UnknownNameError(
      'model family',
      String(name),
      FAMILIES.map((f) => f.family),
    );
  return family;
}

/** All preset names (14), grouped by family. */
export function presetNames(): string[] {
  return FAMILIES.flatMap((f) => Object.keys(f.presets));
}

/** The complete config of a preset (a copy: editing it does not change the preset). */
export function getPreset(name: string): BaseModelConfig {
  for (const f of FAMILIES) {
    const config = f.presets[name];
    if (config) return structuredClone(config);
  }
  throw new UnknownNameError('preset', name, presetNames());
}

/** A preset name, or a config object (ours, with `family`), normalised with its family's defaults. */
export function resolveConfig(nameOrConfig: string | ModelConfigInput): BaseModelConfig {
  if (typeof nameOrConfig === 'string') return getPreset(nameOrConfig);
  if (typeof nameOrConfig !== 'object' || nameOrConfig === null || typeof nameOrConfig.family !== 'string') {
    throw new ArgumentError('createModel: expected a preset name or a config object with a `family` field');
  }
  return getFamily(nameOrConfig.family).normalizeConfig(nameOrConfig);
}

/**
 * Builds a model from a preset name (`local_vim_tiny`, `msvmamba_nano`, …) or a config object, with the official
 * initialisation (seeded). Load trained weights with `loadCheckpoint`.
 */
export function createModel(nameOrConfig: string | ModelConfigInput, options: CreateOptions = {}): VisionModel {
  const config = resolveConfig(nameOrConfig);
  return getFamily(config.family).create(config, options);
}

/** Converts the official constructor's keyword arguments (as in the golden files' metadata) into our config. */
export function configFromOfficialKwargs(family: FamilyName | string, kwargs: Record<string, unknown>): BaseModelConfig {
  return getFamily(family).fromOfficialKwargs(kwargs);
}

/** Builds a model from official constructor kwargs. */
export function createModelFromOfficialKwargs(
  family: FamilyName | string,
  kwargs: Record<string, unknown>,
  options: CreateOptions = {},
): VisionModel {
  const f = getFamily(family);
  return f.create(f.fromOfficialKwargs(kwargs), options);
}

/**
 * FLOPs of a config at an input size, in the owning paper's convention. Default size: the config's own `imgSize`
 * where it has one (LocalVim, whose position embedding fixes the input size), else 224×224.
 */
export function countFlops(config: BaseModelConfig, input: { height: number; width: number } = defaultInput(config)) {
  return getFamily(config.family).flops(config, input);
}

function defaultInput(config: BaseModelConfig): { height: number; width: number } {
  const size = (config as { imgSize?: unknown }).imgSize;
  return Array.isArray(size) && size.length === 2 ? { height: Number(size[0]), width: Number(size[1]) } : { height: 224, width: 224 };
}
