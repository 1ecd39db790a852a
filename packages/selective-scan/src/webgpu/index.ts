export { createWebgpuBackend, type WebgpuBackend, type WebgpuBackendOptions } from './backend.js';
export {
  WebgpuScanner,
  resolveLaunch,
  chunkKernelBytes,
  WORKGROUP_BYTES,
  type DeviceForward,
  type DeviceGrads,
  type DeviceScanInputs,
  type DeviceScanParams,
  type GpuArray,
  type GpuView,
  type LaunchConfig,
  type LaunchOptions,
} from './scanner.js';
export { type ScanDims, type ChunkPlan, type PackedLayout, packedLayout, paramsBlock, SEGMENT_ALIGN } from './layout.js';
export { forwardShader, variantKey, type ScanVariant } from './wgsl-forward.js';
export { chunkBackwardShader, gateShader, groupBackwardShader, groupShape, reduceShader, type GroupShape } from './wgsl-backward.js';
export { sharedDevice, probeAdapter, ensureNavigatorGpu, type SharedDevice } from './context.js';
export { WebGPUBufferResult, WebGPUContext } from './gpujs-interop.js';
