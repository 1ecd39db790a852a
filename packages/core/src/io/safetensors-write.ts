import { float32ToBfloat16, float32ToFloat16 } from '../dtype.js';
import { ArgumentError, WeightFileError } from '../errors.js';
import { formatShape, shapeSize } from '../shape.js';
import { Tensor } from '../tensor.js';
import { type RawTensor, type RawTensorData, SAFETENSORS_DTYPE_BYTES, type SafetensorsDType } from './safetensors.js';

/** dtypes that float32 `Tensor`s can be written as. */
export type SafetensorsWriteDType = 'F32' | 'F16' | 'BF16';

export interface SaveSafetensorsOptions {
  /**
   * `__metadata__` string map (written only when given), keys in the given order. (The reference writes them
   * in hash-map order, so files match Python's byte for byte only when the key order happens to agree.)
   */
  metadata?: Record<string, string>;
  /** dtype for `Tensor` values (default F32). `RawTensor` values keep their own dtype. */
  dtype?: SafetensorsWriteDType;
  /**
   * Data and header order. `'sorted'` (default) is the reference implementation's: dtype by decreasing
   * alignment (I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL), then name by bytes, so a file of F32 tensors
   * is byte-identical to Python's `safetensors.torch.save`. `'insertion'` keeps the order of the input.
   */
  order?: 'sorted' | 'insertion';
}

/** What to write: float32 tensors, or raw tensors in any supported dtype. */
export type SafetensorsInput = ReadonlyMap<string, Tensor | RawTensor> | Readonly<Record<string, Tensor | RawTensor>>;

const SORT_RANK: Record<SafetensorsDType, number> = { I64: 9, F64: 8, F32: 7, I32: 6, BF16: 5, F16: 4, I16: 3, I8: 2, U8: 1, BOOL: 0 };

const RAW_ARRAY_TYPE: Record<SafetensorsDType, string> = {
  F64: 'Float64Array',
  F32: 'Float32Array',
  F16: 'Uint16Array',
  BF16: 'Uint16Array',
  I64: 'BigInt64Array',
  I32: 'Int32Array',
  I16: 'Int16Array',
  I8: 'Int8Array',
  U8: 'Uint8Array',
  BOOL: 'Uint8Array',
};

interface PlannedTensor {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  byteLength: number;
  value: Tensor | RawTensor;
}

/** A file ready to be written: the 8-byte length prefix plus padded header, then the tensors in order. */
export interface SafetensorsPlan {
  head: Uint8Array;
  tensors: PlannedTensor[];
  totalBytes: number;
}

function compareBytes(a: string, b: string): number {
  // Code-point order equals UTF-8 byte order; JS's default sort compares UTF-16 units.
  const ca = Array.from(a, (c) => c.codePointAt(0)!);
  const cb = Array.from(b, (c) => c.codePointAt(0)!);
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) if (ca[i] !== cb[i]) return ca[i] - cb[i];
  return ca.length - cb.length;
}

function planOne(name: string, value: Tensor | RawTensor, dtype: SafetensorsWriteDType): PlannedTensor {
  if (typeof name !== 'string' || name.length === 0) throw new ArgumentError('saveSafetensors: tensor names must be non-empty strings');
  if (name === '__metadata__') throw new ArgumentError("saveSafetensors: '__metadata__' is reserved and cannot name a tensor");
  if (value instanceof Tensor) {
    const shape = value.shape.slice();
    return { name, dtype, shape, byteLength: value.size * SAFETENSORS_DTYPE_BYTES[dtype], value };
  }
  const raw = value as RawTensor;
  if (!raw || typeof raw !== 'object' || !Object.hasOwn(SAFETENSORS_DTYPE_BYTES, raw.dtype)) {
    throw new ArgumentError(`saveSafetensors: '${name}' is neither a Tensor nor a RawTensor with a supported dtype`);
  }
  if (!Array.isArray(raw.shape) || !raw.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ArgumentError(`saveSafetensors: '${name}' has an invalid shape ${JSON.stringify(raw.shape)}`);
  }
  const arrayType = RAW_ARRAY_TYPE[raw.dtype];
  if (Object.prototype.toString.call(raw.data) !== `[object ${arrayType}]`) {
    throw new ArgumentError(
      `saveSafetensors: '${name}' of dtype ${raw.dtype} needs a ${arrayType}, got ${Object.prototype.toString.call(raw.data)}`,
    );
  }
  const n = shapeSize(raw.shape);
  if (raw.data.length !== n) {
    throw new ArgumentError(`saveSafetensors: '${name}' has ${raw.data.length} values for shape ${formatShape(raw.shape)} (${n} elements)`);
  }
  return { name, dtype: raw.dtype, shape: raw.shape.slice(), byteLength: raw.data.byteLength, value: raw };
}

