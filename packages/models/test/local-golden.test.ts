import { goldenClose, loadSafetensors, type Tensor } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import test from 'tape';
import { localVimFamily, localVMambaFamily } from '../src/index.js';

const CASES = [
  ['local-vim-rope.safetensors', localVimFamily],
  ['local-vim-midcls.safetensors', localVimFamily],
  ['local-vim-search.safetensors', localVimFamily],
  ['local-vmamba.safetensors', localVMambaFamily],
  ['local-vmamba-search.safetensors', localVMambaFamily],
] as const;

for (const [file, family] of CASES) {
  test(`golden parity: ${file}`, async (t) => {
    const g = await loadSafetensors(goldenFile(file));
    t.equal(g.metadata.family, family.family, 'family metadata');
    const config = family.fromOfficialKwargs(JSON.parse(g.metadata.config));
    const model = family.create(config as never, { seed: 1 });
    const params = new Map<string, Tensor>();
    for (const name of g.names()) if (name.startsWith('param.')) params.set(name.slice('param.'.length), g.get(name));
    t.deepEqual([...model.stateDict().keys()].sort(), [...params.keys()].sort(), 'state-dict keys match the golden param.* set');
    model.loadStateDict(params);
    const capture = new Map<string, Tensor>();
    const out = await model.forward(g.get('input'), { capture });
    const r = goldenClose(out, g.get('output'), 'output');
    t.ok(r.ok, `output: ${r.message}`);
    const inter = g.names().filter((n) => n.startsWith('inter.'));
    t.ok(inter.length > 0, `${inter.length} intermediate tensors`);
    for (const name of inter) {
      const path = name.slice('inter.'.length);
      const actual = capture.get(path);
      if (!actual) {
        t.fail(`no captured output for ${path}`);
        continue;
      }
      const ri = goldenClose(actual, g.get(name), 'output');
      t.ok(ri.ok, `${path}: ${ri.message}`);
    }
  });
}
