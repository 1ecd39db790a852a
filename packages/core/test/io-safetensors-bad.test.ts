import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'tape';
import { loadSafetensors, loadStateDict, openSafetensors, parseSafetensors, saveSafetensors, Tensor, WeightFileError } from '@vssm/core';

const dir = mkdtempSync(join(tmpdir(), 'vssm-st-bad-'));
test.onFinish(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors file from a raw header (object or text) and a data section. */
function makeFile(header: unknown, data = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const good = saveSafetensors({ a: Tensor.arange(6).reshape([2, 3]), b: Tensor.ones([4]) });

const cases: { label: string; bytes: Uint8Array; pattern: RegExp }[] = [
  { label: 'file shorter than 8 bytes', bytes: Uint8Array.from([1, 2, 3]), pattern: /too short for the 8-byte header length/ },
  {
    label: 'header length larger than the file',
    bytes: makeFile({}, new Uint8Array(0), 5000n),
    pattern: /header length 5000 is larger than the file/,
  },
  {
    label: 'absurd header length 2^60',
    bytes: makeFile({}, new Uint8Array(0), 2n ** 60n),
    pattern: /header length 1152921504606846976 exceeds the 100000000-byte limit/,
  },
  {
    label: 'truncated data section',
    bytes: good.subarray(0, good.length - 5),
    pattern: /tensor 'b'.*run past the end of the data section.*truncated/,
  },
  { label: 'header is not JSON', bytes: makeFile('{"a": '), pattern: /not valid UTF-8 JSON/ },
  { label: 'header is not UTF-8', bytes: makeFile('{"\u00ff": 1}').map((b, i) => (i === 10 ? 0xff : b)), pattern: /not valid UTF-8 JSON/ },
  { label: 'header is an array', bytes: makeFile([1, 2]), pattern: /not a JSON object/ },
  {
    label: 'metadata value not a string',
    bytes: makeFile({ __metadata__: { k: 1 } }),
    pattern: /__metadata__ value for 'k' is not a string/,
  },
  {
    label: 'unknown dtype',
    bytes: makeFile({ x: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
    pattern: /tensor 'x': unsupported dtype "F8_E4M3"/,
  },
  {
    label: 'shape/offset mismatch',
    bytes: makeFile({ x: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, new Uint8Array(24)),
    pattern: /tensor 'x': shape \[2, 3\] of F32 needs 24 bytes but data_offsets \[0, 20\] hold 20/,
  },
  {
    label: 'reversed offsets',
    bytes: makeFile({ x: { dtype: 'U8', shape: [0], data_offsets: [4, 0] } }, new Uint8Array(4)),
    pattern: /needs 0 bytes but data_offsets \[4, 0\]/,
  },
  {
    label: 'out-of-range offsets',
    bytes: makeFile({ x: { dtype: 'F32', shape: [4], data_offsets: [100, 116] } }, new Uint8Array(16)),
    pattern: /tensor 'x': data_offsets \[100, 116\] run past the end of the data section \(16 bytes\)/,
  },
  {
    label: 'overlapping offsets',
    bytes: makeFile(
      { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } },
      new Uint8Array(12),
    ),
    pattern: /tensors 'x' \[0, 8\) and 'y' \[4, 12\) have overlapping byte ranges/,
  },
  {
    label: 'negative shape',
    bytes: makeFile({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }),
    pattern: /tensor 'x': invalid shape \[-1\]/,
  },
  {
    label: 'overflowing shape',
    bytes: makeFile({ x: { dtype: 'F64', shape: [2 ** 40, 2 ** 20], data_offsets: [0, 8] } }, new Uint8Array(8)),
    pattern: /tensor 'x': shape/,
  },
  {
    label: 'missing data_offsets',
    bytes: makeFile({ x: { dtype: 'F32', shape: [1] } }, new Uint8Array(4)),
    pattern: /tensor 'x': invalid data_offsets undefined/,
  },
  { label: 'entry not an object', bytes: makeFile({ x: 5 }), pattern: /tensor 'x': entry is not an object/ },
];

for (const c of cases) {
  test(`safetensors bad input: ${c.label} (bytes, path, lazy reader)`, async (t) => {
    const path = join(dir, `${c.label.replace(/[^a-z0-9]+/gi, '-')}.safetensors`);
    writeFileSync(path, c.bytes);
    const attempts: [string, () => Promise<unknown>, string][] = [
      ['parseSafetensors', async () => parseSafetensors(c.bytes, 'mem.safetensors'), 'mem.safetensors'],
      ['loadSafetensors(path)', () => loadSafetensors(path), path],
      ['openSafetensors(path)', () => openSafetensors(path), path],
    ];
    for (const [how, fn, file] of attempts) {
      const t0 = performance.now();
      try {
        await fn();
        t.fail(`${how}: did not throw`);
      } catch (err) {
        t.ok(err instanceof WeightFileError, `${how}: WeightFileError (${(err as Error).name})`);
        t.equal((err as WeightFileError).file, file, `${how}: names the file`);
        t.match((err as Error).message, c.pattern, `${how}: ${(err as Error).message}`);
      }
      t.ok(performance.now() - t0 < 1000, `${how}: fails fast`);
    }
  });
}

test('safetensors bad input: loadStateDict reports a truncated safetensors file', async (t) => {
  try {
    await loadStateDict(good.subarray(0, good.length - 5));
    t.fail('did not throw');
  } catch (err) {
    t.ok(err instanceof WeightFileError);
    t.match((err as Error).message, /run past the end of the data section/);
  }
});

test('safetensors bad input: unknown tensor names are typed errors', async (t) => {
  const file = parseSafetensors(good, 'g.safetensors');
  t.throws(() => file.get('nope'), /g\.safetensors: no tensor named 'nope'/);
  const lazy = await openSafetensors(good);
  try {
    await lazy.get('nope');
    t.fail('did not throw');
  } catch (err) {
    t.ok(err instanceof WeightFileError, 'lazy reader too');
  }
  await lazy.close();
});
