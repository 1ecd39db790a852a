import type { ModelFamily } from '../family.js';
import { type LocalVimConfig, localVimFromOfficialKwargs, nativeGrid, normalizeLocalVimConfig } from './config.js';
import { LOCAL_VIM_FLOPS_CONVENTION, localVimFlops } from './flops.js';
import { VisionMamba } from './model.js';
import { LOCAL_VIM_PRESETS, LOCAL_VIM_SMALL_DIRECTIONS, LOCAL_VIM_TINY_DIRECTIONS } from './presets.js';

/** The LocalVim family (`local_vim`): presets local_vim_tiny, local_vim_tiny_middle_cls_token, local_vim_small, local_vim_tiny_search. */
export const localVimFamily: ModelFamily<LocalVimConfig> = {
  family: 'local_vim',
  normalizeConfig: normalizeLocalVimConfig,
  fromOfficialKwargs: localVimFromOfficialKwargs,
  create: (config, options) => new VisionMamba(normalizeLocalVimConfig(config), options),
  presets: LOCAL_VIM_PRESETS,
  flops: (config, input) => ({ flops: localVimFlops(normalizeLocalVimConfig(config), input), convention: LOCAL_VIM_FLOPS_CONVENTION }),
};

export { type LocalVimConfig, localVimFromOfficialKwargs, nativeGrid as localVimNativeGrid, normalizeLocalVimConfig };
export { LOCAL_VIM_FLOPS_CONVENTION, localVimFlops };
export { resizeGridTable, VisionMamba } from './model.js';
export { VisionRotaryEmbedding } from './rope.js';
export { LOCAL_VIM_PRESETS, LOCAL_VIM_SMALL_DIRECTIONS, LOCAL_VIM_TINY_DIRECTIONS };
