import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'tape';
import { crc32, fileByteReader, memoryByteReader, WeightFileError, ZipArchive } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import { buildZip } from './io-helpers-zip.js';

const enc = new TextEncoder();
const dir = mkdtempSync(join(tmpdir(), 'vssm-zip-'));
test.onFinish(() => rmSync(dir, { recursive: true, force: true }));

/** The archive opened from memory and from a file; `close` releases the file handle. */
async function openBoth(bytes: Uint8Array, name: string): Promise<{ zips: ZipArchive[]; close: () => Promise<void> }> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const fileReader = await fileByteReader(path);
  return {
    zips: [await ZipArchive.open(memoryByteReader(bytes, name)), await ZipArchive.open(fileReader)],
    close: () => fileReader.close(),
  };
}

async function rejects(t: test.Test, fn: () => Promise<unknown>, pattern: RegExp, msg: string): Promise<void> {
  try {
    await fn();
    t.fail(`${msg}: did not throw`);
  } catch (err) {
    t.ok(err instanceof WeightFileError, `${msg}: ${(err as Error).name}`);
    t.match((err as Error).message, pattern, `${msg}: ${(err as Error).message}`);
  }
}

test('crc32 matches the standard check value', (t) => {
  t.equal(crc32(enc.encode('123456789')), 0xcbf43926);
  t.equal(crc32(enc.encode('6789'), crc32(enc.encode('12345'))), 0xcbf43926, 'chunked');
  t.equal(crc32(new Uint8Array(0)), 0);
  t.end();
});

const payload = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 251);

for (const variant of [
  { label: 'STORED', method: 0 as const, zip64: false },
  { label: 'DEFLATE', method: 8 as const, zip64: false },
  { label: 'STORED zip64', method: 0 as const, zip64: true },
  { label: 'DEFLATE zip64', method: 8 as const, zip64: true },
]) {
  test(`zip: reads ${variant.label} entries from memory and from a file`, async (t) => {
    const bytes = buildZip(
      [
        { name: 'a/data.pkl', data: enc.encode('hello'), method: variant.method },
        { name: 'a/data/0', data: payload, method: variant.method },
        { name: 'empty', data: new Uint8Array(0), method: variant.method },
      ],
      { zip64: variant.zip64, comment: 'a comment after the end record', align: 64 },
    );
    const { zips, close } = await openBoth(bytes, `${variant.label.replace(' ', '-')}.zip`);
    for (const zip of zips) {
      t.deepEqual(zip.names(), ['a/data.pkl', 'a/data/0', 'empty'], 'central directory order');
      t.equal(zip.zip64, variant.zip64, 'zip64 flag');
      t.equal(new TextDecoder().decode(await zip.read(zip.get('a/data.pkl')!)), 'hello');
      t.deepEqual(await zip.read(zip.get('a/data/0')!, { verifyChecksum: true }), payload, 'payload');
      const into = new Uint8Array(payload.length);
      await zip.readInto(zip.get('a/data/0')!, into);
      t.deepEqual(into, payload, 'readInto');
      t.equal((await zip.read(zip.get('empty')!)).length, 0, 'empty entry');
      if (variant.method === 0) t.equal((await zip.dataStart(zip.get('a/data/0')!)) % 64, 0, 'data aligned as written');
      t.equal(zip.get('missing'), undefined, 'missing entry');
    }
    await close();
  });
}

test('zip: reads the golden torch.save archive', async (t) => {
  const bytes = new Uint8Array(readFileSync(goldenFile('msvmamba-v2.bare.pth')));
  const zip = await ZipArchive.open(memoryByteReader(bytes));
  t.ok(zip.has('msvmamba-v2.bare/data.pkl'), 'has data.pkl');
  t.equal(zip.entries.length, 126, 'entry count');
  for (const e of zip.entries) await zip.read(e, { verifyChecksum: true });
  t.pass('every CRC verifies');
});

