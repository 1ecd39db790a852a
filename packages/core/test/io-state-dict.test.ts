import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'tape';
import { ArgumentError, loadStateDict, loadTorchCheckpoint, saveSafetensors, Tensor, WeightFileError } from '@vssm/core';
import { rejects } from './assert-helpers.js';
import { PickleWriter } from './io-helpers-pickle.js';
import { buildTorchZip, f32Bytes } from './io-helpers-zip.js';

const dir = mkdtempSync(join(tmpdir(), 'vssm-sd-'));
test.onFinish(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Storage key → values; each tensor below is a 1-D view of a whole storage. */
const storages: Record<string, number[]> = { s0: [1, 2], s1: [3], s2: [4, 5, 6], s3: [7], s4: [8, 9] };
const storageBytes = Object.fromEntries(Object.entries(storages).map(([k, v]) => [k, f32Bytes(v)]));

type Entry = [string, string | number | null];
/** Writes a dict of `key → storage key` (tensor) or a plain value into the pickle. */
function dict(w: PickleWriter, entries: Entry[], ordered = true): PickleWriter {
  if (ordered) w.orderedDict();
  else w.emptyDict();
  w.mark();
  for (const [k, v] of entries) {
    w.str(k);
    if (typeof v === 'string') w.tensor({ key: v, numel: storages[v].length, size: [storages[v].length] });
    else if (v === null) w.none();
    else w.int(v);
  }
  return w.setitems();
}

/** A checkpoint: top-level dict of container name → state dict (or plain value). */
function checkpoint(top: [string, Entry[] | number][]): Uint8Array {
  const w = new PickleWriter().proto().emptyDict().mark();
  for (const [k, v] of top) {
    w.str(k);
    if (typeof v === 'number') w.int(v);
    else dict(w, v);
  }
  return buildTorchZip({ pickle: w.setitems().stop().bytesOut(), storages: storageBytes });
}
function bare(entries: Entry[]): Uint8Array {
  return buildTorchZip({ pickle: dict(new PickleWriter().proto(), entries).stop().bytesOut(), storages: storageBytes });
}

const values = (sd: Map<string, Tensor>) => Object.fromEntries([...sd].map(([k, v]) => [k, Array.from(v.data)]));

const all = checkpoint([
  ['epoch', 3],
  ['model_ema', [['a', 's2']]],
  ['state_dict', [['a', 's1']]],
  ['model', [['a', 's0']]],
]);

test('loadStateDict: container selection', async (t) => {
  t.deepEqual(values(await loadStateDict(all)), { a: [1, 2] }, "auto prefers 'model'");
  t.deepEqual(values(await loadStateDict(all, { container: 'state_dict' })), { a: [3] }, 'explicit state_dict');
  t.deepEqual(values(await loadStateDict(all, { container: 'model_ema' })), { a: [4, 5, 6] }, 'explicit model_ema');
  const noModel = checkpoint([
    ['model_ema', [['a', 's2']]],
    ['state_dict', [['a', 's1']]],
  ]);
  t.deepEqual(values(await loadStateDict(noModel)), { a: [3] }, "auto falls back to 'state_dict'");
  t.deepEqual(values(await loadStateDict(checkpoint([['model_ema', [['a', 's2']]]]))), { a: [4, 5, 6] }, "then 'model_ema'");
  const plain = bare([
    ['x', 's3'],
    ['y', 's4'],
  ]);
  t.deepEqual(values(await loadStateDict(plain)), { x: [7], y: [8, 9] }, 'auto takes a bare state dict');
  t.deepEqual(values(await loadStateDict(plain, { container: 'none' })), { x: [7], y: [8, 9] }, "'none' takes the top level");
  const plainDict = buildTorchZip({
    pickle: dict(new PickleWriter().proto(), [['x', 's3']], false)
      .stop()
      .bytesOut(),
    storages: storageBytes,
  });
  t.deepEqual(values(await loadStateDict(plainDict)), { x: [7] }, 'a plain dict works like an OrderedDict');
});

test('loadStateDict: reads only the selected state dict', async (t) => {
  const w = new PickleWriter().proto().emptyDict().mark().str('model');
  dict(w, [['a', 's0']]);
  w.str('optimizer')
    .emptyDict()
    .str('m')
    .tensor({ key: 's9', numel: 1, size: [1] })
    .setitem();
  w.setitems().stop();
  // the optimizer's storage fails its checksum, so reading it would throw
  const zipped = buildTorchZip({
    pickle: w.bytesOut(),
    storages: storageBytes,
    extra: [{ name: 'archive/data/s9', data: f32Bytes([1]), method: 8, crc: 42 }],
  });
  t.deepEqual(values(await loadStateDict(zipped)), { a: [1, 2] }, 'model loads although the optimizer storage is corrupt');
  await rejects(
    t,
    () => loadTorchCheckpoint(zipped),
    WeightFileError,
    /zip entry 'archive\/data\/s9' fails its CRC-32 check/,
    'loading everything does read it',
  );
  await rejects(
    t,
    () => loadStateDict(zipped, { container: 'none' }),
    WeightFileError,
    /state dict entry 'model' is a dict of 1, not a tensor/,
    "'none' on a container",
  );
});

test('loadStateDict: prefix stripping keeps key order', async (t) => {
  const sd = bare([
    ['module.module.z', 's0'],
    ['module.a', 's1'],
    ['b', 's2'],
  ]);
  t.deepEqual([...(await loadStateDict(sd)).keys()], ['z', 'a', 'b'], "repeated 'module.' removed, order kept");
  t.deepEqual([...(await loadStateDict(sd, { stripPrefixes: [] })).keys()], ['module.module.z', 'module.a', 'b'], 'no stripping');
  const bb = bare([
    ['backbone.x', 's0'],
    ['module.backbone.y', 's1'],
  ]);
  t.deepEqual([...(await loadStateDict(bb, { stripPrefixes: ['module.', 'backbone.'] })).keys()], ['x', 'y'], 'several prefixes');
  const clash = bare([
    ['module.a', 's0'],
    ['a', 's1'],
  ]);
  await rejects(t, () => loadStateDict(clash), WeightFileError, /keys 'module\.a' and 'a' both become 'a'/, 'collision after stripping');
  const st = saveSafetensors(
    new Map([
      ['module.w', Tensor.ones([2])],
      ['module.module.v', Tensor.zeros([1])],
    ]),
    { order: 'insertion' },
  );
  t.deepEqual([...(await loadStateDict(st)).keys()], ['w', 'v'], 'safetensors keys stripped too, in data order');
});

test('loadStateDict: errors name the file and the problem', async (t) => {
  const path = join(dir, 'mixed.pth');
  writeFileSync(
    path,
    checkpoint([
      [
        'model',
        [
          ['a', 's0'],
          ['n', 5],
        ],
      ],
    ]),
  );
  await rejects(
    t,
    () => loadStateDict(path),
    WeightFileError,
    new RegExp(`${path}: state dict entry 'n' is number 5, not a tensor`),
    'non-tensor entry',
  );
  await rejects(
    t,
    () => loadStateDict(all, { container: 'optimizer' as never }),
    ArgumentError,
    /container must be one of/,
    'bad container option',
  );
  await rejects(
    t,
    () => loadStateDict(checkpoint([['model', [['a', 's0']]]]), { container: 'model_ema' }),
    WeightFileError,
    /no 'model_ema' entry; its top-level keys are 'model'/,
    'absent container',
  );
  await rejects(
    t,
    () => loadStateDict(checkpoint([['model', 4]])),
    WeightFileError,
    /checkpoint entry 'model' is number 4, not a state dict/,
    'container not a dict',
  );
  const mixedTop = checkpoint([
    ['epoch', 3],
    ['weights', [['a', 's0']]],
  ]);
  await rejects(
    t,
    () => loadStateDict(mixedTop),
    WeightFileError,
    /no state dict found: top-level keys are 'epoch', 'weights'/,
    'nothing to pick',
  );
  const listRoot = buildTorchZip({ pickle: new PickleWriter().proto().emptyList().stop().bytesOut() });
  await rejects(t, () => loadStateDict(listRoot), WeightFileError, /checkpoint holds a list\/tuple of 0, not a dict/, 'root not a dict');
  const intKey = buildTorchZip({
    pickle: new PickleWriter()
      .proto()
      .emptyDict()
      .int(1)
      .tensor({ key: 's1', numel: 1, size: [1] })
      .setitem()
      .stop()
      .bytesOut(),
    storages: storageBytes,
  });
  await rejects(t, () => loadStateDict(intKey), WeightFileError, /state dict key number 1 is not a string/, 'non-string key');
  const st = saveSafetensors({ w: Tensor.ones([1]) });
  await rejects(
    t,
    () => loadStateDict(st, { container: 'model' }),
    ArgumentError,
    /is a safetensors file .* container 'model' does not apply/,
    'container on safetensors',
  );
  await rejects(
    t,
    () => loadStateDict(all, { stripPrefixes: 'module.' as never }),
    ArgumentError,
    /stripPrefixes must be an array/,
    'bad stripPrefixes',
  );
  await rejects(
    t,
    () => loadStateDict(readFileSync(join(fixtures, 'torch-legacy.pth'))),
    WeightFileError,
    /legacy \(pre-1\.6, non-zip\)/,
    'legacy file',
  );
  await rejects(
    t,
    () => loadStateDict(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])),
    WeightFileError,
    /cannot load a state dict: this is an unrecognised format/,
    'random bytes',
  );
});

test('loadStateDict: the format comes from the bytes, not the file extension', async (t) => {
  const stAsPth = join(dir, 'really-safetensors.pth');
  writeFileSync(stAsPth, saveSafetensors({ w: Tensor.fromArray([1, 2]) }));
  t.deepEqual(values(await loadStateDict(stAsPth)), { w: [1, 2] }, 'safetensors named .pth');
  const pthAsSt = join(dir, 'really-torch.safetensors');
  writeFileSync(pthAsSt, all);
  t.deepEqual(values(await loadStateDict(pthAsSt)), { a: [1, 2] }, '.pth named .safetensors');
  t.deepEqual(
    values(await loadStateDict(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer)),
    { a: [1, 2] },
    'ArrayBuffer source',
  );
});
