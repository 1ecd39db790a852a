// The command framework, `info --backends`, `golden` errors, and the built dist/bin.js.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensorsFile, Tensor } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import test from 'tape';
import { hasStack, pkg, repo, tempDir, vssm as run } from './helpers.js';

const tmp = tempDir('vssm-cli-');
const vssm = (args: string[], fromDist = false) => run(args, { fromDist });

test('help, unknown commands and options', (t) => {
  const help = vssm(['--help']);
  t.equal(help.code, 0, '--help exits 0');
  for (const c of ['info', 'classify', 'bench', 'demo', 'golden']) t.match(help.stdout, new RegExp(`^  ${c}\\s+\\S`, 'm'), `lists ${c}`);
  t.match(help.stdout, /Exit codes:\n {2}0 {2}success\n {2}1 {2}the command failed/, 'documents the exit codes');
  const none = vssm([]);
  t.equal(none.code, 2, 'no command: exit 2');
  t.match(none.stderr, /Usage: vssm <command>/, 'no command: usage on stderr');
  const unknown = vssm(['frobnicate']);
  t.equal(unknown.code, 2, 'unknown command: exit 2');
  t.match(unknown.stderr, /unknown command 'frobnicate'/, unknown.stderr.trim());
  for (const c of ['info', 'classify', 'bench', 'demo', 'golden']) {
    const h = vssm([c, '--help']);
    t.equal(h.code, 0, `${c} --help exits 0`);
    t.match(h.stdout, new RegExp(`^Usage: vssm ${c} `), `${c} --help shows its usage`);
  }
  const badOpt = vssm(['info', '--frobnicate']);
  t.equal(badOpt.code, 2, 'unknown option: exit 2');
  t.match(badOpt.stderr, /unknown option --frobnicate/, badOpt.stderr.trim());
  t.notOk(hasStack(badOpt.stderr), 'no stack trace for a user error');
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
  t.notOk(hasStack(missing.stderr), 'no stack trace');

  const ops = goldenFile('ops.safetensors');
  const weightsForOps = vssm(['golden', ops, '--out', join(tmp, 'o.safetensors'), '--weights', 'x.pth']);
  t.equal(weightsForOps.code, 2, '--weights with kind ops: exit 2');
  t.match(weightsForOps.stderr, /--weights applies to kind 'model' only, not 'ops'/, weightsForOps.stderr.trim());
  const backendForOrders = vssm(['golden', goldenFile('scan-orders.json'), '--out', join(tmp, 'b.json'), '--backend', 'cpu']);
  t.equal(backendForOrders.code, 2, '--backend with kind scan_orders: exit 2');
  t.match(
    backendForOrders.stderr,
    /--backend \(a selective-scan backend\) applies to kinds model and selective_scan, not 'scan_orders'/,
    backendForOrders.stderr.trim(),
  );

  // An ops file with an op vssm does not have: the error names the op and the case.
  const expected = await loadSafetensors(ops);
  const strange = join(tmp, 'strange-ops.safetensors');
  const cases = [{ name: 'weird', op: 'frobnicate', inputs: ['x'] }];
  await saveSafetensorsFile(strange, { 'weird.x': Tensor.zeros([2]) }, { metadata: { kind: 'ops', cases: JSON.stringify(cases) } });
  const unknownOp = vssm(['golden', strange, '--out', join(tmp, 'w.safetensors')]);
  t.equal(unknownOp.code, 2, 'unknown op: exit 2');
  t.match(unknownOp.stderr, /unknown golden op \(case 'weird'\) 'frobnicate'; known: linear, /, unknownOp.stderr.trim());
  t.notOk(hasStack(unknownOp.stderr), 'no stack trace');
  const badAttr = join(tmp, 'attr-ops.safetensors');
  const attrCase = JSON.parse(expected.metadata.cases).find((c: { op: string }) => c.op === 'conv2d');
  const tensors = Object.fromEntries(attrCase.inputs.map((x: string) => [`${attrCase.name}.${x}`, expected.get(`${attrCase.name}.${x}`)]));
  await saveSafetensorsFile(badAttr, tensors, {
    metadata: { kind: 'ops', cases: JSON.stringify([{ ...attrCase, padding_mode: 'reflect' }]) },
  });
  const unsupported = vssm(['golden', badAttr, '--out', join(tmp, 'a.safetensors')]);
  t.equal(unsupported.code, 1, 'an attribute vssm does not understand: exit 1, not a silent wrong result');
  t.match(unsupported.stderr, /unsupported attribute\(s\) padding_mode/, unsupported.stderr.trim());

  // A model file without param.* needs --weights; weights of another model are a state-dict mismatch.
  const model = await loadSafetensors(goldenFile('msvmamba.safetensors'));
  const bare = join(tmp, 'msvmamba-no-params.safetensors');
  const kept = new Map(
    model
      .names()
      .filter((n) => !n.startsWith('param.'))
      .map((n) => [n, model.get(n)] as const),
  );
  await saveSafetensorsFile(bare, kept, { metadata: model.metadata });
  const noParams = vssm(['golden', bare, '--out', join(tmp, 'np.safetensors'), '--backend', 'cpu']);
  t.equal(noParams.code, 1, 'no param.* and no --weights: exit 1');
  t.match(noParams.stderr, /has no 'param\.\*' tensors; pass the weights with --weights/, noParams.stderr.trim());
  const wrong = vssm([
    'golden',
    bare,
    '--out',
    join(tmp, 'wr.safetensors'),
    '--weights',
    goldenFile('local-vim-rope.model.pth'),
    '--backend',
    'cpu',
  ]);
  t.equal(wrong.code, 1, 'weights of another model: exit 1');
  t.match(wrong.stderr, /missing|unexpected/, wrong.stderr.split('\n')[0].slice(0, 200));
  t.notOk(hasStack(wrong.stderr), 'no stack trace');

  const json = join(tmp, 'weird.json');
  writeFileSync(json, JSON.stringify({ kind: 'model', orders: {} }));
  const mismatch = vssm(['golden', json, '--out', join(tmp, 'j.json')]);
  t.equal(mismatch.code, 2, 'JSON file of a safetensors kind: exit 2');
  t.match(mismatch.stderr, /kind 'model' expects a safetensors file/, mismatch.stderr.trim());
  const noKind = join(tmp, 'nokind.json');
  writeFileSync(noKind, '{"orders": {}}');
  const nk = vssm(['golden', noKind, '--out', join(tmp, 'k.json')]);
  t.equal(nk.code, 2, 'JSON without kind: exit 2');
  t.match(nk.stderr, /names no kind/, nk.stderr.trim());
});

