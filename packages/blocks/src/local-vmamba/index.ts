export { LocalScanMerge, type LocalScanMergeOptions } from './scan-merge.js';
export { SS2D, type SS2DOptions, type SsmActivation } from './ss2d.js';
export { PatchMerging2D, VSSBlock, type VSSBlockOptions } from './vss-block.js';
