import { inflateSync } from 'fflate';
import { WeightFileError } from '../errors.js';
import { crc32 } from './crc32.js';
import type { ByteReader } from './source.js';

/** One file in a zip archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0 = STORED, 8 = DEFLATE (the two supported methods). */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipReadOptions {
  /** Check the CRC-32 of STORED entries too (DEFLATE entries are always checked). Default false. */
  verifyChecksum?: boolean;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;

function dv(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(view: DataView, pos: number, file: string, what: string): number {
  const v = view.getBigUint64(pos, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new WeightFileError(file, `zip ${what} ${v} is too large`);
  return Number(v);
}

interface DirectoryLocation {
  count: number;
  size: number;
  offset: number;
  /** Where the records that locate the directory begin (the directory must end before this). */
  end: number;
  zip64: boolean;
}

/**
 * A zip archive read through a `ByteReader`: the central directory is parsed once (zip64 aware), entry data
 * is read on demand. Only STORED and DEFLATE entries, single-disk, unencrypted.
 */
export class ZipArchive {
  readonly file: string;
  readonly entries: readonly ZipEntry[];
  readonly zip64: boolean;
  private readonly reader: ByteReader;
  private readonly byName: Map<string, ZipEntry>;
  private readonly dataStarts = new Map<ZipEntry, number>();

  private constructor(reader: ByteReader, entries: ZipEntry[], zip64: boolean) {
    this.reader = reader;
    this.file = reader.file;
    this.entries = entries;
    this.zip64 = zip64;
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  /** Parses the end-of-central-directory record(s) and the central directory. */
  static async open(reader: ByteReader): Promise<ZipArchive> {
    const loc = await locateDirectory(reader);
    const dir = await reader.read(loc.offset, loc.size, 'zip central directory');
    return new ZipArchive(reader, parseDirectory(dir, loc, reader), loc.zip64);
  }

  names(): string[] {
    return this.entries.map((e) => e.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /** Absolute position of an entry's data (after its local header). */
  async dataStart(entry: ZipEntry): Promise<number> {
    const cached = this.dataStarts.get(entry);
    if (cached !== undefined) return cached;
    const what = `local header of zip entry '${entry.name}'`;
    const head = await this.reader.read(entry.localHeaderOffset, LOCAL_SIZE, what);
    const view = dv(head);
    if (view.getUint32(0, true) !== SIG_LOCAL) {
      throw new WeightFileError(this.file, `${what} at byte ${entry.localHeaderOffset} has a bad signature; the archive is corrupt`);
    }
    const start = entry.localHeaderOffset + LOCAL_SIZE + view.getUint16(26, true) + view.getUint16(28, true);
    if (start + entry.compressedSize > this.reader.size) {
      throw new WeightFileError(
        this.file,
        `zip entry '${entry.name}' needs bytes [${start}, ${start + entry.compressedSize}) but the file has only ${this.reader.size} bytes; the archive is truncated`,
      );
    }
    this.dataStarts.set(entry, start);
    return start;
  }

  /**
   * The entry's uncompressed bytes. STORED entries of an in-memory archive come back as a view (treat as
   * read-only); otherwise a new buffer.
   */
  async read(entry: ZipEntry, options: ZipReadOptions = {}): Promise<Uint8Array> {
    const start = await this.dataStart(entry);
    const what = `zip entry '${entry.name}'`;
    let out: Uint8Array;
    if (entry.method === 0) {
      out = await this.reader.read(start, entry.compressedSize, what);
    } else {
      out = this.inflate(entry, await this.reader.read(start, entry.compressedSize, what));
    }
    this.checkCrc(entry, out, entry.method !== 0 || options.verifyChecksum === true);
    return out;
  }

  /** Copies (STORED) or inflates (DEFLATE) the entry's bytes into `dst`, which must be exactly its size. */
  async readInto(entry: ZipEntry, dst: Uint8Array, options: ZipReadOptions = {}): Promise<void> {
    if (dst.byteLength !== entry.uncompressedSize) {
      throw new WeightFileError(
        this.file,
        `zip entry '${entry.name}' holds ${entry.uncompressedSize} bytes, not the ${dst.byteLength} asked for`,
      );
    }
    if (entry.method !== 0) {
      dst.set(await this.read(entry, options));
      return;
    }
    await this.reader.readInto(dst, await this.dataStart(entry), `zip entry '${entry.name}'`);
    this.checkCrc(entry, dst, options.verifyChecksum === true);
  }

  private inflate(entry: ZipEntry, compressed: Uint8Array): Uint8Array {
    let out: Uint8Array;
    try {
      out = inflateSync(compressed);
    } catch (cause) {
      throw new WeightFileError(
        this.file,
        `zip entry '${entry.name}': DEFLATE data is corrupt or truncated (${(cause as Error).message})`,
        { cause },
      );
    }
    if (out.byteLength !== entry.uncompressedSize) {
      throw new WeightFileError(
        this.file,
        `zip entry '${entry.name}' inflates to ${out.byteLength} bytes but the directory says ${entry.uncompressedSize}; the archive is corrupt`,
      );
    }
    return out;
  }

  private checkCrc(entry: ZipEntry, bytes: Uint8Array, check: boolean): void {
    if (!check) return;
    const actual = crc32(bytes);
    if (actual !== entry.crc32) {
      throw new WeightFileError(
        this.file,
        `zip entry '${entry.name}' fails its CRC-32 check (stored ${entry.crc32.toString(16)}, computed ${actual.toString(16)}); the archive is corrupt`,
      );
    }
  }
}

async function locateDirectory(reader: ByteReader): Promise<DirectoryLocation> {
  const { file, size } = reader;
  const tailLength = Math.min(size, EOCD_SIZE + MAX_COMMENT);
  const tailStart = size - tailLength;
  const tail = await reader.read(tailStart, tailLength, 'zip end-of-central-directory search');
  const view = dv(tail);
  let at = -1;
  for (let i = tailLength - EOCD_SIZE; i >= 0; i--) {
    if (view.getUint32(i, true) === SIG_EOCD && i + EOCD_SIZE + view.getUint16(i + 20, true) <= tailLength) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    const first = size >= 4 ? dv(await reader.read(0, 4, 'zip signature')).getUint32(0, true) : 0;
    throw new WeightFileError(
      file,
      first === SIG_LOCAL
        ? 'zip archive is truncated: it starts with a zip local header but has no end-of-central-directory record'
        : 'not a zip archive (no end-of-central-directory record)',
    );
  }
  const eocdPos = tailStart + at;
  if (view.getUint16(at + 4, true) !== 0 || view.getUint16(at + 6, true) !== 0)
    throw new WeightFileError(file, 'multi-disk zip archives are not supported');
  let count = view.getUint16(at + 10, true);
  let dirSize = view.getUint32(at + 12, true);
  let dirOffset = view.getUint32(at + 16, true);
  let end = eocdPos;
  let zip64 = false;
  if (eocdPos >= 20) {
    const locator = dv(await reader.read(eocdPos - 20, 20, 'zip64 locator'));
    if (locator.getUint32(0, true) === SIG_ZIP64_LOCATOR) {
      const recordPos = u64(locator, 8, file, 'zip64 record offset');
      if (recordPos + 56 > eocdPos - 20)
        throw new WeightFileError(file, `zip64 end-of-central-directory offset ${recordPos} is out of range`);
      const record = dv(await reader.read(recordPos, 56, 'zip64 end-of-central-directory record'));
      if (record.getUint32(0, true) !== SIG_ZIP64_EOCD)
        throw new WeightFileError(file, 'zip64 end-of-central-directory record has a bad signature');
      count = u64(record, 32, file, 'entry count');
      dirSize = u64(record, 40, file, 'central directory size');
      dirOffset = u64(record, 48, file, 'central directory offset');
      end = recordPos;
      zip64 = true;
    }
  }
  if (!zip64 && (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff)) {
    throw new WeightFileError(file, 'zip archive needs zip64 records but has no zip64 locator; it is corrupt');
  }
  if (dirOffset + dirSize > end) {
    throw new WeightFileError(
      file,
      `zip central directory [${dirOffset}, ${dirOffset + dirSize}) runs past its end record at byte ${end}; the archive is truncated or corrupt`,
    );
  }
  if (count * CENTRAL_SIZE > dirSize)
    throw new WeightFileError(file, `zip archive claims ${count} entries in a ${dirSize}-byte central directory`);
  return { count, size: dirSize, offset: dirOffset, end, zip64 };
}

function parseDirectory(dir: Uint8Array, loc: DirectoryLocation, reader: ByteReader): ZipEntry[] {
  const { file } = reader;
  const view = dv(dir);
  const utf8 = new TextDecoder('utf-8');
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < loc.count; i++) {
    if (p + CENTRAL_SIZE > dir.byteLength || view.getUint32(p, true) !== SIG_CENTRAL) {
      throw new WeightFileError(file, `zip central directory entry ${i} at byte ${loc.offset + p} is malformed`);
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let uncompressedSize = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const disk = view.getUint16(p + 34, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const next = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > dir.byteLength) throw new WeightFileError(file, `zip central directory entry ${i} runs past the directory`);
    const name = utf8.decode(dir.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength));
    // zip64 extended information: 64-bit values for exactly the fields saturated above, in this order.
    let e = p + CENTRAL_SIZE + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = view.getUint16(e, true);
      const length = view.getUint16(e + 2, true);
      if (e + 4 + length > extraEnd) throw new WeightFileError(file, `zip entry '${name}' has a malformed extra field`);
      if (id === 0x0001) {
        let q = e + 4;
        const take = (what: string): number => {
          if (q + 8 > e + 4 + length) throw new WeightFileError(file, `zip entry '${name}' has a short zip64 extra field`);
          const v = u64(view, q, file, `${what} of '${name}'`);
          q += 8;
          return v;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = take('uncompressed size');
        if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('local header offset');
      }
      e += 4 + length;
    }
    if (disk !== 0 && disk !== 0xffff)
      throw new WeightFileError(file, `zip entry '${name}' is on disk ${disk}; multi-disk archives are not supported`);
    if (flags & 1) throw new WeightFileError(file, `zip entry '${name}' is encrypted; encrypted archives are not supported`);
    if (method !== 0 && method !== 8) {
      throw new WeightFileError(
        file,
        `zip entry '${name}' uses compression method ${method}; only STORED (0) and DEFLATE (8) are supported`,
      );
    }
    if (method === 0 && compressedSize !== uncompressedSize) {
      throw new WeightFileError(file, `zip entry '${name}' is STORED but its sizes differ (${compressedSize} vs ${uncompressedSize})`);
    }
    if (localHeaderOffset + LOCAL_SIZE > loc.offset) {
      throw new WeightFileError(
        file,
        `zip entry '${name}' has local header offset ${localHeaderOffset}, past the central directory; the archive is corrupt`,
      );
    }
    entries.push({ name, method, flags, crc32: crc, compressedSize, uncompressedSize, localHeaderOffset });
    p = next;
  }
  return entries;
}
