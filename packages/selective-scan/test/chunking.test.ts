import fc from 'fast-check';
import test from 'tape';
import { createCpuBackend } from '../src/cpu/backend.js';
import { defaultChunkSize } from '../src/cpu/layout.js';
import type { BackendForward, BackendGrads, ScanProblem } from '../src/types.js';
import { randomDout, randomProblem } from './cpu-helpers.js';

function firstDifference(a: Float32Array | undefined, b: Float32Array | undefined): string | undefined {
  if (!a || !b) return a === b ? undefined : 'present in one result only';
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
}

function compareAll(f1: BackendForward, g1: BackendGrads, f2: BackendForward, g2: BackendGrads): string | undefined {
  const pairs: Array<[string, Float32Array | undefined, Float32Array | undefined]> = [
    ['out', f1.out, f2.out],
    ['lastState', f1.lastState, f2.lastState],
    ...(['du', 'ddelta', 'dA', 'dB', 'dC', 'dD', 'dz', 'ddeltaBias'] as const).map(
      (k): [string, Float32Array | undefined, Float32Array | undefined] => [k, g1[k], g2[k]],
    ),
  ];
  for (const [name, a, b] of pairs) {
    const d = firstDifference(a, b);
    if (d) return `${name} differs at ${d}`;
  }
  return undefined;
}

const problems = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  groups: fc.integer({ min: 1, max: 3 }),
  perGroup: fc.integer({ min: 1, max: 6 }),
  length: fc.integer({ min: 1, max: 70 }),
  dstate: fc.integer({ min: 1, max: 9 }),
  z: fc.boolean(),
  softplus: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  chunk: fc.integer({ min: 1, max: 80 }),
});

// The backward recomputes each chunk from the stored float32 state at its start, which is exactly the state a
// sequential pass holds there, so any chunk size gives bit-identical results to one chunk spanning the sequence.
for (const kernel of ['wasm', 'ts'] as const) {
  test(`chunked equals sequential, bit for bit (${kernel} kernel, property test)`, async (t) => {
    const sequential = createCpuBackend({ kernel, threads: 1, chunkSize: 1 << 20 });
    let runs = 0;
    const result = await fc.check(
      fc.asyncProperty(problems, async (s) => {
        const p: ScanProblem = randomProblem({ ...s, dim: s.groups * s.perGroup });
        const dout = randomDout(p, s.seed + 1);
        const chunked = createCpuBackend({ kernel, threads: 1, chunkSize: s.chunk });
        const f1 = await chunked.forward(p);
        const g1 = await chunked.backward(p, f1, dout);
        const f2 = await sequential.forward(p);
        const g2 = await sequential.backward(p, f2, dout);
        runs++;
        const diff = compareAll(f1, g1, f2, g2);
        if (diff) throw new Error(`chunk ${s.chunk}, ${JSON.stringify(s)}: ${diff}`);
      }),
      { numRuns: 60, seed: 20240611 },
    );
    t.notOk(
      result.failed,
      result.failed ? (fc.defaultReportMessage(result) ?? 'property failed') : `${runs} random problems and chunk sizes`,
    );
    t.ok(runs >= 60, 'every generated problem was checked');
    await sequential.dispose?.();
  });
}

test('multi-threaded wasm equals single-threaded on the forward, and agrees to rounding on the backward', async (t) => {
  const p = randomProblem({ batch: 2, dim: 24, length: 300, dstate: 16, groups: 2, seed: 99 });
  const dout = randomDout(p);
  const one = createCpuBackend({ kernel: 'wasm', threads: 1 });
  const three = createCpuBackend({ kernel: 'wasm', threads: 3, minWorkPerThread: 1 });
  t.match((await three.probe()).reason ?? '', /3 threads/, 'three participants');
  const f1 = await one.forward(p);
  const f3 = await three.forward(p);
  t.equal(firstDifference(f1.out, f3.out), undefined, 'out identical');
  t.equal(firstDifference(f1.lastState, f3.lastState), undefined, 'lastState identical');
  const g1 = await one.backward(p, f1, dout);
  const g3 = await three.backward(p, f3, dout);
  // per-channel results do not depend on the partition; dB and dC are summed over channels in another order
  for (const k of ['du', 'ddelta', 'dz', 'dA', 'dD', 'ddeltaBias'] as const)
    t.equal(firstDifference(g1[k], g3[k]), undefined, `${k} identical`);
  for (const k of ['dB', 'dC'] as const) {
    let worst = 0;
    for (let i = 0; i < g1[k].length; i++) worst = Math.max(worst, Math.abs(g1[k][i] - g3[k][i]) / (1 + Math.abs(g1[k][i])));
    t.ok(worst < 1e-5, `${k} equal up to summation order (worst relative difference ${worst.toExponential(2)})`);
  }
  const again = await three.backward(p, f3, dout);
  t.equal(firstDifference(g3.dB, again.dB), undefined, 'the static partition makes the multi-threaded dB reproducible');
  await one.dispose?.();
  await three.dispose?.();
});

test('default chunk sizes: chunk · dstate ≈ 4096 within [64, 1024]', (t) => {
  t.equal(defaultChunkSize(1), 1024);
  t.equal(defaultChunkSize(4), 1024);
  t.equal(defaultChunkSize(16), 256);
  t.equal(defaultChunkSize(256), 64);
  t.end();
});
