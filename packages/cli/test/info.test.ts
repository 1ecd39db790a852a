// `vssm info <preset>`: exact parameter counts and state dicts of all 14 presets against reference/models.json
// (generated from the official code), FLOPs in each paper's convention, the table form and the errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countFlops, getPreset, presetNames } from '@vssm/models';
import { goldenDir } from '@vssm/testing';
import test from 'tape';
import { hasStack, inParallel, vssm, vssmAsync } from './helpers.js';

interface Reference {
  family: string;
  params: number;
  state_dict: [string, number[]][];
}
const reference = JSON.parse(readFileSync(join(goldenDir(), '..', 'reference', 'models.json'), 'utf8')).models as Record<string, Reference>;

test('info --presets lists the 14 presets with their families', (t) => {
  const r = vssm(['info', '--presets', '--json']);
  t.equal(r.code, 0, 'exit 0');
  const list = JSON.parse(r.stdout) as Array<{ preset: string; family: string }>;
  t.deepEqual(
    list.map((p) => p.preset),
    Object.keys(reference),
    'the reference presets, in order',
  );
  for (const p of list) t.equal(p.family, reference[p.preset].family, `${p.preset}: ${p.family}`);
  t.end();
});

test('info <preset> --json: params, state dict (keys, shapes, order) and FLOPs of every preset', async (t) => {
  const presets = Object.keys(reference);
  t.equal(presets.length, 14, '14 presets in the reference');
  const runs = await inParallel(presets.map((p) => () => vssmAsync(['info', p, '--json'])));
  presets.forEach((preset, i) => {
    const r = runs[i];
    t.equal(r.code, 0, `${preset}: exit 0${r.code ? `: ${r.stderr}` : ''}`);
    const info = JSON.parse(r.stdout);
    const ref = reference[preset];
    t.deepEqual(
      Object.keys(info).slice(0, 5),
      ['preset', 'family', 'params', 'flops', 'stateDict'],
      `${preset}: the documented keys first`,
    );
    t.equal(info.preset, preset);
    t.equal(info.family, ref.family, `${preset}: family ${ref.family}`);
    t.equal(info.params, ref.params, `${preset}: ${ref.params} parameters`);
    t.deepEqual(info.stateDict, ref.state_dict, `${preset}: ${ref.state_dict.length} state-dict entries, same keys, shapes and order`);
    t.equal(info.size, 224, `${preset}: at 224`);
    t.equal(
      info.flops,
      countFlops(getPreset(preset), { height: 224, width: 224 }).flops,
      `${preset}: ${(info.flops / 1e9).toFixed(2)} GFLOPs`,
    );
  });
});

test('info --size changes the FLOP count; the table form shows the same numbers', (t) => {
  const r = vssm(['info', 'msvmamba_nano', '--size', '256', '--json']);
  t.equal(r.code, 0, 'exit 0');
  const info = JSON.parse(r.stdout);
  t.equal(info.size, 256);
  const at256 = countFlops(getPreset('msvmamba_nano'), { height: 256, width: 256 }).flops;
  t.equal(info.flops, at256, `FLOPs at 256 = ${at256}`);
  t.ok(at256 > countFlops(getPreset('msvmamba_nano'), { height: 224, width: 224 }).flops, 'more than at 224');
  const table = vssm(['info', 'msvmamba_nano']);
  t.equal(table.code, 0, 'table: exit 0');
  t.match(table.stdout, /^parameters +6,864,136 \(6\.86 M\)$/m, 'parameters row');
  t.match(table.stdout, /^FLOPs +882,953,472 \(0\.88 G\) at 224×224$/m, 'FLOPs row');
  t.match(table.stdout, /^ {2}patch_embed\.0\.weight +48×3×4×4$/m, 'state-dict rows');
  t.equal(
    table.stdout.split('\n').filter((l) => l.startsWith('  ')).length,
    reference.msvmamba_nano.state_dict.length,
    'one row per entry',
  );
  t.end();
});

test('info: errors', (t) => {
  const unknown = vssm(['info', 'local_vim_huge']);
  t.equal(unknown.code, 2, 'unknown preset: exit 2');
  t.match(unknown.stderr, /unknown preset 'local_vim_huge'; known: local_vim_tiny, /, unknown.stderr.trim());
  for (const p of presetNames()) t.ok(unknown.stderr.includes(p), `lists ${p}`);
  t.notOk(hasStack(unknown.stderr), 'no stack trace');
  const both = vssm(['info', 'msvmamba_nano', '--backends']);
  t.equal(both.code, 2, 'a preset and --backends: exit 2');
  const size = vssm(['info', 'msvmamba_nano', '--size', 'big']);
  t.equal(size.code, 2, '--size big: exit 2');
  t.match(size.stderr, /--size must be an integer ≥ 1, got 'big'/, size.stderr.trim());
  const none = vssm(['info']);
  t.equal(none.code, 2, 'nothing to show: exit 2');
  t.match(none.stderr, /say what to show: a preset \(local_vim_tiny, /, none.stderr.trim());
  t.end();
});
