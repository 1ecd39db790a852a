import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import test from 'tape';
import {
  ArgumentError,
  bfloat16ToFloat32,
  float16ToFloat32,
  float32ToBfloat16,
  float32ToFloat16,
  loadSafetensors,
  openSafetensors,
  parseSafetensors,
  type RawTensor,
  saveSafetensors,
  saveSafetensorsFile,
  Tensor,
  WeightFileError,
} from '@vssm/core';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => join(fixtures, name);
const fixtureBytes = (name: string) => new Uint8Array(readFileSync(fixture(name)));
const dir = mkdtempSync(join(tmpdir(), 'vssm-st-'));
test.onFinish(() => rmSync(dir, { recursive: true, force: true }));

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const sameFloats = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

const PY_METADATA = { format: 'pt', note: 'café "quoted"\n', z: '1', a: '2' };
const PY_NAMES = ['10', '9', 'B', 'alpha', 'empty', 'scalar', 'zeta', 'été'];
const ZETA = [
  0.1,
  -2.5,
  65504.0,
  70000.0,
  1e-8,
  6.1e-5,
  1.00048828125,
  3.0e38,
  -0.0,
  Number.POSITIVE_INFINITY,
  2 ** -24 * 1.5,
  1.0 + 2 ** -8,
];

test('safetensors: reads a file written by Python safetensors (path, bytes, lazy reader agree)', async (t) => {
  const fromPath = await loadSafetensors(fixture('py-f32.safetensors'));
  const fromBytes = await loadSafetensors(fixtureBytes('py-f32.safetensors'));
  const lazy = await openSafetensors(fixture('py-f32.safetensors'));
  t.deepEqual(fromPath.metadata, PY_METADATA, 'metadata');
  t.deepEqual(Object.keys(fromPath.metadata), ['format', 'a', 'note', 'z'], 'metadata keys in file order');
  t.deepEqual(fromPath.names(), PY_NAMES, 'names in data order (the reference sorts by name)');
  t.deepEqual(lazy.names(), PY_NAMES, 'lazy reader names');
  t.deepEqual(fromPath.get('zeta').shape, [3, 4], 'shape');
  t.ok(
    sameFloats(
      fromPath.get('zeta').data,
      ZETA.map((x) => Math.fround(x)),
    ),
    'values are the float32 values Python saved',
  );
  t.deepEqual(fromPath.get('scalar').shape, [], 'rank-0 tensor');
  t.equal(fromPath.get('scalar').item(), 1.25);
  t.deepEqual(fromPath.get('empty').shape, [2, 0], 'empty tensor');
  for (const name of PY_NAMES) {
    const a = fromPath.get(name);
    t.ok(sameFloats(a.data, fromBytes.get(name).data) && sameFloats(a.data, (await lazy.get(name)).data), `${name}: all readers agree`);
  }
  t.equal(fromPath.raw('zeta').dtype, 'F32');
  t.deepEqual([...(await lazy.tensors('a')).keys()], ['lpha'], 'tensors(prefix) strips the prefix');
  await lazy.close();
  try {
    await lazy.get('zeta');
    t.fail('read after close');
  } catch (err) {
    t.ok(err instanceof WeightFileError && /closed/.test((err as Error).message), 'read after close is a typed error');
  }
});

