import { Tensor } from '@vssm/core';
import test from 'tape';
import { multiScaleIndex, multiScaleOrders, multiScaleScan, reverse, scan, scanIndex } from '../src/index.js';

const P = -1;
const order = (direction: string, H: number, W: number) => Array.from(scanIndex(direction, H, W).order);

test('localmamba.md §1.3: all eight directions on a 4x4 grid', (t) => {
  t.deepEqual(order('h', 4, 4), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  t.deepEqual(order('h_flip', 4, 4), [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  t.deepEqual(order('v', 4, 4), [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]);
  t.deepEqual(order('v_flip', 4, 4), [15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0]);
  t.deepEqual(order('w2', 4, 4), [0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
  t.deepEqual(order('w2_flip', 4, 4), [15, 14, 11, 10, 13, 12, 9, 8, 7, 6, 3, 2, 5, 4, 1, 0]);
  const w7 = [0, 1, 2, 3, P, P, P, 4, 5, 6, 7, P, P, P, 8, 9, 10, 11, P, P, P, 12, 13, 14, 15, P, P, P, ...Array(21).fill(P)];
  t.deepEqual(order('w7', 4, 4), w7);
  t.equal(w7.length, 49);
  t.deepEqual(order('w7_flip', 4, 4), [
    ...Array(21).fill(P),
    P,
    P,
    P,
    15,
    14,
    13,
    12,
    P,
    P,
    P,
    11,
    10,
    9,
    8,
    P,
    P,
    P,
    7,
    6,
    5,
    4,
    P,
    P,
    P,
    3,
    2,
    1,
    0,
  ]);
  const w7Index = scanIndex('w7', 4, 4);
  t.deepEqual([w7Index.paddedH, w7Index.paddedW, w7Index.padding], [7, 7, 33], 'padded to 7x7 with 33 padding tokens');
  t.end();
});

test('localmamba.md §1.3: 3x3 grid with w2 pads to 4x4 (L′ = 16) and the flip reverses all 16', (t) => {
  const w2 = [0, 1, 3, 4, 2, P, 5, P, 6, 7, P, P, 8, P, P, P];
  t.deepEqual(order('w2', 3, 3), w2);
  t.deepEqual(order('w2_flip', 3, 3), [...w2].reverse());
  const x = Tensor.arange(1, 10).reshape([1, 1, 3, 3]);
  t.deepEqual(scan(x, 'w2').toArray(), [[[1, 2, 4, 5, 3, 0, 6, 0, 7, 8, 0, 0, 9, 0, 0, 0]]], 'padding tokens are zeros');
  t.deepEqual(reverse(scan(x, 'w2_flip'), 'w2_flip', { H: 3, W: 3, layout: 'bchw' }).toArray(), x.toArray(), 'reverse crops the padding');
  t.end();
});

test('localmamba.md §1.2: the official v reverse on a 2x3 grid gives [0,4,3,2,1,5]; the exact one restores [0..5]', (t) => {
  const x = Tensor.arange(6).reshape([1, 6, 1]);
  const y = scan(x, 'v', { H: 2, W: 3 });
  t.deepEqual(y.toArray(), [[[0, 3, 1, 4, 2, 5]]]);
  t.deepEqual(reverse(y, 'v', { H: 2, W: 3, reverseMode: 'official-v-bug' }).toArray(), [[[0, 4, 3, 2, 1, 5]]]);
  t.deepEqual(reverse(y, 'v', { H: 2, W: 3 }).toArray(), [[[0, 1, 2, 3, 4, 5]]]);
  t.end();
});

test('msvmamba.md §1.3: 4x6 full resolution is row-major 0..23', (t) => {
  const { full, low } = multiScaleOrders(4, 6);
  t.deepEqual(
    Array.from(full.order),
    Array.from({ length: 24 }, (_, i) => i),
  );
  t.deepEqual([low.H, low.W], [2, 3], 'the k7/s2/p3 conv gives a 2x3 low-resolution grid');
  t.end();
});

test('msvmamba.md §1.3: 2x3 low resolution is [5 4 3 2 1 0 | 0 3 1 4 2 5 | 5 2 4 1 3 0]', (t) => {
  const expected = [5, 4, 3, 2, 1, 0, 0, 3, 1, 4, 2, 5, 5, 2, 4, 1, 3, 0];
  const index = multiScaleIndex(2, 3);
  t.deepEqual(Array.from(index.order), expected);
  t.deepEqual(index.offsets, [0, 6, 12]);
  t.deepEqual(
    index.segments.map((s) => s.name),
    ['h_flip', 'v', 'v_flip'],
  );
  const x1 = Tensor.arange(6).reshape([1, 1, 2, 3]);
  t.deepEqual(multiScaleScan(x1).toArray(), [[expected]], 'multiScaleScan gathers the same sequence');
  t.end();
});
