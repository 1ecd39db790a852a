export { createGpujsBackend, GPUJS_MODES, type GpujsBackend, type GpujsBackendOptions, type GpujsMode } from './backend.js';
export { GpujsPlan, flatten, type ExecutorReport, type PlanShape } from './plan.js';
export { KERNEL_FUNCTIONS } from './kernels.js';
