import { WeightFileError } from '../errors.js';

/** A weight source: a file path (Node), raw bytes, or an ArrayBuffer. */
export type WeightSource = string | Uint8Array | ArrayBuffer;

/**
 * Random access to the bytes of a weight source. File-backed readers (Node) read only the ranges asked for;
 * memory-backed readers return views of the caller's bytes. Every read is bounds-checked against `size`, so a
 * truncated file gives a `WeightFileError` instead of short data.
 */
export interface ByteReader {
  /** The path, or `<buffer>` for in-memory sources; used in error messages. */
  readonly file: string;
  /** Total size in bytes. */
  readonly size: number;
  /** True when `read` returns views of memory that already exists (no copy, no allocation). */
  readonly inMemory: boolean;
  /** Bytes `[position, position + length)`. In-memory readers return a view: treat it as read-only. */
  read(position: number, length: number, what?: string): Promise<Uint8Array>;
  /** Copies bytes `[position, position + dst.byteLength)` into `dst`. */
  readInto(dst: Uint8Array, position: number, what?: string): Promise<void>;
  /** Releases the file handle (no-op for memory). */
  close(): Promise<void>;
}

/** Largest single read handed to the OS (`FileHandle.read` takes at most 2 GiB at once). */
const MAX_READ_CHUNK = 1 << 30;

function checkRange(file: string, size: number, position: number, length: number, what: string): void {
  if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
    throw new WeightFileError(file, `invalid byte range for ${what}: position ${position}, length ${length}`);
  }
  if (position + length > size) {
    throw new WeightFileError(
      file,
      `${what} needs bytes [${position}, ${position + length}) but the file has only ${size} bytes; the file is truncated or corrupt`,
    );
  }
}

/** A reader over bytes already in memory. */
export function memoryByteReader(bytes: Uint8Array, file = '<buffer>'): ByteReader {
  return {
    file,
    size: bytes.byteLength,
    inMemory: true,
    async read(position, length, what = 'read') {
      checkRange(file, bytes.byteLength, position, length, what);
      return bytes.subarray(position, position + length);
    },
    async readInto(dst, position, what = 'read') {
      checkRange(file, bytes.byteLength, position, dst.byteLength, what);
      dst.set(bytes.subarray(position, position + dst.byteLength));
    },
    async close() {},
  };
}

/** A reader over a file on disk (Node only; `node:fs` is imported lazily so browser bundles never load it). */
export async function fileByteReader(path: string): Promise<ByteReader> {
  const fs = await import('node:fs/promises');
  let handle: import('node:fs/promises').FileHandle;
  let size: number;
  try {
    handle = await fs.open(path, 'r');
  } catch (cause) {
    throw new WeightFileError(path, `cannot open file (${(cause as Error).message})`, { cause });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new WeightFileError(path, 'not a regular file');
    size = stat.size;
  } catch (cause) {
    await handle.close();
    if (cause instanceof WeightFileError) throw cause;
    throw new WeightFileError(path, `cannot stat file (${(cause as Error).message})`, { cause });
  }
  const fh = handle;
  const readInto = async (dst: Uint8Array, position: number, what = 'read'): Promise<void> => {
    checkRange(path, size, position, dst.byteLength, what);
    let done = 0;
    while (done < dst.byteLength) {
      const length = Math.min(MAX_READ_CHUNK, dst.byteLength - done);
      let bytesRead: number;
      try {
        ({ bytesRead } = await fh.read(dst, done, length, position + done));
      } catch (cause) {
        throw new WeightFileError(path, `read error in ${what} (${(cause as Error).message})`, { cause });
      }
      if (bytesRead === 0) {
        throw new WeightFileError(path, `unexpected end of file in ${what} at byte ${position + done}; the file shrank while reading`);
      }
      done += bytesRead;
    }
  };
  return {
    file: path,
    size,
    inMemory: false,
    async read(position, length, what = 'read') {
      checkRange(path, size, position, length, what);
      const out = new Uint8Array(length);
      await readInto(out, position, what);
      return out;
    },
    readInto,
    async close() {
      await fh.close();
    },
  };
}

/** Opens a random-access reader over a path (Node), bytes or an ArrayBuffer. */
export async function openByteReader(source: WeightSource): Promise<ByteReader> {
  if (typeof source === 'string') return fileByteReader(source);
  if (source instanceof Uint8Array) return memoryByteReader(source);
  if (source instanceof ArrayBuffer) return memoryByteReader(new Uint8Array(source));
  throw new WeightFileError('<unknown>', `unsupported weight source of type ${Object.prototype.toString.call(source)}`);
}

/** Runs `fn` with a reader over `source` and closes it afterwards, also on error. */
export async function withByteReader<T>(source: WeightSource, fn: (reader: ByteReader) => Promise<T>): Promise<T> {
  const reader = await openByteReader(source);
  try {
    return await fn(reader);
  } finally {
    await reader.close();
  }
}

/**
 * Reads a whole weight source into memory (one copy for paths, none for bytes). Prefer the streaming loaders
 * (`openSafetensors`, `loadSafetensors`, `loadTorchCheckpoint`) for large files.
 */
export async function readSourceBytes(source: WeightSource): Promise<{ bytes: Uint8Array; file: string }> {
  return withByteReader(source, async (reader) => ({ bytes: await reader.read(0, reader.size, 'the whole file'), file: reader.file }));
}
