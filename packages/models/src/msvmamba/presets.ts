import { MASTER_DEFAULTS, type MSVMambaConfig, type MSVMambaV2Config, V2_DEFAULTS } from './config.js';

const master = (dim: number, depths: number[]): MSVMambaConfig => ({
  family: 'msvmamba',
  ...MASTER_DEFAULTS,
  dims: [dim, 2 * dim, 4 * dim, 8 * dim],
  depths,
});

const v2 = (dim: number, depths: number[], gate: boolean): MSVMambaV2Config => ({
  family: 'msvmamba_v2',
  ...V2_DEFAULTS,
  dims: [dim, 2 * dim, 4 * dim, 8 * dim],
  depths,
  gate,
});

/**
 * MSVMamba master-branch presets (configs as in the reference models.json; the training recipe's drop-path rate,
 * 0.2 for all three, only matters for training).
 */
export const MSVMAMBA_PRESETS: Readonly<Record<string, MSVMambaConfig>> = Object.freeze({
  msvmamba_nano: master(48, [1, 2, 5, 2]),
  msvmamba_micro: master(64, [1, 2, 5, 2]),
  msvmamba_tiny: master(96, [1, 2, 9, 2]),
});

/** MSVMambav3 presets (v2 branch; training drop-path 0.2 / 0.4 / 0.5 for T / S / B). */
export const MSVMAMBA_V2_PRESETS: Readonly<Record<string, MSVMambaV2Config>> = Object.freeze({
  msvmambav3_tiny: v2(96, [2, 2, 9, 2], false),
  msvmambav3_small: v2(96, [2, 3, 20, 2], false),
  msvmambav3_base: v2(128, [2, 4, 18, 2], true),
});
