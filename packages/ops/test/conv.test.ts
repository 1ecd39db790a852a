import { ArgumentError, ShapeError, Tensor } from '@vssm/core';
import fc from 'fast-check';
import test, { type Test } from 'tape';
import { conv1dCausal, conv2d } from '../src/index.js';
import { assertClose, checkProperty } from './helpers.js';

/** Brute-force NCHW conv2d straight from the definition (double accumulation, Tensor.get). */
function naiveConv2d(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  stride: [number, number],
  padding: [number, number],
  groups: number,
): Tensor {
  const [B, , H, W] = x.shape;
  const [O, Cg, kh, kw] = w.shape;
  const Ho = Math.floor((H + 2 * padding[0] - kh) / stride[0]) + 1;
  const Wo = Math.floor((W + 2 * padding[1] - kw) / stride[1]) + 1;
  const Og = O / groups;
  const out = Tensor.zeros([B, O, Ho, Wo]);
  for (let b = 0; b < B; b++)
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / Og);
      for (let oy = 0; oy < Ho; oy++)
        for (let ox = 0; ox < Wo; ox++) {
          let s = bias ? bias.get(o) : 0;
          for (let c = 0; c < Cg; c++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * stride[0] - padding[0] + ky;
                const ix = ox * stride[1] - padding[1] + kx;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += w.get(o, c, ky, kx) * x.get(b, g * Cg + c, iy, ix);
              }
          out.set(s, b, o, oy, ox);
        }
    }
  return out;
}

function check(
  t: Test,
  what: string,
  xShape: number[],
  wShape: number[],
  stride: [number, number],
  padding: [number, number],
  groups: number,
  withBias = true,
): void {
  const x = Tensor.randn(xShape, 1);
  const w = Tensor.randn(wShape, 2);
  const b = withBias ? Tensor.randn([wShape[0]], 3) : null;
  const got = conv2d(x, w, b, { stride, padding, groups });
  assertClose(t, got, naiveConv2d(x, w, b, stride, padding, groups), what);
}

test('conv2d: dense, grouped, depthwise, pointwise and patch-embedding paths match the brute-force definition', (t) => {
  check(t, 'dense 3×3 pad 1', [2, 3, 8, 7], [5, 3, 3, 3], [1, 1], [1, 1], 1);
  check(t, 'asymmetric padding [2, 0] and stride [2, 1]', [1, 4, 9, 7], [6, 4, 3, 2], [2, 1], [2, 0], 1);
  check(t, 'asymmetric padding [0, 3], 5×1 kernel', [1, 2, 6, 5], [3, 2, 5, 1], [1, 2], [0, 3], 1);
  check(t, 'groups = 2 dense', [2, 6, 7, 6], [4, 3, 3, 3], [1, 1], [1, 1], 2);
  check(t, 'groups = 3 strided', [1, 6, 9, 9], [9, 2, 3, 3], [2, 2], [1, 1], 3);
  check(t, 'depthwise 3×3 pad 1', [2, 5, 9, 8], [5, 1, 3, 3], [1, 1], [1, 1], 5);
  check(t, 'depthwise 7×7 stride 2 pad 3 (odd size)', [1, 4, 11, 9], [4, 1, 7, 7], [2, 2], [3, 3], 4);
  check(t, 'depthwise 5×5 no padding', [1, 3, 8, 9], [3, 1, 5, 5], [1, 1], [0, 0], 3);
  check(t, 'depthwise kernel larger than the image with padding', [1, 2, 3, 2], [2, 1, 7, 7], [1, 1], [3, 3], 2);
  check(t, 'depthwise with channel multiplier 2', [1, 3, 6, 6], [6, 1, 3, 3], [1, 1], [1, 1], 3);
  check(t, 'depthwise 3×3 stride 2', [1, 4, 8, 8], [4, 1, 3, 3], [2, 2], [1, 1], 4);
  check(t, 'pointwise 1×1', [2, 8, 5, 6], [12, 8, 1, 1], [1, 1], [0, 0], 1);
  check(t, 'pointwise 1×1 stride 2', [1, 4, 7, 7], [3, 4, 1, 1], [2, 2], [0, 0], 1);
  check(t, 'patch embedding k = s = 4', [2, 3, 16, 12], [8, 3, 4, 4], [4, 4], [0, 0], 1);
  check(t, 'patch embedding k = s = 16, ragged edge dropped', [1, 3, 35, 33], [4, 3, 16, 16], [16, 16], [0, 0], 1);
  check(t, 'no bias', [1, 2, 5, 5], [3, 2, 3, 3], [1, 1], [1, 1], 1, false);
  check(t, 'single channel depthwise = dense', [1, 1, 6, 6], [1, 1, 3, 3], [1, 1], [1, 1], 1);
  t.end();
});

