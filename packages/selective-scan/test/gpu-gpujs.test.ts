// gpujs:<mode> backends in Node: cpu and webasm run every golden and edge case; the other modes must say why they
// cannot run here; kernels survive tsx; chunking does not change results.
import { ArgumentError } from '@vssm/core';
import fc from 'fast-check';
import test from 'tape';
import { createGpujsBackend, GPUJS_MODES, type GpujsMode, KERNEL_FUNCTIONS } from '../src/gpujs/index.js';
import { referenceForward } from '../src/reference.js';
import { assertReports, compareForward, compareGrads, edgeCases, goldenCases, randomProblem, referenceCase } from './gpu-cases.js';

test('gpujs kernels: no __name helper injected by tsx/esbuild in any kernel source, every body flat', (t) => {
  const names = Object.keys(KERNEL_FUNCTIONS);
  t.ok(names.length >= 20, `${names.length} kernel functions`);
  for (const [name, fn] of Object.entries(KERNEL_FUNCTIONS)) {
    const src = String(fn);
    t.notOk(src.includes('__name'), `${name}: no __name in its source`);
    t.notOk(/=>|function\s*\w*\s*\(/.test(src.slice(src.indexOf('{'))), `${name}: no nested function or arrow in its body`);
  }
  t.end();
});

test('gpujs probes in Node: cpu and webasm run; browser-only modes say why not', async (t) => {
  for (const mode of GPUJS_MODES) {
    const be = createGpujsBackend(mode);
    const s = await be.probe();
    t.equal(be.name, `gpujs:${mode}`, `name of ${mode}`);
    t.ok(typeof s.reason === 'string' && s.reason.length > 0, `gpujs:${mode}: ${s.available ? 'available' : 'unavailable'} (${s.reason})`);
    if (mode === 'cpu' || mode === 'webasm') t.ok(s.available, `${mode} runs in Node`);
    if (mode === 'webgl' || mode === 'webgl2') t.notOk(s.available, `${mode} needs a browser`);
    if (!s.available) {
      const p = randomProblem(
        { batch: 1, dim: 1, length: 2, dstate: 1, groups: 1, z: false, D: false, bias: false, softplus: false },
        1,
      ).problem;
      await be.forward(p).then(
        () => t.fail(`${mode}: forward ran although the probe said unavailable`),
        (e: Error) =>
          t.equal((e as { code?: string }).code, 'ERR_BACKEND_UNAVAILABLE', `${mode}: forward rejects with BackendUnavailableError`),
      );
    }
    await be.dispose?.();
  }
});

test('gpujs: bad modes and options are typed errors', (t) => {
  t.throws(() => createGpujsBackend('vulkan' as GpujsMode), ArgumentError, 'unknown mode');
  t.throws(() => createGpujsBackend('cpu', { chunk: 0 }), ArgumentError, 'chunk 0');
  t.throws(() => createGpujsBackend('cpu', { chunk: 2.5 }), ArgumentError, 'fractional chunk');
  t.end();
});

for (const mode of ['cpu', 'webasm'] as const) {
  test(`gpujs:${mode}: every golden case and the edge set, forward and all gradients (golden tolerance)`, async (t) => {
    const be = createGpujsBackend(mode);
    const cases = [...(await goldenCases()), ...edgeCases()];
    t.ok(cases.length >= 11, `${cases.length} cases`);
    for (const c of cases) {
      const f = await be.forward(c.problem);
      t.equal(be.lastExecutor?.backend, mode, `${c.name}: forward ran on ${be.lastExecutor?.backend} (${be.lastExecutor?.executorKind})`);
      assertReports(t, `gpujs:${mode} ${c.name}`, compareForward(c, f));
      const g = await be.backward(c.problem, f, c.dout);
      t.equal(be.lastExecutor?.backend, mode, `${c.name}: backward ran on ${be.lastExecutor?.backend} (${be.lastExecutor?.executorKind})`);
      assertReports(t, `gpujs:${mode} ${c.name}`, compareGrads(c, g));
    }
    await be.dispose();
  });
}

test('gpujs:cpu chunk boundaries: chunks of 1, 3, 16 and one chunk (the sequential recurrence) agree with the reference', async (t) => {
  const c = referenceCase(
    'L=37 N=4 G=2',
    { batch: 2, dim: 4, length: 37, dstate: 4, groups: 2, z: true, D: true, bias: true, softplus: true },
    5,
  );
  for (const chunk of [1, 3, 16, 37, 64]) {
    const be = createGpujsBackend('cpu', { chunk });
    const f = await be.forward(c.problem);
    assertReports(t, `chunk ${chunk}`, compareForward(c, f));
    assertReports(t, `chunk ${chunk}`, compareGrads(c, await be.backward(c.problem, f, c.dout)));
    await be.dispose();
  }
});

test('gpujs:cpu batch slicing: a tiny state budget splits the batch without changing the result', async (t) => {
  const c = referenceCase('B=3', { batch: 3, dim: 2, length: 20, dstate: 4, groups: 1, z: false, D: true, bias: true, softplus: true }, 6);
  const be = createGpujsBackend('cpu', { maxStateElements: 1, chunk: 4 });
  const f = await be.forward(c.problem);
  assertReports(t, 'sliced', compareForward(c, f));
  assertReports(t, 'sliced', compareGrads(c, await be.backward(c.problem, f, c.dout)));
  await be.dispose();
});

test('gpujs:cpu property: random shapes, flags and chunk sizes match the fp64 forward', async (t) => {
  const be = new Map<number, ReturnType<typeof createGpujsBackend>>();
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        batch: fc.integer({ min: 1, max: 2 }),
        perGroup: fc.integer({ min: 1, max: 3 }),
        groups: fc.integer({ min: 1, max: 2 }),
        length: fc.integer({ min: 1, max: 40 }),
        dstate: fc.integer({ min: 1, max: 5 }),
        z: fc.boolean(),
        D: fc.boolean(),
        bias: fc.boolean(),
        softplus: fc.boolean(),
        chunk: fc.integer({ min: 1, max: 9 }),
        seed: fc.integer({ min: 0, max: 1 << 30 }),
      }),
      async (s) => {
        runs++;
        const { problem } = randomProblem({ ...s, dim: s.perGroup * s.groups }, s.seed);
        let b = be.get(s.chunk);
        if (!b) {
          b = createGpujsBackend('cpu', { chunk: s.chunk, maxPlans: 64 });
          be.set(s.chunk, b);
        }
        const f = await b.forward(problem);
        const ref = referenceForward(problem);
        const [out] = compareForward(
          { name: 'p', problem, dout: new Float32Array(0), expected: { out: ref.out, lastState: ref.lastState, grads: {} as never } },
          f,
        );
        return out.ok;
      },
    ),
    { numRuns: 25, seed: 42 },
  );
  t.equal(runs, 25, 'fast-check ran 25 random problems, all within the golden tolerance');
  for (const b of be.values()) await b.dispose();
});
