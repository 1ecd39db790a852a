import { ShapeError, Tensor } from '@vssm/core';
import test from 'tape';
import { mergeMany, reverse, reverseMany, scan, scanMany } from '../src/index.js';
import { sameTensor } from './helpers.js';

const directions = ['h_flip', 'v_flip', 'w2_flip', 'w7_flip'];

test('scanMany pads every direction at the end to the longest L′ (LocalVMamba block 13 on 7x7)', (t) => {
  const x = Tensor.randn([2, 3, 7, 7], 4);
  const ys = scanMany(x, directions);
  t.deepEqual(ys.shape, [2, 4, 3, 64], 'w2 pads 7x7 to 8x8, so Lmax = 64');
  directions.forEach((d, k) => {
    const single = scan(x, d);
    const L = single.shape[2];
    t.ok(sameTensor(ys.slice(null, k, null, [0, L]).contiguous(), single), `${d}: first ${L} positions`);
    const tail = ys.slice(null, k, null, [L, 64]).contiguousData();
    t.ok(
      tail.every((v) => v === 0),
      `${d}: tail of ${64 - L} zeros`,
    );
  });
  t.end();
});

test('reverseMany and mergeMany undo scanMany', (t) => {
  const x = Tensor.randn([2, 3, 7, 7], 5);
  const ys = scanMany(x, directions);
  const back = reverseMany(ys, directions, { H: 7, W: 7 });
  t.deepEqual(back.shape, [2, 4, 3, 49]);
  for (let k = 0; k < 4; k++) t.ok(sameTensor(back.slice(null, k).contiguous(), x.reshape([2, 3, 49])), `direction ${k}`);
  t.deepEqual(reverseMany(ys, directions, { H: 7, W: 7, layout: 'blc' }).shape, [2, 4, 49, 3]);
  t.deepEqual(reverseMany(ys, directions, { H: 7, W: 7, layout: 'bhwc' }).shape, [2, 4, 7, 7, 3]);
  const merged = mergeMany(ys, directions, { H: 7, W: 7, layout: 'bchw' });
  t.ok(sameTensor(merged, x.add(x).add(x).add(x)), 'sum of four identical maps, accumulated in order');
  const y2 = Tensor.randn([1, 2, 2, 16], 9);
  const manual = reverse(y2.slice(null, 0).contiguous(), 'h', { H: 4, W: 4 }).add(
    reverse(y2.slice(null, 1).contiguous(), 'w2', { H: 4, W: 4 }),
  );
  t.ok(sameTensor(mergeMany(y2, ['h', 'w2'], { H: 4, W: 4 }), manual), 'merge of different data');
  t.end();
});

test('scanMany / reverseMany errors', (t) => {
  const x = Tensor.zeros([1, 2, 3, 3]);
  t.throws(() => scanMany(x, []), ShapeError, 'empty direction list');
  t.throws(() => reverseMany(Tensor.zeros([1, 2, 2, 9]), ['h'], { H: 3, W: 3 }), /K=2 but 1 directions/);
  t.throws(() => reverseMany(Tensor.zeros([1, 2, 2, 9]), ['h', 'w2'], { H: 3, W: 3 }), /needs length 16/);
  t.throws(() => mergeMany(Tensor.zeros([1, 2, 9]), ['h'], { H: 3, W: 3 }), ShapeError, 'rank 3');
  t.end();
});
