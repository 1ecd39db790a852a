import { ArgumentError, Tensor, UnknownNameError } from '@vssm/core';
import test from 'tape';
import {
  CPU_BACKEND,
  WASM_BACKEND,
  findBackend,
  gelu,
  type KernelEvent,
  getBackend,
  lastServedBy,
  listBackends,
  listOps,
  registerBackend,
  registerKernel,
  relu,
  removeBackend,
  runKernel,
  servingBackend,
  setBackend,
  setKernelObserver,
  sigmoid,
  silu,
  unregisterKernel,
  withBackend,
} from '../src/index.js';

const x = Tensor.fromArray([-2, -0.5, 0, 0.5, 2]);
// read when this file is imported, before any test has switched backends
const initial = getBackend();

test('registry: wasm is the default backend; cpu has every op and serves the ones wasm lacks', (t) => {
  t.equal(initial, WASM_BACKEND, 'the default backend');
  for (const op of ['matmul', 'linear', 'conv2d', 'conv1dCausal', 'layerNorm', 'gelu', 'interpolate', 'fusedLinear', 'mulSilu']) {
    t.ok(listOps().includes(op), `listOps has ${op}`);
    t.equal(
      withBackend(WASM_BACKEND, () => servingBackend(op)),
      WASM_BACKEND,
      `${op} served by wasm`,
    );
    t.equal(
      withBackend(CPU_BACKEND, () => servingBackend(op)),
      CPU_BACKEND,
      `${op} served by cpu when cpu is selected`,
    );
  }
  for (const op of ['patchMerging2d', 'pad', 'softmax']) {
    t.equal(
      withBackend(WASM_BACKEND, () => servingBackend(op)),
      CPU_BACKEND,
      `${op}: no wasm kernel, cpu serves`,
    );
  }
  withBackend(WASM_BACKEND, () => relu(x));
  t.equal(lastServedBy('relu'), CPU_BACKEND, 'a 5-element relu is declined by wasm and served by cpu');
  withBackend(CPU_BACKEND, () => relu(Tensor.zeros([4096])));
  t.equal(lastServedBy('relu'), CPU_BACKEND, 'cpu selected: cpu serves');
  t.end();
});

test('registry: a backend with one kernel serves that op and falls back to cpu for the rest', (t) => {
  let calls = 0;
  registerKernel('relu', 'test-one', ({ x: input }) => {
    calls++;
    return input.map(() => 42);
  });
  t.ok(listBackends().includes('test-one'), 'backend created by registerKernel');
  t.deepEqual([...findBackend('test-one').kernels.keys()], ['relu']);
  setBackend('test-one');
  try {
    t.equal(getBackend(), 'test-one');
    t.equal(servingBackend('relu'), 'test-one');
    t.equal(servingBackend('sigmoid'), CPU_BACKEND);
    t.deepEqual(relu(x).toArray(), [42, 42, 42, 42, 42], 'the test kernel ran');
    t.equal(calls, 1);
    t.equal(lastServedBy('relu'), 'test-one');
    const s = sigmoid(x).toArray() as number[];
    t.ok(Math.abs(s[2] - 0.5) < 1e-7, 'sigmoid still computed by cpu');
    t.equal(lastServedBy('sigmoid'), CPU_BACKEND);
  } finally {
    setBackend(initial);
    removeBackend('test-one');
  }
  t.deepEqual(relu(x).toArray(), [0, 0, 0, 0.5, 2], 'cpu relu again after switching back');
  t.end();
});

test('registry: a kernel that declines (returns undefined) falls back to cpu', (t) => {
  registerKernel('silu', 'test-decline', ({ x: input }) => (input.size > 3 ? undefined : input.map(() => -1)));
  withBackend('test-decline', () => {
    const big = silu(x).toArray() as number[];
    t.ok(Math.abs(big[4] - 2 / (1 + Math.exp(-2))) < 1e-6, 'large input declined, cpu result');
    t.equal(lastServedBy('silu'), CPU_BACKEND);
    t.deepEqual(silu(Tensor.fromArray([1, 2])).toArray(), [-1, -1], 'small input served by the test backend');
    t.equal(lastServedBy('silu'), 'test-decline');
  });
  t.equal(getBackend(), initial, 'withBackend restored the previous backend');
  removeBackend('test-decline');
  t.end();
});

