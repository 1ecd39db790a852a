import { goldenClose, Tensor } from '@vssm/core';
import { layerNorm2d } from '@vssm/ops';
import fc from 'fast-check';
import test from 'tape';
import { addNormPool, normAddPool, scaleChannels, scaleMul, scaleTransposeMul } from '../src/msvmamba/tail-kernels.js';

const shapes = fc.record({
  B: fc.integer({ min: 1, max: 3 }),
  E: fc.integer({ min: 1, max: 21 }),
  L: fc.integer({ min: 1, max: 40 }),
  seed: fc.integer(),
});

function affine(E: number, seed: number): { w: Tensor; b: Tensor } {
  return { w: Tensor.randn([E], seed).mul(0.5).add(1), b: Tensor.randn([E], seed + 1).mul(0.2) };
}

test('normAddPool = layerNorm2d(y) + up, with the channel means of the result', (t) => {
  fc.assert(
    fc.property(shapes, ({ B, E, L, seed }) => {
      const y = Tensor.randn([B, E, L], seed).mul(3).add(1);
      const up = Tensor.randn([B, E, L], seed + 2);
      const { w, b } = affine(E, seed + 3);
      const out = new Float32Array(B * E * L);
      const pooled = new Float64Array(B * E);
      normAddPool(y.contiguousData(), up.contiguousData(), B, E, L, w.contiguousData(), b.contiguousData(), 1e-5, out, pooled);
      const want = layerNorm2d(y.reshape([B, E, 1, L]), w, b, 1e-5)
        .reshape([B, E, L])
        .add(up);
      const got = Tensor.fromData(out, [B, E, L]);
      const meanReport = goldenClose(Tensor.fromData(Float32Array.from(pooled), [B, E]), want.mean(2), 'output');
      return goldenClose(got, want, 'output').ok && meanReport.ok;
    }),
    { numRuns: 80 },
  );
  t.pass('80 random shapes within the golden output tolerance');
  t.end();
});

test('addNormPool = layerNorm2d(y + up), with the channel means of the result', (t) => {
  fc.assert(
    fc.property(shapes, ({ B, E, L, seed }) => {
      const y = Tensor.randn([B, E, L], seed);
      const up = Tensor.randn([B, E, L], seed + 2).mul(2);
      const { w, b } = affine(E, seed + 3);
      const out = new Float32Array(B * E * L);
      const pooled = new Float64Array(B * E);
      addNormPool(y.contiguousData(), up.contiguousData(), B, E, L, w.contiguousData(), b.contiguousData(), 1e-5, out, pooled);
      const want = layerNorm2d(y.add(up).reshape([B, E, 1, L]), w, b, 1e-5).reshape([B, E, L]);
      const meanReport = goldenClose(Tensor.fromData(Float32Array.from(pooled), [B, E]), want.mean(2), 'output');
      return goldenClose(Tensor.fromData(out, [B, E, L]), want, 'output').ok && meanReport.ok;
    }),
    { numRuns: 80 },
  );
  t.pass('80 random shapes within the golden output tolerance');
  t.end();
});

test('scaleTransposeMul / scaleMul / scaleChannels are bit-identical to the Tensor-op compositions', (t) => {
  fc.assert(
    fc.property(shapes, fc.boolean(), ({ B, E, L, seed }, withGate) => {
      const y = Tensor.randn([B, E, L], seed);
      const gate = Tensor.rand([B, E], seed + 1);
      const zLast = Tensor.randn([B, L, E], seed + 2);
      const zFirst = Tensor.randn([B, E, L], seed + 3);
      const g = withGate ? gate.contiguousData() : null;
      const scaled = withGate ? y.mul(gate.reshape([B, E, 1])) : y;
      const t1 = new Float32Array(B * L * E);
      scaleTransposeMul(y.contiguousData(), g, zLast.contiguousData(), B, E, L, t1);
      const want1 = scaled.permute(0, 2, 1).mul(zLast).contiguousData();
      const t2 = new Float32Array(B * E * L);
      scaleMul(y.contiguousData(), g, zFirst.contiguousData(), B, E, L, t2);
      const want2 = scaled.mul(zFirst).contiguousData();
      const t3 = new Float32Array(B * E * L);
      scaleChannels(y.contiguousData(), gate.contiguousData(), B, E, L, t3);
      const want3 = y.mul(gate.reshape([B, E, 1])).contiguousData();
      return t1.every((v, i) => v === want1[i]) && t2.every((v, i) => v === want2[i]) && t3.every((v, i) => v === want3[i]);
    }),
    { numRuns: 80 },
  );
  t.pass('80 random shapes, with and without the SE gate');
  t.end();
});