test('conv2d: non-contiguous input (a permuted NHWC tensor)', (t) => {
  const nhwc = Tensor.randn([1, 6, 5, 4], 7);
  const x = nhwc.permute(0, 3, 1, 2);
  const w = Tensor.randn([4, 1, 3, 3], 8);
  assertClose(
    t,
    conv2d(x, w, null, { padding: 1, groups: 4 }),
    naiveConv2d(x.contiguous(), w, null, [1, 1], [1, 1], 4),
    'depthwise on a permuted view',
  );
  t.end();
});

test('conv2d: random configurations agree with the brute-force definition', (t) => {
  const config = fc.record({
    B: fc.integer({ min: 1, max: 2 }),
    groupsKind: fc.constantFrom('dense', 'grouped', 'depthwise'),
    cPerGroup: fc.integer({ min: 1, max: 3 }),
    oPerGroup: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 10 }),
    W: fc.integer({ min: 1, max: 10 }),
    kh: fc.integer({ min: 1, max: 5 }),
    kw: fc.integer({ min: 1, max: 5 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    ph: fc.integer({ min: 0, max: 3 }),
    pw: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer(),
  });
  checkProperty(
    t,
    fc.property(config, (c) => {
      if (c.H + 2 * c.ph < c.kh || c.W + 2 * c.pw < c.kw) return true;
      const groups = c.groupsKind === 'dense' ? 1 : c.groupsKind === 'grouped' ? 2 : 3;
      const cg = c.groupsKind === 'depthwise' ? 1 : c.cPerGroup;
      const x = Tensor.randn([c.B, groups * cg, c.H, c.W], c.seed);
      const w = Tensor.randn([groups * c.oPerGroup, cg, c.kh, c.kw], c.seed + 1);
      const b = Tensor.randn([groups * c.oPerGroup], c.seed + 2);
      const stride: [number, number] = [c.sh, c.sw];
      const padding: [number, number] = [c.ph, c.pw];
      const got = conv2d(x, w, b, { stride, padding, groups }).contiguousData();
      const want = naiveConv2d(x, w, b, stride, padding, groups).contiguousData();
      if (got.length !== want.length) return false;
      for (let i = 0; i < got.length; i++) if (Math.abs(got[i] - want[i]) > 1e-5 * (1 + Math.abs(want[i]))) return false;
      return true;
    }),
    { numRuns: 200, seed: 99 },
    'conv2d agrees with the definition',
  );
  t.end();
});

