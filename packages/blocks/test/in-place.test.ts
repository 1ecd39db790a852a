import { goldenClose, ShapeError, Tensor } from '@vssm/core';
import { ConvFFN } from '@vssm/convffn';
import { withBackend } from '@vssm/ops';
import fc from 'fast-check';
import test from 'tape';
import { addInto, mulInto } from '../src/common/in-place.js';
import { acquire, clearScratch, release, scratchBytes } from '../src/common/scratch.js';
import { convFfnForward } from '../src/msvmamba/vss-block.js';

test('addInto / mulInto: bit-identical to add / mul, written into the target, for contiguous and strided operands', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer(),
      (a, b, c, seed) => {
        const other = Tensor.randn([a, c, b], seed).permute(0, 2, 1); // strided (a, b, c)
        const plain = Tensor.randn([a, b, c], seed + 1);
        for (const o of [other, plain]) {
          const target = Tensor.randn([a, b, c], seed + 2);
          const sum = o.add(target).toFloat32Array();
          const got = addInto(target, o);
          if (got !== target || !got.contiguousData().every((v, i) => v === sum[i])) return false;
          const target2 = Tensor.randn([a, b, c], seed + 3);
          const prod = o.mul(target2).toFloat32Array();
          if (
            !mulInto(target2, o)
              .contiguousData()
              .every((v, i) => v === prod[i])
          )
            return false;
        }
        return true;
      },
    ),
    { numRuns: 100 },
  );
  t.pass('100 random shapes');
  const view = Tensor.randn([4, 4], 1).slice([0, 2]);
  const before = view.toFloat32Array();
  const res = addInto(view, Tensor.ones([2, 4]));
  t.notEqual(res, view, 'a view that does not own its storage gets a new tensor');
  t.deepEqual(Array.from(view.contiguousData()), Array.from(before), 'and is left unchanged');
  t.throws(() => addInto(Tensor.ones([2, 3]), Tensor.ones([3, 2])), ShapeError);
  t.end();
});

test('convFfnForward = ConvFFN.forward: bit for bit on the cpu backend, within the golden tolerance on the default one', (t) => {
  const ffn = new ConvFFN(6, { expansion: 2, rng: 3 });
  for (const x of [Tensor.randn([2, 6, 5, 7], 4), Tensor.randn([1, 4, 3, 6], 5).permute(0, 3, 1, 2), Tensor.randn([1, 6, 40, 40], 6)]) {
    const label = `input ${x.shape.join('x')}${x.isContiguous ? '' : ' (strided)'}`;
    const want = withBackend('cpu', () => ffn.forward(x)).toFloat32Array();
    const got = withBackend('cpu', () => convFfnForward(ffn, x)).contiguousData();
    t.ok(
      got.every((v, i) => v === want[i]),
      `cpu: ${label}`,
    );
    const report = goldenClose(convFfnForward(ffn, x), ffn.forward(x), 'output');
    t.ok(report.ok, `default backend: ${label}: ${report.message}`);
  }
  t.throws(() => convFfnForward(ffn, Tensor.ones([1, 5, 2, 2])), ShapeError);
  t.end();
});

test('scratch pool: a released buffer comes back for the same size; views and shared memory are never pooled', (t) => {
  clearScratch();
  const a = acquire(1000);
  const b = acquire(1000);
  t.notEqual(a, b, 'two live buffers are distinct');
  release(a);
  t.equal(scratchBytes(), 4000);
  const c = acquire(1000, true);
  t.equal(c, a, 'reused');
  t.ok(
    c.every((v) => v === 0),
    'zero-filled on request',
  );
  t.notEqual(acquire(1000), a, 'not handed out twice');
  release(new Float32Array(2000).subarray(0, 1000));
  release(new Float32Array(new SharedArrayBuffer(4000)));
  t.equal(scratchBytes(), 0, 'a view and a shared buffer were ignored');
  clearScratch();
  t.end();
});
