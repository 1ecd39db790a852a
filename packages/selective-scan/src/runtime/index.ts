export {
  WasmRuntime,
  HEAP_BASE,
  type Kernel,
  type LoadedModule,
  type RunOptions,
  type RuntimeOptions,
  type SyncMode,
  type WasmModuleSource,
} from './runtime.js';
export { sharedRuntime, shutdownSharedRuntime } from './shared.js';
export { sharedMemoryStatus, hardwareThreads, decodeBase64 } from './features.js';
