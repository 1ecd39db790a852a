import { WeightFileError } from '../errors.js';

/** A weight source: a file path (Node), raw bytes, or an ArrayBuffer. */
export type WeightSource = string | Uint8Array | ArrayBuffer;

/** Reads a whole weight source into memory; paths go through node:fs (loaded lazily so browsers never import it). */
export async function readSourceBytes(source: WeightSource): Promise<{ bytes: Uint8Array; file: string }> {
  if (typeof source === 'string') {
    const fs = await import('node:fs/promises');
    try {
      const buf = await fs.readFile(source);
      return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), file: source };
    } catch (cause) {
      throw new WeightFileError(source, `cannot read file (${(cause as Error).message})`, { cause });
    }
  }
  if (source instanceof Uint8Array) return { bytes: source, file: '<buffer>' };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), file: '<buffer>' };
  throw new WeightFileError('<unknown>', `unsupported weight source of type ${typeof source}`);
}
