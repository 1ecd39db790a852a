import test from 'tape';
import { createModel, getPreset } from '../src/index.js';

// These calls are also a compile-time check (the typecheck covers test/): a config literal with a family's own
// fields must be accepted without casts, and a complete config from getPreset too.
test('createModel: config literals with family fields, and preset configs, build models', (t) => {
  const vim = createModel({
    family: 'local_vim',
    imgSize: [32, 32],
    patchSize: 16,
    embedDim: 32,
    depth: 2,
    directions: [
      ['h', 'h_flip'],
      ['v', 'v_flip'],
    ],
    numClasses: 10,
  });
  t.deepEqual([vim.config.family, vim.parameterCount() > 0], ['local_vim', true], 'local_vim literal');
  const vmamba = createModel({
    family: 'local_vmamba',
    dims: [16, 32, 64, 128],
    depths: [1, 1, 1, 1],
    directions: [
      ['h', 'v'],
      ['h', 'w2'],
      ['v', 'w2'],
      ['h', 'v'],
    ],
    numClasses: 10,
  });
  t.equal(vmamba.config.family, 'local_vmamba', 'local_vmamba literal');
  const ms = createModel({ family: 'msvmamba', dims: [16, 32, 64, 128], depths: [1, 1, 1, 1], numClasses: 10 });
  t.equal(ms.config.family, 'msvmamba', 'msvmamba literal');
  const preset = createModel(getPreset('msvmamba_nano'));
  t.equal(preset.config.family, 'msvmamba', 'a complete config from getPreset');
  t.end();
});
