import type { LocalVimConfig } from './config.js';

/** Per-layer directions of LocalVim-T (searched; `local_vim_tiny` and the middle-cls variant). */
export const LOCAL_VIM_TINY_DIRECTIONS: readonly (readonly string[])[] = [
  ['h', 'v_flip', 'w7', 'w7_flip'],
  ['h_flip', 'w2_flip', 'w7', 'w7_flip'],
  ['h', 'h_flip', 'v', 'w7'],
  ['h', 'h_flip', 'v', 'v_flip'],
  ['h', 'h_flip', 'v', 'v_flip'],
  ['h', 'h_flip', 'v', 'v_flip'],
  ['h_flip', 'v', 'v_flip', 'w7'],
  ['h_flip', 'v', 'v_flip', 'w2_flip'],
  ['h', 'h_flip', 'v', 'v_flip'],
  ['h', 'h_flip', 'v', 'v_flip'],
  ['h', 'v', 'v_flip', 'w2'],
  ['h', 'v', 'v_flip', 'w2_flip'],
  ['h', 'h_flip', 'v_flip', 'w7'],
  ['h_flip', 'v', 'v_flip', 'w2'],
  ['h', 'h_flip', 'v', 'v_flip'],
  ['h', 'v', 'w2', 'w2_flip'],
  ['v', 'v_flip', 'w2', 'w7'],
  ['h', 'h_flip', 'v', 'w2'],
  ['h', 'h_flip', 'w2_flip', 'w7'],
  ['v', 'v_flip', 'w2', 'w2_flip'],
];

/**
 * `local_vim_small` as the official registry builds it: `local_vim.py` defines `local_vim_small` twice and the
 * second definition wins, with the unsearched list (h, h_flip, w2, w2_flip) in every layer (the paper's
 * LocalVim-S* configuration). The paper and the downstream configs assume the searched LocalVim-T list instead,
 * which `LOCAL_VIM_TINY_DIRECTIONS` holds; check a LocalVim-S checkpoint against its training log before trusting
 * either. This preset follows the registry (and reference/models.json).
 */
export const LOCAL_VIM_SMALL_DIRECTIONS: readonly (readonly string[])[] = Array.from({ length: 20 }, () => [
  'h',
  'h_flip',
  'w2',
  'w2_flip',
]);

/** What a LocalVim config leaves out defaults to (`local_vim_tiny` without its directions). */
export const LOCAL_VIM_DEFAULTS: Omit<LocalVimConfig, 'directions'> = {
  family: 'local_vim',
  numClasses: 1000,
  imgSize: [224, 224],
  patchSize: 16,
  inChannels: 3,
  embedDim: 192,
  depth: 20,
  dState: 16,
  dConv: 4,
  expand: 2,
  dtRank: 'auto',
  convBias: true,
  projBias: false,
  norm: 'rms',
  normEps: 1e-5,
  absPosEmbed: true,
  rope: true,
  ropeResidual: true,
  ropePtSeqLen: 14,
  clsToken: 'none',
  pool: 'mean',
  dropPathRate: 0.1,
  reverseMode: 'exact',
  spatialAttention: false,
};

const copy = (d: readonly (readonly string[])[]) => d.map((l) => [...l]);

/** Official LocalVim presets (names as in hunto/LocalMamba's timm registry). */
export const LOCAL_VIM_PRESETS: Readonly<Record<string, LocalVimConfig>> = Object.freeze({
  local_vim_tiny: { ...LOCAL_VIM_DEFAULTS, embedDim: 192, directions: copy(LOCAL_VIM_TINY_DIRECTIONS) },
  local_vim_tiny_middle_cls_token: {
    ...LOCAL_VIM_DEFAULTS,
    embedDim: 192,
    directions: copy(LOCAL_VIM_TINY_DIRECTIONS),
    rope: false,
    ropeResidual: false,
    clsToken: 'middle',
  },
  local_vim_small: { ...LOCAL_VIM_DEFAULTS, embedDim: 384, directions: copy(LOCAL_VIM_SMALL_DIRECTIONS) },
  local_vim_tiny_search: { ...LOCAL_VIM_DEFAULTS, embedDim: 128, directions: null },
});
