import { Module, Tensor } from '@vssm/core';
import test from 'tape';
import { isResident, linear, pinWeights, withScratch } from '../src/index.js';
import { wasmOps } from '../src/wasm/context.js';

/** y = x·Wᵀ + b, with a persistent buffer that the forward ignores. */
class Affine extends Module {
  constructor() {
    super();
    this.registerParameter('weight', Tensor.randn([64, 48], 1));
    this.registerParameter('bias', Tensor.randn([64], 2));
    this.registerBuffer('count', Tensor.zeros([1]));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.param('weight'), this.param('bias'));
  }
}

test('pinWeights: parameters and buffers move into wasm memory, forwards are unchanged, writes and loads are seen', async (t) => {
  t.ok(wasmOps()?.rt.shared, 'the wasm backend runs on shared memory here');
  const m = new Affine();
  const x = Tensor.randn([32, 48], 3);
  const before = m.forward(x).contiguousData().slice();
  const originalWeight = m.param('weight');
  t.ok(pinWeights(m), 'pinned');
  const weight = m.param('weight');
  t.ok(isResident(weight) && isResident(m.param('bias')) && isResident(m.buffer('count')), 'every tensor lives in wasm memory');
  t.notEqual(weight, originalWeight, 'the module holds new tensor objects');
  t.deepEqual(Array.from(weight.contiguousData()), Array.from(originalWeight.contiguousData()), 'with the same values');
  t.deepEqual(Array.from(m.forward(x).contiguousData()), Array.from(before), 'the forward gives bit-identical results');
  const inScope = await withScratch(() => m.forward(x));
  t.deepEqual(Array.from(inScope.contiguousData()), Array.from(before), 'also inside withScratch');

  t.ok(pinWeights(m), 'a second call succeeds');
  t.equal(m.param('weight'), weight, 'and changes nothing: the pinned tensors are kept');

  weight.data[0] += 1;
  const after = m.forward(x).contiguousData();
  const expected = linear(x, Tensor.fromData(weight.contiguousData().slice(), weight.shape), m.param('bias')).contiguousData();
  t.deepEqual(Array.from(after), Array.from(expected), 'a write into the pinned weight is what the next forward uses');

  const fresh = new Affine();
  m.loadStateDict(fresh.stateDict());
  t.notOk(isResident(m.param('weight')), 'loadStateDict replaces the pinned tensors');
  pinWeights(m);
  t.ok(isResident(m.param('weight')), 'and pinning again moves the loaded ones');
  t.deepEqual(Array.from(m.forward(x).contiguousData()), Array.from(fresh.forward(x).contiguousData()), 'the loaded weights are used');
});

test('pinWeights: a scratch-scope output is copied, not kept (it would expire with its scope)', async (t) => {
  const m = new Affine();
  await withScratch(async () => {
    const scoped = linear(Tensor.randn([64, 64], 4), Tensor.randn([48, 64], 5));
    t.ok(isResident(scoped), 'a scope output');
    m.loadStateDict(new Map([...m.stateDict()].map(([k, v]) => [k, k === 'weight' ? scoped : v])));
    pinWeights(m);
    t.notEqual(m.param('weight').data, scoped.data, 'the pinned weight is a copy');
  });
  const w = m.param('weight');
  t.ok(isResident(w), 'that outlives the scope');
  t.doesNotThrow(() => m.forward(Tensor.randn([2, 48], 6)), 'and stays usable after it');
});
