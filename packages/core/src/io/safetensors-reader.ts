import { WeightFileError } from '../errors.js';
import { Tensor } from '../tensor.js';
import {
  decodeRaw,
  type RawTensor,
  rawToFloat32,
  readSafetensorsBlock,
  readSafetensorsLayout,
  type SafetensorsEntry,
  type SafetensorsLayout,
} from './safetensors.js';
import { type ByteReader, openByteReader, type WeightSource } from './source.js';

/**
 * A safetensors file opened for lazy reading: the header is parsed up front, tensor data is read only when
 * asked for. From a path, each `get` reads that tensor's bytes with one positioned read (F32 straight into the
 * returned tensor's buffer, other dtypes into a temporary block converted to float32), so peak memory is the
 * tensors you keep plus one tensor's raw bytes. Call `close()` when done (paths hold a file handle).
 */
export class SafetensorsReader {
  readonly file: string;
  readonly metadata: Record<string, string>;
  private readonly layout: SafetensorsLayout;
  private readonly byName: Map<string, SafetensorsEntry>;
  private readonly reader: ByteReader;
  private readonly ownsReader: boolean;
  private closed = false;

  private constructor(reader: ByteReader, layout: SafetensorsLayout, ownsReader: boolean) {
    this.reader = reader;
    this.ownsReader = ownsReader;
    this.file = reader.file;
    this.layout = layout;
    this.metadata = layout.metadata;
    this.byName = new Map(layout.entries.map((e) => [e.name, e]));
  }

  /** Opens a path (Node) or bytes and parses the header. */
  static async open(source: WeightSource): Promise<SafetensorsReader> {
    const reader = await openByteReader(source);
    try {
      return new SafetensorsReader(reader, await readSafetensorsLayout(reader), true);
    } catch (err) {
      await reader.close();
      throw err;
    }
  }

  /** Reads the header through a reader that the caller keeps and closes (`close()` leaves it open). */
  static async fromByteReader(reader: ByteReader): Promise<SafetensorsReader> {
    return new SafetensorsReader(reader, await readSafetensorsLayout(reader), false);
  }

  /** Tensor names in file order of their data. */
  names(): string[] {
    return this.layout.entries.map((e) => e.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  entry(name: string): SafetensorsEntry {
    const e = this.byName.get(name);
    if (!e) throw new WeightFileError(this.file, `no tensor named '${name}'`);
    return e;
  }

  private async bytes(e: SafetensorsEntry): Promise<Uint8Array> {
    if (this.closed) throw new WeightFileError(this.file, `cannot read tensor '${e.name}': the reader is closed`);
    if (this.reader.inMemory) return this.reader.read(this.layout.dataStart + e.begin, e.end - e.begin, `tensor '${e.name}'`);
    return readSafetensorsBlock(this.reader, this.layout, e);
  }

  /** The named tensor as float32 (its own buffer when read from a path; a view of the bytes in memory for aligned F32). */
  async get(name: string): Promise<Tensor> {
    const e = this.entry(name);
    return new Tensor(rawToFloat32(e.dtype, decodeRaw(e, await this.bytes(e))), e.shape);
  }

  /** The named tensor in its stored dtype. */
  async raw(name: string): Promise<RawTensor> {
    const e = this.entry(name);
    return { dtype: e.dtype, shape: e.shape.slice(), data: decodeRaw(e, await this.bytes(e)) };
  }

  /** Every tensor (or those whose name starts with `prefix`, prefix removed) as float32, read in data order. */
  async tensors(prefix = ''): Promise<Map<string, Tensor>> {
    const out = new Map<string, Tensor>();
    for (const e of this.layout.entries) {
      if (e.name.startsWith(prefix)) out.set(e.name.slice(prefix.length), await this.get(e.name));
    }
    return out;
  }

  /** Releases the file handle (when this reader opened it); later reads throw. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsReader) await this.reader.close();
  }
}

/** Opens a safetensors file for lazy, per-tensor reading (see `SafetensorsReader`). */
export function openSafetensors(source: WeightSource): Promise<SafetensorsReader> {
  return SafetensorsReader.open(source);
}
