import { ArgumentError, Tensor } from '@vssm/core';
import test from 'tape';
import { gelu, isResident, lastServedBy, layerNorm, linear, persist, silu, withBackend, withScratch } from '../src/index.js';
import { wasmOps } from '../src/wasm/context.js';
import { scratchLimits } from '@vssm/wasm';

const tick = () => new Promise<void>((r) => setTimeout(r, 1));

/** linear → gelu → layerNorm, the reference on cpu. */
function chain(x: Tensor, w: Tensor): Tensor {
  return layerNorm(gelu(linear(x, w)));
}

test('withScratch: outputs stay in wasm memory, chained ops read them in place, the result is copied out', async (t) => {
  const ops = wasmOps();
  t.ok(ops, 'the wasm backend runs here');
  const rt = ops!.rt;
  const x = Tensor.randn([64, 96], 1);
  const w = Tensor.randn([128, 96], 2);
  const expected = withBackend('cpu', () => chain(x, w));
  const before = rt.allocatedBytes;
  let inside: Tensor | undefined;
  const result = await withScratch(async () => {
    const h = linear(x, w);
    t.ok(isResident(h), 'a linear output inside the scope lives in wasm memory');
    await tick();
    const g = gelu(h);
    t.equal(lastServedBy('gelu'), 'wasm');
    t.ok(isResident(g), 'so does the gelu of it');
    inside = layerNorm(g);
    return inside;
  });
  t.notOk(isResident(result), 'the returned tensor was copied to the JavaScript heap');
  t.ok(inside && isResident(inside), 'the tensor inside still points at wasm memory');
  const diff = Math.max(...result.sub(expected).abs().contiguousData());
  t.ok(diff < 1e-4, `result = cpu chain (max |diff| ${diff.toExponential(2)})`);
  t.equal(rt.allocatedBytes, before, 'every block was released');
  // the memory gets reused: the copied result stays intact
  await withScratch(() => silu(Tensor.randn([64, 128], 3)));
  t.ok(Math.max(...result.sub(expected).abs().contiguousData()) < 1e-4, 'the copied result is unaffected by later scopes');
  t.throws(
    () => gelu(inside!),
    (e: unknown) => e instanceof ArgumentError && /used after the withScratch scope that produced it ended/.test((e as Error).message),
    'an op handed an expired tensor throws',
  );
  t.end();
});

test('withScratch: nested scopes hand results to the parent; persist() copies; objects and arrays are rescued', async (t) => {
  const rt = wasmOps()!.rt;
  const before = rt.allocatedBytes;
  const x = Tensor.randn([32, 48], 4);
  const w = Tensor.randn([40, 48], 5);
  let kept: Tensor | undefined;
  const out = await withScratch(async () => {
    const inner = await withScratch(() => ({ a: linear(x, w), list: [silu(x)] }));
    t.ok(isResident(inner.a) && isResident(inner.list[0]), 'results of an inner scope stay resident in the outer one');
    kept = persist(inner.a);
    t.notOk(isResident(kept), 'persist() made a JavaScript copy');
    return { y: gelu(inner.a), z: inner.list };
  });
  t.notOk(isResident(out.y) || isResident(out.z[0]), 'the outermost scope copied everything out');
  const ref = withBackend('cpu', () => ({ y: gelu(linear(x, w)), z: silu(x), a: linear(x, w) }));
  t.ok(Math.max(...out.y.sub(ref.y).abs().contiguousData()) < 1e-4, 'y correct');
  t.ok(Math.max(...out.z[0].sub(ref.z).abs().contiguousData()) < 1e-5, 'z correct');
  t.ok(Math.max(...kept!.sub(ref.a).abs().contiguousData()) < 1e-4, 'the persisted copy outlives the scope');
  t.equal(rt.allocatedBytes, before, 'every block was released');
  t.end();
});

test('withScratch: concurrent scopes (interleaved awaits) keep their own tensors', async (t) => {
  const run = async (seed: number) =>
    withScratch(async () => {
      let h = Tensor.randn([48, 64], seed);
      const w = Tensor.randn([64, 64], seed + 100);
      for (let i = 0; i < 6; i++) {
        h = gelu(linear(h, w)).mul(0.1);
        await tick();
        h = layerNorm(linear(h, w));
      }
      return h;
    });
  const [a, b] = await Promise.all([run(1), run(2)]);
  const ref = async (seed: number) =>
    withBackend('cpu', () => {
      let h = Tensor.randn([48, 64], seed);
      const w = Tensor.randn([64, 64], seed + 100);
      for (let i = 0; i < 6; i++) h = layerNorm(linear(gelu(linear(h, w)).mul(0.1), w));
      return h;
    });
  for (const [got, seed] of [
    [a, 1],
    [b, 2],
  ] as const) {
    const diff = Math.max(
      ...got
        .sub(await ref(seed))
        .abs()
        .contiguousData(),
    );
    t.ok(diff < 1e-3, `scope ${seed}: matches cpu (max |diff| ${diff.toExponential(2)})`);
  }
  t.end();
});

test('withScratch: past the residency limit outputs are copied out as usual', async (t) => {
  const saved = scratchLimits.maxBytes;
  scratchLimits.maxBytes = 64 * 1024;
  try {
    await withScratch(() => {
      const small = silu(Tensor.randn([64, 64], 6));
      const big = silu(Tensor.randn([256, 256], 7));
      t.ok(isResident(small), 'a 16 KiB output is resident');
      t.notOk(isResident(big), 'a 256 KiB output past the 64 KiB limit is a JavaScript copy');
    });
  } finally {
    scratchLimits.maxBytes = saved;
  }
  t.notOk(isResident(silu(Tensor.randn([64, 64], 8))), 'outside any scope, outputs are JavaScript arrays');
  t.end();
});
