import type { ModelFamily } from '../family.js';
import { type LocalVMambaConfig, localVMambaFromOfficialKwargs, normalizeLocalVMambaConfig } from './config.js';
import { LOCAL_VMAMBA_FLOPS_CONVENTION, localVMambaFlops } from './flops.js';
import { VSSM } from './model.js';
import { LOCAL_VMAMBA_PRESETS, LOCAL_VSSM_SMALL_DIRECTIONS, LOCAL_VSSM_TINY_DIRECTIONS } from './presets.js';

/** The LocalVMamba family (`local_vmamba`): presets local_vssm_tiny, local_vssm_small, local_vssm_tiny_search, local_vssm_small_search. */
export const localVMambaFamily: ModelFamily<LocalVMambaConfig> = {
  family: 'local_vmamba',
  normalizeConfig: normalizeLocalVMambaConfig,
  fromOfficialKwargs: localVMambaFromOfficialKwargs,
  create: (config, options) => new VSSM(normalizeLocalVMambaConfig(config), options),
  presets: LOCAL_VMAMBA_PRESETS,
  flops: (config, input) => ({
    flops: localVMambaFlops(normalizeLocalVMambaConfig(config), input),
    convention: LOCAL_VMAMBA_FLOPS_CONVENTION,
  }),
};

export { type LocalVMambaConfig, localVMambaFromOfficialKwargs, normalizeLocalVMambaConfig };
export { LOCAL_VMAMBA_FLOPS_CONVENTION, localVMambaFlops };
export { VSSM } from './model.js';
export { LOCAL_VMAMBA_PRESETS, LOCAL_VSSM_SMALL_DIRECTIONS, LOCAL_VSSM_TINY_DIRECTIONS };
