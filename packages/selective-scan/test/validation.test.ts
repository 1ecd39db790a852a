import { ArgumentError, BackendUnavailableError, NonFiniteError, ShapeError, Tensor, UnknownNameError } from '@vssm/core';
import test from 'tape';
import {
  createCpuBackend,
  registerBackend,
  type SavedScan,
  selectiveScan,
  selectiveScanBackward,
  unregisterBackend,
} from '../src/index.js';
import { randomProblem, validInputs } from './cpu-helpers.js';
import type { SelectiveScanInputs } from '../src/types.js';

async function rejects(t: test.Test, what: string, run: () => Promise<unknown>, type: new (...args: never[]) => Error, pattern: RegExp) {
  try {
    await run();
    t.fail(`${what}: no error`);
  } catch (e) {
    t.ok(e instanceof type, `${what}: ${type.name} (got ${(e as Error).name})`);
    t.match((e as Error).message, pattern, `${what}: message "${(e as Error).message}"`);
  }
}

test('valid inputs run on cpu-f64 and cpu', async (t) => {
  for (const backend of ['cpu-f64', 'cpu']) {
    const r = await selectiveScan(validInputs(), { backend });
    t.equal(r.backend, backend, `${backend} ran`);
    t.deepEqual(r.out.shape, [2, 4, 5]);
  }
});

test('bad shapes are ShapeErrors naming the tensor and shapes', async (t) => {
  const cases: Array<[string, (x: SelectiveScanInputs) => void, RegExp]> = [
    ['u of rank 2', (x) => (x.u = Tensor.zeros([4, 5])), /u must be \(batch, dim, length\), got \[4, 5\]/],
    ['delta of another length', (x) => (x.delta = Tensor.zeros([2, 4, 6])), /delta \[2, 4, 6\] must have the shape of u \[2, 4, 5\]/],
    ['z of another batch', (x) => (x.z = Tensor.zeros([1, 4, 5])), /z \[1, 4, 5\]/],
    ['A with the wrong dim', (x) => (x.A = Tensor.zeros([5, 3])), /A must be \(dim, dstate\) = \(4, N\), got \[5, 3\]/],
    [
      'dstate 0',
      (x) => {
        x.A = Tensor.zeros([4, 0]);
        x.B = Tensor.zeros([2, 2, 0, 5]);
        x.C = Tensor.zeros([2, 2, 0, 5]);
      },
      /dstate .* must be >= 1/,
    ],
    ['B with the wrong length', (x) => (x.B = Tensor.zeros([2, 2, 3, 4])), /B \[2, 2, 3, 4\] must be \(2, G, 3, 5\)/],
    ['C with the wrong dstate', (x) => (x.C = Tensor.zeros([2, 2, 2, 5])), /C \[2, 2, 2, 5\]/],
    ['B and C with different groups', (x) => (x.C = Tensor.zeros([2, 1, 3, 5])), /same number of groups/],
    [
      'dim not divisible by groups',
      (x) => {
        x.B = Tensor.zeros([2, 3, 3, 5]);
        x.C = Tensor.zeros([2, 3, 3, 5]);
      },
      /dim 4 is not divisible by the 3 groups/,
    ],
    ['constant B', (x) => (x.B = Tensor.zeros([4, 3])), /constant B \[4, 3\] .* is not supported/],
    ['D of the wrong length', (x) => (x.D = Tensor.zeros([3])), /D must be \(dim\) = \(4\), got \[3\]/],
    ['deltaBias of rank 2', (x) => (x.deltaBias = Tensor.zeros([4, 1])), /deltaBias must be \(dim\)/],
    [
      'empty length',
      (x) => {
        x.u = Tensor.zeros([2, 4, 0]);
        x.delta = Tensor.zeros([2, 4, 0]);
      },
      /must have batch, dim and length >= 1/,
    ],
  ];
  for (const [what, mutate, pattern] of cases) {
    const x = validInputs();
    mutate(x);
    await rejects(t, what, () => selectiveScan(x, { backend: 'cpu' }), ShapeError, pattern);
  }
});

test('non-finite inputs are NonFiniteErrors naming the tensor and index', async (t) => {
  for (const [name, value] of [
    ['u', Number.NaN],
    ['delta', Number.POSITIVE_INFINITY],
    ['A', Number.NaN],
    ['B', Number.NEGATIVE_INFINITY],
    ['C', Number.NaN],
    ['D', Number.NaN],
    ['z', Number.NaN],
    ['deltaBias', Number.NaN],
  ] as const) {
    const x = validInputs();
    const tensor = x[name] as Tensor;
    tensor.data[tensor.data.length - 1] = value;
    await rejects(
      t,
      `${value} in ${name}`,
      () => selectiveScan(x),
      NonFiniteError,
      new RegExp(`'${name}' has a non-finite value ${value}`),
    );
  }
});

