export { isKnownDirection, resolveDirections } from './directions.js';
export type { DtInitOptions } from './ssm-init.js';
export { MultiScanMambaMixer, type MultiScanMambaMixerOptions, type TokenGrid } from './mixer.js';
export { type BlockRope, LocalVimBlock, type LocalVimBlockForward, type LocalVimBlockOptions } from './block.js';
