import test from 'tape';
import { referenceBackward, referenceForward64, type ScanProblemLike } from '../src/reference.js';
import type { BackendGrads } from '../src/types.js';
import { type ProblemSpec, randomDout, randomProblem } from './cpu-helpers.js';

type Field = 'u' | 'delta' | 'A' | 'B' | 'C' | 'D' | 'z' | 'deltaBias';
const GRAD_OF: Record<Field, keyof BackendGrads> = {
  u: 'du',
  delta: 'ddelta',
  A: 'dA',
  B: 'dB',
  C: 'dC',
  D: 'dD',
  z: 'dz',
  deltaBias: 'ddeltaBias',
};

/** The problem with every array copied to float64, so that finite differences are taken in double precision. */
function toFloat64(spec: ProblemSpec): ScanProblemLike {
  const p = randomProblem(spec);
  const f64 = (x: Float32Array | undefined) => (x ? Float64Array.from(x) : undefined);
  return {
    ...p,
    u: f64(p.u)!,
    delta: f64(p.delta)!,
    A: f64(p.A)!,
    B: f64(p.B)!,
    C: f64(p.C)!,
    D: f64(p.D),
    z: f64(p.z),
    deltaBias: f64(p.deltaBias),
  };
}

function loss(p: ScanProblemLike, dout: ArrayLike<number>): number {
  const { out } = referenceForward64(p);
  let s = 0;
  for (let i = 0; i < out.length; i++) s += out[i] * dout[i];
  return s;
}

const SPECS: ProblemSpec[] = [
  { batch: 2, dim: 4, length: 6, dstate: 3, groups: 2, seed: 21 },
  { batch: 1, dim: 3, length: 5, dstate: 2, groups: 1, z: false, softplus: false, seed: 22 },
  { batch: 1, dim: 2, length: 4, dstate: 1, groups: 2, D: false, bias: false, seed: 23 },
];

test('cpu-f64 gradients match float64 central finite differences of sum(out * dout)', (t) => {
  const h = 1e-6;
  for (const spec of SPECS) {
    const p = toFloat64(spec);
    const dout = Float64Array.from(randomDout(randomProblem(spec), 5));
    const grads = referenceBackward(p, undefined, dout);
    for (const field of Object.keys(GRAD_OF) as Field[]) {
      const x = p[field] as Float64Array | undefined;
      const g = grads[GRAD_OF[field]];
      if (!x) {
        t.equal(g, undefined, `${field} not given, so no gradient`);
        continue;
      }
      let worst = 0;
      let where = '';
      for (let i = 0; i < x.length; i++) {
        const keep = x[i];
        x[i] = keep + h;
        const up = loss(p, dout);
        x[i] = keep - h;
        const down = loss(p, dout);
        x[i] = keep;
        const fd = (up - down) / (2 * h);
        const err = Math.abs(fd - g![i]) / (1 + Math.abs(fd));
        if (err > worst) {
          worst = err;
          where = `[${i}] finite difference ${fd}, analytic ${g![i]}`;
        }
      }
      t.ok(worst < 1e-6, `${JSON.stringify(spec)} d${field}: worst relative error ${worst.toExponential(2)} ${where}`);
    }
  }
  t.end();
});
