// Spawns the CLI as a user would: from src/ under tsx (the `source` condition), and once from the built dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goldenClose, loadSafetensors, saveSafetensorsFile, Tensor } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import test from 'tape';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkg, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'vssm-cli-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function vssm(args: string[], fromDist = false) {
  const argv = fromDist
    ? [join(pkg, 'dist/bin.js'), ...args]
    : ['--conditions=source', '--import', 'tsx', join(pkg, 'src/bin.ts'), ...args];
  const r = spawnSync(process.execPath, argv, { cwd: pkg, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

test('help, unknown commands and options', (t) => {
  const help = vssm(['--help']);
  t.equal(help.code, 0, '--help exits 0');
  t.match(help.stdout, /info\s+Show what this installation can run/, 'lists info');
  t.match(help.stdout, /golden\s+Recompute/, 'lists golden');
  const none = vssm([]);
  t.equal(none.code, 2, 'no command: exit 2');
  t.match(none.stderr, /Usage: vssm <command>/, 'no command: usage on stderr');
  const unknown = vssm(['frobnicate']);
  t.equal(unknown.code, 2, 'unknown command: exit 2');
  t.match(unknown.stderr, /unknown command 'frobnicate'/, unknown.stderr.trim());
  for (const c of ['info', 'golden']) {
    const h = vssm([c, '--help']);
    t.equal(h.code, 0, `${c} --help exits 0`);
    t.match(h.stdout, new RegExp(`^Usage: vssm ${c} `), `${c} --help shows its usage`);
  }
  const badOpt = vssm(['info', '--frobnicate']);
  t.equal(badOpt.code, 2, 'unknown option: exit 2');
  t.match(badOpt.stderr, /unknown option --frobnicate/, badOpt.stderr.trim());
  t.doesNotMatch(badOpt.stderr, /\n\s+at /, 'no stack trace for a user error');
  t.end();
});

test('info --backends [--json]', (t) => {
  const json = vssm(['info', '--backends', '--json']);
  t.equal(json.code, 0, 'exit 0');
  const list = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
  t.ok(Array.isArray(list) && list.length >= 4, `${list.length} backends`);
  t.ok(
    list.every((b) => Object.keys(b).join(',') === 'name,available,reason'),
    'each entry is {name, available, reason}',
  );
  const byName = new Map(list.map((b) => [b.name, b]));
  t.equal(byName.get('cpu')?.available, true, `cpu available: ${byName.get('cpu')?.reason}`);
  t.equal(byName.get('cpu-f64')?.available, true, 'cpu-f64 available');
  t.ok(byName.has('webgpu') && byName.has('gpujs:webgpu'), 'GPU backends listed');
  const table = vssm(['info', '--backends']);
  t.equal(table.code, 0, 'table: exit 0');
  t.match(table.stdout, /^cpu\s+available\s+wasm-simd/m, 'table row for cpu');
  const bare = vssm(['info']);
  t.equal(bare.code, 2, 'info without a topic: exit 2');
  t.end();
});

test('golden: selective_scan results match the golden file (cpu and cpu-f64)', async (t) => {
  const source = goldenFile('selective-scan.safetensors');
  const expected = await loadSafetensors(source);
  for (const backend of ['cpu', 'cpu-f64']) {
    const out = join(tmp, `ss-${backend}.safetensors`);
    const r = vssm(['golden', source, '--out', out, '--backend', backend]);
    t.equal(r.code, 0, `${backend}: exit 0${r.code ? `: ${r.stderr}` : ''}`);
    const got = await loadSafetensors(out);
    t.equal(got.metadata.kind, 'selective_scan', 'kind recorded');
    t.equal(got.metadata.backend, backend, 'backend recorded');
    const names = got.names();
    const wanted = expected.names().filter((n) => /\.(out|last_state)$|\.grad\./.test(n));
    t.deepEqual(names.slice().sort(), wanted.slice().sort(), `${backend}: every caseK.out, last_state and grad.<input> (${names.length})`);
    for (const name of wanted) {
      if (!got.has(name)) continue;
      const report = goldenClose(got.get(name), expected.get(name), name.includes('.grad.') ? 'gradient' : 'output');
      t.ok(report.ok, `${backend} ${name}: ${report.message}`);
    }
  }
});

test('golden: errors and exit codes', async (t) => {
  const source = goldenFile('selective-scan.safetensors');
  const noOut = vssm(['golden', source]);
  t.equal(noOut.code, 2, 'missing --out: exit 2');
  t.match(noOut.stderr, /--out <file> is required/, noOut.stderr.trim());
  const badBackend = vssm(['golden', source, '--out', join(tmp, 'x.safetensors'), '--backend', 'tpu']);
  t.equal(badBackend.code, 2, 'unknown backend: exit 2');
  t.match(badBackend.stderr, /unknown selective-scan backend 'tpu'/, badBackend.stderr.trim());
  const odd = join(tmp, 'odd.safetensors');
  await saveSafetensorsFile(odd, { x: Tensor.zeros([2]) }, { metadata: { kind: 'nonsense' } });
  const badKind = vssm(['golden', odd, '--out', join(tmp, 'y.safetensors')]);
  t.equal(badKind.code, 2, 'unknown kind: exit 2');
  t.match(badKind.stderr, /no runner for golden kind 'nonsense' \(known kinds: selective_scan/, badKind.stderr.trim());
  const missing = vssm(['golden', join(tmp, 'missing.safetensors'), '--out', join(tmp, 'z.safetensors')]);
  t.equal(missing.code, 1, 'unreadable file: exit 1');
  t.match(missing.stderr, /cannot (open|read) file/, missing.stderr.trim());
  t.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
});

function newest(dir: string): number {
  let m = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    m = Math.max(m, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return m;
}

test('the built CLI (dist/bin.js) runs', (t) => {
  const ssDist = join(repo, 'packages/selective-scan/dist/index.js');
  const ssFresh = existsSync(ssDist) && statSync(ssDist).mtimeMs >= newest(join(repo, 'packages/selective-scan/src'));
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
  if (!ssFresh || !existsSync(join(repo, 'packages/core/dist/index.js'))) {
    t.comment('building @vssm/selective-scan (and @vssm/core) through turbo');
    const b = spawnSync('npx', ['turbo', 'run', 'build', '--filter=@vssm/selective-scan', '--output-logs=errors-only'], {
      cwd: repo,
      encoding: 'utf8',
      env,
      timeout: 300_000,
    });
    t.equal(b.status, 0, `dependencies built${b.status ? `: ${b.stdout}${b.stderr}` : ''}`);
  }
  const bin = join(pkg, 'dist/bin.js');
  if (!existsSync(bin) || statSync(bin).mtimeMs < newest(join(pkg, 'src'))) {
    t.comment('building @vssm/cli');
    const b = spawnSync('npx', ['tsup'], { cwd: pkg, encoding: 'utf8', env, timeout: 300_000 });
    t.equal(b.status, 0, `cli built${b.status ? `: ${b.stdout}${b.stderr}` : ''}`);
  }
  const r = vssm(['info', '--backends', '--json'], true);
  t.equal(r.code, 0, `dist/bin.js exits 0${r.code ? `: ${r.stderr}` : ''}`);
  const list = JSON.parse(r.stdout) as Array<{ name: string; available: boolean }>;
  t.ok(list.find((b) => b.name === 'cpu')?.available, 'cpu available from the build');
  t.ok((statSync(bin).mode & 0o111) !== 0, 'dist/bin.js is executable');
  const direct = spawnSync(bin, ['--help'], { encoding: 'utf8', timeout: 60_000 });
  t.equal(direct.status, 0, 'runs through its #!/usr/bin/env node line');
  t.end();
});
