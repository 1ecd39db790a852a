import test from 'tape';
import { runtimeTestWasm } from '../src/generated/runtime-test-wasm.js';
import { HEAP_BASE, type SyncMode, WasmRuntime } from '../src/index.js';

const TEST_MODULE = { name: 'runtime-test', ...runtimeTestWasm };
/** The same bytes as a second module source: a module of its own in the runtime. */
const SECOND_MODULE = { name: 'runtime-test-2', ...runtimeTestWasm };

/** Runs `mark` over `count` items; returns who ran each item and how many items each participant ran. */
async function mark(rt: WasmRuntime, count: number, options: Parameters<WasmRuntime['run']>[3] = {}, source = TEST_MODULE) {
  const kernel = (await rt.load(source)).kernel('mark');
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
  await rt.load(TEST_MODULE);
  const second = await rt.load(SECOND_MODULE);
  t.equal(await rt.load(SECOND_MODULE), second, 'loading the same source twice returns the same module');
  t.notEqual(second.kernel('mark').moduleId, (await rt.load(TEST_MODULE)).kernel('mark').moduleId, 'a module id of its own');
  const { perParticipant } = await mark(rt, 40, { schedule: 'static' }, SECOND_MODULE);
  t.deepEqual(perParticipant, [20, 20], 'the second module ran on both threads');
  t.throws(() => second.kernel('nope'), /no exported function 'nope'/, 'unknown export');
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

/** mark() through runSync. */
function markSync(rt: WasmRuntime, kernel: ReturnType<ReturnType<WasmRuntime['loadSync']>['kernel']>, count: number, options = {}) {
  const args = rt.alloc((2 + count + rt.threads) * 4);
  const view = rt.i32(args, 2 + count + rt.threads);
  view.fill(0);
  view[0] = count;
  rt.runSync(kernel, args, count, options);
  const after = rt.i32(args, 2 + count + rt.threads);
  const owner = Array.from(after.subarray(2, 2 + count));
  const perParticipant = Array.from(after.subarray(2 + count));
  rt.release(args);
  return { owner, perParticipant };
}

test('runtime (sync): createSync starts the workers without awaiting; loadSync and runSync use them', async (t) => {
  const rt = WasmRuntime.createSync({ threads: 2 });
  t.equal(rt.threads, 2, `createSync: ${rt.describe()}`);
  t.ok(rt.canRunParallelSync, 'runSync may use the workers');
  const module = rt.loadSync(TEST_MODULE);
  t.equal(rt.loadSync(TEST_MODULE), module, 'loadSync twice returns the same module');
  t.equal(await rt.load(TEST_MODULE), module, 'load() after loadSync returns it too');
  const kernel = module.kernel('mark');
  const { owner, perParticipant } = markSync(rt, kernel, 40, { schedule: 'static' });
  t.ok(
    owner.every((o) => o === 1 || o === 2),
    'every item ran',
  );
  t.deepEqual(perParticipant, [20, 20], 'static schedule: both threads ran their half synchronously');
  const dynamic = markSync(rt, kernel, 1000, { grain: 7 });
  t.equal(
    dynamic.perParticipant.reduce((a, b) => a + b, 0),
    1000,
    'dynamic schedule: item counts add up',
  );
  const trap = module.kernel('trap');
  const args = rt.alloc(16);
  rt.i32(args, 1)[0] = 9;
  t.throws(() => rt.runSync(trap, args, 10, { schedule: 'static' }), /unreachable/, 'a trap in a worker rethrows from runSync');
  rt.release(args);
  t.deepEqual(markSync(rt, kernel, 10, { schedule: 'static' }).perParticipant, [5, 5], 'usable after a trap');
  // an async load in flight: runSync falls back to the main thread alone, loadSync refuses
  const pending = rt.load(SECOND_MODULE);
  await Promise.resolve();
  t.notOk(rt.canRunParallelSync, 'not parallel while a load is in flight');
  t.deepEqual(markSync(rt, kernel, 10, { schedule: 'static' }).perParticipant, [10, 0], 'main thread alone meanwhile');
  t.throws(() => rt.loadSync(SECOND_MODULE), /in flight/, 'loadSync refuses while a load is in flight');
  await pending;
  t.ok(rt.canRunParallelSync, 'parallel again afterwards');
  const second = rt.loadSync(SECOND_MODULE);
  t.deepEqual(
    markSync(rt, second.kernel('mark'), 10, { schedule: 'static' }).perParticipant,
    [5, 5],
    'the async-loaded module runs synchronously',
  );
  await rt.shutdown();
  t.throws(() => markSync(rt, kernel, 4), /after shutdown/, 'runSync after shutdown throws');
});

test('runtime (sync): a single-threaded runtime and the message sync run everything on the main thread', async (t) => {
  for (const options of [{ threads: 1 }, { threads: 2, sync: 'message' as const }]) {
    const rt = WasmRuntime.createSync(options);
    const kernel = rt.loadSync(TEST_MODULE).kernel('mark');
    const { perParticipant } = markSync(rt, kernel, 12, { schedule: 'static' });
    t.equal(perParticipant[0], 12, `${JSON.stringify(options)}: all 12 items on the main thread`);
    await rt.shutdown();
  }
});

test('runtime (sync): thousands of back-to-back runs, each item exactly once (late workers join or are shut out)', async (t) => {
  const rt = WasmRuntime.createSync({ threads: 2 });
  const kernel = rt.loadSync(TEST_MODULE).kernel('count_items');
  let bad = 0;
  let runs = 0;
  const started = performance.now();
  for (let r = 0; r < 3000; r++) {
    const count = 1 + ((r * 7919) % 97);
    const args = rt.alloc((2 + count) * 4);
    const view = rt.i32(args, 2 + count);
    view.fill(0);
    view[1] = (r % 5) * 200;
    const schedule = r % 7 === 0 ? ('static' as const) : ('dynamic' as const);
    rt.runSync(kernel, args, count, { schedule, grain: 1 + (r % 3) });
    const after = rt.i32(args, 2 + count);
    for (let i = 0; i < count; i++) if (after[2 + i] !== 1) bad++;
    rt.release(args);
    runs++;
    // now and then a gap, so that the worker falls asleep and wakes late
    if (r % 50 === 0) {
      const until = performance.now() + 0.3;
      while (performance.now() < until) {}
    }
  }
  t.equal(bad, 0, `${runs} runs in ${(performance.now() - started).toFixed(0)} ms: no item skipped or run twice`);
  await rt.shutdown();
});
