import { Tensor } from '@vssm/core';
import fc from 'fast-check';
import test from 'tape';

/** A random strided view of a fresh tensor: permuted, sliced with steps, flipped. */
const views = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 4 }),
    seed: fc.integer(),
    perm: fc.integer({ min: 0, max: 1000 }),
    flip: fc.boolean(),
    step: fc.boolean(),
  })
  .map(({ shape, seed, perm, flip, step }) => {
    let t = Tensor.randn(step ? shape.map((d, i) => (i === 0 ? 2 * d : d)) : shape, seed);
    if (step && t.rank > 0) t = t.slice([undefined, undefined, 2]);
    if (t.rank > 1) {
      const axes = [...Array(t.rank).keys()];
      for (let i = axes.length - 1; i > 0; i--) {
        const j = (perm + i * 7) % (i + 1);
        [axes[i], axes[j]] = [axes[j], axes[i]];
      }
      t = t.permute(...axes);
    }
    if (flip && t.rank > 0) t = t.flip(0);
    return t;
  });

/** Row-major values of `t` read one element at a time through get(). */
function valuesOf(t: Tensor): number[] {
  const out: number[] = [];
  const idx = new Array<number>(t.rank).fill(0);
  for (let n = 0; n < t.size; n++) {
    out.push(t.get(...idx));
    for (let a = t.rank - 1; a >= 0; a--) {
      if (++idx[a] < t.shape[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

test('contiguous() of strided views (permuted, stepped, flipped) reads every element in row-major order', (t) => {
  fc.assert(
    fc.property(views, (v) => {
      const c = v.contiguous();
      return c.isContiguous && Array.from(c.contiguousData()).every((x, i) => x === valuesOf(v)[i]);
    }),
    { numRuns: 150 },
  );
  t.pass('150 random views');
  t.end();
});

test('add/sub/mul/div of strided and broadcast views = the float32 elementwise result', (t) => {
  const ops = [
    ['add', (a: number, b: number) => Math.fround(a + b)],
    ['sub', (a: number, b: number) => Math.fround(a - b)],
    ['mul', (a: number, b: number) => Math.fround(a * b)],
    ['div', (a: number, b: number) => Math.fround(a / b)],
  ] as const;
  fc.assert(
    fc.property(views, fc.integer(), fc.integer({ min: 0, max: 3 }), fc.boolean(), (a, seed, which, broadcast) => {
      // the other operand: same shape (its own random layout), or a broadcast one with some axes of size 1
      let b = Tensor.randn(a.shape, seed).permute(...[...Array(a.rank).keys()]);
      if (broadcast)
        b = Tensor.randn(
          a.shape.map((d, i) => (i % 2 === 0 ? 1 : d)),
          seed,
        );
      const [name, f] = ops[which];
      const got = a[name](b);
      const ab = valuesOf(a);
      const bb = valuesOf(b.broadcastTo(a.shape));
      const want = ab.map((x, i) => f(x, bb[i]));
      const gotValues = Array.from(got.contiguousData());
      return (
        got.shape.join() === a.shape.join() &&
        gotValues.every((x, i) => Object.is(x, want[i]) || (Number.isNaN(x) && Number.isNaN(want[i])))
      );
    }),
    { numRuns: 200 },
  );
  t.pass('200 random cases, bit-identical');
  t.end();
});

test('binary ops broadcast both ways and keep scalar operands', (t) => {
  const a = Tensor.fromArray([[1], [2]]);
  const b = Tensor.fromArray([10, 20, 30]);
  t.deepEqual(a.add(b).toArray(), [
    [11, 21, 31],
    [12, 22, 32],
  ]);
  t.deepEqual(b.sub(a).toArray(), [
    [9, 19, 29],
    [8, 18, 28],
  ]);
  t.deepEqual(a.mul(2).toArray(), [[2], [4]]);
  t.deepEqual(Tensor.scalar(3).mul(Tensor.scalar(4)).item(), 12);
  t.deepEqual(Tensor.zeros([0, 3]).add(Tensor.ones([3])).shape, [0, 3]);
  t.end();
});
