export { type ScanIndex, rowMajorIndex, columnMajorIndex, windowIndex, flippedIndex } from './scan-index.js';
export {
  ALL_DIRECTIONS,
  CROSS_SCAN_DIRECTIONS,
  MULTI_SCALE_LOW_DIRECTIONS,
  BUILTIN_DIRECTION_NAMES,
  parseBuiltinDirection,
  type BuiltinDirection,
  type ParsedBuiltin,
} from './directions.js';
export { registerDirection, unregisterDirection, customDirections, type DirectionGenerator, type RegisterOptions } from './registry.js';
export {
  scanIndex,
  reverseIndex,
  configureScanIndexCache,
  scanIndexCacheInfo,
  clearScanIndexCache,
  type Direction,
  type ReverseIndex,
  type ReverseIndexOptions,
  type ReverseMode,
} from './resolve.js';
export type { CacheInfo, CacheLimits } from './index-cache.js';
export { MAX_SCAN_TOKENS } from './limits.js';
export type { TokenLayout } from './layout.js';
export { scan, reverse, type ScanOptions, type ReverseOptions } from './scan.js';
export { scanMany, reverseMany, mergeMany } from './scan-many.js';
export { crossScan, crossMerge, type CrossMergeOptions } from './cross-scan.js';
export {
  multiScaleIndex,
  multiScaleOrders,
  multiScaleScan,
  multiScaleMerge,
  lowResolutionGrid,
  segmentedIndex,
  type SegmentedIndex,
  type MultiScaleMergeOptions,
} from './multi-scale.js';
export { toSVG, type SvgOptions, type SvgColors, type Drawable } from './svg/svg.js';
