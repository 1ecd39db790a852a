import { Tensor } from '@vssm/core';
import fc from 'fast-check';
import test from 'tape';
import { type TokenLayout, reverse, reverseIndex, scan, scanIndex } from '../src/index.js';
import { arbitraryDirection, arbitraryGrid, dot, randomIntTensor, sameTensor, checkProperty } from './helpers.js';

const arbitraryCase = fc.record({
  grid: arbitraryGrid,
  direction: arbitraryDirection,
  B: fc.integer({ min: 1, max: 2 }),
  C: fc.integer({ min: 1, max: 37 }),
  layout: fc.constantFrom<TokenLayout>('blc', 'bcl', 'bchw', 'bhwc'),
  seed: fc.integer({ min: 0, max: 1 << 30 }),
});

function shapeFor(layout: TokenLayout, B: number, C: number, H: number, W: number): number[] {
  return { blc: [B, H * W, C], bcl: [B, C, H * W], bchw: [B, C, H, W], bhwc: [B, H, W, C] }[layout];
}

/** Straightforward reference: y[b, c, s] = x at token order[s] (0 for padding), read through Tensor.get. */
function referenceScan(x: Tensor, layout: TokenLayout, order: Int32Array, B: number, C: number, W: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      for (const p of order) {
        if (p < 0) out.push(0);
        else if (layout === 'blc') out.push(x.get(b, p, c));
        else if (layout === 'bcl') out.push(x.get(b, c, p));
        else if (layout === 'bchw') out.push(x.get(b, c, Math.floor(p / W), p % W));
        else out.push(x.get(b, Math.floor(p / W), p % W, c));
      }
    }
  }
  return out;
}

test('property: scan equals a per-element reference gather, padding positions are 0', (t) => {
  checkProperty(
    t,
    fc.property(arbitraryCase, ({ grid: { H, W }, direction, B, C, layout, seed }) => {
      const x = Tensor.randn(shapeFor(layout, B, C, H, W), seed);
      const y = scan(x, direction, { H, W, layout });
      const index = scanIndex(direction, H, W);
      if (y.shape.join() !== [B, C, index.length].join()) return false;
      const ref = referenceScan(x, layout, index.order, B, C, W);
      const got = y.contiguousData();
      return ref.every((v, i) => v === got[i]);
    }),
    'scan matches the reference on grids 1x1 … 20x17, all layouts',
  );
  t.end();
});

test('property: reverse(scan(x)) is the identity for all directions and layouts', (t) => {
  checkProperty(
    t,
    fc.property(arbitraryCase, ({ grid: { H, W }, direction, B, C, layout, seed }) => {
      const x = Tensor.randn(shapeFor(layout, B, C, H, W), seed);
      const back = reverse(scan(x, direction, { H, W, layout }), direction, { H, W, layout });
      return sameTensor(back, x);
    }),
    'round trip exact on grids 1x1 … 20x17',
  );
  t.end();
});

test('property: reverse is the adjoint of scan (<scan(x), y> = <x, reverse(y)>)', (t) => {
  checkProperty(
    t,
    fc.property(arbitraryCase, ({ grid: { H, W }, direction, B, C, seed }) => {
      const x = randomIntTensor([B, C, H, W], seed);
      const y = randomIntTensor([B, C, scanIndex(direction, H, W).length], seed + 1);
      return dot(scan(x, direction), y) === dot(x, reverse(y, direction, { H, W, layout: 'bchw' }));
    }),
    'adjoint identity holds exactly',
  );
  t.end();
});

test('property: the official-v-bug reverse equals the exact one iff H == W (or a side is 1), and never differs for other directions', (t) => {
  checkProperty(
    t,
    fc.property(arbitraryGrid, arbitraryDirection, fc.integer({ min: 0, max: 1 << 30 }), ({ H, W }, direction, seed) => {
      const x = Tensor.randn([2, 3, H, W], seed);
      const y = scan(x, direction);
      const official = reverse(y, direction, { H, W, layout: 'bchw', reverseMode: 'official-v-bug' });
      const isV = direction === 'v' || direction === 'v_flip';
      const shouldDiffer = isV && H !== W && H > 1 && W > 1;
      return sameTensor(official, x) === !shouldDiffer;
    }),
    'property holds',
  );
  for (const H of [1, 2, 5, 14]) {
    for (const d of ['v', 'v_flip']) {
      const exact = reverseIndex(d, H, H).positions;
      const official = reverseIndex(d, H, H, { reverseMode: 'official-v-bug' }).positions;
      t.deepEqual(Array.from(official), Array.from(exact), `${d} on ${H}x${H}: official == exact`);
    }
  }
  const exact23 = Array.from(reverseIndex('v_flip', 2, 3).positions);
  const official23 = Array.from(reverseIndex('v_flip', 2, 3, { reverseMode: 'official-v-bug' }).positions);
  t.notDeepEqual(official23, exact23, 'v_flip on 2x3 differs');
  t.deepEqual(exact23, [5, 3, 1, 4, 2, 0], 'exact v_flip inverse on 2x3');
  t.deepEqual(official23, [5, 2, 4, 1, 3, 0], 'official v_flip: flip, then y[a·W+b] -> out[b·H+a]');
  t.end();
});

test('scan accepts non-contiguous views', (t) => {
  const base = Tensor.randn([2, 5, 4, 3], 7);
  const view = base.permute(0, 3, 1, 2); // [B, C=3, H=5, W=4] view, not contiguous
  t.notOk(view.isContiguous);
  t.ok(sameTensor(scan(view, 'w2'), scan(view.contiguous(), 'w2')));
  t.end();
});
