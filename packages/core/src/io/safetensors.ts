import { DTypeError, WeightFileError } from '../errors.js';
import { bfloat16ArrayToFloat32, float16ArrayToFloat32 } from '../dtype.js';
import { formatShape, shapeSize } from '../shape.js';
import { Tensor } from '../tensor.js';

/** dtypes of the safetensors format that vssm reads. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<SafetensorsDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

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
  /** The stored values in their own dtype (F16/BF16 as raw Uint16 bits). */
  data: RawTensorData;
}

/** Largest header accepted (the format caps it at 100 MB). */
export const MAX_SAFETENSORS_HEADER = 100_000_000;

/**
 * Parses and validates a safetensors header: JSON object, dtypes, shapes against byte ranges, ranges inside
 * the file and not overlapping. `dataBytes` is the size of the data section.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, dataBytes: number, file: string): { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
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
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WeightFileError(file, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new WeightFileError(file, `__metadata__ value for '${k}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null) throw new WeightFileError(file, `tensor '${name}': entry is not an object`);
    const dtype = info.dtype;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
      throw new WeightFileError(file, `tensor '${name}': unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
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
    const expected = shapeSize(shape) * DTYPE_BYTES[dtype as SafetensorsDType];
    if (end < begin || end - begin !== expected) {
      throw new WeightFileError(file, `tensor '${name}': shape ${formatShape(shape)} of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    if (end > dataBytes) {
      throw new WeightFileError(file, `tensor '${name}': data_offsets [${begin}, ${end}] run past the end of the data section (${dataBytes} bytes); the file is truncated or corrupt`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end });
  }
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.begin < prev.end) {
      throw new WeightFileError(file, `tensors '${prev.name}' and '${cur.name}' have overlapping byte ranges`);
    }
  }
  return { entries, metadata };
}

/** Decodes a tensor's bytes (little-endian) into float32. */
export function decodeToFloat32(entry: SafetensorsEntry, bytes: Uint8Array, file: string): Float32Array {
  const raw = decodeRaw(entry, bytes);
  switch (entry.dtype) {
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
    case 'BOOL':
    case 'F64':
    case 'I32':
    case 'I16':
    case 'I8':
    case 'U8':
      return Float32Array.from(raw as ArrayLike<number>);
    default:
      throw new DTypeError(`${file}: cannot convert ${entry.dtype} to float32`);
  }
}

/** Typed view (zero-copy when the bytes are aligned, copied otherwise) of a tensor's stored values. */
export function decodeRaw(entry: SafetensorsEntry, bytes: Uint8Array): RawTensorData {
  const size = DTYPE_BYTES[entry.dtype];
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

/** An opened safetensors file: metadata, entries, and tensors decoded to float32 on demand. */
export class SafetensorsFile {
  readonly file: string;
  readonly metadata: Record<string, string>;
  private readonly byName: Map<string, SafetensorsEntry>;
  private readonly data: Uint8Array;

  constructor(file: string, entries: SafetensorsEntry[], metadata: Record<string, string>, data: Uint8Array) {
    this.file = file;
    this.metadata = metadata;
    this.byName = new Map(entries.map((e) => [e.name, e]));
    this.data = data;
  }

  /** Tensor names in file order of their data. */
  names(): string[] {
    return [...this.byName.values()].sort((a, b) => a.begin - b.begin).map((e) => e.name);
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
    return new Tensor(decodeToFloat32(e, this.data.subarray(e.begin, e.end), this.file), e.shape);
  }

  /** The named tensor in its stored dtype. */
  raw(name: string): RawTensor {
    const e = this.entry(name);
    return { dtype: e.dtype, shape: e.shape.slice(), data: decodeRaw(e, this.data.subarray(e.begin, e.end)) };
  }

  /** Every tensor as float32, keyed by name (optionally only names with a prefix, with the prefix removed). */
  tensors(prefix = ''): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const name of this.names()) {
      if (name.startsWith(prefix)) out.set(name.slice(prefix.length), this.get(name));
    }
    return out;
  }
}

/** Parses an in-memory safetensors file. */
export function parseSafetensors(bytes: Uint8Array, file = '<buffer>'): SafetensorsFile {
  if (bytes.byteLength < 8) throw new WeightFileError(file, `safetensors file is ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(MAX_SAFETENSORS_HEADER)) {
    throw new WeightFileError(file, `safetensors header length ${headerLen} exceeds the ${MAX_SAFETENSORS_HEADER}-byte limit`);
  }
  const n = Number(headerLen);
  if (8 + n > bytes.byteLength) {
    throw new WeightFileError(file, `safetensors header length ${n} is larger than the file (${bytes.byteLength} bytes); the file is truncated or not safetensors`);
  }
  const { entries, metadata } = parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.byteLength - 8 - n, file);
  return new SafetensorsFile(file, entries, metadata, bytes.subarray(8 + n));
}

/** Opens a safetensors file from a path (Node) or from bytes. */
export async function loadSafetensors(source: import('./source.js').WeightSource): Promise<SafetensorsFile> {
  const { readSourceBytes } = await import('./source.js');
  const { bytes, file } = await readSourceBytes(source);
  return parseSafetensors(bytes, file);
}
