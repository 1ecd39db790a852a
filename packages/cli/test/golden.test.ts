// `vssm golden` on every golden file (whatever cases they hold) and on every .pth through --weights, compared with
// the golden expectations at the golden tolerance.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenClose, loadSafetensors, type SafetensorsFile, saveSafetensorsFile } from '@vssm/core';
import { goldenDir } from '@vssm/testing';
import test, { type Test } from 'tape';
import { tempDir, vssm } from './helpers.js';

const dir = goldenDir();
const tmp = tempDir('vssm-golden-');
const names = readdirSync(dir).sort();

function kindOf(name: string): string | undefined {
  const path = join(dir, name);
  if (name.endsWith('.json')) return JSON.parse(readFileSync(path, 'utf8')).kind;
  return undefined;
}

async function run(t: Test, source: string, out: string, extra: string[] = []) {
  const r = vssm(['golden', source, '--out', out, ...extra]);
  t.equal(r.code, 0, `vssm golden ${extra.join(' ')} exits 0${r.code ? `: ${r.stderr}` : ''}`);
  return r;
}

function compareModel(t: Test, got: SafetensorsFile, expected: SafetensorsFile, label: string) {
  const output = goldenClose(got.get('output'), expected.get('output'), 'output');
  t.ok(output.ok, `${label} output: ${output.message}`);
  const inters = expected.names().filter((n) => n.startsWith('inter.'));
  t.ok(inters.length > 0, `${label}: the golden file has ${inters.length} intermediates`);
  for (const name of inters) {
    if (!got.has(name)) {
      t.fail(`${label}: ${name} was not written`);
      continue;
    }
    const r = goldenClose(got.get(name), expected.get(name), 'output');
    t.ok(r.ok, `${label} ${name}: ${r.message}`);
  }
  t.notOk(
    got.names().some((n) => n.startsWith('grad.')),
    `${label}: no grad.* written (no backward yet)`,
  );
}

const safetensors = names.filter((n) => n.endsWith('.safetensors'));
const checked = new Set<string>();

for (const name of safetensors) {
  test(`vssm golden ${name}`, async (t) => {
    const source = join(dir, name);
    const expected = await loadSafetensors(source);
    const kind = expected.metadata.kind;
    t.ok(kind, `kind '${kind}'`);
    checked.add(kind);
    const backends = kind === 'selective_scan' ? ['cpu', 'cpu-f64'] : [undefined];
    for (const backend of backends) {
      const out = join(tmp, `${name}.${backend ?? 'default'}.result.safetensors`);
      await run(t, source, out, backend ? ['--backend', backend] : []);
      const got = await loadSafetensors(out);
      t.equal(got.metadata.kind, kind, 'result records the kind');
      t.equal(got.metadata.source, source, 'result records the source');
      const label = backend ?? kind;
      if (kind === 'model') {
        compareModel(t, got, expected, name);
      } else if (kind === 'ops') {
        const cases = JSON.parse(expected.metadata.cases) as Array<{ name: string; op: string }>;
        t.deepEqual(got.names().sort(), cases.map((c) => `${c.name}.out`).sort(), `one NAME.out per case (${cases.length})`);
        for (const c of cases) {
          const r = goldenClose(got.get(`${c.name}.out`), expected.get(`${c.name}.out`), 'output');
          t.ok(r.ok, `${c.name} (${c.op}): ${r.message}`);
        }
      } else if (kind === 'selective_scan') {
        const wanted = expected.names().filter((n) => /\.(out|last_state)$|\.grad\./.test(n));
        t.deepEqual(got.names().sort(), wanted.sort(), `${label}: every caseK.out, last_state and grad.<input> (${wanted.length})`);
        for (const n of wanted) {
          if (!got.has(n)) continue;
          const r = goldenClose(got.get(n), expected.get(n), n.includes('.grad.') ? 'gradient' : 'output');
          t.ok(r.ok, `${label} ${n}: ${r.message}`);
        }
      } else {
        t.fail(`no check for golden kind '${kind}'`);
      }
    }
  });
}

for (const name of names.filter((n) => n.endsWith('.json'))) {
  test(`vssm golden ${name}`, async (t) => {
    const source = join(dir, name);
    const expected = JSON.parse(readFileSync(source, 'utf8'));
    t.equal(kindOf(name), 'scan_orders', 'kind scan_orders');
    checked.add(expected.kind);
    const out = join(tmp, `${name}.result.json`);
    await run(t, source, out);
    const got = JSON.parse(readFileSync(out, 'utf8'));
    t.equal(got.kind, 'scan_orders', 'result records the kind');
    t.deepEqual(Object.keys(got.orders), Object.keys(expected.orders), `the same ${Object.keys(expected.orders).length} keys in order`);
    for (const key of Object.keys(expected.orders)) t.deepEqual(got.orders[key], expected.orders[key], `${key}`);
  });
}

for (const name of names.filter((n) => n.endsWith('.pth'))) {
  test(`vssm golden --weights ${name}`, async (t) => {
    const stem = name.slice(0, name.indexOf('.'));
    const goldenName = `${stem}.safetensors`;
    t.ok(safetensors.includes(goldenName), `${name} belongs to ${goldenName}`);
    const expected = await loadSafetensors(join(dir, goldenName));
    // The same file without its param.* tensors: the weights can only come from the .pth.
    const stripped = join(tmp, `${stem}.without-params.safetensors`);
    const kept = new Map(
      expected
        .names()
        .filter((n) => !n.startsWith('param.'))
        .map((n) => [n, expected.get(n)] as const),
    );
    await saveSafetensorsFile(stripped, kept, { metadata: expected.metadata });
    const out = join(tmp, `${name}.result.safetensors`);
    await run(t, stripped, out, ['--weights', join(dir, name)]);
    const got = await loadSafetensors(out);
    t.equal(got.metadata.weights, join(dir, name), 'result records the weights');
    compareModel(t, got, expected, `${goldenName} with ${name}`);
  });
}

test('every golden kind present was checked', (t) => {
  t.deepEqual([...checked].sort(), ['model', 'ops', 'scan_orders', 'selective_scan'], [...checked].join(', '));
  t.ok(names.filter((n) => n.endsWith('.pth')).length >= 4, 'four or more .pth checkpoints');
  t.end();
});
