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