test('conv2d: typed errors name the op and the shapes', (t) => {
  const x = Tensor.zeros([1, 4, 5, 5]);
  const isShape = (re: RegExp) => (e: unknown) => e instanceof ShapeError && /conv2d/.test(e.message) && re.test(e.message);
  const isArg = (re: RegExp) => (e: unknown) => e instanceof ArgumentError && /conv2d/.test(e.message) && re.test(e.message);
  t.throws(() => conv2d(Tensor.zeros([4, 5, 5]), Tensor.zeros([2, 4, 3, 3])), isShape(/NCHW.*\[4, 5, 5\]/), 'non-NCHW input');
  t.throws(() => conv2d(x, Tensor.zeros([2, 3, 3, 3])), isShape(/\[2, 3, 3, 3\].*\[1, 4, 5, 5\]/), 'mismatched channels');
  t.throws(
    () => conv2d(x, Tensor.zeros([3, 1, 3, 3]), null, { groups: 3 }),
    isArg(/groups=3.*4 input channels/),
    'groups not dividing channels',
  );
  t.throws(
    () => conv2d(x, Tensor.zeros([3, 2, 3, 3]), null, { groups: 2 }),
    isArg(/groups=2.*3 output channels/),
    'groups not dividing outputs',
  );
  t.throws(() => conv2d(x, Tensor.zeros([2, 4, 3, 3]), null, { stride: 0 }), isArg(/stride/), 'zero stride');
  t.throws(() => conv2d(x, Tensor.zeros([2, 4, 3, 3]), null, { stride: [1, 1.5] as never }), isArg(/stride/), 'fractional stride');
  t.throws(() => conv2d(x, Tensor.zeros([2, 4, 3, 3]), null, { padding: -1 }), isArg(/padding/), 'negative padding');
  t.throws(() => conv2d(x, Tensor.zeros([2, 4, 3, 3]), null, { dilation: 2 }), isArg(/dilation/), 'dilation');
  t.throws(() => conv2d(x, Tensor.zeros([2, 4, 7, 7])), isShape(/larger than the padded input/), 'kernel too large');
  t.throws(() => conv2d(x, Tensor.zeros([2, 4, 3, 3]), Tensor.zeros([3])), isShape(/bias/), 'bias length');
  t.throws(() => conv2d(x, Tensor.zeros([2, 4, 3, 3]), null, { stides: 2 } as never), isArg(/unknown option 'stides'/), 'option typo');
  t.end();
});

/** Brute-force causal conv: out[b,c,t] = bias[c] + Σ_k w[c,k]·x[b,c,t−K+1+k]. */
function naiveCausal(x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  const [B, C, L] = x.shape;
  const K = w.shape[w.rank - 1];
  const w2 = w.reshape([C, K]);
  const out = Tensor.zeros([B, C, L]);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let t = 0; t < L; t++) {
        let s = bias ? bias.get(c) : 0;
        for (let k = 0; k < K; k++) {
          const i = t - K + 1 + k;
          if (i >= 0) s += w2.get(c, k) * x.get(b, c, i);
        }
        out.set(s, b, c, t);
      }
  return out;
}

test('conv1dCausal: matches the definition for several K and L (incl. L < K), both weight layouts', (t) => {
  for (const [K, L] of [
    [4, 13],
    [4, 2],
    [1, 5],
    [3, 3],
    [7, 20],
  ]) {
    const x = Tensor.randn([2, 5, L], K * 10 + L);
    const w = Tensor.randn([5, 1, K], 1);
    const b = Tensor.randn([5], 2);
    assertClose(t, conv1dCausal(x, w, b), naiveCausal(x, w, b), `K=${K} L=${L}, weight (C,1,K)`);
    assertClose(t, conv1dCausal(x, w.reshape([5, K])), naiveCausal(x, w, null), `K=${K} L=${L}, weight (C,K), no bias`);
  }
  const x = Tensor.fromArray([[[1, 2, 3, 4]]]);
  t.deepEqual(
    conv1dCausal(x, Tensor.fromArray([[1, 10]]), Tensor.fromArray([100])).toArray(),
    [[[110, 121, 132, 143]]],
    'hand-computed K=2',
  );
  t.end();
});

test('conv1dCausal: errors', (t) => {
  const x = Tensor.zeros([1, 4, 6]);
  t.throws(
    () => conv1dCausal(Tensor.zeros([4, 6]), Tensor.zeros([4, 3])),
    (e: unknown) => e instanceof ShapeError && /conv1dCausal/.test(e.message),
  );
  t.throws(
    () => conv1dCausal(x, Tensor.zeros([3, 1, 4])),
    (e: unknown) => e instanceof ShapeError && /3 channels/.test(e.message),
  );
  t.throws(() => conv1dCausal(x, Tensor.zeros([4, 2, 4])), ShapeError, 'not depthwise');
  t.throws(() => conv1dCausal(x, Tensor.zeros([4, 0])), ShapeError, 'empty kernel');
  t.throws(() => conv1dCausal(x, Tensor.zeros([4, 3]), Tensor.zeros([5])), ShapeError, 'bias');
  t.end();
});
