import { ArgumentError, ShapeError, Tensor } from '@vssm/core';
import test from 'tape';
import { adaptiveAvgPool2d, avgPool2d, interpolate } from '../src/index.js';
import { assertClose } from './helpers.js';

const row = (values: number[]) => Tensor.fromArray([[[values]]]); // (1, 1, 1, W)
const ramp = (n: number) => row(Array.from({ length: n }, (_, i) => i));
const flat = (t: Tensor) => t.toArray() as number[][][][];

test('interpolate bilinear: half-pixel centres, clamped at 0 and at the last index', (t) => {
  const up = interpolate(row([0, 1]), { size: [1, 4], mode: 'bilinear' });
  assertClose(t, up, row([0, 0.25, 0.75, 1]), '2 → 4, align_corners=false');
  const upAc = interpolate(row([0, 1]), { size: [1, 4], mode: 'bilinear', alignCorners: true });
  assertClose(t, upAc, row([0, 1 / 3, 2 / 3, 1]), '2 → 4, align_corners=true');
  // on a ramp, bilinear returns the (clamped) source coordinate: the spec's 4 → 7 example
  const r = interpolate(ramp(4), { size: [1, 7], mode: 'bilinear' });
  assertClose(
    t,
    r,
    row([0, 0.5 * (4 / 7) * 1 + 4 / 7 - 0.5, 2.5 * (4 / 7) - 0.5, 1.5, 4.5 * (4 / 7) - 0.5, 5.5 * (4 / 7) - 0.5, 3]),
    'source coordinates 0, .357, .929, 1.5, 2.071, 2.643, 3.214→3',
  );
  const same = Tensor.randn([2, 3, 4, 5], 1);
  assertClose(t, interpolate(same, { size: [4, 5], mode: 'bilinear' }), same, 'same size is the identity');
  t.end();
});

test('interpolate bilinear: scaleFactor maps coordinates by 1/scaleFactor unless recomputeScaleFactor', (t) => {
  const x = ramp(5);
  const out = interpolate(x, { scaleFactor: [1, 1.5], mode: 'bilinear' });
  t.deepEqual(out.shape, [1, 1, 1, 7], '⌊5·1.5⌋ = 7 columns');
  const byFactor = Array.from({ length: 7 }, (_, d) => Math.min(Math.max((d + 0.5) / 1.5 - 0.5, 0), 4));
  assertClose(t, out, row(byFactor), 'coordinates (d + 0.5)/1.5 − 0.5');
  const recomputed = interpolate(x, { scaleFactor: [1, 1.5], mode: 'bilinear', recomputeScaleFactor: true });
  const byRatio = Array.from({ length: 7 }, (_, d) => Math.min(Math.max((d + 0.5) * (5 / 7) - 0.5, 0), 4));
  assertClose(t, recomputed, row(byRatio), 'coordinates (d + 0.5)·5/7 − 0.5');
  t.end();
});

test("interpolate nearest: PyTorch's legacy rule src = min(⌊dst·in/out⌋, in − 1)", (t) => {
  t.deepEqual(flat(interpolate(ramp(5), { size: [1, 9] }))[0][0][0], [0, 0, 1, 1, 2, 2, 3, 3, 4], '5 → 9');
  t.deepEqual(flat(interpolate(ramp(4), { size: [1, 7], mode: 'nearest' }))[0][0][0], [0, 0, 1, 1, 2, 2, 3], '4 → 7 (spec §1.4)');
  t.deepEqual(flat(interpolate(ramp(7), { size: [1, 3], mode: 'nearest' }))[0][0][0], [0, 2, 4], '7 → 3');
  t.deepEqual(flat(interpolate(ramp(3), { scaleFactor: [1, 2] }))[0][0][0], [0, 0, 1, 1, 2, 2], 'scale 2');
  t.deepEqual(flat(interpolate(ramp(5), { scaleFactor: [1, 1.7] }))[0][0][0], [0, 0, 1, 1, 2, 2, 3, 4], 'scale 1.7 → src ⌊d/1.7⌋');
  t.end();
});

/** Brute-force bicubic from the definition: 4×4 taps, Keys kernel with a = −0.75, indices clamped to the image. */
function naiveBicubic(x: Tensor, Ho: number, Wo: number, alignCorners: boolean): Tensor {
  const [B, C, H, W] = x.shape;
  const kernel = (d: number) => {
    const a = -0.75;
    const s = Math.abs(d);
    if (s <= 1) return (a + 2) * s ** 3 - (a + 3) * s ** 2 + 1;
    if (s < 2) return a * s ** 3 - 5 * a * s ** 2 + 8 * a * s - 4 * a;
    return 0;
  };
  const src = (o: number, n: number, on: number) => (alignCorners ? (on > 1 ? (o * (n - 1)) / (on - 1) : 0) : (o + 0.5) * (n / on) - 0.5);
  const out = Tensor.zeros([B, C, Ho, Wo]);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let oy = 0; oy < Ho; oy++)
        for (let ox = 0; ox < Wo; ox++) {
          const sy = src(oy, H, Ho);
          const sx = src(ox, W, Wo);
          const y0 = Math.floor(sy);
          const x0 = Math.floor(sx);
          let v = 0;
          for (let i = -1; i <= 2; i++)
            for (let j = -1; j <= 2; j++) {
              const yy = Math.min(Math.max(y0 + i, 0), H - 1);
              const xx = Math.min(Math.max(x0 + j, 0), W - 1);
              v += kernel(sy - (y0 + i)) * kernel(sx - (x0 + j)) * x.get(b, c, yy, xx);
            }
          out.set(v, b, c, oy, ox);
        }
  return out;
}

