import { bfloat16ArrayToFloat32, float16ArrayToFloat32 } from '../dtype.js';
import { WeightFileError } from '../errors.js';
import { formatShape, shapeSize } from '../shape.js';
import { Tensor } from '../tensor.js';
import { type ByteReader, withByteReader, type WeightSource } from './source.js';

/** dtypes of the safetensors format that vssm reads. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each supported dtype. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte range inside the data section (after the header). */
  begin: number;
  end: number;
}

export type RawTensorData = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface RawTensor {
  dtype: SafetensorsDType;
  shape: number[];
  /** The stored values in their own dtype (F16/BF16 as raw Uint16 bits, BOOL as 0/1 bytes), row-major. */
  data: RawTensorData;
}

/** Largest header accepted (the format caps it at 100 MB). */
export const MAX_SAFETENSORS_HEADER = 100_000_000;

/** Parsed header of a safetensors file. */
export interface SafetensorsLayout {
  /** Entries in the order of their data in the file. */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Absolute byte position of the data section (8 + header length). */
  dataStart: number;
}

function isSafetensorsDType(x: unknown): x is SafetensorsDType {
  return typeof x === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_BYTES, x);
}

/**
 * Parses and validates a safetensors header: JSON object, dtypes, shapes against byte ranges, ranges inside
 * the file and not overlapping. `dataBytes` is the size of the data section. Entries come back in data order.
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  dataBytes: number,
  file: string,
): { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (cause) {
    throw new WeightFileError(file, `safetensors header is not valid UTF-8 JSON (${(cause as Error).message})`, { cause });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new WeightFileError(file, 'safetensors header is not a JSON object');
  }
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new WeightFileError(file, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new WeightFileError(file, `__metadata__ value for '${k}' is not a string`);
        // defineProperty, not assignment: a key named "__proto__" must stay an own property
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    entries.push(parseEntry(name, value, dataBytes, file));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1];
    const cur = entries[i];
    if (cur.begin < prev.end) {
      throw new WeightFileError(
        file,
        `tensors '${prev.name}' [${prev.begin}, ${prev.end}) and '${cur.name}' [${cur.begin}, ${cur.end}) have overlapping byte ranges`,
      );
    }
  }
  return { entries, metadata };
}

function parseEntry(name: string, value: unknown, dataBytes: number, file: string): SafetensorsEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WeightFileError(file, `tensor '${name}': entry is not an object`);
  const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const dtype = info.dtype;
  if (!isSafetensorsDType(dtype)) {
    throw new WeightFileError(
      file,
      `tensor '${name}': unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')})`,
    );
  }
  const shape = info.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new WeightFileError(file, `tensor '${name}': invalid shape ${JSON.stringify(shape)}`);
  }
  const offsets = info.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new WeightFileError(file, `tensor '${name}': invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = shapeSize(shape) * SAFETENSORS_DTYPE_BYTES[dtype];
  if (!Number.isSafeInteger(expected) || end < begin || end - begin !== expected) {
    throw new WeightFileError(
      file,
      `tensor '${name}': shape ${formatShape(shape)} of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  if (end > dataBytes) {
    throw new WeightFileError(
      file,
      `tensor '${name}': data_offsets [${begin}, ${end}] run past the end of the data section (${dataBytes} bytes); the file is truncated or corrupt`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Converts raw values of any supported dtype to float32 (a view, not a copy, for F32). */
export function rawToFloat32(dtype: SafetensorsDType, raw: RawTensorData): Float32Array {
  switch (dtype) {
    case 'F32':
      return raw as Float32Array;
    case 'F16':
      return float16ArrayToFloat32(raw as Uint16Array);
    case 'BF16':
      return bfloat16ArrayToFloat32(raw as Uint16Array);
    case 'I64': {
      const src = raw as BigInt64Array;
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
      return out;
    }
    default:
      return Float32Array.from(raw as ArrayLike<number>);
  }
}

/** Decodes a tensor's bytes (little-endian) into float32. */
export function decodeToFloat32(entry: SafetensorsEntry, bytes: Uint8Array, _file?: string): Float32Array {
  return rawToFloat32(entry.dtype, decodeRaw(entry, bytes));
}

/** Typed view (zero-copy when the bytes are aligned, copied otherwise) of a tensor's stored values. */
export function decodeRaw(entry: Pick<SafetensorsEntry, 'dtype'>, bytes: Uint8Array): RawTensorData {
  const size = SAFETENSORS_DTYPE_BYTES[entry.dtype];
  const n = bytes.byteLength / size;
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const buf = aligned.buffer;
  const off = aligned.byteOffset;
  switch (entry.dtype) {
    case 'F64':
      return new Float64Array(buf, off, n);
    case 'F32':
      return new Float32Array(buf, off, n);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buf, off, n);
    case 'I64':
      return new BigInt64Array(buf, off, n);
    case 'I32':
      return new Int32Array(buf, off, n);
    case 'I16':
      return new Int16Array(buf, off, n);
    case 'I8':
      return new Int8Array(buf, off, n);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buf, off, n);
  }
}

/**
 * A safetensors file whose tensor bytes are in memory: metadata, entries, and tensors decoded to float32 on
 * demand. `get` returns a zero-copy view for aligned F32 data, so treat returned tensors as read-only (or
 * `clone()` them) when the file's bytes must stay intact.
 */
export class SafetensorsFile {
  readonly file: string;
  readonly metadata: Record<string, string>;
  private readonly byName: Map<string, SafetensorsEntry>;
  private readonly ordered: readonly string[];
  private readonly bytesOf: (entry: SafetensorsEntry) => Uint8Array;

