import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'tape';
import {
  loadTorchCheckpoint,
  PickleGlobal,
  PickleObject,
  type PickleValue,
  Tensor,
  torchTensorInfo,
  UnsafePickleError,
  WeightFileError,
} from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import { rejects } from './assert-helpers.js';
import { PickleWriter } from './io-helpers-pickle.js';
import { buildTorchZip, f32Bytes } from './io-helpers-zip.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => join(fixtures, name);

interface Expectation {
  shape: number[];
  dtype: string;
  values: (number | string)[];
  exact?: string[];
  bits?: number[];
}
const expected = JSON.parse(readFileSync(fixture('torch-varied.expected.json'), 'utf8')) as {
  tensors: Record<string, Expectation>;
  sd: Record<string, Expectation>;
  sd_keys: string[];
};
const jsonFloat = (v: number | string) => (typeof v === 'number' ? Math.fround(v) : Number(v.replace('inf', 'Infinity')));
const sameFloats = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

function checkTensor(t: test.Test, label: string, value: unknown, exp: Expectation): void {
  t.ok(value instanceof Tensor, `${label}: is a Tensor`);
  const tensor = value as Tensor;
  t.deepEqual(tensor.shape, exp.shape, `${label}: shape`);
  t.ok(sameFloats(tensor.contiguousData(), exp.values.map(jsonFloat)), `${label}: float32 values`);
  t.equal(torchTensorInfo(tensor)?.dtype, exp.dtype, `${label}: original dtype ${exp.dtype}`);
  const raw = torchTensorInfo(tensor)?.raw;
  if (exp.exact)
    t.deepEqual(
      Array.from(raw as ArrayLike<number | bigint>, (v) => String(typeof v === 'bigint' ? v : Number(v))),
      exp.exact,
      `${label}: raw values exact`,
    );
  if (exp.bits) t.deepEqual(Array.from(raw as Uint16Array), exp.bits, `${label}: raw 16-bit patterns`);
}

for (const how of ['path', 'bytes'] as const) {
  test(`torch: every storage dtype, views, parameters and containers of a real torch.save file (${how})`, async (t) => {
    const source = how === 'path' ? fixture('torch-varied.pth') : new Uint8Array(readFileSync(fixture('torch-varied.pth')));
    const root = (await loadTorchCheckpoint(source, { keepRaw: true })) as Map<string, PickleValue>;
    t.ok(root instanceof Map, 'top level is a dict');
    for (const [name, exp] of Object.entries(expected.tensors)) checkTensor(t, name, root.get(name), exp);

    const info = (name: string) => torchTensorInfo(root.get(name) as Tensor)!;
    t.deepEqual([info('view_t').stride, info('view_t').storageOffset], [[1, 4], 0], 'transposed view keeps its saved stride');
    t.deepEqual([info('view_slice').stride, info('view_slice').storageOffset], [[4, 1], 5], 'slice keeps stride and storage offset');
    t.equal(info('shared_a').storageKey, info('shared_b').storageKey, 'two views of one storage');
    t.deepEqual([info('shared_a').storageOffset, info('shared_b').storageOffset], [0, 3], 'at their offsets');
    t.equal(root.get('same'), root.get('same_again'), 'one tensor saved twice is one Tensor');
    t.deepEqual(info('expand').stride, [0], 'stride-0 expanded view');
    t.ok(info('param').isParameter && info('param').requiresGrad, 'nn.Parameter flags');
    t.notOk(info('f32').isParameter || info('f32').requiresGrad, 'plain tensor flags');
    t.equal(info('f32').location, 'cpu', 'location');
    t.equal(info('half_t').stride.join(), '1,2', 'non-contiguous float16 view');

    const sd = root.get('sd') as Map<string, PickleValue>;
    t.deepEqual([...sd.keys()], expected.sd_keys, 'state dict (with _metadata BUILD) keeps key order');
    for (const [name, exp] of Object.entries(expected.sd)) checkTensor(t, `sd.${name}`, sd.get(name), exp);

    const meta = root.get('meta') as Map<string, PickleValue>;
    t.equal(meta.get('epoch'), 7);
    t.equal(meta.get('lr'), 0.5);
    t.equal(meta.get('name'), 'héllo');
    t.equal(meta.get('none'), null);
    t.equal(meta.get('flag'), true);
    t.equal(meta.get('big'), 2n ** 70n, 'big int → bigint');
    t.equal(meta.get('neg'), -5);
    t.deepEqual(meta.get('tuple'), [1, [2, 3]], 'tuples → arrays');
    t.deepEqual(meta.get('list'), [1, 2.5, 'x']);
    t.deepEqual(meta.get('bytes'), Uint8Array.from([97, 98, 0, 255]), 'bytes (via _codecs.encode)');
    t.deepEqual([...(meta.get('set') as Set<number>)], [3], 'set');
    t.deepEqual(
      [...(meta.get('intkeys') as Map<number, string>)],
      [
        [1, 'a'],
        [2, 'b'],
      ],
      'int dict keys',
    );
    t.equal(meta.get('np_f64'), 1.5, 'numpy float64 scalar');
    t.equal(meta.get('np_i64'), -3, 'numpy int64 scalar');
    t.equal(meta.get('np_f32'), 0.25, 'numpy float32 scalar');
    t.ok(
      meta.get('dtype') instanceof PickleGlobal && (meta.get('dtype') as PickleGlobal).qualname === 'torch.float16',
      'torch dtype as a global',
    );
    const device = meta.get('device') as PickleObject;
    t.ok(device instanceof PickleObject && device.className === 'torch.device', 'torch.device placeholder');
    t.deepEqual(device.args, ['cpu']);
    const args = meta.get('args') as PickleObject;
    t.equal(args.className, 'argparse.Namespace', 'argparse.Namespace placeholder');
    t.deepEqual(
      [...(args.state as Map<string, PickleValue>)],
      [
        ['lr', 0.1],
        ['name', 'x'],
      ],
      'its attributes',
    );
  });
}

