/** Test helper: builds zip archives (STORED/DEFLATE, optional zip64 records) and torch.save-like checkpoints. */
import { deflateSync } from 'fflate';
import { crc32 } from '../src/io/crc32.js';

export interface ZipInput {
  name: string;
  data: Uint8Array;
  method?: 0 | 8;
  /** Override the CRC written (to build corrupt archives). */
  crc?: number;
}

export interface ZipBuildOptions {
  /** Write zip64 extra fields, zip64 end record and locator, with saturated 32-bit fields. */
  zip64?: boolean;
  comment?: string;
  /** Align each entry's data to this many bytes via local-header padding (torch uses 64). */
  align?: number;
}

class Bytes {
  readonly parts: number[] = [];
  u16(n: number): this {
    this.parts.push(n & 0xff, (n >>> 8) & 0xff);
    return this;
  }
  u32(n: number): this {
    this.parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
    return this;
  }
  u64(n: number): this {
    return this.u32(n % 2 ** 32).u32(Math.floor(n / 2 ** 32));
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
}

export function buildZip(inputs: ZipInput[], options: ZipBuildOptions = {}): Uint8Array {
  const { zip64 = false, comment = '', align = 1 } = options;
  const out = new Bytes();
  const central = new Bytes();
  const enc = new TextEncoder();
  for (const input of inputs) {
    const method = input.method ?? 0;
    const stored = method === 8 ? deflateSync(input.data) : input.data;
    const crc = input.crc ?? crc32(input.data);
    const name = enc.encode(input.name);
    const offset = out.length;
    const baseHeader = 30 + name.length;
    const pad = align > 1 ? (align - ((offset + baseHeader + 4) % align)) % align : 0;
    const localExtra = align > 1 ? new Bytes().u16(0xcafe).u16(pad).bytes(new Uint8Array(pad)) : new Bytes();
    out
      .u32(0x04034b50)
      .u16(zip64 ? 45 : 20)
      .u16(0)
      .u16(method)
      .u16(0)
      .u16(0x21);
    out.u32(crc).u32(stored.length).u32(input.data.length).u16(name.length).u16(localExtra.length).bytes(name).bytes(localExtra.parts);
    out.bytes(stored);
    const extra = zip64 ? new Bytes().u16(0x0001).u16(24).u64(input.data.length).u64(stored.length).u64(offset) : new Bytes();
    central
      .u32(0x02014b50)
      .u16(zip64 ? 45 : 20)
      .u16(zip64 ? 45 : 20)
      .u16(0)
      .u16(method)
      .u16(0)
      .u16(0x21)
      .u32(crc);
    central.u32(zip64 ? 0xffffffff : stored.length).u32(zip64 ? 0xffffffff : input.data.length);
    central
      .u16(name.length)
      .u16(extra.length)
      .u16(0)
      .u16(0)
      .u16(0)
      .u32(0)
      .u32(zip64 ? 0xffffffff : offset);
    central.bytes(name).bytes(extra.parts);
  }
  const cdOffset = out.length;
  out.bytes(central.parts);
  const cdSize = central.length;
  const commentBytes = enc.encode(comment);
  if (zip64) {
    const recordOffset = out.length;
    out.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(inputs.length).u64(inputs.length).u64(cdSize).u64(cdOffset);
    out.u32(0x07064b50).u32(0).u64(recordOffset).u32(1);
    out.u32(0x06054b50).u16(0).u16(0).u16(0xffff).u16(0xffff).u32(0xffffffff).u32(0xffffffff).u16(commentBytes.length).bytes(commentBytes);
  } else {
    out
      .u32(0x06054b50)
      .u16(0)
      .u16(0)
      .u16(inputs.length)
      .u16(inputs.length)
      .u32(cdSize)
      .u32(cdOffset)
      .u16(commentBytes.length)
      .bytes(commentBytes);
  }
  return Uint8Array.from(out.parts);
}

export interface TorchZipInput {
  pickle: Uint8Array;
  /** Storage key → bytes, written as `<prefix>/data/<key>`. */
  storages?: Record<string, Uint8Array>;
  prefix?: string;
  byteorder?: string | null;
  extra?: ZipInput[];
  omitPickle?: boolean;
  zip64?: boolean;
  method?: 0 | 8;
}

/** A checkpoint laid out like torch.save's zip format. */
export function buildTorchZip(input: TorchZipInput): Uint8Array {
  const prefix = input.prefix ?? 'archive';
  const enc = new TextEncoder();
  const entries: ZipInput[] = [];
  if (!input.omitPickle) entries.push({ name: `${prefix}/data.pkl`, data: input.pickle, method: input.method });
  if (input.byteorder !== null) entries.push({ name: `${prefix}/byteorder`, data: enc.encode(input.byteorder ?? 'little') });
  for (const [key, data] of Object.entries(input.storages ?? {}))
    entries.push({ name: `${prefix}/data/${key}`, data, method: input.method });
  entries.push({ name: `${prefix}/version`, data: enc.encode('3\n') });
  entries.push(...(input.extra ?? []));
  return buildZip(entries, { zip64: input.zip64, align: 64 });
}

export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
