import { ArgumentError, ShapeError, Tensor } from '@vssm/core';
import fc from 'fast-check';
import test from 'tape';
import { gemm, linear, matmul, naiveGemm } from '../src/index.js';
import { assertClose, checkProperty, naiveMatmul2d } from './helpers.js';

const EDGE_SIZES = [1, 2, 3, 4, 5, 17, 65];

test('gemm: blocked == naive on random shapes including edge sizes 1, 3, 17, 65 and K across the 256-deep slices', (t) => {
  const dim = fc.oneof(fc.constantFrom(...EDGE_SIZES), fc.integer({ min: 1, max: 70 }));
  const depth = fc.oneof(fc.constantFrom(1, 3, 17, 65, 255, 256, 257, 600), fc.integer({ min: 1, max: 300 }));
  checkProperty(
    t,
    fc.property(dim, dim, depth, fc.boolean(), fc.boolean(), fc.integer(), (M, N, K, transA, transB, seed) => {
      const a = Tensor.randn(transA ? [K, M] : [M, K], seed);
      const b = Tensor.randn(transB ? [N, K] : [K, N], seed + 1);
      const av = transA ? { data: a.data, offset: 0, rowStride: 1, colStride: M } : { data: a.data, offset: 0, rowStride: K, colStride: 1 };
      const bv = transB ? { data: b.data, offset: 0, rowStride: 1, colStride: K } : { data: b.data, offset: 0, rowStride: N, colStride: 1 };
      const got = new Float32Array(M * N);
      const want = new Float32Array(M * N);
      gemm(M, N, K, av, bv, got, 0, N);
      naiveGemm(M, N, K, av, bv, want, 0, N);
      for (let i = 0; i < got.length; i++) {
        if (Math.abs(got[i] - want[i]) > 1e-4 * Math.sqrt(K) * (1 + Math.abs(want[i]))) return false;
      }
      return true;
    }),
    { numRuns: 150, seed: 1234 },
    'blocked gemm agrees with the triple loop',
  );
  t.end();
});

test('gemm: writes into a larger C with leading dimension and offset, leaving the rest alone', (t) => {
  const a = Tensor.fromArray([
    [1, 2],
    [3, 4],
  ]);
  const b = Tensor.fromArray([
    [5, 6],
    [7, 8],
  ]);
  const c = new Float32Array(12).fill(-1);
  gemm(2, 2, 2, { data: a.data, offset: 0, rowStride: 2, colStride: 1 }, { data: b.data, offset: 0, rowStride: 2, colStride: 1 }, c, 5, 4);
  t.deepEqual([...c], [-1, -1, -1, -1, -1, 19, 22, -1, -1, 43, 50, -1]);
  const k0 = new Float32Array(4).fill(9);
  gemm(2, 2, 0, { data: a.data, offset: 0, rowStride: 0, colStride: 1 }, { data: b.data, offset: 0, rowStride: 2, colStride: 1 }, k0, 0, 2);
  t.deepEqual([...k0], [0, 0, 0, 0], 'K = 0 gives zeros');
  t.end();
});

