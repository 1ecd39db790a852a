#!/usr/bin/env node
// Whole-model CPU speed: the official PyTorch code against vssm, back to back in one run.
//
//   node benchmarks/compare-cpu.mjs --presets local_vim_tiny,local_vssm_tiny,msvmamba_nano \
//     --localmamba-dir ../LocalMamba --msvmamba-dir ../MSVMamba --msvmamba-v2-dir ../MSVMamba-v2
//
// For each preset it runs benchmarks/pytorch/bench_official.py, then `vssm bench`, and prints a table with both
// times and the speed-up, then one JSON summary line. See benchmarks/README.md.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCH_PY = path.join(REPO, 'benchmarks', 'pytorch', 'bench_official.py');
const DEFAULT_PRESETS = ['local_vim_tiny', 'local_vssm_tiny', 'msvmamba_nano'];

const OPTIONS = {
  presets: { value: DEFAULT_PRESETS.join(','), help: 'comma-separated preset names' },
  batch: { value: '1', help: 'images per forward pass' },
  size: { value: '224', help: 'input height and width' },
  threads: { value: '2', help: 'threads for both sides' },
  runs: { value: '3', help: 'timed runs per side (median reported)' },
  python: { value: 'python3', help: 'Python with PyTorch 1.13 and the dependencies of the official code' },
  'localmamba-dir': { value: undefined, help: 'checkout of hunto/LocalMamba' },
  'msvmamba-dir': { value: undefined, help: 'checkout of YuHengsss/MSVMamba, branch master' },
  'msvmamba-v2-dir': { value: undefined, help: 'checkout of YuHengsss/MSVMamba, branch v2' },
  'vssm-cmd': { value: undefined, help: 'command that runs the vssm CLI (default: npx --no-install vssm, else packages/cli/dist/bin.js)' },
  'json-out': { value: undefined, help: 'also write the JSON summary to this file' },
  timeout: { value: '3600', help: 'seconds allowed for one side of one preset' },
  target: { value: '10', help: 'speed-up the table checks against' },
  'wait-idle': { value: '0', help: 'before each side, wait until this fraction of all CPU time is idle over 2 s (0 = off)' },
  'wait-max': { value: '600', help: 'longest wait for --wait-idle, in seconds (then it runs anyway and says so)' },
  'pytorch-only': { flag: true, help: 'run only the PyTorch side' },
  help: { flag: true, help: 'show this help' },
};

