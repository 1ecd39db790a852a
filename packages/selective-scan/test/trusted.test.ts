import { ArgumentError, NonFiniteError, ShapeError, Tensor } from '@vssm/core';
import test from 'tape';
import { selectiveScan, selectiveScanTrusted, toProblem } from '../src/index.js';
import type { SelectiveScanInputs } from '../src/types.js';

/** Valid inputs (batch 2, dim 4, length 5, dstate 3, groups 2). */
function inputs(): SelectiveScanInputs {
  const t = (shape: number[], f: (i: number) => number) =>
    Tensor.fromData(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)),
      shape,
    );
  return {
    u: t([2, 4, 5], (i) => Math.sin(i)),
    delta: t([2, 4, 5], (i) => 0.1 + 0.01 * (i % 7)),
    A: t([4, 3], (i) => -1 - i),
    B: t([2, 2, 3, 5], (i) => Math.cos(i)),
    C: t([2, 2, 3, 5], (i) => Math.sin(2 * i)),
    D: t([4], () => 1),
    z: t([2, 4, 5], (i) => Math.cos(3 * i)),
    deltaBias: t([4], () => 0.1),
    deltaSoftplus: true,
  };
}

async function error(run: () => Promise<unknown>): Promise<Error | undefined> {
  try {
    await run();
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

test('selectiveScanTrusted: same results as selectiveScan on every backend name it is given', async (t) => {
  for (const backend of ['cpu', 'cpu-f64']) {
    const a = await selectiveScan(inputs(), { backend });
    const b = await selectiveScanTrusted(inputs(), { backend });
    t.deepEqual(Array.from(b.out.contiguousData()), Array.from(a.out.contiguousData()), `${backend}: out`);
    t.deepEqual(Array.from(b.lastState.contiguousData()), Array.from(a.lastState.contiguousData()), `${backend}: lastState`);
  }
  t.end();
});

test('selectiveScanTrusted: still checks shapes and A, and a NaN that gets in is reported on the output', async (t) => {
  const bad = { ...inputs(), delta: Tensor.zeros([2, 4, 4]) };
  t.ok((await error(() => selectiveScanTrusted(bad))) instanceof ShapeError, 'shape mismatch → ShapeError');
  const growing = { ...inputs(), A: Tensor.ones([4, 3]) };
  t.ok((await error(() => selectiveScanTrusted(growing))) instanceof ArgumentError, 'A > 0 → ArgumentError');
  const nanA = { ...inputs(), A: Tensor.full([4, 3], Number.NaN) };
  t.ok((await error(() => selectiveScanTrusted(nanA))) instanceof NonFiniteError, 'NaN in A → NonFiniteError (A is still scanned)');
  const u = inputs().u.toFloat32Array();
  u[7] = Number.NaN;
  const nanU = { ...inputs(), u: Tensor.fromData(u, [2, 4, 5]) };
  const untrusted = await error(() => selectiveScan(nanU));
  t.ok(untrusted instanceof NonFiniteError && /'u'/.test(untrusted.message), `checked call names the input: ${untrusted?.message}`);
  const trusted = await error(() => selectiveScanTrusted(nanU));
  t.ok(trusted instanceof NonFiniteError && /trusted call/.test(trusted.message), `trusted call reports the output: ${trusted?.message}`);
  t.end();
});

test('toProblem trustFinite: skips only the element scans of u, delta, z, B and C', (t) => {
  const u = inputs().u.toFloat32Array();
  u[0] = Number.POSITIVE_INFINITY;
  const withInf = { ...inputs(), u: Tensor.fromData(u, [2, 4, 5]) };
  t.throws(() => toProblem(withInf), NonFiniteError, 'checked');
  t.equal(toProblem(withInf, { trustFinite: true }).u[0], Number.POSITIVE_INFINITY, 'trusted: passed through as given');
  const nanD = { ...inputs(), D: Tensor.full([4], Number.NaN) };
  t.throws(() => toProblem(nanD, { trustFinite: true }), NonFiniteError, 'D is still checked');
  t.end();
});
