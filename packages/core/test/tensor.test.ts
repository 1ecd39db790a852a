import test from 'tape';
import { allClose, Rng, ShapeError, Tensor } from '@vssm/core';

test('creation: zeros, ones, full, arange, fromArray', (t) => {
  t.deepEqual(Tensor.zeros([2, 3]).toArray(), [[0, 0, 0], [0, 0, 0]]);
  t.deepEqual(Tensor.ones([2]).toArray(), [1, 1]);
  t.deepEqual(Tensor.full([1, 2], 7).toArray(), [[7, 7]]);
  t.deepEqual(Tensor.arange(4).toArray(), [0, 1, 2, 3]);
  t.deepEqual(Tensor.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
  const x = Tensor.fromArray([[1, 2], [3, 4], [5, 6]]);
  t.deepEqual(x.shape, [3, 2]);
  t.equal(x.get(2, 1), 6);
  t.equal(x.get(-1, -2), 5);
  t.throws(() => Tensor.fromArray([[1, 2], [3]]), ShapeError, 'ragged arrays are rejected');
  t.throws(() => Tensor.fromData([1, 2, 3], [2, 2]), ShapeError);
  t.throws(() => Tensor.zeros([2, -1]), /invalid size/);
  t.end();
});

test('seeded RNG is reproducible and roughly standard normal', (t) => {
  const a = Tensor.randn([1000], 42);
  const b = Tensor.randn([1000], 42);
  t.deepEqual(a.toArray(), b.toArray(), 'same seed, same values');
  t.notDeepEqual(a.toArray(), Tensor.randn([1000], 43).toArray(), 'other seed, other values');
  const m = a.mean().item();
  const v = a.sub(m).pow(2).mean().item();
  t.ok(Math.abs(m) < 0.1, `mean ${m} near 0`);
  t.ok(Math.abs(v - 1) < 0.15, `variance ${v} near 1`);
  const u = Tensor.rand([1000], new Rng(1), -2, 3).contiguousData();
  t.ok(u.every((x) => x >= -2 && x < 3), 'uniform in range');
  t.end();
});

test('views: reshape, permute, transpose, slice, flip, squeeze share storage', (t) => {
  const x = Tensor.arange(24).reshape([2, 3, 4]);
  t.deepEqual(x.reshape([4, -1]).shape, [4, 6]);
  const p = x.permute(2, 0, 1);
  t.deepEqual(p.shape, [4, 2, 3]);
  t.equal(p.get(3, 1, 2), x.get(1, 2, 3));
  t.notOk(p.isContiguous);
  t.ok(p.contiguous().isContiguous);
  t.deepEqual(p.contiguous().get(3, 1, 2), 23);
  t.deepEqual(x.transpose().shape, [2, 4, 3]);
  const s = x.slice(1, [0, 3, 2], [-2]);
  t.deepEqual(s.shape, [2, 2]);
  t.deepEqual(s.toArray(), [[14, 15], [22, 23]]);
  t.deepEqual(Tensor.arange(5).flip(0).toArray(), [4, 3, 2, 1, 0]);
  t.deepEqual(Tensor.arange(6).reshape([2, 3]).flip(1).toArray(), [[2, 1, 0], [5, 4, 3]]);
  t.deepEqual(Tensor.arange(6).slice([undefined, undefined, -2]).toArray(), [5, 3, 1]);
  t.deepEqual(x.unsqueeze(1).shape, [2, 1, 3, 4]);
  t.deepEqual(x.unsqueeze(1).squeeze().shape, [2, 3, 4]);
  s.set(-1, 0, 0);
  t.equal(x.get(1, 0, 2), -1, 'slice writes through to the base tensor');
  t.deepEqual(p.reshape([-1]).shape, [24], 'reshape of a non-contiguous view copies');
  t.throws(() => x.reshape([5, 5]), ShapeError);
  t.throws(() => x.permute(0, 0, 1), ShapeError);
  t.end();
});

test('broadcasting arithmetic', (t) => {
  const a = Tensor.fromArray([[1, 2, 3], [4, 5, 6]]);
  const b = Tensor.fromArray([10, 20, 30]);
  t.deepEqual(a.add(b).toArray(), [[11, 22, 33], [14, 25, 36]]);
  t.deepEqual(a.mul(Tensor.fromArray([[2], [3]])).toArray(), [[2, 4, 6], [12, 15, 18]]);
  t.deepEqual(a.sub(1).toArray(), [[0, 1, 2], [3, 4, 5]]);
  t.deepEqual(a.div(2).toArray(), [[0.5, 1, 1.5], [2, 2.5, 3]]);
  t.deepEqual(a.transpose().add(Tensor.fromArray([[1], [1], [1]])).toArray(), [[2, 5], [3, 6], [4, 7]]);
  t.deepEqual(Tensor.fromArray([1, 5]).maximum(Tensor.fromArray([3, 2])).toArray(), [3, 5]);
  t.throws(() => a.add(Tensor.fromArray([1, 2])), ShapeError, 'incompatible shapes');
  t.end();
});

test('reductions over axes', (t) => {
  const x = Tensor.arange(24).reshape([2, 3, 4]);
  t.equal(x.sum().item(), 276);
  t.deepEqual(x.sum(0).shape, [3, 4]);
  t.deepEqual(x.sum([0, 2]).toArray(), [60, 92, 124]);
  t.deepEqual(x.mean(-1, true).shape, [2, 3, 1]);
  t.deepEqual(x.max(1).toArray(), [[8, 9, 10, 11], [20, 21, 22, 23]]);
  t.deepEqual(x.min([1, 2]).toArray(), [0, 12]);
  t.ok(Number.isNaN(Tensor.fromArray([1, Number.NaN, 3]).max().item()), 'max propagates NaN');
  t.end();
});

test('allClose reports the worst element', (t) => {
  const e = Tensor.fromArray([[1, 2], [3, 4]]);
  const a = Tensor.fromArray([[1, 2], [3, 4.5]]);
  const r = allClose(a, e, { rtol: 1e-3, atol: 1e-3 });
  t.notOk(r.ok);
  t.deepEqual(r.worst?.index, [1, 1]);
  t.equal(r.mismatches, 1);
  t.ok(r.message.includes('[1, 1]'), r.message);
  t.ok(allClose(e, e).ok);
  t.notOk(allClose(Tensor.fromArray([Number.NaN]), Tensor.fromArray([Number.NaN])).ok, 'NaN is not close by default');
  t.ok(allClose(Tensor.fromArray([Number.NaN]), Tensor.fromArray([Number.NaN]), { equalNan: true }).ok);
  t.notOk(allClose(Tensor.zeros([2]), Tensor.zeros([3])).ok, 'shape mismatch');
  t.end();
});
