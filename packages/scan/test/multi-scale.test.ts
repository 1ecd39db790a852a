import { ArgumentError, ShapeError, Tensor } from '@vssm/core';
import fc from 'fast-check';
import test from 'tape';
import { lowResolutionGrid, multiScaleIndex, multiScaleMerge, multiScaleOrders, multiScaleScan, reverse, scan } from '../src/index.js';
import { arbitraryGrid, dot, randomIntTensor, sameTensor, checkProperty } from './helpers.js';

test('lowResolutionGrid is ceil(H/2) x ceil(W/2) (k7/s2/p3 conv output)', (t) => {
  t.deepEqual(lowResolutionGrid(56, 56), { H: 28, W: 28 });
  t.deepEqual(lowResolutionGrid(7, 7), { H: 4, W: 4 });
  t.deepEqual(lowResolutionGrid(25, 1), { H: 13, W: 1 });
  t.deepEqual(multiScaleOrders(7, 7).low.length, 48, 'stage 3 at 224: 3·4·4 = 48');
  t.deepEqual(multiScaleOrders(56, 56).low.length, 2352, 'stage 0 at 224: 3·28·28');
  t.end();
});

test('multiScaleScan concatenates scan(h_flip), scan(v), scan(v_flip)', (t) => {
  const x1 = Tensor.randn([2, 5, 3, 4], 11);
  const y = multiScaleScan(x1);
  t.deepEqual(y.shape, [2, 5, 36]);
  t.ok(sameTensor(y.slice(null, null, [0, 12]).contiguous(), scan(x1, 'h_flip')), 'segment 0');
  t.ok(sameTensor(y.slice(null, null, [12, 24]).contiguous(), scan(x1, 'v')), 'segment 1');
  t.ok(sameTensor(y.slice(null, null, [24, 36]).contiguous(), scan(x1, 'v_flip')), 'segment 2');
  const tokens = x1.permute(0, 2, 3, 1).reshape([2, 12, 5]);
  t.ok(sameTensor(multiScaleScan(tokens, { H: 3, W: 4 }), y), '[B, L, C] input');
  t.end();
});

test('multiScaleMerge sums the three un-scanned segments', (t) => {
  const y = randomIntTensor([1, 2, 18], 5);
  const merged = multiScaleMerge(y, { H: 2, W: 3 });
  const seg = (k: number) => y.slice(null, null, [k * 6, (k + 1) * 6]).contiguous();
  const want = reverse(seg(0), 'h_flip', { H: 2, W: 3, layout: 'bchw' })
    .add(reverse(seg(1), 'v', { H: 2, W: 3, layout: 'bchw' }))
    .add(reverse(seg(2), 'v_flip', { H: 2, W: 3, layout: 'bchw' }));
  t.ok(sameTensor(merged, want));
  t.deepEqual(multiScaleMerge(y, { H: 2, W: 3, layout: 'bcl' }).shape, [1, 2, 6]);
  t.ok(sameTensor(multiScaleMerge(y, { H: 2, W: 3, layout: 'bhwc' }), want.permute(0, 2, 3, 1).contiguous()), 'layout bhwc');
  t.end();
});

test('property: the multi-scale merge of a scanned map is 3x the map; merge is the adjoint of scan', (t) => {
  checkProperty(
    t,
    fc.property(arbitraryGrid, fc.integer({ min: 1, max: 21 }), fc.integer({ min: 0, max: 1 << 30 }), ({ H, W }, C, seed) => {
      const x = randomIntTensor([2, C, H, W], seed);
      const threeX = sameTensor(multiScaleMerge(multiScaleScan(x), { H, W }), x.mul(3));
      const y = randomIntTensor([2, C, 3 * H * W], seed + 1);
      const adjoint = dot(multiScaleScan(x), y) === dot(x, multiScaleMerge(y, { H, W }));
      return threeX && adjoint;
    }),
    'property holds',
  );
  const x = Tensor.randn([1, 3, 5, 7], 2);
  t.ok(
    sameTensor(multiScaleMerge(multiScaleScan(x), { H: 5, W: 7 }), x.mul(3)),
    'also for non-integer values (x + x + x == 3x in float32)',
  );
  t.end();
});

test('multi-scale errors', (t) => {
  t.throws(() => multiScaleMerge(Tensor.zeros([1, 2, 17]), { H: 2, W: 3 }), ShapeError, 'length must be 3·H·W');
  t.throws(() => multiScaleMerge(Tensor.zeros([1, 2, 18]), undefined as never), ArgumentError, 'grid required');
  t.throws(() => multiScaleIndex(0, 3), ArgumentError);
  t.throws(() => lowResolutionGrid(2.5, 3), ArgumentError);
  t.end();
});
