import { readdirSync, readFileSync } from 'node:fs';
import test from 'tape';
import {
  loadSafetensors,
  loadStateDict,
  loadTorchCheckpoint,
  openSafetensors,
  type PickleValue,
  type Tensor,
  torchTensorInfo,
  WeightFileError,
} from '@vssm/core';
import { goldenDir, goldenFile } from '@vssm/testing';

const bitsEqual = (a: Float32Array, b: Float32Array) => {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
};

/** Compares a loaded state dict with the `param.*` tensors of a golden safetensors file: keys, order, shapes, bits. */
function sameStateDict(t: test.Test, label: string, actual: Map<string, Tensor>, expected: Map<string, Tensor>, scale = 1): void {
  t.deepEqual([...actual.keys()], [...expected.keys()], `${label}: same keys in the same order (${expected.size})`);
  let bad = 0;
  for (const [key, want] of expected) {
    const got = actual.get(key);
    const wantData = scale === 1 ? want.contiguousData() : Float32Array.from(want.contiguousData(), (x) => x * scale);
    if (!got || got.shape.join() !== want.shape.join() || !bitsEqual(got.contiguousData(), wantData)) {
      bad++;
      if (bad < 4) t.fail(`${label}: ${key} differs`);
    }
  }
  t.equal(bad, 0, `${label}: every tensor has the same shape and bit-identical values${scale === 1 ? '' : ` (×${scale})`}`);
}

test('golden: every safetensors file loads the same from a path, from bytes and lazily', async (t) => {
  const files = readdirSync(goldenDir()).filter((f) => f.endsWith('.safetensors'));
  t.ok(files.length >= 10, `${files.length} golden safetensors files`);
  for (const name of files) {
    const path = goldenFile(name);
    const fromPath = await loadSafetensors(path);
    const fromBytes = await loadSafetensors(new Uint8Array(readFileSync(path)));
    const lazy = await openSafetensors(path);
    t.ok(fromPath.names().length > 0 && fromPath.names().join() === lazy.names().join(), `${name}: ${fromPath.names().length} tensors`);
    t.ok(Object.keys(fromPath.metadata).length > 0, `${name}: has metadata`);
    let same = true;
    for (const n of fromPath.names()) {
      const a = fromPath.get(n).contiguousData();
      if (!bitsEqual(a, fromBytes.get(n).contiguousData()) || !bitsEqual(a, (await lazy.get(n)).contiguousData())) same = false;
    }
    await lazy.close();
    t.ok(same, `${name}: path, bytes and lazy reads are bit-identical`);
  }
  const ops = await loadSafetensors(goldenFile('ops.safetensors'));
  t.equal(typeof ops.metadata.cases, 'string', 'ops.safetensors has cases metadata');
});

const PAIRS: [string, string, string][] = [
  ['local-vim-rope.model.pth', 'local-vim-rope.safetensors', 'model'],
  ['local-vmamba.state_dict.pth', 'local-vmamba.safetensors', 'state_dict'],
  ['msvmamba.model_ema.pth', 'msvmamba.safetensors', 'model'],
  ['msvmamba-v2.bare.pth', 'msvmamba-v2.safetensors', ''],
];

for (const [pth, st, container] of PAIRS) {
  test(`golden: ${pth} gives tensors bit-identical to param.* of ${st}`, async (t) => {
    const expected = (await loadSafetensors(goldenFile(st))).tensors('param.');
    sameStateDict(t, 'loadStateDict(path)', await loadStateDict(goldenFile(pth)), expected);
    sameStateDict(t, 'loadStateDict(bytes)', await loadStateDict(new Uint8Array(readFileSync(goldenFile(pth)))), expected);
    const root = (await loadTorchCheckpoint(goldenFile(pth))) as Map<string, PickleValue>;
    const sd = (container ? root.get(container) : root) as Map<string, Tensor>;
    t.ok(sd instanceof Map, `state dict at ${container || 'the top level'}`);
    sameStateDict(t, 'loadTorchCheckpoint tree', sd, expected);
    const info = torchTensorInfo([...sd.values()][0]);
    t.equal(info?.dtype, 'float32', 'saved as float32');
    t.equal(info?.isParameter, false, 'state_dict() tensors are not Parameters');
  });
}

test('golden: msvmamba.model_ema.pth holds model, model_ema = 0.5 × model, epoch and accuracy', async (t) => {
  const path = goldenFile('msvmamba.model_ema.pth');
  const expected = (await loadSafetensors(goldenFile('msvmamba.safetensors'))).tensors('param.');
  const root = (await loadTorchCheckpoint(path)) as Map<string, PickleValue>;
  t.deepEqual([...root.keys()], ['model', 'model_ema', 'epoch', 'max_accuracy'], 'top-level keys');
  t.equal(root.get('epoch'), 299, 'epoch');
  t.equal(root.get('max_accuracy'), 77.3, 'max_accuracy');
  sameStateDict(t, 'model', root.get('model') as Map<string, Tensor>, expected);
  sameStateDict(t, 'model_ema', root.get('model_ema') as Map<string, Tensor>, expected, 0.5);
  sameStateDict(t, "loadStateDict container 'model_ema'", await loadStateDict(path, { container: 'model_ema' }), expected, 0.5);
  sameStateDict(t, "loadStateDict container 'model'", await loadStateDict(path, { container: 'model' }), expected);
  try {
    await loadStateDict(path, { container: 'state_dict' });
    t.fail('did not throw');
  } catch (err) {
    t.ok(err instanceof WeightFileError, 'absent container is a WeightFileError');
    t.match((err as Error).message, /no 'state_dict' entry; its top-level keys are 'model', 'model_ema', 'epoch', 'max_accuracy'/);
  }
});
