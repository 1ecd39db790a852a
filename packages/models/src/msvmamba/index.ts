export { type MSVMambaConfig, type MSVMambaV2Config, normalizeMasterConfig, normalizeV2Config } from './config.js';
export { masterFromOfficialKwargs, v2FromOfficialKwargs } from './official-kwargs.js';
export { type AnyMSVMambaConfig, MSVMamba } from './model.js';
export { applyOfficialInit } from './init.js';
export { MSVMAMBA_FLOPS_CONVENTION, msvmambaFlops } from './flops.js';
export { MSVMAMBA_PRESETS, MSVMAMBA_V2_PRESETS } from './presets.js';
export { msvmambaFamily, msvmambaV2Family } from './family.js';
