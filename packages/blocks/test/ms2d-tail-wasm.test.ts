import { ShapeError, Tensor } from '@vssm/core';
import { isResident, WasmRuntime, withScratch } from '@vssm/wasm';
import test from 'tape';
import { setStackKernels, withStackRuntime } from '../src/common/stack-wasm.js';
import { addNormPool, normAddPool, scaleChannels, scaleMul, scaleTransposeMul } from '../src/msvmamba/tail-kernels.js';
import { addNormPoolTail, normAddPoolTail, scaleChannelsTail, scaleMulTail, scaleTransposeMulTail } from '../src/msvmamba/tail-wasm.js';
import { assertSame, assertSameValues } from './stack-test-helpers.js';

const GRIDS: readonly [number, number][] = [
  [7, 7],
  [14, 14],
  [28, 28],
  [15, 13],
];

interface Case {
  B: number;
  E: number;
  H: number;
  W: number;
  seed: number;
}

function* cases(): Generator<Case> {
  let seed = 1;
  for (const B of [1, 2]) for (const E of [13, 48, 96]) for (const [H, W] of GRIDS) yield { B, E, H, W, seed: seed++ };
}

/** A channel-first map whose channels have different offsets and scales (so that the norm statistics matter). */
function activations(shape: number[], seed: number): Tensor {
  const t = Tensor.randn(shape, seed);
  const d = t.toFloat32Array();
  const E = shape[1];
  const L = d.length / (shape[0] * E);
  for (let i = 0; i < d.length; i++) {
    const e = Math.floor(i / L) % E;
    d[i] = Math.fround(d[i] * (0.5 + (e % 5)) + (e % 3) - 1);
  }
  return Tensor.fromData(d, shape);
}

/** Every tail kernel of one case against its TypeScript twin; `resident`: outputs must stay in wasm memory. */
function checkCase(t: test.Test, rt: WasmRuntime, c: Case, resident: boolean, where: string): void {
  const { B, E, H, W } = c;
  const L = H * W;
  const name = `B=${B} E=${E} ${H}x${W} ${where}`;
  const y = activations([B, E, L], c.seed);
  const up = Tensor.randn([B, E, H, W], c.seed + 100);
  const w = Tensor.randn([E], c.seed + 200);
  const b = Tensor.randn([E], c.seed + 300);
  const eps = 1e-6;

  const expectedA = new Float32Array(B * E * L);
  const pooledA = new Float64Array(B * E);
  normAddPool(y.contiguousData(), up.contiguousData(), B, E, L, w.contiguousData(), b.contiguousData(), eps, expectedA, pooledA);
  const a = normAddPoolTail(y, up, w, b, eps);
  t.deepEqual(a.out.shape, [B, E, L], `${name} normAddPool shape`);
  assertSame(t, a.out.contiguousData(), expectedA, `${name} normAddPool out`);
  assertSame(t, a.pooled, pooledA, `${name} normAddPool pooled`);
  if (resident) t.ok(isResident(a.out, rt), `${name}: normAddPool output stays in wasm memory`);

  const expectedV = new Float32Array(B * E * L);
  const pooledV = new Float64Array(B * E);
  addNormPool(y.contiguousData(), up.contiguousData(), B, E, L, w.contiguousData(), b.contiguousData(), 1e-5, expectedV, pooledV);
  const v = addNormPoolTail(y, up, w, b, 1e-5);
  assertSame(t, v.out.contiguousData(), expectedV, `${name} addNormPool out`);
  assertSame(t, v.pooled, pooledV, `${name} addNormPool pooled`);

  const z = Tensor.randn([B, H, W, E], c.seed + 400);
  const gate = Tensor.rand([B, E], c.seed + 500).toFloat32Array();
  for (const g of [gate, null]) {
    const label = g ? 'with gate' : 'no gate';
    // y: the (possibly resident) normAddPool output, read in place
    const expected = new Float32Array(B * L * E);
    scaleTransposeMul(expectedA, g, z.contiguousData(), B, E, L, expected);
    const out = scaleTransposeMulTail(a.out, g, z);
    t.deepEqual(out.shape, [B, H, W, E], `${name} scaleTransposeMul shape`);
    assertSame(t, out.contiguousData(), expected, `${name} scaleTransposeMul (${label})`);
    if (resident) t.ok(isResident(out, rt), `${name}: scaleTransposeMul output stays in wasm memory`);

    const gz = Tensor.randn([B, E, H, W], c.seed + 600);
    const expectedM = new Float32Array(B * E * L);
    scaleMul(expectedV, g, gz.contiguousData(), B, E, L, expectedM);
    assertSame(t, scaleMulTail(v.out, g, gz).contiguousData(), expectedM, `${name} scaleMul (${label})`);
  }
  const expectedC = new Float32Array(B * E * L);
  scaleChannels(expectedV, gate, B, E, L, expectedC);
  const scaled = scaleChannelsTail(v.out, gate);
  assertSame(t, scaled.contiguousData(), expectedC, `${name} scaleChannels`);
  if (resident) t.ok(isResident(scaled, rt), `${name}: scaleChannels output stays in wasm memory`);
}

