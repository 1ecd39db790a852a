import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MultiScanMambaMixer, SS2D } from '@vssm/blocks';
import type { Module } from '@vssm/core';
import { goldenDir } from '@vssm/testing';
import test from 'tape';
import { localVimFamily, localVMambaFamily } from '../src/index.js';

interface Reference {
  family: string;
  config: { directions: string[][] | null };
  params: number;
  state_dict: [string, number[]][];
}

const reference = JSON.parse(readFileSync(join(goldenDir(), '..', 'reference', 'models.json'), 'utf8')).models as Record<string, Reference>;

/** The direction list each layer's mixer actually uses (null configs resolve to the 8 candidates). */
function effectiveDirections(model: Module): string[][] {
  return model
    .namedModules()
    .filter(([, m]) => m instanceof MultiScanMambaMixer || m instanceof SS2D)
    .map(([, m]) => [...(m as MultiScanMambaMixer | SS2D).directions]);
}

const PRESETS = {
  local_vim: ['local_vim_tiny', 'local_vim_tiny_middle_cls_token', 'local_vim_small', 'local_vim_tiny_search'],
  local_vmamba: ['local_vssm_tiny', 'local_vssm_small', 'local_vssm_tiny_search', 'local_vssm_small_search'],
} as const;

test('preset names are exactly the official registry names', (t) => {
  t.deepEqual(Object.keys(localVimFamily.presets), PRESETS.local_vim);
  t.deepEqual(Object.keys(localVMambaFamily.presets), PRESETS.local_vmamba);
  t.end();
});

for (const family of [localVimFamily, localVMambaFamily]) {
  for (const name of PRESETS[family.family as keyof typeof PRESETS]) {
    test(`${name}: state-dict keys, shapes and order and the parameter count equal reference/models.json`, (t) => {
      const ref = reference[name];
      const config = family.presets[name];
      t.equal(ref.family, family.family, 'family');
      const model = family.create(config as never, { seed: 0 });
      t.deepEqual(effectiveDirections(model), ref.config.directions, 'per-layer directions as recorded by the official registry');
      if (name.endsWith('_search')) t.equal(config.directions, null, 'the supernet preset uses directions: null');
      const shapes = model.stateDictShapes();
      t.equal(shapes.length, ref.state_dict.length, `${ref.state_dict.length} entries`);
      const firstBad = shapes.findIndex(([k, s], i) => k !== ref.state_dict[i]?.[0] || s.join() !== ref.state_dict[i][1].join());
      t.equal(
        firstBad,
        -1,
        firstBad < 0
          ? 'every key and shape in order'
          : `first difference at ${firstBad}: ${JSON.stringify(shapes[firstBad])} vs ${JSON.stringify(ref.state_dict[firstBad])}`,
      );
      t.equal(model.parameterCount(), ref.params, `parameter count ${ref.params}`);
      t.end();
    });
  }
}

test('FLOPs follow the papers: LocalVim 1.482G / 1.489G / 4.771G, LocalVMamba 5.73G / 11.37G at 224²', (t) => {
  const at224 = { height: 224, width: 224 };
  const g = (f: { flops: number }) => f.flops / 1e9;
  const vim = localVimFamily.presets;
  t.equal(localVimFamily.flops(vim.local_vim_tiny, at224).flops, 1_481_765_376, 'LocalVim-T: the official VisionMamba.flops() value');
  t.equal(g(localVimFamily.flops(vim.local_vim_tiny_middle_cls_token, at224)).toFixed(3), '1.489');
  t.equal(g(localVimFamily.flops(vim.local_vim_small, at224)).toFixed(3), '4.771');
  const vm = localVMambaFamily.presets;
  t.equal(g(localVMambaFamily.flops(vm.local_vssm_tiny, at224)).toFixed(2), '5.73');
  t.equal(g(localVMambaFamily.flops(vm.local_vssm_small, at224)).toFixed(2), '11.37');
  const conv = localVMambaFamily.flops(vm.local_vssm_tiny, at224).convention;
  t.ok(/9·Lmax/.test(conv) && /fvcore/.test(conv), 'the convention string says what is counted');
  t.ok(localVimFamily.flops(vim.local_vim_tiny, { height: 448, width: 448 }).flops > 3.5e9, 'token count follows the input size');
  t.throws(() => localVimFamily.flops(vim.local_vim_tiny, { height: 0, width: 224 }), /positive integers/);
  t.end();
});
