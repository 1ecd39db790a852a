import { fileURLToPath } from 'node:url';
import { goldenClose, loadSafetensors, type Tensor } from '@vssm/core';
import test from 'tape';
import { localVimFamily, localVMambaFamily } from '../src/index.js';

/**
 * Extra vectors from the official code (see local-fixtures/make-extra-parity.py): batch 2, inputs that are not the
 * native size (pos_embed + RoPE bicubic resize), non-square grids (where the official `v` reverse differs from the
 * exact inverse), image padding, window padding on odd grids, and non-default official kwargs.
 */
const FIXTURE = fileURLToPath(new URL('./local-fixtures/extra-parity.safetensors', import.meta.url));

const families = { local_vim: localVimFamily, local_vmamba: localVMambaFamily } as const;

test('extra official vectors: batch 2, resized / non-square / padded inputs, non-default kwargs', async (t) => {
  const file = await loadSafetensors(FIXTURE);
  const cases = JSON.parse(file.metadata.cases) as Record<string, { family: keyof typeof families; config: Record<string, unknown> }>;
  t.ok(Object.keys(cases).length >= 8, `${Object.keys(cases).length} cases`);
  for (const [name, c] of Object.entries(cases)) {
    const family = families[c.family];
    const params = new Map<string, Tensor>();
    const prefix = `${name}.param.`;
    for (const key of file.names()) if (key.startsWith(prefix)) params.set(key.slice(prefix.length), file.get(key));
    const input = file.get(`${name}.input`);
    const expected = file.get(`${name}.output`);
    const official = family.fromOfficialKwargs(c.config);
    t.equal(official.reverseMode, 'official-v-bug', `${name}: fromOfficialKwargs reproduces the official v reverse`);
    const model = family.create(official as never, { seed: 3 });
    model.loadStateDict(params);
    const out = await model.forward(input);
    const r = goldenClose(out, expected, 'output');
    t.ok(r.ok, `${name} (official v reverse), input [${input.shape.join(', ')}]: ${r.message}`);

    const grids = name.includes('nonsquare') || name.includes('resized') || name.includes('odd');
    if (grids) {
      const exact = family.create({ ...official, reverseMode: 'exact' } as never);
      exact.loadStateDict(params);
      const rExact = goldenClose(await exact.forward(input), expected, 'output');
      t.notOk(rExact.ok, `${name}: the exact v reverse differs from the official one on non-square grids`);
    }
  }
});
