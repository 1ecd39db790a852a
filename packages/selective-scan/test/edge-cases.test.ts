import test from 'tape';
import { referenceBackward, referenceForward } from '../src/reference.js';
import type { BackendGrads, ScanProblem } from '../src/types.js';
import {
  closeGradient,
  closeOutput,
  cpuVariants,
  describe,
  gradShapes,
  type ProblemSpec,
  randomDout,
  randomProblem,
} from './cpu-helpers.js';

// A covering set rather than the full product: every L, N, G and optional input appears, with chunk boundaries
// (default chunk: 256 steps at N = 16, 1024 at N <= 4), partial four-channel blocks (dim/G not a multiple of 4)
// and dstate not a multiple of 4.
const SPECS: ProblemSpec[] = [
  { batch: 2, dim: 8, length: 1, dstate: 1, groups: 1 },
  { batch: 1, dim: 8, length: 7, dstate: 4, groups: 2, z: false },
  { batch: 2, dim: 16, length: 128, dstate: 16, groups: 4, softplus: false, bias: false },
  { batch: 1, dim: 4, length: 2049, dstate: 4, groups: 1, z: false, D: false },
  { batch: 1, dim: 16, length: 3136, dstate: 1, groups: 4, z: false },
  { batch: 1, dim: 8, length: 3136, dstate: 16, groups: 1 },
  { batch: 1, dim: 6, length: 50, dstate: 4, groups: 2, seed: 3 },
  { batch: 2, dim: 10, length: 33, dstate: 5, groups: 1, seed: 4 },
  { batch: 1, dim: 8, length: 40, dstate: 17, groups: 2, softplus: false, seed: 5 },
  { batch: 1, dim: 4, length: 255, dstate: 16, groups: 1, seed: 6 },
  { batch: 1, dim: 4, length: 256, dstate: 16, groups: 1, seed: 7 },
  { batch: 1, dim: 4, length: 257, dstate: 16, groups: 1, seed: 8 },
  { batch: 1, dim: 4, length: 1023, dstate: 1, groups: 1, seed: 9 },
  { batch: 1, dim: 4, length: 1024, dstate: 2, groups: 1, seed: 10, z: false },
  { batch: 1, dim: 4, length: 1025, dstate: 1, groups: 1, seed: 11 },
];

function check(
  t: test.Test,
  label: string,
  p: ScanProblem,
  fwd: { out: Float32Array; lastState: Float32Array },
  grads: BackendGrads,
  ref: { fwd: ReturnType<typeof referenceForward>; grads: BackendGrads },
) {
  const o = closeOutput(fwd.out, ref.fwd.out, [p.batch, p.dim, p.length]);
  t.ok(o.ok, `${label} out: ${o.message}`);
  const s = closeOutput(fwd.lastState, ref.fwd.lastState, [p.batch, p.dim, p.dstate]);
  t.ok(s.ok, `${label} lastState: ${s.message}`);
  const shapes = gradShapes(p);
  for (const key of Object.keys(shapes) as Array<keyof BackendGrads>) {
    const e = ref.grads[key];
    const a = grads[key];
    if (!e) {
      t.equal(a, undefined, `${label} ${key} absent like the reference's`);
      continue;
    }
    t.ok(a, `${label} ${key} present`);
    if (!a) continue;
    const r = closeGradient(a, e, shapes[key]);
    t.ok(r.ok, `${label} ${key}: ${r.message}`);
  }
}

test('cpu variants match cpu-f64 on edge cases (outputs rtol=atol=1e-4, gradients 1e-3)', async (t) => {
  const variants = cpuVariants();
  for (const spec of SPECS) {
    const p = randomProblem(spec);
    const dout = randomDout(p);
    const refFwd = referenceForward(p);
    const ref = { fwd: refFwd, grads: referenceBackward(p, refFwd, dout) };
    for (const { label, backend } of variants) {
      const fwd = await backend.forward(p);
      check(t, `${label} ${describe(spec)}`, p, fwd, await backend.backward(p, fwd, dout), ref);
    }
  }
  for (const v of variants) await v.backend.dispose?.();
});

test('softplus threshold and extreme steps: delta + bias from -30 to 40', async (t) => {
  const p = randomProblem({ batch: 1, dim: 8, length: 64, dstate: 4, groups: 1, seed: 12 });
  for (let i = 0; i < p.delta.length; i++) p.delta[i] = -30 + (70 * i) / p.delta.length;
  for (let i = 0; i < p.A.length; i++) p.A[i] = -0.05 * (1 + (i % 4));
  const dout = randomDout(p);
  const refFwd = referenceForward(p);
  const ref = { fwd: refFwd, grads: referenceBackward(p, refFwd, dout) };
  const variants = cpuVariants();
  for (const { label, backend } of variants) {
    const fwd = await backend.forward(p);
    check(t, `${label} extreme delta`, p, fwd, await backend.backward(p, fwd, dout), ref);
    await backend.dispose?.();
  }
});
