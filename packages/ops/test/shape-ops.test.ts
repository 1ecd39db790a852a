import { ArgumentError, goldenClose, loadSafetensors, ShapeError, Tensor } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import fc from 'fast-check';
import test from 'tape';
import { applyRope, concat, pad, patchMerging2d, ropeTables, split, stack } from '../src/index.js';
import { assertClose, checkProperty } from './helpers.js';

test('pad: F.pad order (last axis first), value, negative amounts crop', (t) => {
  const x = Tensor.fromArray([
    [1, 2],
    [3, 4],
  ]);
  t.deepEqual(
    pad(x, [1, 0]).toArray(),
    [
      [0, 1, 2],
      [0, 3, 4],
    ],
    'left 1 on the last axis',
  );
  t.deepEqual(
    pad(x, [0, 1, 2, 0], { value: 9 }).toArray(),
    [
      [9, 9, 9],
      [9, 9, 9],
      [1, 2, 9],
      [3, 4, 9],
    ],
    'right 1, top 2, value 9',
  );
  t.deepEqual(
    pad(x, [-1, 1]).toArray(),
    [
      [2, 0],
      [4, 0],
    ],
    'crop 1 on the left, pad 1 on the right',
  );
  t.deepEqual(pad(x, []).toArray(), x.toArray(), 'no pads = copy');
  const nhwc = Tensor.randn([1, 3, 5, 2], 1);
  const padded = pad(nhwc, [0, 0, 0, 1, 0, 1]);
  t.deepEqual(padded.shape, [1, 4, 6, 2], "PatchMerging2D's F.pad(x, (0,0, 0,W%2, 0,H%2)) shape");
  t.equal(padded.get(0, 3, 5, 1), 0);
  t.equal(padded.get(0, 2, 4, 1), nhwc.get(0, 2, 4, 1));
  t.throws(() => pad(x, [1]), ArgumentError, 'odd length');
  t.throws(() => pad(x, [1, 1, 1, 1, 1, 1]), ArgumentError, 'more pairs than axes');
  t.throws(
    () => pad(x, [-2, -1]),
    (e: unknown) => e instanceof ShapeError && /pad.*negative size/.test(e.message),
  );
  t.throws(() => pad(x, [1, 1], { mode: 'reflect' as never }), ArgumentError, 'unknown mode');
  t.end();
});

test('concat / split / stack: hand-computed and round trips', (t) => {
  const a = Tensor.fromArray([
    [1, 2],
    [3, 4],
  ]);
  const b = Tensor.fromArray([[5, 6]]);
  t.deepEqual(concat([a, b]).toArray(), [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  t.deepEqual(
    concat([a, a.transpose()], -1).toArray(),
    [
      [1, 2, 1, 3],
      [3, 4, 2, 4],
    ],
    'axis −1 with a non-contiguous input',
  );
  t.deepEqual(stack([a, a], 1).toArray(), [
    [
      [1, 2],
      [1, 2],
    ],
    [
      [3, 4],
      [3, 4],
    ],
  ]);
  t.deepEqual(stack([a, a], -1).shape, [2, 2, 2]);
  const [p, q] = split(Tensor.arange(6).reshape([2, 3]), [1, 2], 1);
  t.deepEqual(p.toArray(), [[0], [3]]);
  t.deepEqual(q.toArray(), [
    [1, 2],
    [4, 5],
  ]);
  const halves = split(Tensor.arange(8).reshape([2, 4]), 2, -1);
  t.deepEqual(
    halves.map((h) => h.toArray()),
    [
      [
        [0, 1],
        [4, 5],
      ],
      [
        [2, 3],
        [6, 7],
      ],
    ],
    'count 2 = chunk(2, dim=-1)',
  );
  const src = Tensor.arange(4);
  const [whole] = split(src, 1);
  whole.set(99, 0);
  t.equal(src.get(0), 0, 'parts are copies, not views of the input');

  checkProperty(
    t,
    fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
      fc.nat(),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
      fc.integer(),
      (shape, axisSeed, sizes, seed) => {
        const axis = axisSeed % shape.length;
        const full = shape.slice();
        full[axis] = sizes.reduce((s, d) => s + d, 0);
        const x = Tensor.randn(full, seed);
        const parts = split(x, sizes, axis);
        if (parts.some((part, i) => part.shape[axis] !== sizes[i])) return false;
        const back = concat(parts, axis);
        const s = stack(parts.filter((u) => u.shape[axis] === sizes[0]).slice(0, 1), axis);
        return (
          back.shape.join() === x.shape.join() && back.contiguousData().every((v, i) => v === x.contiguousData()[i]) && s.shape[axis] === 1
        );
      },
    ),
    { numRuns: 100, seed: 5 },
    'concat(split(x, sizes, axis), axis) == x',
  );
  t.throws(
    () => concat([a, Tensor.zeros([2, 3])]),
    (e: unknown) => e instanceof ShapeError && /concat.*\[2, 2\].*\[2, 3\]/.test(e.message),
  );
  t.throws(() => concat([]), ArgumentError);
  t.throws(() => stack([a, b]), ShapeError);
  t.throws(() => split(a, 3, 0), ArgumentError, 'count not dividing');
  t.throws(() => split(a, [1, 2], 0), ShapeError, 'sizes not adding up');
  t.throws(() => split(a, [1, 1], 2), ShapeError, 'axis out of range');
  t.end();
});

/** Brute force straight from the official code: pad to even, then cat([x0, x1, x2, x3], -1). */
function naivePatchMerging(x: Tensor): Tensor {
  const [B, H, W, C] = x.shape;
  const H2 = Math.ceil(H / 2);
  const W2 = Math.ceil(W / 2);
  const out = Tensor.zeros([B, H2, W2, 4 * C]);
  const at = (b: number, y: number, xx: number, c: number) => (y < H && xx < W ? x.get(b, y, xx, c) : 0);
  const order = [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ];
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H2; i++)
      for (let j = 0; j < W2; j++)
        order.forEach(([dy, dx], q) => {
          for (let c = 0; c < C; c++) out.set(at(b, 2 * i + dy, 2 * j + dx, c), b, i, j, q * C + c);
        });
  return out;
}

