// Placeholder until the WGSL backend lands; replaced by its implementation.
import type { SelectiveScanBackend } from '../types.js';

export function createWebgpuBackend(): SelectiveScanBackend {
  const reason = 'WebGPU backend not built yet';
  const fail = async (): Promise<never> => {
    throw new Error(reason);
  };
  return { name: 'webgpu', priority: 100, probe: async () => ({ available: false, reason }), forward: fail, backward: fail };
}
