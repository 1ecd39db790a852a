// Per-dispatch overhead of the WASM runtime: a no-op kernel run over one item per thread, Atomics-based
// synchronisation against message-based, with the single-threaded direct call as the floor.
//
//   npm run bench:dispatch
import { cpus } from 'node:os';
import { runtimeTestWasm } from '../src/generated/runtime-test-wasm.js';
import { hardwareThreads, type SyncMode, WasmRuntime } from '../src/index.js';

const source = { name: 'runtime-test', ...runtimeTestWasm };
const threads = Math.max(2, await hardwareThreads());
console.log(`CPU: ${cpus()[0]?.model ?? 'unknown'}, ${threads} hardware threads; Node ${process.version}`);
console.log('Back to back: runs issued one after another. With 1 ms gaps: 1 ms of main-thread work between runs,');
console.log('so that idle workers have gone to sleep (the situation of the scan, whose runs are separated by copies).\n');
console.log('| sync | threads | idle polling | µs per run, back to back | µs per run, 1 ms gaps |');
console.log('|---|---|---|---|---|');

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
}

const counts = [...new Set([2, 4, 8, threads].filter((n) => n <= threads))];
const runs: Array<[SyncMode, number, number]> = [
  ['atomics', 1, 0],
  ...counts.flatMap(
    (n): Array<[SyncMode, number, number]> => [
      ['atomics', n, 50],
      ['atomics', n, 0],
    ],
  ),
  ['message', threads, 0],
];
for (const [sync, n, spin] of runs) {
  const rt = await WasmRuntime.create({ threads: n, sync, spinMicroseconds: spin });
  const k = (await rt.load(source)).kernel('noop');
  const args = rt.alloc(64);
  for (let i = 0; i < 200; i++) await rt.run(k, args, n);
  const backToBack: number[] = [];
  for (let s = 0; s < 5; s++) {
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) await rt.run(k, args, n);
    backToBack.push(((performance.now() - t0) * 1000) / 2000);
  }
  const gaps: number[] = [];
  for (let i = 0; i < 200; i++) {
    busy(1);
    const t0 = performance.now();
    await rt.run(k, args, n);
    gaps.push((performance.now() - t0) * 1000);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `| ${sync} | ${rt.describe()} | ${sync === 'atomics' && n > 1 ? `${spin} µs` : '–'} | ${median(backToBack).toFixed(1)} | ${median(gaps).toFixed(1)} |`,
  );
  await rt.shutdown();
}
