/**
 * Whole-model forward speed: ms per image at batch 1 and images/s at batch 8 for every preset (or a list), with
 * the backends that ran and the peak resident memory. Each (preset, batch) runs in a fresh child process, so the
 * peak RSS is that configuration's own (model build included).
 *
 *   npx tsx --conditions=source benchmarks/model-forward.ts [--presets all|name,name] [--batches 1,8] [--size 224]
 *     [--runs 3] [--warmup 1] [--scan-backend cpu] [--ops-backend wasm|cpu] [--json out.json]
 *
 * Prints a table and, last, one JSON line with every result. Figures are medians of `--runs` timed forwards after
 * `--warmup` untimed ones, on one fixed random input (seed 1); the 1-minute load average is recorded before and
 * after each configuration (this kind of VM is shared: compare figures from one run).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load1, machine, median, parseArgs, peakRssMiB, rssMiB, timeRuns } from './lib/machine.js';

const OPTIONS = {
  presets: 'string',
  batches: 'string',
  size: 'string',
  runs: 'string',
  warmup: 'string',
  'scan-backend': 'string',
  'ops-backend': 'string',
  json: 'string',
  child: 'flag',
  preset: 'string',
  batch: 'string',
  help: 'flag',
} as const;

interface Result {
  preset: string;
  batch: number;
  size: number;
  opsBackend: string;
  scanBackend: string;
  msPerRun: number[];
  msPerImage: number;
  imagesPerSecond: number;
  peakRssMiB: number;
  rssAfterBuildMiB: number;
  loadavg1: [number, number];
}

const args = parseArgs(process.argv.slice(2), OPTIONS);

async function child(): Promise<void> {
  const { Tensor } = await import('@vssm/core');
  const { createModel } = await import('@vssm/models');
  const ops = await import('@vssm/ops');
  const { resolveBackend } = await import('@vssm/selective-scan');
  if (args['ops-backend'] !== undefined) ops.setBackend(String(args['ops-backend']));
  else await ops.ready();
  const loadStart = load1();
  const preset = String(args.preset);
  const batch = Number(args.batch ?? 1);
  const size = Number(args.size ?? 224);
  const runs = Number(args.runs ?? 3);
  const warmup = Number(args.warmup ?? 1);
  const scanBackend = args['scan-backend'] === undefined ? undefined : String(args['scan-backend']);
  const model = createModel(preset);
  const images = Tensor.randn([batch, 3, size, size], 1);
  const rssAfterBuild = rssMiB();
  const options = { scanBackend };
  const times = await timeRuns(() => model.forward(images, options), warmup, runs);
  const msPerImage = median(times) / batch;
  const result: Result = {
    preset,
    batch,
    size,
    opsBackend: ops.getBackend(),
    scanBackend: (await resolveBackend(scanBackend)).name,
    msPerRun: times.map((t) => Math.round(t * 10) / 10),
    msPerImage: Math.round(msPerImage * 10) / 10,
    imagesPerSecond: Math.round((1000 / msPerImage) * 100) / 100,
    peakRssMiB: peakRssMiB(),
    rssAfterBuildMiB: rssAfterBuild,
    loadavg1: [loadStart, load1()],
  };
  console.log(JSON.stringify(result));
}

async function parent(): Promise<void> {
  const { presetNames } = await import('@vssm/models');
  const list = String(args.presets ?? 'all');
  const presets = list === 'all' ? presetNames() : list.split(',');
  const batches = String(args.batches ?? '1,8')
    .split(',')
    .map(Number);
  const forward = ['size', 'runs', 'warmup', 'scan-backend', 'ops-backend'].flatMap((k) =>
    args[k] === undefined ? [] : [`--${k}`, String(args[k])],
  );
  const m = machine();
  console.log(`machine: ${m.cpu}, ${m.cores} logical cores, ${m.totalMemGiB} GiB, Node ${m.node}, ${m.platform}`);
  console.log(`start: ${new Date().toISOString()}, load average (1 min) ${load1()}`);
  console.log('');
  console.log('| preset | batch | ms/image | images/s | runs (ms) | peak RSS MiB | ops / scan backend | load 1m before → after |');
  console.log('|---|---:|---:|---:|---|---:|---|---|');
  const results: Result[] = [];
  const failures: string[] = [];
  for (const preset of presets) {
    for (const batch of batches) {
      const r = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), '--child', '--preset', preset, '--batch', String(batch), ...forward],
        { encoding: 'utf8', maxBuffer: 64 << 20 },
      );
      const last = r.stdout.trim().split('\n').pop() ?? '';
      if (r.status !== 0 || !last.startsWith('{')) {
        failures.push(`${preset} batch ${batch}: exit ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        console.log(`| ${preset} | ${batch} | failed | | | | | |`);
        continue;
      }
      const res = JSON.parse(last) as Result;
      results.push(res);
      console.log(
        `| ${preset} | ${batch} | ${res.msPerImage.toFixed(1)} | ${res.imagesPerSecond.toFixed(2)} | ${res.msPerRun.join(', ')} | ${res.peakRssMiB} | ${res.opsBackend} / ${res.scanBackend} | ${res.loadavg1[0]} → ${res.loadavg1[1]} |`,
      );
    }
  }
  for (const f of failures) console.error(`FAILED ${f}`);
  const summary = { machine: m, end: new Date().toISOString(), results, failures };
  if (args.json) writeFileSync(String(args.json), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary));
  process.exitCode = failures.length ? 1 : 0;
}

if (args.help) {
  console.log(
    'usage: npx tsx --conditions=source benchmarks/model-forward.ts [--presets all|a,b] [--batches 1,8] [--size 224] [--runs 3] [--warmup 1] [--scan-backend name] [--ops-backend name] [--json file]',
  );
} else if (args.child) {
  await child();
  process.exit(0);
} else {
  await parent();
}
