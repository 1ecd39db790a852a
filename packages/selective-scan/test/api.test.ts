import { ArgumentError, allClose, Tensor } from '@vssm/core';
import test from 'tape';
import {
  backends,
  createCpuF64Backend,
  disposeBackends,
  registerBackend,
  type SelectiveScanBackend,
  selectiveScan,
  selectiveScanBackward,
  unregisterBackend,
} from '../src/index.js';
import { GPUJS_MODES } from '../src/gpujs/index.js';
import type { SelectiveScanInputs } from '../src/types.js';
import { randomDout, randomProblem } from './cpu-helpers.js';

function tensorInputs(opts: { grouped: boolean; optional: boolean }): SelectiveScanInputs {
  const p = randomProblem({
    batch: 2,
    dim: 6,
    length: 20,
    dstate: 4,
    groups: opts.grouped ? 2 : 1,
    seed: 31,
    z: opts.optional,
    D: opts.optional,
    bias: opts.optional,
  });
  const bc = opts.grouped ? [2, 2, 4, 20] : [2, 4, 20];
  return {
    u: Tensor.fromData(p.u, [2, 6, 20]),
    delta: Tensor.fromData(p.delta, [2, 6, 20]),
    A: Tensor.fromData(p.A, [6, 4]),
    B: Tensor.fromData(p.B, bc),
    C: Tensor.fromData(p.C, bc),
    D: p.D && Tensor.fromData(p.D, [6]),
    z: p.z && Tensor.fromData(p.z, [2, 6, 20]),
    deltaBias: p.deltaBias && Tensor.fromData(p.deltaBias, [6]),
    deltaSoftplus: true,
  };
}

test('backends() lists every built-in backend, highest priority first, with reasons', async (t) => {
  const list = await backends();
  const names = list.map((b) => b.name);
  for (const name of ['webgpu', 'cpu', 'cpu-f64', ...GPUJS_MODES.map((m) => `gpujs:${m}`)])
    t.ok(names.includes(name), `${name} is registered`);
  for (let i = 1; i < list.length; i++)
    t.ok(
      list[i - 1].priority >= list[i].priority,
      `${list[i - 1].name} (${list[i - 1].priority}) before ${list[i].name} (${list[i].priority})`,
    );
  for (const b of list) t.equal(typeof b.reason, 'string', `${b.name}: ${b.available ? 'available' : 'unavailable'} (${b.reason})`);
  const cpu = list.find((b) => b.name === 'cpu')!;
  t.match(cpu.reason, /^(wasm-simd, \d+ threads?|typescript)/, `cpu says which variant runs: ${cpu.reason}`);
  t.ok(list.findIndex((b) => b.name === 'cpu') < list.findIndex((b) => b.name === 'cpu-f64'), 'cpu ranks above cpu-f64');
});

test('the default backend is the available one with the highest priority, and results say which ran', async (t) => {
  const first = (await backends()).find((b) => b.available)!;
  const r = await selectiveScan(tensorInputs({ grouped: true, optional: true }));
  t.equal(r.backend, first.name, `default ran on ${r.backend}`);
  const g = await selectiveScanBackward(r.saved, Tensor.ones([2, 6, 20]));
  t.equal(g.backend, first.name, 'the backward runs on the forward backend');
});

test('API results equal the oracle, gradients come back in the input shapes (grouped and ungrouped B/C)', async (t) => {
  for (const grouped of [true, false]) {
    for (const optional of [true, false]) {
      const x = tensorInputs({ grouped, optional });
      const dout = Tensor.fromData(randomDout(randomProblem({ batch: 2, dim: 6, length: 20, dstate: 4, groups: 1 })), [2, 6, 20]);
      const fast = await selectiveScan(x, { backend: 'cpu' });
      const ref = await selectiveScan(x, { backend: 'cpu-f64' });
      t.equal(fast.backend, 'cpu');
      t.deepEqual(fast.lastState.shape, [2, 6, 4], 'lastState (batch, dim, dstate)');
      t.ok(allClose(fast.out, ref.out, { rtol: 1e-4, atol: 1e-4 }).ok, `grouped=${grouped} optional=${optional}: out matches cpu-f64`);
      const g = await selectiveScanBackward(fast.saved, dout);
      const gr = await selectiveScanBackward(ref.saved, dout);
      t.deepEqual(g.dB.shape, x.B.shape, `dB has B's shape ${JSON.stringify(x.B.shape)}`);
      t.deepEqual(g.dC.shape, x.C.shape, "dC has C's shape");
      t.deepEqual(g.dA.shape, [6, 4], 'dA (dim, dstate)');
      for (const k of ['dD', 'dz', 'ddeltaBias'] as const)
        t.equal(g[k] === undefined, !optional, `${k} ${optional ? 'present' : 'absent'}`);
      for (const k of ['du', 'ddelta', 'dA', 'dB', 'dC', 'dD', 'dz', 'ddeltaBias'] as const) {
        if (!g[k]) continue;
        const r = allClose(g[k]!, gr[k]!, { rtol: 1e-3, atol: 1e-3 });
        t.ok(r.ok, `${k}: ${r.message}`);
      }
    }
  }
});

test('registerBackend: third-party backends, priorities, duplicates, cached probes', async (t) => {
  let probes = 0;
  const oracle = createCpuF64Backend();
  const custom: SelectiveScanBackend = {
    name: 'test-custom',
    priority: 10_000,
    probe: async () => {
      probes++;
      return { available: true, reason: 'test double' };
    },
    forward: (p) => oracle.forward(p),
    backward: (p, f, d) => oracle.backward(p, f, d),
  };
  registerBackend(custom);
  try {
    const r = await selectiveScan(tensorInputs({ grouped: false, optional: false }));
    t.equal(r.backend, 'test-custom', 'a higher-priority third-party backend is chosen by default');
    await backends();
    await backends();
    t.equal(probes, 1, 'probed once, then cached');
    t.throws(() => registerBackend(custom), ArgumentError, 'a duplicate name is rejected');
    t.doesNotThrow(() => registerBackend({ ...custom, priority: -5 }, { replace: true }), 'replace: true replaces');
    const again = await selectiveScan(tensorInputs({ grouped: false, optional: false }));
    t.notEqual(again.backend, 'test-custom', 'after lowering its priority it is no longer the default');
    t.throws(
      () => registerBackend({ name: 'broken', priority: 1 } as unknown as SelectiveScanBackend),
      /has no probe\(\) method/,
      'incomplete backends are rejected',
    );
  } finally {
    t.ok(unregisterBackend('test-custom'), 'unregistered');
  }
});

test('disposeBackends stops the workers, and the cpu backend starts again on next use', async (t) => {
  await selectiveScan(tensorInputs({ grouped: true, optional: true }), { backend: 'cpu' });
  await disposeBackends();
  const r = await selectiveScan(tensorInputs({ grouped: true, optional: true }), { backend: 'cpu' });
  t.equal(r.backend, 'cpu', 'runs again after dispose');
  await disposeBackends();
});
