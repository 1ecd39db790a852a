export type { ForwardOptions } from './forward-options.js';
export {
  negExp,
  projectSequence,
  type SsmWeights,
  selectiveSsm,
  slotWeights,
  type StackedSsmWeights,
  stackedSelectiveSsm,
} from './ssm.js';
export { type SectionEvent, type SectionObserver, section, sectionAsync, setSectionObserver } from './profile.js';
export {
  gatherRowsStack,
  gatherTokensStacks,
  mergeGated,
  mergeSearch,
  type StackKernelMode,
  setStackKernels,
  stackKernelMode,
  stackWasmUnavailableReason,
  tokenMeans,
} from './stack-wasm.js';
export { type DirectionStack, directionStack, type OrderKind } from './direction-stack.js';
