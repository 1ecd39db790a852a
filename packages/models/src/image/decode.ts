import { ArgumentError } from '@vssm/core';
import { DEFAULT_MAX_PIXELS, type DecodedImage, type DecodeImageOptions } from './decoded.js';
import { ImageDecodeError } from './errors.js';
import { sniffImageFormat } from './format.js';
import { decodeJpeg } from './jpeg.js';
import { decodePng } from './png.js';

function toBytes(input: Uint8Array | ArrayBuffer, source: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new ArgumentError(`decodeImage(${source}): expected a Uint8Array or ArrayBuffer, got ${Object.prototype.toString.call(input)}`);
}

/**
 * Decodes PNG or JPEG bytes to 8-bit RGB (`{ width, height, rgb }`), as PIL's `Image.open(f).convert('RGB')` does.
 * The format is sniffed from the bytes, never from a file name; anything else, and data that does not decode, is
 * an `ImageDecodeError`.
 */
export function decodeImage(input: Uint8Array | ArrayBuffer, options: DecodeImageOptions = {}): DecodedImage {
  const source = options.name ?? '<bytes>';
  const bytes = toBytes(input, source);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(Number.isFinite(maxPixels) && maxPixels > 0))
    throw new ArgumentError(`decodeImage: maxPixels must be a positive number, got ${maxPixels}`);
  const gray16 = options.gray16 ?? 'pil';
  if (gray16 !== 'pil' && gray16 !== 'high-byte')
    throw new ArgumentError(`decodeImage: gray16 must be 'pil' or 'high-byte', got '${gray16}'`);
  if (bytes.length === 0) throw new ImageDecodeError(source, 'the image is empty (0 bytes)');
  const sniffed = sniffImageFormat(bytes);
  if ('unsupported' in sniffed) {
    const what = sniffed.unsupported === 'unknown' ? 'is not a PNG or JPEG image' : `is a ${sniffed.unsupported} image`;
    throw new ImageDecodeError(source, `${what}; only PNG and JPEG are supported`);
  }
  return sniffed.format === 'png' ? decodePng(bytes, source, maxPixels, gray16) : decodeJpeg(bytes, source, maxPixels);
}
