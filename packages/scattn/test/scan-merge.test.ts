import { ArgumentError, allClose, ShapeError, Tensor } from '@vssm/core';
import fc from 'fast-check';
import test from 'tape';
import { ScanMerge, searchMerge, sumBranches } from '../src/index.js';

function layerNormRef(x: Tensor): Tensor {
  const [B, L, E] = x.shape;
  const out = Tensor.zeros(x.shape);
  for (let b = 0; b < B; b++)
    for (let l = 0; l < L; l++) {
      let mu = 0;
      for (let e = 0; e < E; e++) mu += x.get(b, l, e);
      mu /= E;
      let v = 0;
      for (let e = 0; e < E; e++) v += (x.get(b, l, e) - mu) ** 2;
      v /= E;
      for (let e = 0; e < E; e++) out.set((x.get(b, l, e) - mu) / Math.sqrt(v + 1e-5), b, l, e);
    }
  return out;
}

test('ScanMerge (final models): plain sum, no parameters', (t) => {
  const merge = new ScanMerge(3);
  t.deepEqual(merge.stateDictShapes(), []);
  const xs = [0, 1, 2].map((k) => Tensor.randn([2, 4, 6], k));
  const r = allClose(merge.forward(xs), xs[0].add(xs[1]).add(xs[2]), { rtol: 0, atol: 0 });
  t.ok(r.ok, r.message);
  t.deepEqual([...merge.branchWeights()], [1, 1, 1]);
  t.end();
});

test('ScanMerge (search): weights (K,1,1,1) ~ 1e-3·N(0,1) and Σ softmax(α)_k · LN_noaffine(x_k)', (t) => {
  const merge = new ScanMerge(8, { search: true, rng: 5 });
  t.deepEqual(merge.stateDictShapes(), [['weights', [8, 1, 1, 1]]]);
  const alpha0 = merge.param('weights');
  t.ok(alpha0.abs().max().item() < 1e-2, 'α starts near 0');
  const alpha = Tensor.fromArray([0.3, -1.2, 0.05, 2, 0, -0.4, 0.9, 1.1]).reshape([8, 1, 1, 1]);
  merge.loadStateDict({ weights: alpha });
  const xs = Array.from({ length: 8 }, (_, k) => Tensor.randn([2, 5, 12], 100 + k, k * 0.3, 1 + k));
  const e = alpha.contiguousData();
  const z = [...e].reduce((s, v) => s + Math.exp(v), 0);
  let expected = Tensor.zeros([2, 5, 12]);
  for (let k = 0; k < 8; k++) expected = expected.add(layerNormRef(xs[k]).mul(Math.exp(e[k]) / z));
  const r = allClose(merge.forward(xs), expected, { rtol: 1e-5, atol: 1e-6 });
  t.ok(r.ok, r.message);
  const w = merge.branchWeights();
  t.ok(Math.abs(w.reduce((s, v) => s + v, 0) - 1) < 1e-6, 'softmax weights sum to 1');
  t.end();
});

test('searchMerge: equal α gives the mean of normalised branches; a dominant α selects its branch', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 2, max: 5 }), (seed, K) => {
      const xs = Array.from({ length: K }, (_, k) => Tensor.randn([1, 3, 8], seed + k, 0, 3));
      const equal = searchMerge(xs, Tensor.zeros([K, 1, 1, 1]));
      const mean = xs
        .map(layerNormRef)
        .reduce((a, b) => a.add(b))
        .div(K);
      const peaked = Tensor.zeros([K, 1, 1, 1]);
      peaked.set(60, K - 1, 0, 0, 0);
      const sel = searchMerge(xs, peaked);
      return allClose(equal, mean, { rtol: 1e-4, atol: 1e-5 }).ok && allClose(sel, layerNormRef(xs[K - 1]), { rtol: 1e-4, atol: 1e-5 }).ok;
    }),
    { numRuns: 30 },
  );
  t.pass('equal and one-hot α behave as expected');
  t.end();
});

test('ScanMerge rejects wrong branch counts, mismatched shapes and non-finite α', (t) => {
  const merge = new ScanMerge(2);
  t.throws(() => merge.forward([Tensor.zeros([1, 2, 3])]), ArgumentError);
  t.throws(() => merge.forward([Tensor.zeros([1, 2, 3]), Tensor.zeros([1, 3, 3])]), ShapeError);
  t.throws(() => sumBranches([]), ArgumentError);
  t.throws(() => new ScanMerge(0), ArgumentError);
  const alpha = Tensor.fromArray([0, Number.NaN]);
  t.throws(() => searchMerge([Tensor.zeros([1, 1, 2]), Tensor.zeros([1, 1, 2])], alpha), /NaN/);
  t.end();
});