test('torch: tensors own their data; keepRaw is off by default', async (t) => {
  const bytes = new Uint8Array(readFileSync(fixture('torch-varied.pth')));
  const root = (await loadTorchCheckpoint(bytes)) as Map<string, PickleValue>;
  const f32 = root.get('f32') as Tensor;
  t.equal(f32.data.buffer.byteLength, 12 * 4, 'a float32 tensor has a buffer of exactly its size');
  t.notEqual(f32.data.buffer, bytes.buffer, 'not a view of the input');
  t.equal(torchTensorInfo(f32)?.raw, undefined, 'no raw copy unless asked');
  const fromFile = (await loadTorchCheckpoint(fixture('torch-varied.pth'))) as Map<string, PickleValue>;
  t.equal((fromFile.get('f32') as Tensor).data.buffer.byteLength, 48, 'from a path too (no whole-file buffer behind it)');
  t.equal(torchTensorInfo(Tensor.ones([1])), undefined, 'no info for tensors not loaded from .pth');
});

test('torch: non-zip and non-checkpoint sources are named for what they are', async (t) => {
  await rejects(
    t,
    () => loadTorchCheckpoint(fixture('torch-legacy.pth')),
    WeightFileError,
    /torch-legacy\.pth: .*legacy \(pre-1\.6, non-zip\) torch\.save file/,
    'legacy format',
  );
  await rejects(t, () => loadTorchCheckpoint(fixture('torchscript.pt')), WeightFileError, /TorchScript archive/, 'TorchScript archive');
  await rejects(
    t,
    () => loadTorchCheckpoint(fixture('py-f32.safetensors')),
    WeightFileError,
    /this is a safetensors file; load it with loadSafetensors/,
    'safetensors',
  );
  const noise = Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256);
  await rejects(
    t,
    () => loadTorchCheckpoint(noise),
    WeightFileError,
    /<buffer>: not a torch\.save zip archive: this is an unrecognised format/,
    'random bytes',
  );
  await rejects(
    t,
    () => loadTorchCheckpoint(new PickleWriter().proto().none().stop().bytesOut()),
    WeightFileError,
    /bare pickle stream/,
    'bare pickle',
  );
  await rejects(t, () => loadTorchCheckpoint(new Uint8Array(0)), WeightFileError, /an empty file/, 'empty');
  const golden = new Uint8Array(readFileSync(goldenFile('local-vmamba.state_dict.pth')));
  await rejects(
    t,
    () => loadTorchCheckpoint(golden.subarray(0, 300_000)),
    WeightFileError,
    /zip archive is truncated/,
    'truncated checkpoint',
  );
  await rejects(
    t,
    () => loadTorchCheckpoint('/nonexistent/file.pth'),
    WeightFileError,
    /\/nonexistent\/file\.pth: cannot open file/,
    'missing file',
  );
});

