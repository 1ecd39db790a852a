// Every script in examples/ runs as documented (small settings) and prints what it promises.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors } from '@vssm/core';
import { createModel, saveCheckpoint } from '@vssm/models';
import { goldenFile } from '@vssm/testing';
import test from 'tape';
import { pkg, repo, tempDir } from './helpers.js';

const tmp = tempDir('vssm-examples-');
const examples = join(repo, 'examples');

/** `npx tsx --conditions=source examples/<file> …` as the README says, from the repository root. */
function example(file: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', join(examples, file), ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('examples/README.md lists every script', (t) => {
  const readme = readFileSync(join(examples, 'README.md'), 'utf8');
  const scripts = readdirSync(examples).filter((f) => f.endsWith('.ts') && f !== 'args.ts');
  t.deepEqual(scripts.sort(), [
    'classify-image.ts',
    'compose-backbone.ts',
    'convert-checkpoint.ts',
    'scan-directions.ts',
    'selective-scan.ts',
  ]);
  for (const s of scripts) {
    t.ok(readme.includes(`(${s})`), `${s} is listed`);
    t.match(readFileSync(join(examples, s), 'utf8'), /^\/\/ .+\n\/\/.*\n/, `${s} starts with a header comment`);
  }
  t.end();
});

test('examples type-check (strict, examples/tsconfig.json)', (t) => {
  const r = spawnSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(examples, 'tsconfig.json')], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 300_000,
  });
  t.equal(r.status, 0, `tsc exits 0${r.status ? `: ${r.stdout}${r.stderr}` : ''}`);
  t.end();
});

test('classify-image.ts: a checkpoint → top-5 ImageNet labels', async (t) => {
  const ckpt = join(tmp, 'nano.safetensors');
  await saveCheckpoint(createModel('msvmamba_nano', { seed: 3 }), ckpt);
  const r = example('classify-image.ts', ['msvmamba_nano', ckpt, join(pkg, 'assets', 'demo.png'), '--topk', '3']);
  t.equal(r.code, 0, `exit 0${r.code ? `: ${r.stderr}` : ''}`);
  t.match(r.stdout, /msvmamba_nano: loaded \d+ tensors from /, 'loads the checkpoint');
  t.match(r.stdout, /demo\.png\n( {2}0\.\d{4} {2}.+ \(\d+\)\n){3}/, 'three labelled classes');
});

test('compose-backbone.ts: a custom backbone with a registered direction', (t) => {
  const r = example('compose-backbone.ts', ['--size', '32', '--dim', '16']);
  t.equal(r.code, 0, `exit 0${r.code ? `: ${r.stderr}` : ''}`);
  t.match(r.stdout, /^spiral order on a 8×8 token grid: 0 1 2 3 4 5 6 7 15 23 /m, 'the spiral order');
  t.match(r.stdout, /^logits 2×10 in \d+ ms, \d+ parameters$/m, 'logits');
  t.match(r.stdout, /state-dict entries, e\.g\. local\./, 'official-style names');
  t.end();
});

test('convert-checkpoint.ts: a golden .pth → safetensors with the same tensors', async (t) => {
  const out = join(tmp, 'converted.safetensors');
  const pth = goldenFile('local-vim-rope.model.pth');
  const r = example('convert-checkpoint.ts', [pth, out]);
  t.equal(r.code, 0, `exit 0${r.code ? `: ${r.stderr}` : ''}`);
  t.match(r.stdout, /model\.load_state_dict\(load_file\(/, 'prints the Python snippet');
  const converted = await loadSafetensors(out);
  const golden = await loadSafetensors(goldenFile('local-vim-rope.safetensors'));
  const params = golden.names().filter((n) => n.startsWith('param.'));
  t.deepEqual(converted.names().sort(), params.map((n) => n.slice(6)).sort(), `the ${params.length} official keys`);
  const same = params.every((n) => {
    const a = converted.get(n.slice(6)).toFloat32Array();
    const b = golden.get(n).toFloat32Array();
    return a.length === b.length && a.every((v, i) => v === b[i]);
  });
  t.ok(same, 'every value identical to the golden param.*');
  const withPreset = example('convert-checkpoint.ts', [pth, join(tmp, 'x.safetensors'), '--preset', 'local_vim_tiny']);
  t.notEqual(withPreset.code, 0, 'a checkpoint of another size fails the --preset check');
  t.match(withPreset.stderr, /StateDictError|mismatched|missing/, 'with a state-dict report');
});

test('scan-directions.ts: grids of visit times and SVG drawings', (t) => {
  const svgDir = join(tmp, 'svg');
  const r = example('scan-directions.ts', ['--h', '3', '--w', '4', 'h', 'v', 'w2_flip', '--svg-dir', svgDir]);
  t.equal(r.code, 0, `exit 0${r.code ? `: ${r.stderr}` : ''}`);
  t.match(r.stdout, /v on 3×4: 12 steps, 0 padding tokens\n +0 +3 +6 +9\n +1 +4 +7 +10\n +2 +5 +8 +11\n/, 'v visits columns first');
  t.match(r.stdout, /w2_flip on 3×4: 16 steps, 4 padding tokens/, 'w2 pads 3×4 to 4×4');
  for (const d of ['h', 'v', 'w2_flip']) t.ok(existsSync(join(svgDir, `${d}-3x4.svg`)), `${d}-3x4.svg written`);
  t.end();
});

test('selective-scan.ts: two backends, timed, against the oracle', (t) => {
  const r = example('selective-scan.ts', ['--dim', '16', '--length', '300', '--runs', '2']);
  t.equal(r.code, 0, `exit 0${r.code ? `: ${r.stderr}` : ''}`);
  t.match(r.stdout, /^cpu-f64 +best of 1: +[\d.]+ ms +max \|out − cpu-f64\| = 0\.00e\+0$/m, 'the oracle');
  const cpu = /^cpu +best of 2: +[\d.]+ ms +max \|out − cpu-f64\| = ([\d.e+-]+)$/m.exec(r.stdout);
  t.ok(cpu, 'the cpu backend line');
  t.ok(cpu && Number(cpu[1]) < 1e-4, `cpu within 1e-4 of the oracle (${cpu?.[1]})`);
  t.end();
});