test('registry: withBackend restores the previous backend when fn throws', (t) => {
  registerBackend('test-throw');
  t.throws(
    () =>
      withBackend('test-throw', () => {
        throw new Error('boom');
      }),
    /boom/,
  );
  t.equal(getBackend(), initial);
  removeBackend('test-throw');
  t.end();
});

test('registry: unknown backend or op names are UnknownNameError listing the known ones', (t) => {
  t.throws(
    () => setBackend('nope'),
    (e: unknown) => e instanceof UnknownNameError && /known: .*cpu/.test(e.message) && e.requested === 'nope',
  );
  t.throws(
    () => runKernel('noSuchOp', {}, {}),
    (e: unknown) => e instanceof UnknownNameError && /noSuchOp/.test(e.message) && /conv2d/.test(e.message),
  );
  t.throws(() => servingBackend('noSuchOp'), UnknownNameError);
  t.throws(
    () => registerKernel('noSuchOp', 'test-x', () => undefined),
    (e: unknown) => e instanceof UnknownNameError && e.kind === 'op',
  );
  t.notOk(listBackends().includes('test-x'), 'a rejected registration creates no backend');
  t.throws(() => removeBackend('nope'), UnknownNameError);
  t.throws(() => findBackend('nope'), UnknownNameError);
  t.throws(() => unregisterKernel('relu', 'nope'), UnknownNameError);
  t.end();
});

test('registry: guards on the reference backend', (t) => {
  t.throws(() => removeBackend(CPU_BACKEND), ArgumentError);
  t.throws(() => unregisterKernel('relu', CPU_BACKEND), ArgumentError, 'built-in cpu kernels stay');
  t.throws(() => registerKernel('relu', '', () => undefined), ArgumentError);
  t.throws(() => registerKernel('relu', 'test-bad', 42 as never), ArgumentError);
  t.end();
});

test('registry: a custom op is introduced on cpu, then other backends may implement it', (t) => {
  registerKernel('double', CPU_BACKEND, ({ x: input }: { x: Tensor }) => input.mul(2));
  t.ok(listOps().includes('double'));
  t.deepEqual((runKernel('double', { x }, {}) as Tensor).toArray(), [-4, -1, 0, 1, 4]);
  registerKernel('double', 'test-custom', ({ x: input }: { x: Tensor }) => input.mul(0).add(7));
  t.throws(() => unregisterKernel('double', CPU_BACKEND), ArgumentError, 'cannot remove a reference another backend relies on');
  withBackend('test-custom', () => {
    t.deepEqual((runKernel('double', { x }, {}) as Tensor).toArray(), [7, 7, 7, 7, 7]);
    t.equal(lastServedBy('double'), 'test-custom');
  });
  unregisterKernel('double', 'test-custom');
  unregisterKernel('double', CPU_BACKEND);
  t.notOk(listOps().includes('double'));
  removeBackend('test-custom');
  t.end();
});

test('registry: removing the active backend resets to cpu', (t) => {
  registerBackend('test-active');
  setBackend('test-active');
  removeBackend('test-active');
  t.equal(getBackend(), CPU_BACKEND);
  setBackend(initial);
  t.end();
});

test('registry: a kernel observer sees every dispatch with its backend and time', (t) => {
  const events: KernelEvent[] = [];
  const previous = setKernelObserver((e) => events.push(e));
  try {
    relu(Tensor.fromArray([-1, 2]));
    gelu(Tensor.fromArray([0.5]));
  } finally {
    setKernelObserver(previous);
  }
  t.deepEqual(
    events.map((e) => [e.op, e.backend]),
    [
      ['relu', 'cpu'],
      ['gelu', 'cpu'],
    ],
  );
  t.ok(
    events.every((e) => e.ms >= 0),
    'times are recorded',
  );
  relu(Tensor.fromArray([1]));
  t.equal(events.length, 2, 'removing the observer stops the events');
  t.end();
});
