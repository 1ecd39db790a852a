export {
  SavedScan,
  selectiveScan,
  selectiveScanBackward,
  selectiveScanTrusted,
  type SelectiveScanGrads,
  type SelectiveScanResult,
} from './api.js';
export { createCpuF64Backend } from './backends/cpu-f64.js';
export { type CpuBackendOptions, type CpuVariant, createCpuBackend } from './cpu/backend.js';
export { defaultChunkSize } from './cpu/layout.js';
export type { ScanPhases } from './cpu/wasm-kernel.js';
export { referenceBackward, referenceForward } from './reference.js';
export {
  type BackendInfo,
  backends,
  disposeBackends,
  getBackend,
  probeBackend,
  registerBackend,
  resolveBackend,
  unregisterBackend,
} from './registry.js';
export {
  type Kernel,
  type LoadedModule,
  type RunOptions,
  type RuntimeOptions,
  type SyncMode,
  sharedRuntime,
  shutdownSharedRuntime,
  type WasmModuleSource,
  WasmRuntime,
} from '@vssm/wasm';
export type {
  BackendForward,
  BackendGrads,
  BackendStatus,
  ScanProblem,
  SelectiveScanBackend,
  SelectiveScanInputs,
  SelectiveScanOptions,
} from './types.js';
export { toProblem } from './validate.js';
export { hardwareThreads } from '@vssm/wasm';
export { createGpujsBackend, GPUJS_MODES, type GpujsBackend, type GpujsBackendOptions, type GpujsMode } from './gpujs/index.js';
export {
  createWebgpuBackend,
  type DeviceForward,
  type DeviceGrads,
  type DeviceScanInputs,
  type DeviceScanParams,
  type GpuArray,
  type LaunchOptions,
  resolveLaunch,
  type WebgpuBackend,
  type WebgpuBackendOptions,
  WebgpuScanner,
} from './webgpu/index.js';