test('interpolate bicubic: A = −0.75, border clamp, both corner conventions, up and down', (t) => {
  const x = Tensor.randn([1, 2, 5, 6], 3);
  for (const [Ho, Wo] of [
    [9, 11],
    [3, 4],
    [7, 5],
  ])
    for (const alignCorners of [false, true]) {
      assertClose(
        t,
        interpolate(x, { size: [Ho, Wo], mode: 'bicubic', alignCorners }),
        naiveBicubic(x, Ho, Wo, alignCorners),
        `${Ho}×${Wo} alignCorners=${alignCorners}`,
        1e-5,
        2e-5,
      );
    }
  const constant = interpolate(Tensor.full([1, 1, 4, 5], 3), { size: [9, 7], mode: 'bicubic' });
  t.ok(
    (constant.toArray() as number[][][][]).flat(3).every((v) => Math.abs(v - 3) < 1e-6),
    'the taps sum to 1: a constant image stays constant',
  );
  t.end();
});

test('interpolate: typed errors', (t) => {
  const x = Tensor.zeros([1, 1, 4, 4]);
  t.throws(
    () => interpolate(x, { size: 8, mode: 'trilinear' as never }),
    (e: unknown) => e instanceof ArgumentError && /unknown mode 'trilinear'.*bilinear/.test(e.message),
  );
  t.throws(() => interpolate(x, { size: 8, scaleFactor: 2 }), ArgumentError, 'size and scaleFactor');
  t.throws(() => interpolate(x, {}), ArgumentError, 'neither');
  t.throws(() => interpolate(x, { size: 8, mode: 'nearest', alignCorners: false }), ArgumentError, 'alignCorners with nearest');
  t.throws(
    () => interpolate(Tensor.zeros([4, 4]), { size: 8 }),
    (e: unknown) => e instanceof ShapeError && /interpolate.*NCHW.*\[4, 4\]/.test(e.message),
  );
  t.throws(() => interpolate(x, { size: 0 }), ArgumentError);
  t.throws(() => interpolate(x, { scaleFactor: 0.1 }), ShapeError, 'empty output');
  t.throws(() => interpolate(x, { scaleFactor: Number.NaN }), ArgumentError, 'NaN scale');
  t.end();
});

test('adaptiveAvgPool2d: global pool, exact divisions and overlapping bins', (t) => {
  const x = Tensor.randn([2, 3, 5, 7], 4);
  assertClose(t, adaptiveAvgPool2d(x, 1), x.mean([2, 3], true), '1×1 = global mean');
  const y = Tensor.arange(16).reshape([1, 1, 4, 4]);
  t.deepEqual(
    adaptiveAvgPool2d(y, 2).toArray(),
    [
      [
        [
          [2.5, 4.5],
          [10.5, 12.5],
        ],
      ],
    ],
    '4×4 → 2×2',
  );
  // 5 → 3 rows: bins [0,2), [1,4), [3,5)
  const col = Tensor.fromArray([[[[0], [1], [2], [3], [4]]]]);
  assertClose(t, adaptiveAvgPool2d(col, [3, 1]), Tensor.fromArray([[[[0.5], [2]].concat([[3.5]])]]), '5 → 3 overlapping bins');
  t.deepEqual(adaptiveAvgPool2d(x, [null, 2]).shape, [2, 3, 5, 2], 'null keeps the input size');
  t.throws(() => adaptiveAvgPool2d(x, 0), ArgumentError);
  t.throws(() => adaptiveAvgPool2d(Tensor.zeros([3, 5, 7]), 1), ShapeError);
  t.end();
});

test('avgPool2d: divisor with and without padding, ceil mode', (t) => {
  const y = Tensor.arange(16).reshape([1, 1, 4, 4]);
  t.deepEqual(
    avgPool2d(y, { kernelSize: 2 }).toArray(),
    [
      [
        [
          [2.5, 4.5],
          [10.5, 12.5],
        ],
      ],
    ],
    'k = s = 2',
  );
  // 3×3 stride 2 pad 1: the top-left window covers rows/cols −1..1 → input {0,1,4,5}
  const inc = avgPool2d(y, { kernelSize: 3, stride: 2, padding: 1 }).get(0, 0, 0, 0);
  const exc = avgPool2d(y, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }).get(0, 0, 0, 0);
  t.ok(Math.abs(inc - 10 / 9) < 1e-6, 'count_include_pad=true divides by 9');
  t.ok(Math.abs(exc - 10 / 4) < 1e-6, 'count_include_pad=false divides by 4');
  const z = Tensor.ones([1, 1, 5, 5]);
  t.deepEqual(avgPool2d(z, { kernelSize: 2 }).shape, [1, 1, 2, 2], 'floor mode');
  const ceil = avgPool2d(z, { kernelSize: 2, ceilMode: true });
  t.deepEqual(ceil.shape, [1, 1, 3, 3], 'ceil mode adds the ragged window');
  t.equal(ceil.get(0, 0, 2, 2), 1, 'the ragged window divides by its clipped size');
  t.throws(() => avgPool2d(z, { kernelSize: 2, padding: 2 }), ArgumentError, 'padding over half the kernel');
  t.throws(() => avgPool2d(z, {} as never), ArgumentError, 'kernelSize required');
  t.throws(() => avgPool2d(Tensor.ones([1, 1, 1, 1]), { kernelSize: 3 }), ShapeError, 'empty output');
  t.end();
});
