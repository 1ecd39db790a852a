import { ArgumentError, NonFiniteError, ShapeError, Tensor } from '@vssm/core';
import test from 'tape';
import { selectiveScan, selectiveScanTrusted, toProblem } from '../src/index.js';
import { validInputs } from './cpu-helpers.js';

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
    const a = await selectiveScan(validInputs(), { backend });
    const b = await selectiveScanTrusted(validInputs(), { backend });
    t.deepEqual(Array.from(b.out.contiguousData()), Array.from(a.out.contiguousData()), `${backend}: out`);
    t.deepEqual(Array.from(b.lastState.contiguousData()), Array.from(a.lastState.contiguousData()), `${backend}: lastState`);
  }
  t.end();
});

test('selectiveScanTrusted: still checks shapes and A, and a NaN that gets in is reported on the output', async (t) => {
  const bad = { ...validInputs(), delta: Tensor.zeros([2, 4, 4]) };
  t.ok((await error(() => selectiveScanTrusted(bad))) instanceof ShapeError, 'shape mismatch → ShapeError');
  const growing = { ...validInputs(), A: Tensor.ones([4, 3]) };
  t.ok((await error(() => selectiveScanTrusted(growing))) instanceof ArgumentError, 'A > 0 → ArgumentError');
  const nanA = { ...validInputs(), A: Tensor.full([4, 3], Number.NaN) };
  t.ok((await error(() => selectiveScanTrusted(nanA))) instanceof NonFiniteError, 'NaN in A → NonFiniteError (A is still scanned)');
  const u = validInputs().u.toFloat32Array();
  u[7] = Number.NaN;
  const nanU = { ...validInputs(), u: Tensor.fromData(u, [2, 4, 5]) };
  const untrusted = await error(() => selectiveScan(nanU));
  t.ok(untrusted instanceof NonFiniteError && /'u'/.test(untrusted.message), `checked call names the input: ${untrusted?.message}`);
  const trusted = await error(() => selectiveScanTrusted(nanU));
  t.ok(trusted instanceof NonFiniteError && /trusted call/.test(trusted.message), `trusted call reports the output: ${trusted?.message}`);
  t.end();
});

test('toProblem trustFinite: skips only the element scans of u, delta, z, B and C', (t) => {
  const u = validInputs().u.toFloat32Array();
  u[0] = Number.POSITIVE_INFINITY;
  const withInf = { ...validInputs(), u: Tensor.fromData(u, [2, 4, 5]) };
  t.throws(() => toProblem(withInf), NonFiniteError, 'checked');
  t.equal(toProblem(withInf, { trustFinite: true }).u[0], Number.POSITIVE_INFINITY, 'trusted: passed through as given');
  const nanD = { ...validInputs(), D: Tensor.full([4], Number.NaN) };
  t.throws(() => toProblem(nanD, { trustFinite: true }), NonFiniteError, 'D is still checked');
  t.end();
});
