import { ArgumentError, ShapeError, Tensor } from '@vssm/core';
import test from 'tape';
import { erf, erfc, gelu, layerNorm, layerNorm2d, relu, rmsNorm, sigmoid, silu, softmax, softplus } from '../src/index.js';
import { assertClose } from './helpers.js';

// erf / erfc reference values printed by mpmath (30 digits) and rounded to double
const ERF_TABLE: [number, number, number][] = [
  [0, 0, 1],
  [1e-8, 1.1283791670955126e-8, 0.9999999887162083],
  [0.1, 0.1124629160182849, 0.887537083981715],
  [-0.5, -0.5204998778130465, 1.5204998778130465],
  [0.99, 0.8385080695553698, 0.1614919304446302],
  [1, 0.8427007929497149, 0.15729920705028513],
  [1.5, 0.9661051464753108, 0.033894853524689274],
  [-2.5, -0.999593047982555, 1.999593047982555],
  [3, 0.9999779095030014, 2.209049699858544e-5],
  [5, 0.9999999999984626, 1.537459794428035e-12],
  [10, 1, 2.088487583762545e-45],
  [27, 1, 5.23705e-319],
];

test('erf / erfc: double-precision accuracy against mpmath values', (t) => {
  for (const [x, e, c] of ERF_TABLE) {
    t.ok(Math.abs(erf(x) - e) <= 2e-16 * Math.max(1, Math.abs(e)), `erf(${x}) = ${erf(x)} (want ${e})`);
    const rel = c === 0 ? Math.abs(erfc(x)) : Math.abs(erfc(x) - c) / c;
    t.ok(rel <= (c < 1e-300 ? 1e-6 : 1e-14), `erfc(${x}) = ${erfc(x)} (want ${c}, rel ${rel.toExponential(2)})`);
  }
  t.ok(Number.isNaN(erf(Number.NaN)) && Number.isNaN(erfc(Number.NaN)), 'NaN stays NaN');
  t.equal(erf(Number.POSITIVE_INFINITY), 1);
  t.equal(erf(Number.NEGATIVE_INFINITY), -1);
  t.equal(erfc(Number.POSITIVE_INFINITY), 0);
  for (let x = -6; x <= 6; x += 0.37)
    t.ok(Math.abs(erf(-x) + erf(x)) < 1e-16 && Math.abs(erf(x) + erfc(x) - 1) < 2e-16, `odd symmetry and erf+erfc=1 at ${x.toFixed(2)}`);
  t.end();
});

test('gelu / silu / sigmoid / relu: formulas, tails and NaN', (t) => {
  const x = Tensor.fromArray([-30, -8, -1, -1e-3, 0, 0.5, 3, 40]);
  const xs = x.toArray() as number[];
  const g = gelu(x).toArray() as number[];
  const phi = (v: number) => 0.5 * erfc(-v / Math.SQRT2);
  xs.forEach((v, i) => {
    t.ok(Math.abs(g[i] - Math.fround(v * phi(v))) <= 1e-7 * Math.max(1e-30, Math.abs(v * phi(v))), `gelu(${v}) = ${g[i]}`);
  });
  t.ok(g[1] < 0 && g[1] > -1e-14, 'gelu(−8) keeps its tiny negative tail (≈ −5e-15)');
  t.equal(g[4], 0);
  t.equal(g[7], 40, 'gelu(40) = 40');
  const s = sigmoid(x).toArray() as number[];
  t.equal(s[4], 0.5);
  t.ok(s[0] > 0 && s[0] < 1e-12, 'sigmoid(−30) small and positive');
  t.equal(s[7], 1);
  const si = silu(x).toArray() as number[];
  xs.forEach((v, i) => {
    t.ok(Math.abs(si[i] - Math.fround(v / (1 + Math.exp(-v)))) < 1e-7, `silu(${v})`);
  });
  t.deepEqual(relu(Tensor.fromArray([-1, 0, 2])).toArray(), [0, 0, 2]);
  t.ok(Number.isNaN(relu(Tensor.fromArray([Number.NaN])).item()), 'relu(NaN) = NaN');
  t.ok(Number.isNaN(gelu(Tensor.fromArray([Number.NaN])).item()), 'gelu(NaN) = NaN');
  t.end();
});

test('softplus: log1p(exp(x)) below the threshold, identity above, beta', (t) => {
  const x = Tensor.fromArray([-100, -20, -1e-8, 0, 1, 19.9, 20, 20.01, 50]);
  const got = softplus(x).toArray() as number[];
  const want = [
    Math.exp(-100),
    Math.log1p(Math.exp(-20)),
    Math.log1p(Math.exp(-1e-8)),
    Math.LN2,
    Math.log1p(Math.E),
    Math.log1p(Math.exp(19.9)),
    Math.log1p(Math.exp(20)),
    20.01,
    50,
  ];
  want.forEach((w, i) => {
    t.ok(Math.abs(got[i] - Math.fround(w)) <= 1e-7 * Math.abs(w), `softplus(${(x.toArray() as number[])[i]}) = ${got[i]}`);
  });
  t.ok(got[0] > 0, 'softplus(−100) is a positive denormal-free value, not 0 from log(1+tiny)');
  t.equal(got[7], Math.fround(20.01), 'above threshold 20: identity');
  const b = softplus(Tensor.fromArray([1, 5]), { beta: 2, threshold: 5 }).toArray() as number[];
  t.ok(Math.abs(b[0] - Math.log1p(Math.exp(2)) / 2) < 1e-6, 'beta 2');
  t.equal(b[1], 5, 'β·x = 10 > threshold 5: identity');
  t.throws(() => softplus(x, { beta: 0 }), ArgumentError);
  t.throws(() => softplus(x, { threshold: Number.NaN }), ArgumentError);
  t.end();
});

