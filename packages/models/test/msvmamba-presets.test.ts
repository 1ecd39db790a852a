import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'tape';
import { type BaseModelConfig, type ModelFamily, msvmambaFamily, msvmambaV2Family } from '@vssm/models';
import { goldenDir } from '@vssm/testing';

interface Reference {
  family: string;
  config: Record<string, unknown>;
  params: number;
  state_dict: [string, number[]][];
}

const reference = JSON.parse(readFileSync(join(goldenDir(), '..', 'reference', 'models.json'), 'utf8')).models as Record<string, Reference>;

const FAMILIES: Record<string, ModelFamily> = {
  msvmamba: msvmambaFamily as unknown as ModelFamily,
  msvmamba_v2: msvmambaV2Family as unknown as ModelFamily,
};

test('the six MSVMamba presets exist with exactly these names', (t) => {
  t.deepEqual(Object.keys(msvmambaFamily.presets), ['msvmamba_nano', 'msvmamba_micro', 'msvmamba_tiny']);
  t.deepEqual(Object.keys(msvmambaV2Family.presets), ['msvmambav3_tiny', 'msvmambav3_small', 'msvmambav3_base']);
  for (const [name, ref] of Object.entries(reference).filter(([n]) => n.startsWith('msvmamba'))) {
    t.ok(FAMILIES[ref.family].presets[name], `${name} is a ${ref.family} preset`);
  }
  t.end();
});

for (const name of ['msvmamba_nano', 'msvmamba_micro', 'msvmamba_tiny', 'msvmambav3_tiny', 'msvmambav3_small', 'msvmambav3_base']) {
  test(`${name}: state-dict keys, shapes and order equal models.json; exact parameter count`, (t) => {
    const ref = reference[name];
    const family = FAMILIES[ref.family];
    const preset = family.presets[name] as BaseModelConfig;
    t.deepEqual(family.fromOfficialKwargs(ref.config), preset, 'fromOfficialKwargs(official config) == preset');
    t.deepEqual(JSON.parse(JSON.stringify(preset)), preset, 'the preset is plain JSON');
    t.equal(preset.family, ref.family);
    const model = family.create(preset, { seed: 0 });
    const shapes = model.stateDictShapes();
    t.equal(shapes.length, ref.state_dict.length, `${ref.state_dict.length} keys`);
    const firstDiff = shapes.findIndex(([k, s], i) => k !== ref.state_dict[i]?.[0] || s.join(',') !== ref.state_dict[i]?.[1].join(','));
    t.equal(
      firstDiff,
      -1,
      firstDiff < 0
        ? 'same keys, shapes, order'
        : `first difference at ${firstDiff}: ${JSON.stringify(shapes[firstDiff])} vs ${JSON.stringify(ref.state_dict[firstDiff])}`,
    );
    t.equal(model.parameterCount(), ref.params, `${ref.params} parameters`);
    t.end();
  });
}
