import test from 'tape';
import { goldenClose, loadSafetensors, Tensor } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import { referenceBackward, referenceForward } from '../src/reference.js';
import type { ScanProblem } from '../src/types.js';

test('cpu-f64 reference matches every golden selective-scan case (forward and gradients)', async (t) => {
  const f = await loadSafetensors(goldenFile('selective-scan.safetensors'));
  const cases = JSON.parse(f.metadata.cases) as Array<Record<string, unknown>>;
  t.ok(cases.length > 0, `${cases.length} cases`);
  for (let k = 0; k < cases.length; k++) {
    const name = `case${k}`;
    const get = (x: string) => (f.has(`${name}.${x}`) ? f.get(`${name}.${x}`) : undefined);
    const u = get('u')!;
    const Bm = get('B')!;
    const [batch, dim, length] = u.shape;
    const [, groups, dstate] = Bm.shape;
    const p: ScanProblem = {
      batch, dim, length, dstate, groups,
      u: u.contiguousData(), delta: get('delta')!.contiguousData(), A: get('A')!.contiguousData(),
      B: Bm.contiguousData(), C: get('C')!.contiguousData(), D: get('D')?.contiguousData(), z: get('z')?.contiguousData(),
      deltaBias: get('delta_bias')?.contiguousData(), deltaSoftplus: cases[k].delta_softplus === true,
    };
    const fwd = referenceForward(p);
    const r = goldenClose(new Tensor(fwd.out, u.shape), get('out')!);
    t.ok(r.ok, `${name} out: ${r.message}`);
    const ls = goldenClose(new Tensor(fwd.lastState, [batch, dim, dstate]), get('last_state')!);
    t.ok(ls.ok, `${name} last_state: ${ls.message}`);
    const g = referenceBackward(p, fwd, get('dout')!.contiguousData());
    const pairs: Array<[string, Float32Array | undefined]> = [
      ['u', g.du], ['delta', g.ddelta], ['A', g.dA], ['B', g.dB], ['C', g.dC], ['D', g.dD], ['z', g.dz], ['delta_bias', g.ddeltaBias],
    ];
    for (const [input, grad] of pairs) {
      const expected = get(`grad.${input}`);
      if (!expected) continue;
      const rg = goldenClose(new Tensor(grad!, expected.shape), expected, 'gradient');
      t.ok(rg.ok, `${name} grad.${input}: ${rg.message}`);
    }
  }
});