test('growth: A > 0, or a negative step with softplus off, is rejected unless allowed', async (t) => {
  const x = validInputs();
  x.A.data[4] = 0.5;
  await rejects(t, 'A > 0', () => selectiveScan(x), ArgumentError, /A\[1, 1\] = 0.5 > 0; A must be <= 0 .* overflows float32/);
  const ok = await selectiveScan(x, { allowGrowth: true, backend: 'cpu' });
  t.equal(ok.out.shape.length, 3, 'allowGrowth runs A > 0');

  const y = validInputs();
  y.deltaSoftplus = false;
  y.delta.data[7] = -0.5;
  await rejects(
    t,
    'negative delta + bias with softplus off',
    () => selectiveScan(y),
    ArgumentError,
    /delta\[0, 1, 2\] \+ deltaBias = -0\.\d+ < 0 with deltaSoftplus off/,
  );
  y.deltaSoftplus = true;
  t.ok((await selectiveScan(y)).out, 'the same delta is fine with softplus on');

  const z = validInputs();
  z.A.data.fill(30);
  z.delta.data.fill(5);
  z.deltaSoftplus = false;
  await rejects(
    t,
    'an overflowing state',
    () => selectiveScan(z, { allowGrowth: true, backend: 'cpu' }),
    NonFiniteError,
    /overflowed float32/,
  );
});

test('unknown and unavailable backends', async (t) => {
  await rejects(
    t,
    'unknown backend',
    () => selectiveScan(validInputs(), { backend: 'tpu' }),
    UnknownNameError,
    /unknown selective-scan backend 'tpu'; known: .*cpu-f64/,
  );
  registerBackend({
    name: 'test-unavailable',
    priority: 1000,
    probe: async () => ({ available: false, reason: 'needs a quantum computer' }),
    forward: async () => {
      throw new Error('unreachable');
    },
    backward: async () => {
      throw new Error('unreachable');
    },
  });
  try {
    await rejects(
      t,
      'unavailable backend',
      () => selectiveScan(validInputs(), { backend: 'test-unavailable' }),
      BackendUnavailableError,
      /'test-unavailable' is not available: needs a quantum computer/,
    );
    const r = await selectiveScan(validInputs());
    t.notEqual(r.backend, 'test-unavailable', `an unavailable backend is never chosen by default (chose ${r.backend})`);
  } finally {
    unregisterBackend('test-unavailable');
  }
});

test('backward input checks', async (t) => {
  const r = await selectiveScan(validInputs(), { backend: 'cpu' });
  await rejects(
    t,
    'dout of the wrong shape',
    () => selectiveScanBackward(r.saved, Tensor.zeros([2, 4, 4])),
    ShapeError,
    /dout \[2, 4, 4\] must have the output's shape \[2, 4, 5\]/,
  );
  const bad = Tensor.zeros([2, 4, 5]);
  bad.data[3] = Number.NaN;
  await rejects(
    t,
    'NaN in dout',
    () => selectiveScanBackward(r.saved, bad),
    NonFiniteError,
    /'dout' has a non-finite value NaN at \[0, 0, 3\]/,
  );
  await rejects(
    t,
    'not a saved scan',
    () => selectiveScanBackward({} as SavedScan, Tensor.zeros([2, 4, 5])),
    ArgumentError,
    /saved must be/,
  );
  await rejects(
    t,
    'a non-tensor input',
    () => selectiveScan({ ...validInputs(), u: [1, 2, 3] as unknown as Tensor }),
    ArgumentError,
    /'u' must be a Tensor/,
  );
  await rejects(
    t,
    'a non-boolean softplus flag',
    () => selectiveScan({ ...validInputs(), deltaSoftplus: 'yes' as unknown as boolean }),
    ArgumentError,
    /deltaSoftplus must be a boolean/,
  );
});

test('a problem larger than the WebAssembly memory is an ArgumentError, not a crash', async (t) => {
  const small = createCpuBackend({ kernel: 'wasm', threads: 1, memoryLimit: 4 * 1024 * 1024 });
  const p = randomProblem({ batch: 1, dim: 64, length: 8192, dstate: 1, groups: 1 });
  await rejects(
    t,
    'too large for 4 MiB',
    () => small.forward(p),
    ArgumentError,
    /\(1, 64, 8192, 1\) does not fit in WebAssembly memory .*split the batch/,
  );
  const fits = randomProblem({ batch: 1, dim: 4, length: 64, dstate: 1, groups: 1 });
  t.equal((await small.forward(fits)).out.length, 4 * 64, 'a small problem still runs on the same backend');
  await small.dispose?.();
});
