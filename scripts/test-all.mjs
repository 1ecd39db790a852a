#!/usr/bin/env node
// The README's test command: builds every package (turbo, cached), runs each package's tape suite in
// dependency order, and ends with one line `N passed, N failed` summing the assertions of all packages.
// Exits non-zero on any failed assertion, a crashed suite, a failed build, or when no assertion ran.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';

const ORDER = ['core', 'wasm', 'ops', 'nn', 'scan', 'selective-scan', 'scattn', 'convffn', 'blocks', 'models', 'cli'];
const only = process.argv.slice(2);
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', FORCE_COLOR: '0' };

function finish(passed, failed, note) {
  if (note) console.log(note);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { stdio: 'inherit', env });
if (build.status !== 0) finish(0, 1, 'build failed');

function runSuite(pkg) {
  return new Promise((resolveSuite) => {
    const child = spawn('npm', ['run', '--silent', 'test'], { cwd: `packages/${pkg}`, env });
    let log = '';
    const onData = (chunk) => {
      const text = chunk.toString();
      log += text;
      process.stdout.write(text);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      const count = (re) => [...log.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
      const pass = count(/^#\s+pass\s+(\d+)\s*$/gm);
      let fail = count(/^#\s+fail\s+(\d+)\s*$/gm);
      const tests = count(/^#\s+tests\s+(\d+)\s*$/gm);
      if (code !== 0 && fail === 0) fail = 1; // crashed or a test never ended
      if (tests === 0 && fail === 0) fail = 1; // a suite that ran nothing is a failure
      resolveSuite({ pkg, pass, fail, code });
    });
  });
}

let passed = 0;
let failed = 0;
const rows = [];
for (const pkg of ORDER) {
  if (only.length && !only.includes(pkg)) continue;
  if (!existsSync(`packages/${pkg}/package.json`)) continue;
  const scripts = JSON.parse(readFileSync(`packages/${pkg}/package.json`, 'utf8')).scripts ?? {};
  if (!scripts.test) continue;
  console.log(`\n=== @vssm/${pkg} ===`);
  const r = await runSuite(pkg);
  passed += r.pass;
  failed += r.fail;
  rows.push(`@vssm/${r.pkg}: ${r.pass} passed, ${r.fail} failed${r.code ? ` (exit ${r.code})` : ''}`);
}
console.log(`\n${rows.join('\n')}`);
finish(passed, failed);