test('zip: malformed archives give typed errors naming the file', async (t) => {
  const good = buildZip([{ name: 'x', data: payload }]);
  await rejects(
    t,
    () =>
      ZipArchive.open(
        memoryByteReader(
          Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) % 256),
          'noise.bin',
        ),
      ),
    /noise\.bin: not a zip archive/,
    'random bytes',
  );
  await rejects(t, () => ZipArchive.open(memoryByteReader(new Uint8Array(0), 'empty.zip')), /not a zip archive/, 'empty file');
  await rejects(
    t,
    () => ZipArchive.open(memoryByteReader(good.subarray(0, 2000), 'cut.zip')),
    /cut\.zip: zip archive is truncated/,
    'truncated zip',
  );
  const golden = new Uint8Array(readFileSync(goldenFile('local-vim-rope.model.pth')));
  await rejects(
    t,
    () => ZipArchive.open(memoryByteReader(golden.subarray(0, golden.length >> 1), 'half.pth')),
    /truncated/,
    'golden cut in half',
  );

  const eocd = good.length - 22;
  const badOffset = good.slice();
  new DataView(badOffset.buffer).setUint32(eocd + 16, good.length, true);
  await rejects(t, () => ZipArchive.open(memoryByteReader(badOffset)), /central directory .* runs past/, 'directory offset out of range');

  const badCount = good.slice();
  new DataView(badCount.buffer).setUint16(eocd + 10, 900, true);
  await rejects(t, () => ZipArchive.open(memoryByteReader(badCount)), /claims 900 entries/, 'entry count larger than the directory');

  const cd = new DataView(good.buffer).getUint32(eocd + 16, true);
  const bzip = good.slice();
  new DataView(bzip.buffer).setUint16(cd + 10, 12, true);
  await rejects(t, () => ZipArchive.open(memoryByteReader(bzip)), /compression method 12/, 'unsupported method');

  const encrypted = good.slice();
  new DataView(encrypted.buffer).setUint16(cd + 8, 1, true);
  await rejects(t, () => ZipArchive.open(memoryByteReader(encrypted)), /encrypted/, 'encrypted entry');

  const badLocal = good.slice();
  badLocal[0] = 0;
  const zipBadLocal = await ZipArchive.open(memoryByteReader(badLocal));
  await rejects(t, () => zipBadLocal.read(zipBadLocal.get('x')!), /bad signature/, 'local header signature');

  const crcStored = buildZip([{ name: 'x', data: payload, crc: 1234 }]);
  const zipCrc = await ZipArchive.open(memoryByteReader(crcStored));
  t.equal((await zipCrc.read(zipCrc.get('x')!)).length, payload.length, 'STORED CRC is not checked by default');
  await rejects(t, () => zipCrc.read(zipCrc.get('x')!, { verifyChecksum: true }), /CRC-32/, 'STORED CRC when asked');
  const crcDeflate = buildZip([{ name: 'x', data: payload, method: 8, crc: 1234 }]);
  const zipCrcD = await ZipArchive.open(memoryByteReader(crcDeflate));
  await rejects(t, () => zipCrcD.read(zipCrcD.get('x')!), /CRC-32/, 'DEFLATE CRC always checked');

  const deflated = buildZip([{ name: 'x', data: payload, method: 8 }]);
  const corrupt = deflated.slice();
  for (let i = 40; i < 60; i++) corrupt[i] ^= 0xa5;
  const zipCorrupt = await ZipArchive.open(memoryByteReader(corrupt));
  await rejects(t, () => zipCorrupt.read(zipCorrupt.get('x')!), /DEFLATE data is corrupt|inflates to|CRC-32/, 'corrupt DEFLATE stream');

  const lying = deflated.slice();
  const cdD = new DataView(lying.buffer).getUint32(lying.length - 22 + 16, true);
  new DataView(lying.buffer).setUint32(cdD + 24, payload.length + 10, true);
  const zipLying = await ZipArchive.open(memoryByteReader(lying));
  await rejects(
    t,
    () => zipLying.read(zipLying.get('x')!),
    /inflates to 5000 bytes but the directory says 5010/,
    'wrong uncompressed size',
  );

  const shortData = buildZip([{ name: 'x', data: payload }]);
  const view = new DataView(shortData.buffer);
  const cdS = view.getUint32(shortData.length - 22 + 16, true);
  view.setUint32(cdS + 20, 0x7fffff, true);
  view.setUint32(cdS + 24, 0x7fffff, true);
  const zipShort = await ZipArchive.open(memoryByteReader(shortData));
  await rejects(
    t,
    () => zipShort.read(zipShort.get('x')!),
    /needs bytes .* the archive is truncated/,
    'entry data past the end of the file',
  );
});
