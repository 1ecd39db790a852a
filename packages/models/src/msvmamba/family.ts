import type { CreateOptions, ModelFamily } from '../family.js';
import { type MSVMambaConfig, type MSVMambaV2Config, normalizeMasterConfig, normalizeV2Config } from './config.js';
import { MSVMAMBA_FLOPS_CONVENTION, msvmambaFlops } from './flops.js';
import { assertMSVMambaFamily, MSVMamba } from './model.js';
import { masterFromOfficialKwargs, v2FromOfficialKwargs } from './official-kwargs.js';
import { MSVMAMBA_PRESETS, MSVMAMBA_V2_PRESETS } from './presets.js';

/** MSVMamba, master branch: MSVMamba-Nano / -Micro / -Tiny. */
export const msvmambaFamily: ModelFamily<MSVMambaConfig> = {
  family: 'msvmamba',
  normalizeConfig: (config) => normalizeMasterConfig(config),
  fromOfficialKwargs: masterFromOfficialKwargs,
  create(config: MSVMambaConfig, options: CreateOptions = {}) {
    assertMSVMambaFamily(config, 'msvmamba');
    return new MSVMamba(normalizeMasterConfig(config), options);
  },
  presets: MSVMAMBA_PRESETS,
  flops: (config, input) => ({ flops: msvmambaFlops(normalizeMasterConfig(config), input), convention: MSVMAMBA_FLOPS_CONVENTION }),
};

/** MSVMamba, v2 branch: MSVMambav3-Tiny / -Small / -Base. */
export const msvmambaV2Family: ModelFamily<MSVMambaV2Config> = {
  family: 'msvmamba_v2',
  normalizeConfig: (config) => normalizeV2Config(config),
  fromOfficialKwargs: v2FromOfficialKwargs,
  create(config: MSVMambaV2Config, options: CreateOptions = {}) {
    assertMSVMambaFamily(config, 'msvmamba_v2');
    return new MSVMamba(normalizeV2Config(config), options);
  },
  presets: MSVMAMBA_V2_PRESETS,
  flops: (config, input) => ({ flops: msvmambaFlops(normalizeV2Config(config), input), convention: MSVMAMBA_FLOPS_CONVENTION }),
};