/** Validates the input and lays out header and data (no tensor bytes are produced yet). */
export function planSafetensors(tensors: SafetensorsInput, options: SaveSafetensorsOptions = {}): SafetensorsPlan {
  const { metadata, dtype = 'F32', order = 'sorted' } = options;
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16')
    throw new ArgumentError(`saveSafetensors: dtype must be 'F32', 'F16' or 'BF16', got ${JSON.stringify(dtype)}`);
  if (order !== 'sorted' && order !== 'insertion')
    throw new ArgumentError(`saveSafetensors: order must be 'sorted' or 'insertion', got ${JSON.stringify(order)}`);
  if (tensors === null || typeof tensors !== 'object')
    throw new ArgumentError('saveSafetensors: tensors must be a Map or a plain object of tensors');
  const pairs = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Record<string, Tensor | RawTensor>);
  const planned = pairs.map(([name, value]) => planOne(name, value, dtype));
  if (order === 'sorted') planned.sort((a, b) => SORT_RANK[b.dtype] - SORT_RANK[a.dtype] || compareBytes(a.name, b.name));

  // Built as text: a JS object would move integer-like tensor names ahead of the others.
  const fields: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
      throw new ArgumentError('saveSafetensors: metadata must be an object of strings');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ArgumentError(`saveSafetensors: metadata value for '${k}' must be a string, got ${typeof v}`);
    }
    fields.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const p of planned) {
    fields.push(
      `${JSON.stringify(p.name)}:${JSON.stringify({ dtype: p.dtype, shape: p.shape, data_offsets: [offset, offset + p.byteLength] })}`,
    );
    offset += p.byteLength;
  }
  // The reference pads the JSON with spaces so the data section starts 8-byte aligned.
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20, 8 + json.byteLength);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return { head, tensors: planned, totalBytes: head.byteLength + offset };
}

function asBytes(data: RawTensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The little-endian bytes of one planned tensor (a view, not a copy, for contiguous F32 tensors). */
export function encodeSafetensorsTensor(p: PlannedTensor): Uint8Array {
  if (!(p.value instanceof Tensor)) return asBytes((p.value as RawTensor).data);
  const values = p.value.contiguousData();
  if (p.dtype === 'F32') return asBytes(values);
  const out = new Uint16Array(values.length);
  const convert = p.dtype === 'F16' ? float32ToFloat16 : float32ToBfloat16;
  for (let i = 0; i < values.length; i++) out[i] = convert(values[i]);
  return asBytes(out);
}

/**
 * Serialises tensors to safetensors bytes. `Tensor`s are written as `options.dtype` (F32 default; F16/BF16
 * round to nearest even); `RawTensor`s keep their dtype and values. See `SaveSafetensorsOptions.order`.
 */
export function saveSafetensors(tensors: SafetensorsInput, options: SaveSafetensorsOptions = {}): Uint8Array {
  const plan = planSafetensors(tensors, options);
  const out = new Uint8Array(plan.totalBytes);
  out.set(plan.head, 0);
  let pos = plan.head.byteLength;
  for (const p of plan.tensors) {
    out.set(encodeSafetensorsTensor(p), pos);
    pos += p.byteLength;
  }
  return out;
}

/**
 * Writes a safetensors file (Node). Tensors are encoded and written one at a time, so memory stays at one
 * tensor's encoded bytes beyond the input (none for contiguous F32).
 */
export async function saveSafetensorsFile(path: string, tensors: SafetensorsInput, options: SaveSafetensorsOptions = {}): Promise<void> {
  const plan = planSafetensors(tensors, options);
  const fs = await import('node:fs/promises');
  let handle: import('node:fs/promises').FileHandle;
  try {
    handle = await fs.open(path, 'w');
  } catch (cause) {
    throw new WeightFileError(path, `cannot create file (${(cause as Error).message})`, { cause });
  }
  const writeAll = async (bytes: Uint8Array): Promise<void> => {
    let done = 0;
    while (done < bytes.byteLength) done += (await handle.write(bytes, done, bytes.byteLength - done)).bytesWritten;
  };
  try {
    await writeAll(plan.head);
    for (const p of plan.tensors) await writeAll(encodeSafetensorsTensor(p));
  } catch (cause) {
    throw new WeightFileError(path, `write failed (${(cause as Error).message})`, { cause });
  } finally {
    await handle.close();
  }
}
