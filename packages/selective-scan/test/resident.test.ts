import { ArgumentError, Rng, Tensor } from '@vssm/core';
import { currentScope, isResident, peekSharedRuntime, residentTensor, scopeAlloc, sharedRuntime, withScratch } from '@vssm/wasm';
import test from 'tape';
import { selectiveScan, selectiveScanBackward } from '../src/index.js';
import type { SelectiveScanInputs } from '../src/types.js';

const [batch, dim, length, dstate, groups] = [2, 8, 300, 16, 2];

function randomInputs(): SelectiveScanInputs {
  const rng = new Rng(7);
  const t = (shape: number[], scale = 1, shift = 0) =>
    Tensor.fromData(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => shift + scale * rng.normal()),
      shape,
    );
  return {
    u: t([batch, dim, length]),
    delta: t([batch, dim, length], 0.5),
    A: Tensor.fromData(
      Float32Array.from({ length: dim * dstate }, (_, i) => -1 - (i % dstate)),
      [dim, dstate],
    ),
    B: t([batch, groups, dstate, length]),
    C: t([batch, groups, dstate, length]),
    D: t([dim]),
    z: t([batch, dim, length]),
    deltaBias: t([dim], 0.1),
    deltaSoftplus: true,
  };
}

/** A copy of `x` in the current withScratch scope's wasm memory (what a wasm op's output is there). */
function residentCopy(x: Tensor): Tensor {
  const rt = peekSharedRuntime();
  const scope = rt && currentScope(rt);
  if (!scope) throw new Error('no scratch scope');
  const floats = x.size;
  const t = residentTensor(scope, scopeAlloc(scope, floats) as number, floats, x.shape);
  t.data.set(x.contiguousData());
  return t;
}

test('cpu backend inside withScratch: resident u, delta and z are read in place, the output stays resident, results are bit-identical', async (t) => {
  await sharedRuntime();
  const inputs = randomInputs();
  const plain = await selectiveScan(inputs, { backend: 'cpu' });
  t.notOk(isResident(plain.out), 'outside a scope the output is a JavaScript array');
  let saved: Awaited<ReturnType<typeof selectiveScan>>['saved'] | undefined;
  await withScratch(async () => {
    const scoped = { ...inputs, u: residentCopy(inputs.u), delta: residentCopy(inputs.delta), z: residentCopy(inputs.z as Tensor) };
    t.ok(isResident(scoped.u) && isResident(scoped.delta) && isResident(scoped.z), 'the inputs live in wasm memory');
    const r = await selectiveScan(scoped, { backend: 'cpu' });
    t.ok(isResident(r.out), 'the output lives in wasm memory');
    t.deepEqual(Array.from(r.out.contiguousData()), Array.from(plain.out.contiguousData()), 'out bit-identical');
    t.deepEqual(Array.from(r.lastState.contiguousData()), Array.from(plain.lastState.contiguousData()), 'lastState bit-identical');
    const dout = Tensor.ones([batch, dim, length]);
    const inside = await selectiveScanBackward(r.saved, dout);
    const reference = await selectiveScanBackward(plain.saved, dout);
    t.deepEqual(
      Array.from(inside.du.contiguousData()),
      Array.from(reference.du.contiguousData()),
      'backward inside the scope: du bit-identical',
    );
    saved = r.saved;
  });
  try {
    await selectiveScanBackward(saved as NonNullable<typeof saved>, Tensor.ones([batch, dim, length]));
    t.fail('a backward after the scope ended must throw');
  } catch (e) {
    t.ok(e instanceof ArgumentError, `a backward after the scope ended throws ArgumentError: ${(e as Error).message}`);
    t.match((e as Error).message, /selectiveScanBackward.*withScratch/, 'the message names the call and the scope rule');
  }
});
