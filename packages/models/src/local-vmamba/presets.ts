import type { LocalVMambaConfig } from './config.js';

/** Per-block directions of LocalVMamba-T (searched; blocks 0–14 over stages of depth 2, 2, 9, 2). */
export const LOCAL_VSSM_TINY_DIRECTIONS: readonly (readonly string[])[] = [
  ['h', 'h_flip', 'w7', 'w7_flip'],
  ['h_flip', 'v_flip', 'w2', 'w2_flip'],
  ['h_flip', 'v_flip', 'w2_flip', 'w7'],
  ['h_flip', 'v', 'v_flip', 'w2'],
  ['h', 'h_flip', 'v_flip', 'w2_flip'],
  ['h_flip', 'v_flip', 'w2', 'w2_flip'],
  ['h', 'w2_flip', 'w7', 'w7_flip'],
  ['h', 'h_flip', 'v', 'v_flip'],
  ['h', 'v_flip', 'w7', 'w7_flip'],
  ['h_flip', 'v', 'w2', 'w7_flip'],
  ['v', 'v_flip', 'w2', 'w7_flip'],
  ['h', 'h_flip', 'v_flip', 'w2_flip'],
  ['v_flip', 'w2_flip', 'w7', 'w7_flip'],
  ['h_flip', 'v_flip', 'w2_flip', 'w7_flip'],
  ['h_flip', 'v', 'w7', 'w7_flip'],
];

/** Per-block directions of LocalVMamba-S (searched; blocks 0–32 over stages of depth 2, 2, 27, 2). */
export const LOCAL_VSSM_SMALL_DIRECTIONS: readonly (readonly string[])[] = [
  ['h', 'v', 'v_flip', 'w7_flip'],
  ['h', 'h_flip', 'v', 'w7'],
  ['h_flip', 'v', 'v_flip', 'w7'],
  ['h_flip', 'v', 'w2_flip', 'w7'],
  ['h_flip', 'v', 'w2_flip', 'w7'],
  ['h_flip', 'v_flip', 'w2', 'w7_flip'],
  ['h_flip', 'v', 'v_flip', 'w7'],
  ['h', 'v', 'v_flip', 'w7'],
  ['h', 'v', 'v_flip', 'w7'],
  ['h', 'v', 'v_flip', 'w7_flip'],
  ['h', 'h_flip', 'v', 'v_flip'],
  ['h', 'v', 'v_flip', 'w2'],
  ['v', 'v_flip', 'w2_flip', 'w7'],
  ['h', 'h_flip', 'v', 'w2'],
  ['h_flip', 'v', 'v_flip', 'w7_flip'],
  ['h', 'h_flip', 'v', 'v_flip'],
  ['h', 'v', 'v_flip', 'w7_flip'],
  ['h', 'v', 'v_flip', 'w7_flip'],
  ['h', 'h_flip', 'v_flip', 'w7'],
  ['h_flip', 'v_flip', 'w2_flip', 'w7'],
  ['h_flip', 'v', 'v_flip', 'w7_flip'],
  ['v', 'v_flip', 'w7', 'w7_flip'],
  ['h', 'v', 'v_flip', 'w7_flip'],
  ['h_flip', 'v', 'v_flip', 'w2'],
  ['h', 'v', 'v_flip', 'w2_flip'],
  ['h', 'h_flip', 'v', 'w7'],
  ['h', 'h_flip', 'w7', 'w7_flip'],
  ['h', 'v_flip', 'w2', 'w2_flip'],
  ['h', 'v_flip', 'w2', 'w7'],
  ['h', 'v', 'v_flip', 'w7_flip'],
  ['h_flip', 'v', 'w2_flip', 'w7'],
  ['h_flip', 'v_flip', 'w7', 'w7_flip'],
  ['h', 'v', 'w7', 'w7_flip'],
];

/** What a LocalVMamba config leaves out defaults to (`local_vssm_tiny` without its directions). */
export const LOCAL_VMAMBA_DEFAULTS: Omit<LocalVMambaConfig, 'directions'> = {
  family: 'local_vmamba',
  numClasses: 1000,
  patchSize: 4,
  inChannels: 3,
  dims: [96, 192, 384, 768],
  depths: [2, 2, 9, 2],
  dState: 16,
  ssmRatio: 2,
  dtRank: 'auto',
  act: 'silu',
  ssmConv: 3,
  ssmConvBias: true,
  patchNorm: true,
  dropPathRate: 0.2,
  reverseMode: 'exact',
  spatialAttention: false,
  simpleInit: false,
};

const copy = (d: readonly (readonly string[])[]) => d.map((l) => [...l]);

/**
 * Official LocalVMamba presets (hunto/LocalMamba `local_vmamba.py` registry). Drop-path rates are the registry
 * defaults (0.2 for the final models, 0.1 for the supernets); they only matter for training.
 */
export const LOCAL_VMAMBA_PRESETS: Readonly<Record<string, LocalVMambaConfig>> = Object.freeze({
  local_vssm_tiny: {
    ...LOCAL_VMAMBA_DEFAULTS,
    dims: [96, 192, 384, 768],
    depths: [2, 2, 9, 2],
    directions: copy(LOCAL_VSSM_TINY_DIRECTIONS),
    dropPathRate: 0.2,
  },
  local_vssm_small: {
    ...LOCAL_VMAMBA_DEFAULTS,
    dims: [96, 192, 384, 768],
    depths: [2, 2, 27, 2],
    directions: copy(LOCAL_VSSM_SMALL_DIRECTIONS),
    dropPathRate: 0.2,
  },
  local_vssm_tiny_search: { ...LOCAL_VMAMBA_DEFAULTS, dims: [32, 64, 128, 256], depths: [2, 2, 9, 2], directions: null, dropPathRate: 0.1 },
  local_vssm_small_search: {
    ...LOCAL_VMAMBA_DEFAULTS,
    dims: [32, 64, 128, 256],
    depths: [2, 2, 27, 2],
    directions: null,
    dropPathRate: 0.1,
  },
});