for (const threads of [1, 2]) {
  test(`MS2D tail wasm kernels = TypeScript kernels, bit for bit (${threads} thread${threads > 1 ? 's' : ''})`, async (t) => {
    const rt = WasmRuntime.createSync({ threads });
    const previous = setStackKernels('wasm');
    try {
      for (const c of cases()) {
        withStackRuntime(rt, () => checkCase(t, rt, c, false, 'outside withScratch'));
        await withScratch(() => withStackRuntime(rt, () => checkCase(t, rt, c, rt.shared, 'inside withScratch')), rt);
      }
    } finally {
      setStackKernels(previous);
      await rt.shutdown();
    }
    t.end();
  });
}

test('MS2D tail kernels: non-finite inputs and extreme values give the same bits', async (t) => {
  const rt = WasmRuntime.createSync({ threads: 2 });
  const previous = setStackKernels('wasm');
  try {
    const [B, E, H, W] = [2, 21, 9, 11];
    const L = H * W;
    const y = activations([B, E, L], 77).toFloat32Array();
    y[5] = Number.NaN;
    y[E * L + 3] = Number.POSITIVE_INFINITY;
    y[2 * L + 8] = 3e38;
    for (let e = 0; e < E; e++) y[e * L + 40] = 7.25; // a constant position: zero variance
    const up = Tensor.randn([B, E, H, W], 78);
    const w = Tensor.randn([E], 79);
    const b = Tensor.randn([E], 80);
    const yt = Tensor.fromData(y, [B, E, L]);
    for (const [f, tail] of [
      [normAddPool, normAddPoolTail],
      [addNormPool, addNormPoolTail],
    ] as const) {
      const out = new Float32Array(B * E * L);
      const pooled = new Float64Array(B * E);
      f(y, up.contiguousData(), B, E, L, w.contiguousData(), b.contiguousData(), 1e-5, out, pooled);
      const r = withStackRuntime(rt, () => tail(yt, up, w, b, 1e-5));
      t.ok(out.some(Number.isNaN) && pooled.some(Number.isNaN), `${tail.name}: the case has NaNs`);
      assertSameValues(t, r.out.contiguousData(), out, `${tail.name} out`);
      assertSameValues(t, r.pooled, pooled, `${tail.name} pooled`);
    }
  } finally {
    setStackKernels(previous);
    await rt.shutdown();
  }
  t.end();
});

test("MS2D tail kernels: mode 'ts' runs the TypeScript loops; bad shapes throw typed errors", (t) => {
  const previous = setStackKernels('ts');
  try {
    const [B, E, L] = [1, 5, 12];
    const y = Tensor.randn([B, E, L], 1);
    const up = Tensor.randn([B, E, 3, 4], 2);
    const w = Tensor.ones([E]);
    const b = Tensor.zeros([E]);
    const expected = new Float32Array(B * E * L);
    const pooled = new Float64Array(B * E);
    normAddPool(y.contiguousData(), up.contiguousData(), B, E, L, w.contiguousData(), b.contiguousData(), 1e-5, expected, pooled);
    const r = normAddPoolTail(y, up, w, b, 1e-5);
    assertSame(t, r.out.contiguousData(), expected, 'normAddPool (ts)');
    assertSame(t, r.pooled, pooled, 'pooled (ts)');
    t.throws(() => normAddPoolTail(y, Tensor.zeros([1, 5, 11]), w, b, 1e-5), ShapeError, 'up of another size');
    t.throws(() => addNormPoolTail(y, up, Tensor.ones([4]), b, 1e-5), ShapeError, 'weight of another length');
    t.throws(() => scaleTransposeMulTail(y, null, Tensor.zeros([1, 12, 4])), ShapeError, 'z with the wrong channel count');
    t.throws(() => scaleTransposeMulTail(y, new Float32Array(4), Tensor.zeros([1, 12, 5])), ShapeError, 'gate of another length');
    t.throws(() => scaleMulTail(y, null, Tensor.zeros([1, 5, 13])), ShapeError, 'g of another size');
    t.throws(() => scaleChannelsTail(Tensor.zeros([5, 12]), new Float32Array(5)), ShapeError, 'y without a spatial axis');
  } finally {
    setStackKernels(previous);
  }
  t.end();
});
