import { ArgumentError } from '@vssm/core';
import type { DecodedImage } from './decoded.js';

/** Resampling filters of PIL's `Image.resize` that `resizeImage` reproduces bit for bit. */
export type ResampleFilter = 'bicubic' | 'bilinear' | 'box';

export const RESAMPLE_FILTERS: readonly ResampleFilter[] = ['bicubic', 'bilinear', 'box'];

interface Filter {
  support: number;
  weight(x: number): number;
}

// The kernels of PIL's Resample.c (bicubic with a = -0.5), written in the same evaluation order.
const FILTERS: Record<ResampleFilter, Filter> = {
  bicubic: {
    support: 2,
    weight(x) {
      const a = -0.5;
      if (x < 0) x = -x;
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  bilinear: {
    support: 1,
    weight(x) {
      if (x < 0) x = -x;
      return x < 1 ? 1 - x : 0;
    },
  },
  box: {
    support: 0.5,
    weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0),
  },
};

/** PIL's fixed point: 8-bit results, two bits of headroom for negative lobes, in a 32-bit accumulator. */
const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** Per output position: first input index, tap count, and `ksize` fixed-point weights. */
interface Coefficients {
  ksize: number;
  first: Int32Array;
  count: Int32Array;
  weights: Int32Array;
}

/**
 * The weights of one axis, as PIL's `precompute_coeffs` + `normalize_coeffs_8bpc`: a filter centred at
 * (i + 0.5)·scale, widened by the downscale factor (antialiasing), normalised to sum 1 in double precision, then
 * rounded half away from zero to 22 fractional bits.
 */
function coefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, first, count, weights };
}

const clip8 = (acc: number) => {
  const v = acc >> PRECISION_BITS;
  return Math.max(0, Math.min(v, 255));
};

/** Horizontal pass over rows [row0, row0 + rows) of `src` (width `inW`), 3 channels. */
function horizontal(src: Uint8Array, inW: number, row0: number, rows: number, c: Coefficients, outW: number): Uint8Array {
  const out = new Uint8Array(rows * outW * 3);
  for (let y = 0; y < rows; y++) {
    const rowBase = (row0 + y) * inW * 3;
    for (let xx = 0; xx < outW; xx++) {
      const k = xx * c.ksize;
      let p = rowBase + c.first[xx] * 3;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let x = 0; x < c.count[xx]; x++, p += 3) {
        const w = c.weights[k + x];
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
      }
      const o = (y * outW + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return out;
}

/** Vertical pass: output row yy reads rows first[yy] - rowShift … of `src` (width `w`). */
function vertical(src: Uint8Array, w: number, c: Coefficients, rowShift: number, outH: number): Uint8Array {
  const out = new Uint8Array(outH * w * 3);
  const stride = w * 3;
  for (let yy = 0; yy < outH; yy++) {
    const k = yy * c.ksize;
    const base = (c.first[yy] - rowShift) * stride;
    for (let i = 0; i < stride; i++) {
      let acc = HALF;
      for (let y = 0, p = base + i; y < c.count[yy]; y++, p += stride) acc += src[p] * c.weights[k + y];
      out[yy * stride + i] = clip8(acc);
    }
  }
  return out;
}

function assertSize(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`resizeImage: ${name} must be a positive integer, got ${v}`);
}

/**
 * Resizes 8-bit RGB exactly as PIL's `Image.resize((width, height), filter)` (Pillow's Resample.c, no
 * `reducing_gap`): separable, horizontal pass first on the rows the vertical pass needs, 8-bit rounding and
 * clamping between the passes, antialiasing support scaled by the downscale factor.
 */
export function resizeImage(image: DecodedImage, width: number, height: number, filter: ResampleFilter = 'bicubic'): DecodedImage {
  assertSize('width', width);
  assertSize('height', height);
  const f = FILTERS[filter];
  if (!f) throw new ArgumentError(`resizeImage: unknown filter '${filter}'; known: ${RESAMPLE_FILTERS.join(', ')}`);
  const { width: inW, height: inH, rgb } = image;
  if (rgb.length !== inW * inH * 3) {
    throw new ArgumentError(`resizeImage: rgb has ${rgb.length} bytes, expected ${inW}×${inH}×3 = ${inW * inH * 3}`);
  }
  const needH = width !== inW;
  const needV = height !== inH;
  if (!needH && !needV) return { width, height, rgb: rgb.slice() };
  const vc = coefficients(inH, height, f);
  let data = rgb;
  let rowShift = 0;
  if (needH) {
    const firstRow = needV ? vc.first[0] : 0;
    const lastRow = needV ? vc.first[height - 1] + vc.count[height - 1] : inH;
    data = horizontal(rgb, inW, firstRow, lastRow - firstRow, coefficients(inW, width, f), width);
    rowShift = firstRow;
  }
  if (needV) data = vertical(data, width, vc, rowShift, height);
  return { width, height, rgb: data };
}
