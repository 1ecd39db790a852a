/**
 * libjpeg's decoder-side chroma upsampling ("fancy" triangle filters, jdsample.c) and fixed-point YCbCr → RGB
 * (jdcolor.c), applied to the component planes jpeg-js decodes, so that colours match PIL (libjpeg-turbo) up to
 * IDCT rounding instead of differing by jpeg-js's nearest-neighbour chroma.
 */

/** One component plane at its own (downsampled) resolution. */
export interface Plane {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Replicates edge rows: libjpeg's context rows above the first and below the last row are copies of them. */
function row(plane: Plane, y: number): number {
  return Math.min(Math.max(y, 0), plane.height - 1) * plane.width;
}

function h2v1Fancy(p: Plane): Plane {
  const w = p.width;
  const out = new Uint8Array(w * 2 * p.height);
  for (let y = 0; y < p.height; y++) {
    const i = y * w;
    const o = y * w * 2;
    const d = p.data;
    out[o] = d[i];
    out[o + 1] = (d[i] * 3 + d[i + 1] + 2) >> 2;
    for (let x = 1; x < w - 1; x++) {
      const v = d[i + x] * 3;
      out[o + 2 * x] = (v + d[i + x - 1] + 1) >> 2;
      out[o + 2 * x + 1] = (v + d[i + x + 1] + 2) >> 2;
    }
    out[o + 2 * w - 2] = (d[i + w - 1] * 3 + d[i + w - 2] + 1) >> 2;
    out[o + 2 * w - 1] = d[i + w - 1];
  }
  return { width: w * 2, height: p.height, data: out };
}

function h1v2Fancy(p: Plane): Plane {
  const w = p.width;
  const out = new Uint8Array(w * p.height * 2);
  for (let y = 0; y < p.height; y++) {
    const near = row(p, y);
    for (const [dy, far, bias] of [
      [0, row(p, y - 1), 1],
      [1, row(p, y + 1), 2],
    ]) {
      const o = (2 * y + dy) * w;
      for (let x = 0; x < w; x++) out[o + x] = (p.data[near + x] * 3 + p.data[far + x] + bias) >> 2;
    }
  }
  return { width: w, height: p.height * 2, data: out };
}

function h2v2Fancy(p: Plane): Plane {
  const w = p.width;
  const ow = w * 2;
  const out = new Uint8Array(ow * p.height * 2);
  const sums = new Int32Array(w);
  for (let y = 0; y < p.height; y++) {
    const near = row(p, y);
    for (const [dy, far] of [
      [0, row(p, y - 1)],
      [1, row(p, y + 1)],
    ]) {
      for (let x = 0; x < w; x++) sums[x] = p.data[near + x] * 3 + p.data[far + x];
      const o = (2 * y + dy) * ow;
      out[o] = (sums[0] * 4 + 8) >> 4;
      out[o + 1] = (sums[0] * 3 + sums[1] + 7) >> 4;
      for (let x = 1; x < w - 1; x++) {
        out[o + 2 * x] = (sums[x] * 3 + sums[x - 1] + 8) >> 4;
        out[o + 2 * x + 1] = (sums[x] * 3 + sums[x + 1] + 7) >> 4;
      }
      out[o + ow - 2] = (sums[w - 1] * 3 + sums[w - 2] + 8) >> 4;
      out[o + ow - 1] = (sums[w - 1] * 4 + 7) >> 4;
    }
  }
  return { width: ow, height: p.height * 2, data: out };
}

/** Box replication (libjpeg's h2v1/h2v2/int upsamplers when no fancy method applies). */
function replicate(p: Plane, fx: number, fy: number): Plane {
  const ow = p.width * fx;
  const out = new Uint8Array(ow * p.height * fy);
  for (let y = 0; y < p.height * fy; y++) {
    const src = Math.floor(y / fy) * p.width;
    for (let x = 0; x < ow; x++) out[y * ow + x] = p.data[src + Math.floor(x / fx)];
  }
  return { width: ow, height: p.height * fy, data: out };
}

/** Upsamples a plane by (fx, fy) the way libjpeg-turbo does with do_fancy_upsampling (its default). */
export function upsamplePlane(p: Plane, fx: number, fy: number): Plane {
  if (fx === 1 && fy === 1) return p;
  if (fx === 2 && fy === 1) return p.width > 2 ? h2v1Fancy(p) : replicate(p, 2, 1);
  if (fx === 1 && fy === 2) return h1v2Fancy(p);
  if (fx === 2 && fy === 2) return p.width > 2 ? h2v2Fancy(p) : replicate(p, 2, 2);
  return replicate(p, fx, fy);
}

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number) => Math.trunc(x * (1 << SCALEBITS) + 0.5);

const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALEBITS;
  CB_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALEBITS;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}

const clamp8 = (v: number) => Math.max(0, Math.min(v, 255));

/** libjpeg's `ycc_rgb_convert`: full-resolution Y, Cb, Cr planes (at least width × height) → interleaved RGB. */
export function yccToRgb(y: Plane, cb: Plane, cr: Plane, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const Y = y.data[r * y.width + c];
      const B = cb.data[r * cb.width + c];
      const R = cr.data[r * cr.width + c];
      const o = (r * width + c) * 3;
      out[o] = clamp8(Y + CR_R[R]);
      out[o + 1] = clamp8(Y + ((CB_G[B] + CR_G[R]) >> SCALEBITS));
      out[o + 2] = clamp8(Y + CB_B[B]);
    }
  }
  return out;
}

/** Interleaves full-resolution planes that already hold R, G and B. */
export function interleave(planes: readonly Plane[], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      for (let k = 0; k < 3; k++) out[(r * width + c) * 3 + k] = planes[k].data[r * planes[k].width + c];
    }
  }
  return out;
}
