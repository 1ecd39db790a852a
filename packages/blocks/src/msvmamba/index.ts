export { Linear2d } from './linear2d.js';
export { MS2D, type MS2DOptions, type MSVMambaBranch } from './ms2d.js';
export { MSVSSBlock, type MSVSSBlockOptions } from './vss-block.js';
export { MSVPatchMerging2D, msvConvDownsample } from './downsample.js';
export { msvPatchEmbedV1, msvPatchEmbedV2 } from './stem.js';
export { initStackedSsm } from './ssm-init.js';
