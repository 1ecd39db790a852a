import { decode } from 'jpeg-js';
import type { DecodedImage } from './decoded.js';
import { ImageDecodeError } from './errors.js';
import { interleave, type Plane, upsamplePlane, yccToRgb } from './jpeg-color.js';
import { type JpegHeader, readJpegHeader } from './jpeg-header.js';

function jpegJs(bytes: Uint8Array, source: string, maxPixels: number, colorTransform?: boolean) {
  try {
    return decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: maxPixels / 1e6,
      colorTransform,
    });
  } catch (error) {
    throw new ImageDecodeError(source, `JPEG does not decode: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

/** Sampling factors that libjpeg upsamples by integral powers of two, which jpeg-js's raw planes can be undone for. */
function planeFactors(header: JpegHeader): Array<[number, number]> | undefined {
  const maxH = Math.max(...header.components.map((c) => c.h));
  const maxV = Math.max(...header.components.map((c) => c.v));
  const factors: Array<[number, number]> = [];
  for (const c of header.components) {
    const fx = maxH / c.h;
    const fy = maxV / c.v;
    if (![1, 2, 4].includes(fx) || ![1, 2, 4].includes(fy)) return undefined;
    factors.push([fx, fy]);
  }
  return factors;
}

/** libjpeg's rule (jdapimin.c) for what three components hold when no Adobe transform says otherwise. */
function holdsRgb(header: JpegHeader, bytes: Uint8Array): boolean {
  if (header.adobeTransform === 0) return true;
  const jfif = bytes.length > 10 && bytes[2] === 0xff && bytes[3] === 0xe0 && String.fromCharCode(...bytes.subarray(6, 10)) === 'JFIF';
  if (jfif) return false;
  const ids = header.components.map((c) => c.id).join(',');
  return ids === '82,71,66';
}

/**
 * Decodes a baseline or progressive JPEG to 8-bit RGB. jpeg-js does the entropy decoding and IDCT; for three-component
 * images this module then upsamples the chroma planes with libjpeg's triangle ("fancy") filters and converts YCbCr to
 * RGB with libjpeg's fixed-point tables, as PIL (libjpeg-turbo) does. What remains is IDCT rounding (a few levels).
 * Grayscale is replicated; CMYK/YCCK and Adobe-transformed files use jpeg-js's own colour conversion. EXIF
 * orientation is not applied, as PIL's `Image.open` does not apply it either.
 */
export function decodeJpeg(bytes: Uint8Array, source: string, maxPixels: number): DecodedImage {
  const header = readJpegHeader(bytes);
  if (!header) throw new ImageDecodeError(source, 'JPEG has no frame header (truncated or corrupt)');
  if (header.width === 0 || header.height === 0)
    throw new ImageDecodeError(source, `JPEG has an empty size ${header.width}×${header.height}`);
  if (header.width * header.height > maxPixels) {
    throw new ImageDecodeError(
      source,
      `JPEG is ${header.width}×${header.height} = ${header.width * header.height} pixels, more than the limit of ${maxPixels}`,
    );
  }
  const factors = header.components.length === 3 ? planeFactors(header) : undefined;
  const raw = factors !== undefined && (header.adobeTransform === undefined || header.adobeTransform === 0);
  const image = jpegJs(bytes, source, maxPixels, raw ? false : undefined);
  const { width, height, data } = image;
  if (!(width > 0 && height > 0) || data.length !== width * height * 3) {
    throw new ImageDecodeError(source, `JPEG decoded to ${data?.length} bytes for ${width}×${height} pixels`);
  }
  if (!raw || !factors) return { width, height, rgb: data };
  const planes = factors.map(([fx, fy], k) => upsamplePlane(downsampledPlane(data, width, height, k, fx, fy), fx, fy));
  const rgb = holdsRgb(header, bytes) ? interleave(planes, width, height) : yccToRgb(planes[0], planes[1], planes[2], width, height);
  return { width, height, rgb };
}

/** Recovers component k at its own resolution from jpeg-js's nearest-neighbour-upsampled output. */
function downsampledPlane(data: Uint8Array, width: number, height: number, k: number, fx: number, fy: number): Plane {
  const w = Math.ceil(width / fx);
  const h = Math.ceil(height / fy);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[y * w + x] = data[(y * fy * width + x * fx) * 3 + k];
  }
  return { width: w, height: h, data: out };
}
