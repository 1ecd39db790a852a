export {
  HEAP_BASE,
  type Kernel,
  type LoadedModule,
  type RunOptions,
  type RuntimeOptions,
  type SyncMode,
  type WasmModuleSource,
  WasmRuntime,
} from './runtime.js';
export { peekSharedRuntime, sharedRuntime, sharedRuntimeSync, shutdownSharedRuntime } from './shared.js';
export { decodeBase64, hardwareThreads, hardwareThreadsSync, sharedMemoryStatus } from './features.js';
export {
  assertAlive,
  currentScope,
  isResident,
  noteBuffer,
  persist,
  pin,
  residentAddress,
  residentTensor,
  type ScratchScope,
  scopeAlloc,
  scratchLimits,
  withScratch,
} from './scope.js';