/** A pickle of `{'w': tensor}` with the given tensor description. */
function oneTensor(desc: Parameters<PickleWriter['tensor']>[0]): Uint8Array {
  return new PickleWriter().proto().emptyDict().str('w').tensor(desc).setitem().stop().bytesOut();
}

test('torch: hand-built archives (STORED, DEFLATE, zip64, strided views)', async (t) => {
  const storage = f32Bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  for (const variant of [
    { method: 0 as const },
    { method: 8 as const },
    { method: 0 as const, zip64: true },
    { method: 8 as const, zip64: true, prefix: 'weird name' },
  ]) {
    const bytes = buildTorchZip({
      pickle: oneTensor({ key: '0', numel: 12, offset: 1, size: [2, 3], stride: [1, 4] }),
      storages: { '0': storage },
      ...variant,
    });
    const root = (await loadTorchCheckpoint(bytes)) as Map<string, Tensor>;
    t.deepEqual(
      root.get('w')!.toArray(),
      [
        [1, 5, 9],
        [2, 6, 10],
      ],
      `strided view with offset (${JSON.stringify(variant)})`,
    );
  }
  const noByteorder = buildTorchZip({
    pickle: oneTensor({ key: '0', numel: 12, size: [12] }),
    storages: { '0': storage },
    byteorder: null,
  });
  t.equal(
    ((await loadTorchCheckpoint(noByteorder)) as Map<string, Tensor>).get('w')!.size,
    12,
    'byteorder record is optional (older torch)',
  );
  const half = new Uint8Array(Uint16Array.from([0x3c00, 0xc000, 0x7bff]).buffer);
  const f16 = buildTorchZip({ pickle: oneTensor({ key: 'h', storageType: 'HalfStorage', numel: 3, size: [3] }), storages: { h: half } });
  t.deepEqual((((await loadTorchCheckpoint(f16)) as Map<string, Tensor>).get('w') as Tensor).toArray(), [1, -2, 65504], 'HalfStorage');
});

