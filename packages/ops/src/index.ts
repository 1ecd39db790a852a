export {
  type AnyKernelFn,
  type Backend,
  CPU_BACKEND,
  findBackend,
  getBackend,
  type KernelEvent,
  lastServedBy,
  listBackends,
  listOps,
  registerBackend,
  registerKernel,
  removeBackend,
  runKernel,
  servingBackend,
  setKernelObserver,
  setBackend,
  unregisterKernel,
  WASM_BACKEND,
  withBackend,
} from './registry.js';
export { type ReadyOptions, ready, type WasmBackendStatus, wasmBackendStatus } from './wasm/status.js';
export { isResident, persist, pinWeights, withScratch } from './wasm/scope.js';
export type {
  Activation,
  CpuKernelFn,
  InterpolationMode,
  KernelAttrs,
  KernelFn,
  KernelInputs,
  KernelOutput,
  OpName,
  OpSignatures,
  Pair,
} from './signatures.js';
export { linear, matmul } from './ops/linear.js';
export { type Conv2dOptions, conv1dCausal, conv2d } from './ops/conv.js';
export { layerNorm, layerNorm2d, rmsNorm } from './ops/norms.js';
export { gelu, relu, type SoftplusOptions, sigmoid, silu, softmax, softplus } from './ops/activations.js';
export { type AvgPool2dOptions, adaptiveAvgPool2d, avgPool2d } from './ops/pooling.js';
export { INTERPOLATION_MODES, type InterpolateOptions, interpolate } from './ops/interpolate.js';
export { concat, type PadOptions, pad, patchMerging2d, split, stack } from './ops/shape-ops.js';
export { applyRope } from './ops/rope.js';
export {
  ACTIVATIONS,
  addLayerNorm,
  addRmsNorm,
  type FusedOptions,
  fusedConv1dCausal,
  fusedConv2d,
  fusedLinear,
  layerNormLinear,
  mulSilu,
} from './ops/fused.js';
export { type RopeTableOptions, ropeTables } from './rope-tables.js';
export { erf, erfc } from './cpu/erf.js';
export { gemm, type MatrixView, naiveGemm } from './cpu/gemm.js';