test('softmax: hand-computed, any axis, large values stay finite', (t) => {
  const x = Tensor.fromArray([
    [1, 2, 3],
    [1000, 1000, 1000],
  ]);
  const s = softmax(x);
  const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
  const z = e[0] + e[1] + e[2];
  assertClose(
    t,
    s,
    Tensor.fromArray([
      [e[0] / z, e[1] / z, e[2] / z],
      [1 / 3, 1 / 3, 1 / 3],
    ]),
    'last axis',
  );
  const s0 = softmax(x, 0).toArray() as number[][];
  t.ok(Math.abs(s0[0][0]) < 1e-30 && Math.abs(s0[1][0] - 1) < 1e-7, 'axis 0');
  const r = Tensor.randn([2, 3, 4], 5);
  const viaAxis1 = softmax(r, 1);
  const viaPermute = softmax(r.permute(0, 2, 1), -1).permute(0, 2, 1);
  assertClose(t, viaAxis1, viaPermute.contiguous(), 'middle axis = permuted last axis');
  const sums = viaAxis1.sum(1).toArray() as number[][];
  t.ok(
    sums.flat().every((v) => Math.abs(v - 1) < 1e-6),
    'sums to 1',
  );
  t.throws(
    () => softmax(x, 2),
    (e: unknown) => e instanceof ShapeError && /softmax/.test(e.message),
  );
  t.end();
});

function naiveLayerNorm(row: number[], w: number[] | null, b: number[] | null, eps: number): number[] {
  const m = row.reduce((s, v) => s + v, 0) / row.length;
  const v = row.reduce((s, x) => s + (x - m) ** 2, 0) / row.length;
  return row.map((x, i) => ((x - m) / Math.sqrt(v + eps)) * (w ? w[i] : 1) + (b ? b[i] : 0));
}

test('layerNorm / layerNorm2d / rmsNorm: definitions, layouts, eps', (t) => {
  const x = Tensor.randn([3, 4, 6], 1, 2, 3);
  const w = Tensor.randn([6], 2);
  const b = Tensor.randn([6], 3);
  const rows = x.reshape([12, 6]).toArray() as number[][];
  const want = Tensor.fromArray(rows.map((r) => naiveLayerNorm(r, w.toArray() as number[], b.toArray() as number[], 1e-5))).reshape([
    3, 4, 6,
  ]);
  assertClose(t, layerNorm(x, w, b), want, 'layerNorm affine');
  const wantPlain = Tensor.fromArray(rows.map((r) => naiveLayerNorm(r, null, null, 0.1))).reshape([3, 4, 6]);
  assertClose(t, layerNorm(x, null, null, 0.1), wantPlain, 'layerNorm no affine, eps 0.1');
  const nchw = Tensor.randn([2, 6, 3, 5], 4);
  const viaChannelsLast = layerNorm(nchw.permute(0, 2, 3, 1), w, b)
    .permute(0, 3, 1, 2)
    .contiguous();
  assertClose(t, layerNorm2d(nchw, w, b), viaChannelsLast, 'layerNorm2d = layerNorm on channels-last');
  const rms = rmsNorm(x, w, 1e-5);
  const wantRms = Tensor.fromArray(
    rows.map((r) => {
      const ms = r.reduce((s, v) => s + v * v, 0) / r.length;
      return r.map((v, i) => (v / Math.sqrt(ms + 1e-5)) * (w.toArray() as number[])[i]);
    }),
  ).reshape([3, 4, 6]);
  assertClose(t, rms, wantRms, 'rmsNorm');
  const constant = layerNorm(Tensor.full([2, 4], 7), null, null);
  t.ok(
    (constant.toArray() as number[][]).flat().every((v) => v === 0),
    'constant rows normalise to 0 (no NaN)',
  );
  t.end();
});

test('norms: errors name the op and the shapes', (t) => {
  const x = Tensor.zeros([2, 3]);
  t.throws(
    () => layerNorm(x, Tensor.zeros([4])),
    (e: unknown) => e instanceof ShapeError && /layerNorm/.test(e.message) && /\[2, 3\]/.test(e.message),
  );
  t.throws(() => layerNorm(x, null, null, Number.NaN), ArgumentError, 'NaN eps');
  t.throws(() => layerNorm(x, null, null, -1), ArgumentError, 'negative eps');
  t.throws(
    () => layerNorm2d(x),
    (e: unknown) => e instanceof ShapeError && /NCHW/.test(e.message),
  );
  t.throws(() => layerNorm2d(Tensor.zeros([1, 3, 2, 2]), Tensor.zeros([2])), ShapeError);
  t.throws(() => rmsNorm(x, Tensor.zeros([2])), ShapeError);
  t.throws(() => rmsNorm(Tensor.scalar(1)), ShapeError);
  t.end();
});