test('torch: broken archives give typed errors that name the problem', async (t) => {
  const storage = f32Bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const ok = { key: '0', numel: 12, size: [3, 4] };
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: oneTensor(ok), storages: { '0': storage }, omitPickle: true })),
    WeightFileError,
    /zip archive has no data\.pkl record, so it is not a torch\.save checkpoint \(entries: archive\/byteorder/,
    'data.pkl absent',
  );
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: oneTensor({ ...ok, key: '1' }), storages: { '0': storage } })),
    WeightFileError,
    /storage '1' \(archive\/data\/1\) is missing from the archive/,
    'storage key absent',
  );
  await rejects(
    t,
    () =>
      loadTorchCheckpoint(
        buildTorchZip({ pickle: oneTensor({ key: '0', numel: 12, size: [3, 4], offset: 1 }), storages: { '0': storage } }),
      ),
    WeightFileError,
    /tensor of shape \[3, 4\], stride \[4, 1\] and storage offset 1 needs 13 elements but storage '0' holds 12/,
    'storage too small for size + offset',
  );
  await rejects(
    t,
    () =>
      loadTorchCheckpoint(
        buildTorchZip({ pickle: oneTensor({ key: '0', numel: 12, size: [2, 3], stride: [10, 1] }), storages: { '0': storage } }),
      ),
    WeightFileError,
    /tensor of shape \[2, 3\], stride \[10, 1\] and storage offset 0 needs 13 elements but storage '0' holds 12/,
    'storage too small for the stride',
  );
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: oneTensor({ key: '0', numel: 16, size: [16] }), storages: { '0': storage } })),
    WeightFileError,
    /storage '0' should hold 16 float32 elements \(64 bytes\) but archive\/data\/0 has 48 bytes/,
    'storage record shorter than its numel',
  );
  await rejects(
    t,
    () =>
      loadTorchCheckpoint(
        buildTorchZip({ pickle: oneTensor({ key: '0', numel: 12, size: [2 ** 20, 2 ** 12], stride: [0, 0] }), storages: { '0': storage } }),
        { maxTensorElements: 2 ** 24 },
      ),
    WeightFileError,
    /4294967296 elements, more than the limit of 16777216/,
    'stride-0 tensor claiming a huge size',
  );
  await rejects(
    t,
    () =>
      loadTorchCheckpoint(
        buildTorchZip({ pickle: oneTensor({ ...ok, storageType: 'ComplexFloatStorage', numel: 6 }), storages: { '0': storage } }),
      ),
    WeightFileError,
    /storage type torch\.ComplexFloatStorage is not supported/,
    'unsupported storage dtype',
  );
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: oneTensor(ok), storages: { '0': storage }, byteorder: 'big' })),
    WeightFileError,
    /byte order is 'big'/,
    'big-endian checkpoint',
  );
  const evil = new PickleWriter()
    .proto()
    .emptyDict()
    .str('x')
    .global('posix', 'system')
    .str('touch /tmp/pwned')
    .tupleN(1)
    .reduce()
    .setitem()
    .stop();
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: evil.bytesOut() })),
    UnsafePickleError,
    /<buffer>: pickle references disallowed global 'posix\.system'/,
    'posix.system via REDUCE',
  );
  const evalCall = new PickleWriter().proto().global('builtins', 'eval').str('1+1').tupleN(1).reduce().stop();
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: evalCall.bytesOut() })),
    UnsafePickleError,
    /'builtins\.eval'/,
    'builtins.eval',
  );
  const module = new PickleWriter().proto().global('timm.models.vision_transformer', 'VisionTransformer').emptyTuple().newobj().stop();
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: module.bytesOut() })),
    UnsafePickleError,
    /'timm\.models\.vision_transformer\.VisionTransformer'/,
    'a pickled nn.Module',
  );
  const callDtype = new PickleWriter().proto().global('torch', 'float16').emptyTuple().reduce().stop();
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: callDtype.bytesOut() })),
    WeightFileError,
    /torch\.float16\), which is not callable/,
    'calling an allowed value',
  );
  const deep = new PickleWriter().proto();
  for (let i = 0; i < 100_000; i++) deep.emptyList();
  for (let i = 0; i < 99_999; i++) deep.append();
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: deep.stop().bytesOut() })),
    WeightFileError,
    /nest deeper than the limit/,
    '100k nested lists',
  );
  const cycle = new PickleWriter().proto().emptyList().binput(0).binget(0).append().stop();
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: cycle.bytesOut() })),
    WeightFileError,
    /reference cycle/,
    'a list containing itself',
  );
  const badPid = new PickleWriter().proto().str('nope').binpersid().stop();
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: badPid.bytesOut() })),
    WeightFileError,
    /unsupported persistent id/,
    'malformed persistent id',
  );
  const notStorage = new PickleWriter()
    .proto()
    .global('torch._utils', '_rebuild_tensor_v2')
    .mark()
    .int(1)
    .int(0)
    .emptyTuple()
    .emptyTuple()
    .bool(false)
    .orderedDict()
    .tuple()
    .reduce()
    .stop();
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: notStorage.bytesOut() })),
    WeightFileError,
    /first argument is number 1, not a storage/,
    'rebuild without a storage',
  );
  const noStop = new PickleWriter().proto().emptyDict();
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: noStop.bytesOut() })),
    WeightFileError,
    /without a STOP/,
    'pickle that never STOPs',
  );
  await rejects(
    t,
    () => loadTorchCheckpoint(buildTorchZip({ pickle: oneTensor(ok), storages: { '0': storage } }), { maxPickleBytes: 10 }),
    WeightFileError,
    /data\.pkl is \d+ bytes, more than the limit of 10/,
    'maxPickleBytes',
  );
});