/** Parses `--name value`, `--name=value` and flags; exits with a usage message on anything unknown. */
function parseOptions(argv) {
  const options = Object.fromEntries(Object.entries(OPTIONS).map(([name, spec]) => [name, spec.flag ? false : spec.value]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : undefined;
    const spec = name === undefined ? undefined : OPTIONS[name];
    if (!spec) usage(`unknown argument ${arg}`);
    if (spec.flag) {
      if (eq >= 0) usage(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) usage(`--${name} needs a value`);
    options[name] = value;
  }
  if (options.help) usage();
  for (const name of ['batch', 'size', 'threads', 'runs', 'timeout']) {
    const n = Number(options[name]);
    if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a positive integer, got ${options[name]}`);
    options[name] = n;
  }
  options.target = Number(options.target);
  if (!(options.target > 0)) usage('--target must be a positive number');
  options['wait-idle'] = Number(options['wait-idle']);
  if (!(options['wait-idle'] >= 0 && options['wait-idle'] < 1)) usage('--wait-idle must be a fraction in [0, 1)');
  options['wait-max'] = Number(options['wait-max']);
  if (!(options['wait-max'] >= 0)) usage('--wait-max must be 0 or more seconds');
  options.presets = options.presets
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (options.presets.length === 0) usage('--presets is empty');
  return options;
}

function usage(problem) {
  const lines = Object.entries(OPTIONS).map(([name, spec]) => {
    const shown = spec.flag ? `--${name}` : `--${name} <v>`;
    const def = spec.flag || spec.value === undefined ? '' : ` [${spec.value}]`;
    return `  ${shown.padEnd(24)} ${spec.help}${def}`;
  });
  const text = `usage: node benchmarks/compare-cpu.mjs [options]\n${lines.join('\n')}`;
  if (problem) {
    console.error(`compare-cpu: ${problem}\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}

/** The last non-empty stdout line parsed as JSON, or an Error saying why not. */
function lastJsonLine(stdout) {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return new Error('no output on stdout');
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    return new Error(`last stdout line is not JSON: ${lines[lines.length - 1].slice(0, 200)}`);
  }
}

function tail(text, n = 6) {
  return text.trim().split('\n').slice(-n).join('\n');
}

function run(command, args, timeoutS) {
  const started = Date.now();
  const child = spawnSync(command, args, {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: timeoutS * 1000,
    env: process.env,
  });
  return { ...child, wallS: (Date.now() - started) / 1000 };
}

/** Cumulative idle and total CPU time over all cores, from /proc/stat (in clock ticks). */
function cpuTimes() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: fields[3] + (fields[4] ?? 0), total: fields.reduce((a, b) => a + b, 0) };
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Blocks until the CPUs were at least `fraction` idle over a 2 s window, or `maxS` passed. Returns what was seen. */
function waitForIdle(fraction, maxS) {
  if (!(fraction > 0)) return undefined;
  if (!existsSync('/proc/stat')) return { idle: null, waited_s: 0, note: 'no /proc/stat: not checked' };
  const started = Date.now();
  for (;;) {
    const a = cpuTimes();
    sleepMs(2000);
    const b = cpuTimes();
    const idle = (b.idle - a.idle) / Math.max(1, b.total - a.total);
    const waited = (Date.now() - started) / 1000;
    if (idle >= fraction) return { idle: Number(idle.toFixed(3)), waited_s: Math.round(waited) };
    if (waited >= maxS) return { idle: Number(idle.toFixed(3)), waited_s: Math.round(waited), note: 'gave up waiting' };
  }
}

function runPytorch(preset, o) {
  const args = [BENCH_PY, '--model', preset, '--batch', String(o.batch), '--size', String(o.size)];
  args.push('--threads', String(o.threads), '--runs', String(o.runs), '--json');
  for (const dir of ['localmamba-dir', 'msvmamba-dir', 'msvmamba-v2-dir']) if (o[dir]) args.push(`--${dir}`, path.resolve(o[dir]));
  const child = run(o.python, args, o.timeout);
  if (child.error) return { error: `could not run ${o.python}: ${child.error.message}` };
  if (child.status !== 0) return { error: `bench_official.py exited ${child.status ?? child.signal}:\n${tail(child.stderr)}` };
  const result = lastJsonLine(child.stdout);
  if (result instanceof Error) return { error: `bench_official.py: ${result.message}` };
  if (typeof result.ms_per_image_median !== 'number') return { error: 'bench_official.py: no ms_per_image_median in its JSON' };
  return { result };
}

/** The command prefix that runs the vssm CLI, or a reason it cannot be run. */
function vssmCommand(o) {
  if (o['vssm-cmd']) {
    const parts = o['vssm-cmd'].split(' ').filter(Boolean);
    return { command: parts[0], prefix: parts.slice(1) };
  }
  if (existsSync(path.join(REPO, 'node_modules', '.bin', 'vssm'))) return { command: 'npx', prefix: ['--no-install', 'vssm'] };
  const bin = path.join(REPO, 'packages', 'cli', 'dist', 'bin.js');
  if (existsSync(bin)) return { command: process.execPath, prefix: [bin] };
  return { unavailable: 'the vssm CLI is not built (run `npm run build` at the repository root)' };
}

function runVssm(preset, o, cli) {
  const base = [...cli.prefix, 'bench', '--preset', preset, '--batch', String(o.batch), '--size', String(o.size), '--json'];
  let child = run(cli.command, [...base, '--threads', String(o.threads)], o.timeout);
  let threads = o.threads;
  if (child.status !== 0 && /unknown option --threads/.test(child.stderr)) {
    child = run(cli.command, base, o.timeout);
    threads = 'CLI default (no --threads option)';
  }
  if (child.error) return { error: `could not run ${cli.command}: ${child.error.message}` };
  if (child.status !== 0 && /unknown command '?bench'?/.test(`${child.stderr}${child.stdout}`))
    return { unavailable: 'the vssm CLI has no `bench` command yet' };
  if (child.status !== 0) return { error: `vssm bench exited ${child.status ?? child.signal}:\n${tail(child.stderr)}` };
  const result = lastJsonLine(child.stdout);
  if (result instanceof Error) return { error: `vssm bench: ${result.message}` };
  if (typeof result.ms_per_image !== 'number') return { error: 'vssm bench: no ms_per_image in its JSON' };
  return { result, threads };
}

function fmtMs(ms) {
  return typeof ms === 'number' ? ms.toFixed(1) : 'n/a';
}

function printTable(rows, o) {
  const header = ['preset', 'PyTorch official ms/img', 'vssm ms/img', 'vssm backend', 'speed-up', `≥ ×${o.target}`];
  const body = rows.map((r) => [
    r.preset,
    r.pytorch?.result ? fmtMs(r.pytorch.result.ms_per_image_median) : 'failed',
    r.vssm?.result ? fmtMs(r.vssm.result.ms_per_image) : r.vssm?.unavailable || r.vssm?.skipped ? 'n/a' : 'failed',
    r.vssm?.result?.backend ?? '',
    r.ratio === undefined ? '' : `×${r.ratio.toFixed(2)}`,
    r.ratio === undefined ? '' : r.ratio >= o.target ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
}

function main() {
  const o = parseOptions(process.argv.slice(2));
  const cli = o['pytorch-only'] ? { skipped: true } : vssmCommand(o);
  if (cli.unavailable) console.error(`compare-cpu: vssm side unavailable: ${cli.unavailable}. Use --pytorch-only to time PyTorch alone.`);
  const rows = [];
  for (const preset of o.presets) {
    const row = { preset };
    row.idle_before_pytorch = waitForIdle(o['wait-idle'], o['wait-max']);
    row.loadavg_before = os.loadavg().map((l) => Number(l.toFixed(2)));
    console.error(`[${new Date().toISOString()}] ${preset}: PyTorch (official code, load ${row.loadavg_before[0]})...`);
    row.pytorch = runPytorch(preset, o);
    if (row.pytorch.error) console.error(`  PyTorch side failed: ${row.pytorch.error}`);
    if (cli.skipped) row.vssm = { skipped: true };
    else if (cli.unavailable) row.vssm = { unavailable: cli.unavailable };
    else {
      row.idle_before_vssm = waitForIdle(o['wait-idle'], o['wait-max']);
      console.error(`[${new Date().toISOString()}] ${preset}: vssm...`);
      row.vssm = runVssm(preset, o, cli);
      if (row.vssm.unavailable) console.error(`  vssm side unavailable: ${row.vssm.unavailable}`);
      if (row.vssm.error) console.error(`  vssm side failed: ${row.vssm.error}`);
    }
    const pt = row.pytorch.result?.ms_per_image_median;
    const vs = row.vssm.result?.ms_per_image;
    if (typeof pt === 'number' && typeof vs === 'number' && vs > 0) row.ratio = pt / vs;
    rows.push(row);
  }
  printTable(rows, o);
  const summary = {
    kind: 'vssm-cpu-comparison/1',
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, platform: `${os.platform()} ${os.arch()}`, node: process.version },
    settings: {
      batch: o.batch,
      size: o.size,
      threads: o.threads,
      runs: o.runs,
      python: o.python,
      target: o.target,
      wait_idle: o['wait-idle'],
    },
    vssm: cli.skipped ? 'skipped (--pytorch-only)' : (cli.unavailable ?? rows.find((r) => r.vssm.unavailable)?.vssm.unavailable ?? 'run'),
    results: rows.map((r) => ({
      preset: r.preset,
      loadavg_before: r.loadavg_before,
      idle_before: { pytorch: r.idle_before_pytorch ?? null, vssm: r.idle_before_vssm ?? null },
      pytorch: r.pytorch.result ?? { error: r.pytorch.error },
      vssm: r.vssm.result ? { ...r.vssm.result, threads: r.vssm.threads } : (r.vssm.error ?? r.vssm.unavailable ?? 'skipped'),
      speedup: r.ratio === undefined ? null : Number(r.ratio.toFixed(3)),
      meets_target: r.ratio === undefined ? null : r.ratio >= o.target,
    })),
  };
  console.log(JSON.stringify(summary));
  if (o['json-out']) writeFileSync(o['json-out'], `${JSON.stringify(summary, null, 2)}\n`);
  const vssmMissing = !cli.skipped && rows.some((r) => r.vssm.unavailable);
  const failed = rows.some((r) => r.pytorch.error || r.vssm.error);
  process.exit(failed ? 1 : vssmMissing ? 3 : 0);
}

main();
