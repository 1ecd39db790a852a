import test from 'tape';
import { SCAN_WASM } from '../src/cpu/wasm-kernel.js';
import { runtimeTestWasm } from '../src/generated/runtime-test-wasm.js';
import { HEAP_BASE, type SyncMode, WasmRuntime } from '../src/runtime/index.js';

const TEST_MODULE = { name: 'runtime-test', ...runtimeTestWasm };

/** Runs `mark` over `count` items; returns who ran each item and how many items each participant ran. */
async function mark(rt: WasmRuntime, count: number, options: Parameters<WasmRuntime['run']>[3] = {}) {
  const kernel = (await rt.load(TEST_MODULE)).kernel('mark');
  const args = rt.alloc((2 + count + rt.threads) * 4);
  const view = rt.i32(args, 2 + count + rt.threads);
  view.fill(0);
  view[0] = count;
  await rt.run(kernel, args, count, options);
  const after = rt.i32(args, 2 + count + rt.threads);
  const owner = Array.from(after.subarray(2, 2 + count));
  const perParticipant = Array.from(after.subarray(2 + count));
  rt.release(args);
  return { owner, perParticipant };
}

for (const sync of ['atomics', 'message'] as SyncMode[]) {
  test(`runtime (${sync}): every item runs exactly once, on the main thread and the workers`, async (t) => {
    for (const threads of [1, 2, 3]) {
      const rt = await WasmRuntime.create({ threads, sync });
      t.equal(rt.threads, threads, rt.describe());
      for (const options of [{}, { grain: 3 }, { schedule: 'static' as const }, { schedule: 'static' as const, participants: 2 }]) {
        const count = 37;
        const { owner, perParticipant } = await mark(rt, count, options);
        const label = `${threads} threads ${JSON.stringify(options)}`;
        t.ok(
          owner.every((o) => o >= 1 && o <= threads),
          `${label}: every item ran (owners ${[...new Set(owner)].join(',')})`,
        );
        t.equal(
          perParticipant.reduce((a, b) => a + b, 0),
          count,
          `${label}: item counts add up to ${count}`,
        );
        if (options.schedule === 'static') {
          const parts = Math.min(threads, options.participants ?? threads);
          t.equal(perParticipant[0], Math.floor(count / parts), `${label}: the main thread ran its share`);
          t.deepEqual(perParticipant.slice(parts), new Array(threads - parts).fill(0), `${label}: no participant beyond ${parts}`);
        }
      }
      const empty = await mark(rt, 0);
      t.deepEqual(empty.owner, [], 'zero items is a no-op');
      await rt.shutdown();
    }
  });
}

test('runtime: a kernel that traps in a worker or on the main thread rejects, and the runtime stays usable', async (t) => {
  const rt = await WasmRuntime.create({ threads: 2 });
  const kernel = (await rt.load(TEST_MODULE)).kernel('trap');
  const args = rt.alloc(16);
  for (const [where, item] of [
    ['worker (last item, static schedule)', 9],
    ['main thread (first item)', 0],
  ] as const) {
    rt.i32(args, 1)[0] = item;
    try {
      await rt.run(kernel, args, 10, { schedule: 'static' });
      t.fail(`${where}: no error`);
    } catch (e) {
      t.match((e as Error).message, /unreachable/, `${where}: ${(e as Error).message}`);
    }
  }
  const { owner } = await mark(rt, 8);
  t.ok(
    owner.every((o) => o > 0),
    'runs again after a trap',
  );
  await rt.shutdown();
});

test('runtime: modules loaded after the workers started run in the workers too; one memory for all', async (t) => {
  const rt = await WasmRuntime.create({ threads: 2 });
  const scan = await rt.load(SCAN_WASM);
  t.equal(await rt.load(SCAN_WASM), scan, 'loading the same source twice returns the same module');
  const { perParticipant } = await mark(rt, 40, { schedule: 'static' });
  t.deepEqual(perParticipant, [20, 20], 'the second module ran on both threads');
  t.throws(() => scan.kernel('nope'), /no exported function 'nope'/, 'unknown export');
  await rt.shutdown();
  try {
    await mark(rt, 4);
    t.fail('no error after shutdown');
  } catch (e) {
    t.match((e as Error).message, /after shutdown/, 'a stopped runtime refuses work');
  }
});

test('runtime allocator: alignment, reuse, coalescing, growth, limit', async (t) => {
  const rt = await WasmRuntime.create({ threads: 1, maxBytes: 64 * 1024 * 1024 });
  const a = rt.alloc(10);
  const b = rt.alloc(100);
  const c = rt.alloc(1000);
  t.ok(a >= HEAP_BASE, 'allocations start above the reserved region');
  t.ok(
    [a, b, c].every((p) => p % 16 === 0),
    '16-byte aligned',
  );
  t.ok(b >= a + 16 && c >= b + 112, 'no overlap');
  rt.release(b);
  t.equal(rt.alloc(50), b, 'a freed block is reused first-fit');
  rt.release(a);
  rt.release(b);
  t.equal(rt.alloc(120), a, 'neighbouring free blocks coalesce');
  const before = rt.memory.buffer.byteLength;
  const big = rt.alloc(20 * 1024 * 1024);
  t.ok(rt.memory.buffer.byteLength >= big + 20 * 1024 * 1024 && rt.memory.buffer.byteLength > before, 'memory grows on demand');
  t.throws(() => rt.alloc(100 * 1024 * 1024), /WebAssembly memory limit/, 'past maxBytes is a RangeError');
  t.throws(() => rt.release(12345), /not an allocated block/, 'releasing a wild pointer throws');
  const used = rt.allocatedBytes;
  rt.release(big);
  t.equal(rt.allocatedBytes, used - 20 * 1024 * 1024, 'allocatedBytes follows');
  await rt.shutdown();
});