test('the built CLI (dist/bin.js) runs', (t) => {
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
  // turbo rebuilds what changed in the CLI and the packages it depends on (cached otherwise)
  const b = spawnSync('npx', ['turbo', 'run', 'build', '--filter=@vssm/cli...', '--output-logs=errors-only'], {
    cwd: repo,
    encoding: 'utf8',
    env,
    timeout: 600_000,
  });
  t.equal(b.status, 0, `@vssm/cli and its dependencies built${b.status ? `: ${b.stdout}${b.stderr}` : ''}`);
  const bin = join(pkg, 'dist/bin.js');
  t.ok(existsSync(bin), 'dist/bin.js exists');
  const r = vssm(['info', '--backends', '--json'], true);
  t.equal(r.code, 0, `dist/bin.js exits 0${r.code ? `: ${r.stderr}` : ''}`);
  const list = JSON.parse(r.stdout) as Array<{ name: string; available: boolean }>;
  t.ok(list.find((b) => b.name === 'cpu')?.available, 'cpu available from the build');
  t.ok((statSync(bin).mode & 0o111) !== 0, 'dist/bin.js is executable');
  const direct = spawnSync(bin, ['--help'], { encoding: 'utf8', timeout: 60_000 });
  t.equal(direct.status, 0, 'runs through its #!/usr/bin/env node line');
  const orders = join(tmp, 'dist-orders.json');
  const golden = vssm(['golden', goldenFile('scan-orders.json'), '--out', orders], true);
  t.equal(golden.code, 0, `dist: golden scan_orders exits 0${golden.code ? `: ${golden.stderr}` : ''}`);
  // `npm run demo` runs exactly this: the bundled PNG through image decoding, pre-processing and a model.
  const demo = spawnSync('npm', ['run', '--silent', 'demo'], { cwd: repo, encoding: 'utf8', env, timeout: 300_000 });
  t.equal(demo.status, 0, `npm run demo exits 0${demo.status ? `: ${demo.stderr}` : ''}`);
  t.match(demo.stdout, /^input +\(1, 3, 224, 224\)/m, 'demo: input shape');
  t.match(demo.stdout, /^logits +\(1, 1000\)/m, 'demo: logits shape');
  t.equal((demo.stdout.match(/^ +\d\. 0\.\d{4} {2}\S/gm) ?? []).length, 5, 'demo: five ranked labels');
  t.end();
});
