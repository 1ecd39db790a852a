export { SCAttn, type SCAttnOptions } from './scattn.js';
export { ScanMerge, type ScanMergeOptions, searchMerge, sumBranches } from './scan-merge.js';
