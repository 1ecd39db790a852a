import { referenceBackward, referenceForward } from '../reference.js';
import type { SelectiveScanBackend } from '../types.js';

/** The float64 oracle (src/reference.ts) as a backend: always available, slow, the reference for every test. */
export function createCpuF64Backend(): SelectiveScanBackend {
  return {
    name: 'cpu-f64',
    priority: 0,
    probe: async () => ({ available: true, reason: 'float64 reference in JavaScript (slow; the oracle for tests)' }),
    forward: async (p) => referenceForward(p),
    backward: async (p, forward, dout) => referenceBackward(p, forward, dout),
  };
}