test('safetensors: writer output is byte-identical to Python safetensors (F32, F16, BF16)', async (t) => {
  const f32 = await loadSafetensors(fixture('py-f32.safetensors'));
  const tensors = f32.tensors();
  t.ok(sameBytes(saveSafetensors(tensors, { metadata: f32.metadata }), fixtureBytes('py-f32.safetensors')), 'F32 file');
  // The reference writes metadata in hash-map order, so take each file's own key order.
  const f16Meta = (await loadSafetensors(fixture('py-f16.safetensors'))).metadata;
  const bf16Meta = (await loadSafetensors(fixture('py-bf16.safetensors'))).metadata;
  t.deepEqual(Object.keys(f16Meta).sort(), Object.keys(PY_METADATA).sort(), 'same metadata keys');
  t.ok(
    sameBytes(saveSafetensors(tensors, { metadata: f16Meta, dtype: 'F16' }), fixtureBytes('py-f16.safetensors')),
    'F16 file (rounding matches torch .half())',
  );
  t.ok(
    sameBytes(saveSafetensors(tensors, { metadata: bf16Meta, dtype: 'BF16' }), fixtureBytes('py-bf16.safetensors')),
    'BF16 file (rounding matches torch .bfloat16())',
  );
  const reversed = new Map([...tensors].reverse());
  t.ok(
    sameBytes(saveSafetensors(reversed, { metadata: f32.metadata }), fixtureBytes('py-f32.safetensors')),
    'sorted order does not depend on input order',
  );
  const insertion = parseSafetensors(saveSafetensors(reversed, { order: 'insertion' }));
  t.deepEqual(insertion.names(), [...reversed.keys()], "order: 'insertion' keeps the input order");
  t.deepEqual(insertion.metadata, {}, 'no metadata written when none given');
});

test('safetensors: every dtype from safetensors.numpy, raw and as float32, re-written byte-identically', async (t) => {
  const file = await loadSafetensors(fixture('py-mixed.safetensors'));
  const expected = JSON.parse(readFileSync(fixture('py-mixed.expected.json'), 'utf8')) as Record<
    string,
    { shape: number[]; values: number[]; exact: string[] }
  >;
  t.deepEqual(file.metadata, { kind: 'mixed' });
  const dtypes: Record<string, string> = {
    f64: 'F64',
    f32: 'F32',
    f16: 'F16',
    i64: 'I64',
    i32: 'I32',
    i16: 'I16',
    i8: 'I8',
    u8: 'U8',
    bool: 'BOOL',
  };
  const raws = new Map<string, RawTensor>();
  for (const [name, dtype] of Object.entries(dtypes)) {
    const raw = file.raw(name);
    raws.set(name, raw);
    t.equal(raw.dtype, dtype, `${name}: dtype ${dtype}`);
    t.deepEqual(raw.shape, expected[name].shape, `${name}: shape`);
    const exact = Array.from(raw.data as ArrayLike<number | bigint>, (v) => {
      if (dtype === 'F16') return String(float16ToFloat32(v as number));
      if (dtype === 'BOOL') return v ? 'True' : 'False';
      return String(v);
    });
    if (dtype === 'I64' || dtype.startsWith('I') || dtype === 'U8' || dtype === 'BOOL')
      t.deepEqual(exact, expected[name].exact, `${name}: raw values exact`);
    t.ok(
      sameFloats(
        file.get(name).data,
        expected[name].values.map((v) => Math.fround(v)),
      ),
      `${name}: float32 conversion`,
    );
  }
  t.deepEqual(Array.from(file.raw('f64').data as Float64Array), expected.f64.values, 'F64 raw keeps double precision');
  const bf16 = await loadSafetensors(fixture('py-bf16-only.safetensors'));
  t.ok(sameFloats(bf16.get('bf16').data, expected.bf16.values), 'BF16 → float32 exact');
  t.ok(
    sameBytes(saveSafetensors(raws, { metadata: { kind: 'mixed' } }), fixtureBytes('py-mixed.safetensors')),
    'mixed-dtype sorted layout matches the reference',
  );
});

test('safetensors: aligned F32 data from bytes is a zero-copy view; header padded with spaces to 8 bytes', (t) => {
  const bytes = saveSafetensors({ a: Tensor.fromArray([1, 2, 3]), b: Tensor.fromArray([[4]]) }, { metadata: { k: 'v' } });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  t.equal(n % 8, 0, 'header length is a multiple of 8');
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  t.equal(
    header.trimEnd(),
    '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[1,1],"data_offsets":[12,16]}}',
  );
  t.ok(/^ *$/.test(header.slice(header.trimEnd().length)), 'padding is spaces');
  const file = parseSafetensors(bytes);
  t.equal(file.get('a').data.buffer, bytes.buffer, 'F32 view shares the input buffer');
  const unaligned = new Uint8Array(bytes.length + 1);
  unaligned.set(bytes, 1);
  const shifted = parseSafetensors(unaligned.subarray(1));
  t.deepEqual(Array.from(shifted.get('a').data), [1, 2, 3], 'misaligned input is copied, values intact');
  t.end();
});

