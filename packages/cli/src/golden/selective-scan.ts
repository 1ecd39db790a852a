import { type SafetensorsFile, type Tensor, WeightFileError } from '@vssm/core';
import { disposeBackends, selectiveScan, selectiveScanBackward } from '@vssm/selective-scan';
import type { GoldenRunOptions } from './kinds.js';

interface CaseMeta {
  name?: string;
  delta_softplus?: boolean;
}

const GRADS: Array<[input: string, field: 'du' | 'ddelta' | 'dA' | 'dB' | 'dC' | 'dD' | 'dz' | 'ddeltaBias']> = [
  ['u', 'du'],
  ['delta', 'ddelta'],
  ['A', 'dA'],
  ['B', 'dB'],
  ['C', 'dC'],
  ['D', 'dD'],
  ['z', 'dz'],
  ['delta_bias', 'ddeltaBias'],
];

/**
 * Runs every case of a `selective_scan` golden file: `caseK.out`, `caseK.last_state` and `caseK.grad.<input>`
 * (gradients of sum(out · caseK.dout)) for each input the case has.
 */
export async function runSelectiveScanGolden(file: SafetensorsFile, options: GoldenRunOptions): Promise<Map<string, Tensor>> {
  let cases: CaseMeta[];
  try {
    cases = JSON.parse(file.metadata.cases ?? '');
  } catch {
    throw new WeightFileError(file.file, "selective_scan golden file has no valid JSON '__metadata__.cases' list");
  }
  if (!Array.isArray(cases)) throw new WeightFileError(file.file, "'__metadata__.cases' is not a list");
  const results = new Map<string, Tensor>();
  try {
    for (let k = 0; k < cases.length; k++) {
      const name = cases[k]?.name ?? `case${k}`;
      const get = (x: string) => (file.has(`${name}.${x}`) ? file.get(`${name}.${x}`) : undefined);
      const need = (x: string) => {
        const t = get(x);
        if (!t) throw new WeightFileError(file.file, `case '${name}' has no tensor '${name}.${x}'`);
        return t;
      };
      const t0 = performance.now();
      const fwd = await selectiveScan(
        {
          u: need('u'),
          delta: need('delta'),
          A: need('A'),
          B: need('B'),
          C: need('C'),
          D: get('D'),
          z: get('z'),
          deltaBias: get('delta_bias'),
          deltaSoftplus: cases[k]?.delta_softplus === true,
        },
        { backend: options.backend },
      );
      results.set(`${name}.out`, fwd.out);
      results.set(`${name}.last_state`, fwd.lastState);
      const grads = await selectiveScanBackward(fwd.saved, need('dout'));
      for (const [input, field] of GRADS) {
        const g = grads[field];
        if (file.has(`${name}.${input}`) && g) results.set(`${name}.grad.${input}`, g);
      }
      options.log(`${name}: ${fwd.backend}, ${(performance.now() - t0).toFixed(1)} ms`);
    }
  } finally {
    await disposeBackends();
  }
  return results;
}
