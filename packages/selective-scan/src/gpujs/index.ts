// Placeholder until the gpu.js backend lands; replaced by its implementation.
import type { SelectiveScanBackend } from '../types.js';

export const GPUJS_MODES = ['webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'] as const;
export type GpujsMode = (typeof GPUJS_MODES)[number];

export function createGpujsBackend(mode: GpujsMode): SelectiveScanBackend {
  const reason = 'gpu.js backend not built yet';
  const fail = async (): Promise<never> => {
    throw new Error(reason);
  };
  return { name: `gpujs:${mode}`, priority: 10, probe: async () => ({ available: false, reason }), forward: fail, backward: fail };
}