test('safetensors: integer-like names keep their place in the header', (t) => {
  const bytes = saveSafetensors(
    new Map([
      ['b', Tensor.ones([1])],
      ['0', Tensor.ones([1])],
    ]),
    { order: 'insertion' },
  );
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + 200));
  t.ok(header.indexOf('"b"') < header.indexOf('"0"'), 'insertion order, not JS object key order');
  t.end();
});

test('safetensors: non-contiguous tensors are written row-major', (t) => {
  const base = Tensor.fromArray([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const file = parseSafetensors(saveSafetensors({ t: base.transpose(0, 1) }));
  t.deepEqual(file.get('t').toArray(), [
    [1, 4],
    [2, 5],
    [3, 6],
  ]);
  t.end();
});

test('safetensors: property — random tensors round-trip through bytes and files in F32, F16, BF16', async (t) => {
  const tensorArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }).chain((shape) =>
    fc
      .array(fc.float({ noDefaultInfinity: false, noNaN: true }), {
        minLength: shape.reduce((a, b) => a * b, 1),
        maxLength: shape.reduce((a, b) => a * b, 1),
      })
      .map((values) => Tensor.fromData(values, shape)),
  );
  const dictArb = fc.dictionary(
    fc.string({ minLength: 1 }).filter((s) => s !== '__metadata__'),
    tensorArb,
    { maxKeys: 5 },
  );
  const dtypeArb = fc.constantFrom('F32' as const, 'F16' as const, 'BF16' as const);
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(dictArb, dtypeArb, fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), async (dict, dtype, metadata) => {
      const bytes = saveSafetensors(dict, { dtype, metadata });
      const back = parseSafetensors(bytes);
      const round = (x: number) =>
        dtype === 'F32' ? x : dtype === 'F16' ? float16ToFloat32(float32ToFloat16(x)) : bfloat16ToFloat32(float32ToBfloat16(x));
      if (JSON.stringify(back.metadata) !== JSON.stringify(metadata)) return false;
      for (const [name, tensor] of Object.entries(dict)) {
        const got = back.get(name);
        if (JSON.stringify(got.shape) !== JSON.stringify(tensor.shape)) return false;
        if (!sameFloats(got.data, Array.from(tensor.data, round))) return false;
      }
      if (runs++ < 10) {
        const path = join(dir, `prop-${runs}.safetensors`);
        await saveSafetensorsFile(path, dict, { dtype, metadata });
        if (!sameBytes(new Uint8Array(readFileSync(path)), bytes)) return false;
        const reread = await loadSafetensors(path);
        for (const name of Object.keys(dict)) if (!sameFloats(reread.get(name).data, back.get(name).data)) return false;
      }
      return back.names().length === Object.keys(dict).length;
    }),
    { numRuns: 150 },
  );
  t.pass('150 random dictionaries round-tripped');
});

test('safetensors: writer rejects bad input with ArgumentError', (t) => {
  const one = Tensor.ones([2]);
  t.throws(() => saveSafetensors({ __metadata__: one }), ArgumentError, 'reserved name');
  t.throws(() => saveSafetensors({ '': one }), ArgumentError, 'empty name');
  t.throws(() => saveSafetensors({ a: one }, { dtype: 'F8' as never }), /dtype must be 'F32', 'F16' or 'BF16'/, 'unknown dtype');
  t.throws(() => saveSafetensors({ a: one }, { order: 'random' as never }), /order must be/, 'unknown order');
  t.throws(
    () => saveSafetensors({ a: one }, { metadata: { k: 1 as never } }),
    /metadata value for 'k' must be a string/,
    'non-string metadata',
  );
  t.throws(() => saveSafetensors({ a: [1, 2] as never }), /neither a Tensor nor a RawTensor/, 'not a tensor');
  t.throws(() => saveSafetensors({ a: { dtype: 'I64', shape: [2], data: new Int32Array(2) } }), /needs a BigInt64Array/, 'raw array type');
  t.throws(() => saveSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }), /2 values for shape \[3\]/, 'raw length');
  t.end();
});