  /**
   * `data` is either the whole data section (entries index it by their offsets) or one byte block per tensor
   * name (as `loadSafetensors` builds when reading from a path).
   */
  constructor(
    file: string,
    entries: SafetensorsEntry[],
    metadata: Record<string, string>,
    data: Uint8Array | ReadonlyMap<string, Uint8Array>,
  ) {
    this.file = file;
    this.metadata = metadata;
    this.byName = new Map(entries.map((e) => [e.name, e]));
    this.ordered = entries
      .slice()
      .sort((a, b) => a.begin - b.begin)
      .map((e) => e.name);
    if (data instanceof Uint8Array) {
      this.bytesOf = (e) => data.subarray(e.begin, e.end);
    } else {
      this.bytesOf = (e) => {
        const block = data.get(e.name);
        if (!block) throw new WeightFileError(file, `no data loaded for tensor '${e.name}'`);
        return block;
      };
    }
  }

  /** Tensor names in file order of their data. */
  names(): string[] {
    return this.ordered.slice();
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  entry(name: string): SafetensorsEntry {
    const e = this.byName.get(name);
    if (!e) throw new WeightFileError(this.file, `no tensor named '${name}'`);
    return e;
  }

  /** The named tensor as float32 (a zero-copy view for aligned F32 data). */
  get(name: string): Tensor {
    const e = this.entry(name);
    return new Tensor(decodeToFloat32(e, this.bytesOf(e)), e.shape);
  }

  /** The named tensor in its stored dtype (a zero-copy view when aligned). */
  raw(name: string): RawTensor {
    const e = this.entry(name);
    return { dtype: e.dtype, shape: e.shape.slice(), data: decodeRaw(e, this.bytesOf(e)) };
  }

  /** Every tensor as float32, keyed by name (optionally only names with a prefix, with the prefix removed). */
  tensors(prefix = ''): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const name of this.ordered) {
      if (name.startsWith(prefix)) out.set(name.slice(prefix.length), this.get(name));
    }
    return out;
  }
}

function checkHeaderLength(file: string, fileSize: number, headerLen: bigint): number {
  if (headerLen > BigInt(MAX_SAFETENSORS_HEADER)) {
    throw new WeightFileError(
      file,
      `safetensors header length ${headerLen} exceeds the ${MAX_SAFETENSORS_HEADER}-byte limit; not a safetensors file or corrupt`,
    );
  }
  const n = Number(headerLen);
  if (8 + n > fileSize) {
    throw new WeightFileError(
      file,
      `safetensors header length ${n} is larger than the file (${fileSize} bytes); the file is truncated or not safetensors`,
    );
  }
  return n;
}

/** Parses an in-memory safetensors file (no copy: tensors view `bytes`). */
export function parseSafetensors(bytes: Uint8Array, file = '<buffer>'): SafetensorsFile {
  if (bytes.byteLength < 8)
    throw new WeightFileError(file, `safetensors file is ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = checkHeaderLength(file, bytes.byteLength, view.getBigUint64(0, true));
  const { entries, metadata } = parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.byteLength - 8 - n, file);
  return new SafetensorsFile(file, entries, metadata, bytes.subarray(8 + n));
}

/** Reads and validates the length prefix and JSON header through a reader (8 + header bytes; no tensor data). */
export async function readSafetensorsLayout(reader: ByteReader): Promise<SafetensorsLayout> {
  const { file, size } = reader;
  if (size < 8) throw new WeightFileError(file, `safetensors file is ${size} bytes, too short for the 8-byte header length`);
  const prefix = await reader.read(0, 8, 'safetensors header length');
  const n = checkHeaderLength(file, size, new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true));
  const headerBytes = await reader.read(8, n, 'safetensors header');
  const { entries, metadata } = parseSafetensorsHeader(headerBytes, size - 8 - n, file);
  return { entries, metadata, dataStart: 8 + n };
}

/** Reads one tensor's bytes into a fresh, aligned block of its own. */
export async function readSafetensorsBlock(reader: ByteReader, layout: SafetensorsLayout, entry: SafetensorsEntry): Promise<Uint8Array> {
  const block = new Uint8Array(entry.end - entry.begin);
  await reader.readInto(block, layout.dataStart + entry.begin, `tensor '${entry.name}'`);
  return block;
}

/**
 * Opens a safetensors file from a path (Node) or from bytes and loads every tensor's bytes.
 *
 * Memory: for bytes/ArrayBuffer nothing is copied (tensors view the caller's buffer). For a path, the header is
 * read through a file handle and each tensor is read straight into its own buffer, so the process holds one
 * copy of the data (no whole-file buffer next to per-tensor copies); `get` on F32 data returns a view of that
 * buffer. For lazy per-tensor reading of very large files use `openSafetensors`.
 */
export async function loadSafetensors(source: WeightSource): Promise<SafetensorsFile> {
  if (typeof source !== 'string') {
    const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : source;
    if (!(bytes instanceof Uint8Array)) throw new WeightFileError('<unknown>', `unsupported weight source of type ${typeof source}`);
    return parseSafetensors(bytes);
  }
  return withByteReader(source, async (reader) => {
    const layout = await readSafetensorsLayout(reader);
    const blocks = new Map<string, Uint8Array>();
    for (const entry of layout.entries) blocks.set(entry.name, await readSafetensorsBlock(reader, layout, entry));
    return new SafetensorsFile(reader.file, layout.entries, layout.metadata, blocks);
  });
}
