import { ArgumentError, Tensor } from '@vssm/core';
import test from 'tape';
import {
  assertAlive,
  currentScope,
  isResident,
  persist,
  residentTensor,
  scopeAlloc,
  scratchLimits,
  WasmRuntime,
  withScratch,
} from '../src/index.js';

/** What a kernel does inside a scope: an output block in the scope, filled, exposed as a tensor. */
function fakeOutput(rt: WasmRuntime, values: number[], shape: number[]): Tensor {
  const scope = currentScope(rt);
  if (!scope) return Tensor.fromData(Float32Array.from(values), shape);
  const ptr = scopeAlloc(scope, values.length)!;
  rt.f32(ptr, values.length).set(values);
  return residentTensor(scope, ptr, values.length, shape);
}

test('scope: outputs live in wasm memory inside, are copied out at the end, and the blocks are released', async (t) => {
  const rt = WasmRuntime.createSync({ threads: 2 });
  const before = rt.allocatedBytes;
  let inner: Tensor | undefined;
  const out = await withScratch(async () => {
    inner = fakeOutput(rt, [1, 2, 3, 4, 5, 6], [2, 3]);
    t.ok(isResident(inner) && isResident(inner, rt), 'resident inside the scope');
    await new Promise((r) => setTimeout(r, 1));
    t.ok(currentScope(rt), 'the scope survives an await');
    return { list: [inner.transpose()], n: 1 };
  }, rt);
  t.notOk(currentScope(rt), 'no scope outside');
  t.notOk(isResident(out.list[0]), 'the result was copied to the JavaScript heap');
  t.deepEqual(
    out.list[0].toArray(),
    [
      [1, 4],
      [2, 5],
      [3, 6],
    ],
    'with its strides (a transposed view) intact',
  );
  t.equal(out.n, 1, 'other fields pass through');
  t.equal(rt.allocatedBytes, before, 'the block was released');
  t.throws(() => assertAlive('op', inner!), ArgumentError, 'the inner view is expired');
  t.throws(() => persist(inner!), /used after the withScratch scope/, 'persist refuses an expired tensor');
  await rt.shutdown();
});

test('scope: nested scopes move results to the parent; concurrent scopes are separate; the limit applies', async (t) => {
  const rt = WasmRuntime.createSync({ threads: 1, maxBytes: 64 * 1024 * 1024 });
  // one thread: unshared memory, so no residency at all (a detachable buffer must never back a tensor)
  const plain = await withScratch(() => fakeOutput(rt, [1, 2], [2]), rt);
  t.notOk(isResident(plain), 'a runtime on unshared memory opens no scope');
  await rt.shutdown();
  const shared = WasmRuntime.createSync({ threads: 2 });
  const nested = await withScratch(async () => {
    const child = await withScratch(() => fakeOutput(shared, [7, 8], [2]), shared);
    t.ok(isResident(child), 'an inner result stays resident in the outer scope');
    return child;
  }, shared);
  t.deepEqual(nested.toArray(), [7, 8], 'and is copied out at the outermost one');
  const seen = await Promise.all(
    [1, 2].map((k) =>
      withScratch(async () => {
        const mine = currentScope(shared);
        await new Promise((r) => setTimeout(r, 2 * k));
        return currentScope(shared) === mine;
      }, shared),
    ),
  );
  t.deepEqual(seen, [true, true], 'concurrent scopes each keep their own');
  const saved = scratchLimits.maxBytes;
  scratchLimits.maxBytes = 32;
  await withScratch(() => {
    t.notOk(scopeAlloc(currentScope(shared)!, 1000), 'past the limit scopeAlloc declines');
  }, shared);
  scratchLimits.maxBytes = saved;
  await shared.shutdown();
});
