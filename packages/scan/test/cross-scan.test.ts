import { ShapeError, Tensor } from '@vssm/core';
import fc from 'fast-check';
import test from 'tape';
import { CROSS_SCAN_DIRECTIONS, crossMerge, crossScan, scan } from '../src/index.js';
import { arbitraryGrid, dot, randomIntTensor, sameTensor, checkProperty } from './helpers.js';

test('crossScan stacks h, v, h_flip, v_flip into [B, 4, C, L]', (t) => {
  const x = Tensor.randn([2, 3, 4, 5], 1);
  const ys = crossScan(x);
  t.deepEqual(ys.shape, [2, 4, 3, 20]);
  CROSS_SCAN_DIRECTIONS.forEach((d, k) => {
    t.ok(sameTensor(ys.slice(null, k).contiguous(), scan(x, d)), `k=${k} is ${d}`);
  });
  const tokens = x.permute(0, 2, 3, 1).reshape([2, 20, 3]);
  t.ok(sameTensor(crossScan(tokens, { H: 4, W: 5 }), ys), '[B, L, C] input with { H, W } gives the same');
  t.end();
});

test('crossMerge follows the spec formula ys0[hW+w] + ys2[L-1-(hW+w)] + ys1[wH+h] + ys3[L-1-(wH+h)]', (t) => {
  const [B, C, H, W] = [2, 3, 3, 5];
  const L = H * W;
  const ys = randomIntTensor([B, 4, C, L], 3);
  const merged = crossMerge(ys, { H, W });
  t.deepEqual(merged.shape, [B, C, H, W]);
  let ok = true;
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          const r = h * W + w;
          const col = w * H + h;
          const want = ys.get(b, 0, c, r) + ys.get(b, 2, c, L - 1 - r) + ys.get(b, 1, c, col) + ys.get(b, 3, c, L - 1 - col);
          if (merged.get(b, c, h, w) !== want) ok = false;
        }
      }
    }
  }
  t.ok(ok, 'every element matches');
  t.deepEqual(crossMerge(ys, { H, W, layout: 'bcl' }).shape, [B, C, L], 'layout bcl gives (B, C, L)');
  t.ok(sameTensor(crossMerge(ys.reshape([B, 4, C, H, W])), merged), '[B, 4, C, H, W] input');
  t.ok(sameTensor(crossMerge(ys, { H, W, layout: 'blc' }), merged.reshape([B, C, L]).permute(0, 2, 1).contiguous()), 'layout blc');
  t.end();
});

test('property: crossMerge is the adjoint of crossScan, and crossMerge(crossScan(x)) = 4x', (t) => {
  checkProperty(
    t,
    fc.property(arbitraryGrid, fc.integer({ min: 1, max: 19 }), fc.integer({ min: 0, max: 1 << 30 }), ({ H, W }, C, seed) => {
      const x = randomIntTensor([2, C, H, W], seed);
      const y = randomIntTensor([2, 4, C, H * W], seed + 1);
      const adjoint = dot(crossScan(x), y) === dot(x, crossMerge(y, { H, W }));
      const fourX = sameTensor(crossMerge(crossScan(x), { H, W }), x.mul(4));
      return adjoint && fourX;
    }),
    'adjoint on grids 1x1 … 20x17',
  );
  t.end();
});

test('crossMerge rejects bad shapes', (t) => {
  t.throws(() => crossMerge(Tensor.zeros([1, 3, 2, 6]), { H: 2, W: 3 }), ShapeError, 'K must be 4');
  t.throws(() => crossMerge(Tensor.zeros([1, 4, 2, 7]), { H: 2, W: 3 }), /length 7/, 'L must be H·W');
  t.throws(() => crossMerge(Tensor.zeros([1, 4, 2, 6])), /needs the grid size/, 'H, W required for rank 4');
  t.throws(() => crossMerge(Tensor.zeros([1, 4, 2, 2, 3]), { H: 3, W: 2 }), /is 2x3/, 'H, W must agree with rank 5');
  t.throws(() => crossMerge(Tensor.zeros([4, 2, 6])), ShapeError, 'rank 3');
  t.end();
});
