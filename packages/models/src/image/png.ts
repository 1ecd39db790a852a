// pngjs's self-contained build (its own zlib): no Node built-ins, so it bundles and runs in browsers too.
import { PNG } from 'pngjs/browser';
import type { DecodedImage, Gray16Mode } from './decoded.js';
import { ImageDecodeError } from './errors.js';

type BufferFrom = (b: ArrayBufferLike, offset: number, length: number) => Buffer;
let pngBufferFrom: BufferFrom | undefined;

/**
 * `Buffer.from` of the Buffer class bundled inside pngjs's browser build, which its parser needs (it calls Buffer
 * methods on the input); taken from a PNG it allocates, so that no global `Buffer` is required.
 */
function toPngBuffer(bytes: Uint8Array): Buffer {
  if (!pngBufferFrom) {
    const ctor = (new PNG({ width: 1, height: 1 }).data as unknown as { constructor: { from: BufferFrom } }).constructor;
    pngBufferFrom = ctor.from.bind(ctor);
  }
  return pngBufferFrom(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const COLOR_TYPE_NAMES: Record<number, string> = { 0: 'grayscale', 2: 'RGB', 3: 'palette', 4: 'grayscale+alpha', 6: 'RGBA' };

/** Width and height from the IHDR chunk, read before decoding so that huge images are refused cheaply. */
function headerSize(bytes: Uint8Array, source: string): { width: number; height: number } {
  const tag = String.fromCharCode(...bytes.subarray(12, 16));
  if (bytes.length < 24 || tag !== 'IHDR') throw new ImageDecodeError(source, 'PNG has no IHDR chunk (truncated or corrupt)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Decodes a PNG to 8-bit RGB the way PIL's `Image.open(f).convert('RGB')` does: alpha dropped (not composited),
 * palettes looked up, grayscale replicated, 1/2/4-bit gray scaled to 0–255, 16-bit samples reduced to their high
 * byte (16-bit gray: see `gray16`), tRNS transparency ignored.
 */
export function decodePng(bytes: Uint8Array, source: string, maxPixels: number, gray16: Gray16Mode): DecodedImage {
  const { width, height } = headerSize(bytes, source);
  if (width === 0 || height === 0) throw new ImageDecodeError(source, `PNG has an empty size ${width}×${height}`);
  if (width * height > maxPixels) {
    throw new ImageDecodeError(source, `PNG is ${width}×${height} = ${width * height} pixels, more than the limit of ${maxPixels}`);
  }
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(toPngBuffer(bytes), { skipRescale: true });
  } catch (error) {
    throw new ImageDecodeError(source, `PNG does not decode: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  const { colorType, depth } = png;
  if (!(colorType in COLOR_TYPE_NAMES)) throw new ImageDecodeError(source, `PNG has an unknown colour type ${colorType}`);
  const data = png.data as unknown as ArrayLike<number>;
  const pixels = width * height;
  if (data.length < pixels * 4) throw new ImageDecodeError(source, `PNG decoded to ${data.length} samples, expected ${pixels * 4}`);
  const trans = (png as unknown as { transColor?: number[] }).transColor;
  // pngjs zeroes all four samples of pixels that match the tRNS colour; PIL keeps their colour.
  const restore = (colorType === 0 || colorType === 2) && trans ? trans : undefined;
  const to8 = sampleConverter(colorType, depth, gray16);
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const s = p * 4;
    if (restore && data[s + 3] === 0) {
      const r = restore[0];
      const g = restore.length === 3 ? restore[1] : r;
      const b = restore.length === 3 ? restore[2] : r;
      rgb[p * 3] = to8(r);
      rgb[p * 3 + 1] = to8(g);
      rgb[p * 3 + 2] = to8(b);
      continue;
    }
    rgb[p * 3] = to8(data[s]);
    rgb[p * 3 + 1] = to8(data[s + 1]);
    rgb[p * 3 + 2] = to8(data[s + 2]);
  }
  return { width, height, rgb };
}

/** Maps a raw sample (as pngjs returns it with skipRescale) to 0–255. Palette entries are already 8-bit. */
function sampleConverter(colorType: number, depth: number, gray16: Gray16Mode): (v: number) => number {
  if (colorType === 3 || depth === 8) return (v) => v;
  if (depth === 16) {
    if (colorType === 0 && gray16 === 'pil') return (v) => Math.min(v, 255);
    return (v) => v >> 8;
  }
  const scale = 255 / ((1 << depth) - 1); // 255, 85 or 17: exact
  return (v) => v * scale;
}