test('matmul: 2-D hand-computed and non-contiguous operands', (t) => {
  const a = Tensor.fromArray([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = Tensor.fromArray([
    [7, 8],
    [9, 10],
    [11, 12],
  ]);
  t.deepEqual(matmul(a, b).toArray(), [
    [58, 64],
    [139, 154],
  ]);
  const at = Tensor.randn([9, 5], 1).transpose();
  const bt = Tensor.randn([7, 9], 2).transpose();
  assertClose(t, matmul(at, bt), Tensor.fromArray(naiveMatmul2d(at, bt)), 'transposed views');
  const sliced = Tensor.randn([10, 12], 3).slice([1, 8, 2], [0, 12, 3]);
  const b2 = Tensor.randn([4, 6], 4);
  assertClose(t, matmul(sliced, b2), Tensor.fromArray(naiveMatmul2d(sliced, b2)), 'strided slice');
  t.end();
});

test('matmul: 1-D operands follow torch.matmul', (t) => {
  const v = Tensor.fromArray([1, 2, 3]);
  const m = Tensor.fromArray([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  const dot = matmul(v, v);
  t.deepEqual(dot.shape, [], 'vector·vector is 0-D');
  t.equal(dot.item(), 14);
  t.deepEqual(matmul(v, m).toArray(), [4, 5], 'vector·matrix');
  t.deepEqual(matmul(m.transpose(), v).toArray(), [4, 5], 'matrix·vector');
  const batch = Tensor.randn([2, 4, 3], 5);
  const r = matmul(batch, v);
  t.deepEqual(r.shape, [2, 4]);
  t.ok(Math.abs(r.get(1, 2) - (batch.get(1, 2, 0) + 2 * batch.get(1, 2, 1) + 3 * batch.get(1, 2, 2))) < 1e-5);
  t.end();
});

test('matmul: batch dimensions broadcast', (t) => {
  const cases: [number[], number[]][] = [
    [
      [2, 3, 4, 5],
      [5, 6],
    ],
    [
      [4, 5],
      [3, 5, 2],
    ],
    [
      [2, 1, 4, 5],
      [3, 5, 2],
    ],
    [
      [1, 4, 5],
      [2, 5, 3],
    ],
    [
      [3, 4, 5],
      [3, 5, 3],
    ],
  ];
  for (const [sa, sb] of cases) {
    const a = Tensor.randn(sa, 10);
    const b = Tensor.randn(sb, 11);
    const out = matmul(a, b);
    const batch = out.shape.slice(0, -2);
    const M = sa[sa.length - 2];
    const N = sb[sb.length - 1];
    t.deepEqual(out.shape, [...batch, M, N], `shape for ${JSON.stringify(sa)}·${JSON.stringify(sb)}`);
    const ab = a.broadcastTo([...batch, M, sa[sa.length - 1]]);
    const bb = b.broadcastTo([...batch, sb[sb.length - 2], N]);
    const total = batch.reduce((s, d) => s * d, 1);
    const flatA = ab.contiguous().reshape([total, M, -1]);
    const flatB = bb.contiguous().reshape([total, -1, N]);
    const flatO = out.reshape([total, M, N]);
    let ok = true;
    for (let i = 0; i < total; i++) {
      const want = Tensor.fromArray(naiveMatmul2d(flatA.slice(i), flatB.slice(i)));
      const got = flatO.slice(i);
      for (let r = 0; r < M; r++) for (let c = 0; c < N; c++) if (Math.abs(got.get(r, c) - want.get(r, c)) > 1e-5) ok = false;
    }
    t.ok(ok, `values for ${JSON.stringify(sa)}·${JSON.stringify(sb)}`);
  }
  const permuted = Tensor.randn([4, 3, 5], 12).permute(1, 0, 2);
  const w = Tensor.randn([5, 2], 13);
  const out = matmul(permuted, w);
  for (let i = 0; i < 3; i++) assertClose(t, out.slice(i), Tensor.fromArray(naiveMatmul2d(permuted.slice(i), w)), `permuted batch ${i}`);
  t.end();
});

test('matmul: errors name the op and the shapes', (t) => {
  t.throws(
    () => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 2])),
    (e: unknown) => e instanceof ShapeError && /matmul/.test(e.message) && /\[2, 3\]/.test(e.message) && /\[4, 2\]/.test(e.message),
  );
  t.throws(
    () => matmul(Tensor.zeros([2, 2, 3]), Tensor.zeros([3, 3, 2])),
    (e: unknown) => e instanceof ShapeError && /batch/.test(e.message),
  );
  t.throws(() => matmul(Tensor.scalar(1), Tensor.zeros([2])), ShapeError);
  t.throws(() => matmul([1, 2] as never, Tensor.zeros([2])), ArgumentError);
  t.end();
});

test('linear: 2-D, 3-D and 1-D inputs, with and without bias, small-M and blocked paths', (t) => {
  const w = Tensor.randn([7, 12], 20);
  const bias = Tensor.randn([7], 21);
  for (const shape of [[12], [1, 12], [3, 12], [2, 5, 12], [33, 12]]) {
    const x = Tensor.randn(shape, 22);
    const got = linear(x, w, bias);
    t.deepEqual(got.shape, [...shape.slice(0, -1), 7], `shape for ${JSON.stringify(shape)}`);
    const x2 = x.reshape([-1, 12]);
    const want = Tensor.fromArray(naiveMatmul2d(x2, w.transpose())).add(bias);
    assertClose(t, got.reshape([-1, 7]), want, `values for ${JSON.stringify(shape)}`);
    const noBias = linear(x, w);
    assertClose(t, noBias.reshape([-1, 7]), Tensor.fromArray(naiveMatmul2d(x2, w.transpose())), `no bias ${JSON.stringify(shape)}`);
  }
  const wt = Tensor.randn([12, 7], 23).transpose();
  const x = Tensor.randn([6, 12], 24);
  assertClose(t, linear(x, wt), Tensor.fromArray(naiveMatmul2d(x, wt.transpose())), 'non-contiguous weight');
  assertClose(t, linear(x.transpose().contiguous().transpose(), w), linear(x, w), 'non-contiguous x');
  t.end();
});

test('linear: errors', (t) => {
  const w = Tensor.zeros([4, 3]);
  t.throws(
    () => linear(Tensor.zeros([2, 5]), w),
    (e: unknown) => e instanceof ShapeError && /linear/.test(e.message) && /\[2, 5\]/.test(e.message) && /\[4, 3\]/.test(e.message),
  );
  t.throws(() => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 3, 1])), ShapeError);
  t.throws(
    () => linear(Tensor.zeros([2, 3]), w, Tensor.zeros([3])),
    (e: unknown) => e instanceof ShapeError && /bias/.test(e.message),
  );
  t.throws(() => linear(Tensor.scalar(1), w), ShapeError);
  t.end();
});
