import test from 'tape';
import { goldenClose, loadSafetensors, Tensor } from '@vssm/core';
import { type ModelFamily, msvmambaFamily, msvmambaV2Family } from '@vssm/models';
import { goldenFile } from '@vssm/testing';

/**
 * End-to-end parity with the official code: each golden model is built from its metadata config through
 * `fromOfficialKwargs`, loaded strictly from `param.*`, and run on `input`; the logits and EVERY `inter.*`
 * intermediate must match (master blocks channel-last, v2 channel-first). Then batch 2 and odd sizes.
 */

const CASES: { file: string; family: ModelFamily; gate?: boolean }[] = [
  { file: 'msvmamba.safetensors', family: msvmambaFamily as ModelFamily },
  { file: 'msvmamba-v2.safetensors', family: msvmambaV2Family as ModelFamily, gate: false },
  { file: 'msvmamba-v2-gated.safetensors', family: msvmambaV2Family as ModelFamily, gate: true },
];

async function loadCase(file: string, family: ModelFamily) {
  const g = await loadSafetensors(goldenFile(file));
  const config = family.fromOfficialKwargs(JSON.parse(g.metadata.config));
  const model = family.create(config, { seed: 1 });
  model.loadStateDict(g.tensors('param.'), { strict: true });
  return { g, config, model };
}

for (const c of CASES) {
  test(`${c.file}: logits and every intermediate match the official model`, async (t) => {
    const { g, config, model } = await loadCase(c.file, c.family);
    t.equal(g.metadata.family, c.family.family, 'golden family');
    if (c.gate !== undefined) t.equal((config as unknown as { gate: boolean }).gate, c.gate, 'forward_type → gate');
    const capture = new Map<string, Tensor>();
    const out = await model.forward(g.get('input'), { capture });
    const r = goldenClose(out, g.get('output'));
    t.ok(r.ok, `output: ${r.message}`);
    const inters = g.names().filter((n) => n.startsWith('inter.'));
    t.ok(inters.length >= 9, `${inters.length} intermediates`);
    for (const name of inters) {
      const path = name.slice('inter.'.length);
      const got = capture.get(path);
      if (!got) {
        t.fail(`${path} was not captured`);
        continue;
      }
      const rr = goldenClose(got, g.get(name));
      t.ok(rr.ok, `${path}: ${rr.message}`);
    }
  });

  test(`${c.file}: batch 2 equals each image alone; odd input sizes run and stay batch-consistent`, async (t) => {
    const { g, model } = await loadCase(c.file, c.family);
    const input = g.get('input');
    const other = Tensor.randn(input.shape, 42);
    const both = Tensor.fromData([...input.toFloat32Array(), ...other.toFloat32Array()], [2, ...input.shape.slice(1)]);
    const out = await model.forward(both);
    t.deepEqual(out.shape, [2, 10]);
    let r = goldenClose(out.slice([0, 1]), g.get('output'));
    t.ok(r.ok, `batch item 0 = golden output: ${r.message}`);
    r = goldenClose(out.slice([1, 2]), await model.forward(other));
    t.ok(r.ok, `batch item 1 = alone: ${r.message}`);
    for (const size of [72, 100, 37]) {
      const x = Tensor.randn([2, 3, size, size + 6], size);
      const y = await model.forward(x);
      t.deepEqual(y.shape, [2, 10], `${size}×${size + 6} gives logits`);
      t.ok(y.isFinite(), `${size}×${size + 6} logits are finite`);
      const alone = await model.forward(x.slice([1, 2]).contiguous());
      r = goldenClose(y.slice([1, 2]), alone);
      t.ok(r.ok, `${size}×${size + 6}: batched item 1 = alone: ${r.message}`);
    }
  });
}