test('patchMerging2d: Swin order, even and odd sizes', (t) => {
  const x = Tensor.arange(16).reshape([1, 4, 4, 1]);
  t.deepEqual(
    patchMerging2d(x).toArray(),
    [
      [
        [
          [0, 4, 1, 5],
          [2, 6, 3, 7],
        ],
        [
          [8, 12, 9, 13],
          [10, 14, 11, 15],
        ],
      ],
    ],
    'hand-computed 4×4 single channel: x0=(0,0), x1=(1,0), x2=(0,1), x3=(1,1)',
  );
  for (const shape of [
    [2, 4, 6, 3],
    [1, 5, 4, 2],
    [1, 4, 7, 2],
    [2, 7, 7, 3],
    [1, 1, 1, 4],
  ]) {
    const y = Tensor.randn(shape, shape[1] * 10 + shape[2]);
    const got = patchMerging2d(y);
    t.deepEqual(
      got.shape,
      [shape[0], Math.ceil(shape[1] / 2), Math.ceil(shape[2] / 2), 4 * shape[3]],
      `shape for ${JSON.stringify(shape)}`,
    );
    t.deepEqual(got.toArray(), naivePatchMerging(y).toArray(), `values for ${JSON.stringify(shape)}`);
  }
  t.throws(
    () => patchMerging2d(Tensor.zeros([4, 4, 3])),
    (e: unknown) => e instanceof ShapeError && /patchMerging2d.*\(B, H, W, C\)/.test(e.message),
  );
  t.end();
});

test('applyRope: adjacent-pair rotation with per-channel tables', (t) => {
  const x = Tensor.randn([2, 3, 6], 1);
  const cos = Tensor.randn([3, 6], 2);
  const sin = Tensor.randn([3, 6], 3);
  const got = applyRope(x, cos, sin);
  const want = Tensor.zeros([2, 3, 6]);
  for (let b = 0; b < 2; b++)
    for (let l = 0; l < 3; l++)
      for (let m = 0; m < 3; m++) {
        const a = x.get(b, l, 2 * m);
        const c = x.get(b, l, 2 * m + 1);
        want.set(a * cos.get(l, 2 * m) - c * sin.get(l, 2 * m), b, l, 2 * m);
        want.set(c * cos.get(l, 2 * m + 1) + a * sin.get(l, 2 * m + 1), b, l, 2 * m + 1);
      }
  assertClose(t, got, want, 'brute force');
  const angle = Math.PI / 2;
  const q = applyRope(Tensor.fromArray([[1, 0, 0, 1]]), Tensor.full([1, 4], Math.cos(angle)), Tensor.full([1, 4], Math.sin(angle)));
  assertClose(t, q, Tensor.fromArray([[0, 1, -1, 0]]), 'a quarter turn maps (1,0) → (0,1) and (0,1) → (−1,0)');
  t.throws(
    () => applyRope(x, cos.slice([0, 2]), sin.slice([0, 2])),
    (e: unknown) => e instanceof ShapeError && /applyRope/.test(e.message),
  );
  t.throws(() => applyRope(Tensor.zeros([3, 5]), Tensor.zeros([3, 5]), Tensor.zeros([3, 5])), ShapeError, 'odd channel count');
  t.throws(() => applyRope(x, cos, Tensor.zeros([3, 4])), ShapeError, 'cos/sin mismatch');
  t.end();
});

test('ropeTables: the official VisionRotaryEmbeddingFast buffers (golden local-vim-rope)', async (t) => {
  const model = await loadSafetensors(goldenFile('local-vim-rope.safetensors'));
  const config = JSON.parse(model.metadata.config) as { img_size: number; patch_size: number; embed_dim: number };
  const { cos, sin } = ropeTables({ dim: config.embed_dim / 2, ptSeqLen: 14, ftSeqLen: config.img_size / config.patch_size });
  const wantCos = model.get('param.rope.freqs_cos');
  const wantSin = model.get('param.rope.freqs_sin');
  t.deepEqual(cos.shape, wantCos.shape, `cos shape ${JSON.stringify(cos.shape)}`);
  const rc = goldenClose(cos, wantCos, 'output');
  const rs = goldenClose(sin, wantSin, 'output');
  t.ok(rc.ok, `freqs_cos: ${rc.message}`);
  t.ok(rs.ok, `freqs_sin: ${rs.message}`);
  // LocalVim-T at 224: D = 192 → dim 96, 14×14 grid, t = idx
  const full = ropeTables({ dim: 96, ptSeqLen: 14, ftSeqLen: 14 });
  t.deepEqual(full.cos.shape, [196, 192]);
  const theta1 = 1 / 10000 ** (2 / 96);
  t.ok(Math.abs(full.cos.get(3 * 14 + 5, 2) - Math.cos(3 * theta1)) < 1e-6, 'channel 2 of token (3,5) uses the row position 3 and θ_1');
  t.ok(Math.abs(full.sin.get(3 * 14 + 5, 96 + 3) - Math.sin(5 * theta1)) < 1e-6, 'channel 96+3 uses the column position 5 and θ_1');
  t.throws(() => ropeTables({ dim: 0 }), ArgumentError);
  t.end();
});
