/**
 * Where a model forward spends its time. Builds a preset, times whole forwards, then runs one more forward under
 * the profiler (benchmarks/lib/profiler.ts; `--profile-runs n`, default 2, averaged) and prints self time per op / section / Tensor method (rows add up to
 * the profiled forward), inclusive time per block type, the heaviest (block, item) pairs, and peak RSS.
 *
 *   npx tsx --conditions=source benchmarks/profile-model.ts --preset local_vim_tiny [--batch 1] [--size 224]
 *     [--runs 3] [--warmup 1] [--profile-runs 2] [--by-shape] [--scan-backend cpu] [--ops-backend cpu] [--top 30] [--json out.json]
 *
 * `--by-shape` splits each op's row by its input shapes (which calls of an op cost what).
 * The profiled forward is slower than the timed ones (every Tensor method call is wrapped); compare its rows with
 * each other, and the timed median with other runs.
 */
import { writeFileSync } from 'node:fs';
import { Tensor } from '@vssm/core';
import { createModel, presetNames } from '@vssm/models';
import { getBackend as getOpsBackend, setBackend as setOpsBackend } from '@vssm/ops';
import { probeBackend, resolveBackend } from '@vssm/selective-scan';
import { load1, machine, median, parseArgs, peakRssMiB, rssMiB, timeRuns } from './lib/machine.js';
import { averageRows, blockTimes, buildTree, ForwardProfiler, formatRows, selfTimes, selfTimesByBlock } from './lib/profiler.js';

const args = parseArgs(process.argv.slice(2), {
  preset: 'string',
  batch: 'string',
  size: 'string',
  runs: 'string',
  warmup: 'string',
  'profile-runs': 'string',
  'by-shape': 'flag',
  'scan-backend': 'string',
  'ops-backend': 'string',
  top: 'string',
  json: 'string',
  help: 'flag',
});
if (args.help) {
  console.log(
    `usage: npx tsx --conditions=source benchmarks/profile-model.ts --preset <${presetNames().join('|')}> [--batch 1] [--size 224] [--runs 3] [--warmup 1] [--scan-backend name] [--ops-backend name] [--top 30] [--json file]`,
  );
  process.exit(0);
}
const preset = String(args.preset ?? 'msvmamba_nano');
const batch = Number(args.batch ?? 1);
const size = Number(args.size ?? 224);
const runs = Number(args.runs ?? 3);
const warmup = Number(args.warmup ?? 1);
const top = Number(args.top ?? 30);
const profileRuns = Number(args['profile-runs'] ?? 2);
const scanBackendName = args['scan-backend'] === undefined ? undefined : String(args['scan-backend']);
if (args['ops-backend'] !== undefined) setOpsBackend(String(args['ops-backend']));

const loadStart = load1();
const model = createModel(preset);
const images = Tensor.randn([batch, 3, size, size], 1);
const options = { scanBackend: scanBackendName };
const scanBackend = await resolveBackend(scanBackendName);
const scanReason = (await probeBackend(scanBackend)).reason ?? '';
const rssBuilt = rssMiB();

const times = await timeRuns(() => model.forward(images, options), warmup, runs);

// Several profiled forwards, summed and averaged: a single one is at the mercy of GC pauses and other jobs.
const roots = [];
for (let i = 0; i < profileRuns; i++) {
  const profiler = new ForwardProfiler(args['by-shape'] === true);
  profiler.start();
  const p0 = performance.now();
  await model.forward(images, options);
  const p1 = performance.now();
  profiler.stop();
  roots.push(buildTree(profiler.intervals, { name: 'forward', start: p0, end: p1 }));
}
const profiled = roots.reduce((s, r) => s + (r.end - r.start), 0) / profileRuns;
const self = averageRows(roots.map(selfTimes), profileRuns);
const blocks = averageRows(roots.map(blockTimes), profileRuns);
const byBlock = averageRows(roots.map(selfTimesByBlock), profileRuns);

const m = machine();
const med = median(times);
console.log(`# ${preset}, batch ${batch}, ${size}x${size}`);
console.log(`machine: ${m.cpu}, ${m.cores} logical cores, ${m.totalMemGiB} GiB, Node ${m.node}, ${m.platform}`);
console.log(`backends: ops '${getOpsBackend()}', selective scan '${scanBackend.name}' (${scanReason})`);
console.log(`load average (1 min): ${loadStart} at start, ${load1()} now`);
console.log(
  `forward: median ${med.toFixed(1)} ms over ${runs} runs [${times.map((t) => t.toFixed(1)).join(', ')}] = ${(med / batch).toFixed(1)} ms/image; profiled runs ${profiled.toFixed(1)} ms (mean of ${profileRuns})`,
);
console.log(`memory: RSS after build ${rssBuilt} MiB, peak RSS ${peakRssMiB()} MiB`);
console.log('');
console.log(formatRows('self time (profiled runs)', self, profiled, top));
console.log('');
console.log(formatRows('block type (inclusive)', blocks, profiled));
console.log('');
console.log(formatRows('block / item (self time)', byBlock, profiled, top));

if (args.json) {
  writeFileSync(
    String(args.json),
    `${JSON.stringify(
      {
        preset,
        batch,
        size,
        machine: m,
        loadavg1: [loadStart, load1()],
        opsBackend: getOpsBackend(),
        scanBackend: scanBackend.name,
        msPerRun: times,
        msPerImage: med / batch,
        profiledMs: profiled,
        peakRssMiB: peakRssMiB(),
        self,
        blocks,
        byBlock,
      },
      null,
      2,
    )}\n`,
  );
}
process.exit(0);
