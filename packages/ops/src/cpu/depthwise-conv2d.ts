/** Geometry of one depthwise convolution over a single (H, W) plane. */
export interface DepthwiseGeometry {
  H: number;
  W: number;
  Ho: number;
  Wo: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}

/** A zero-padded copy of one plane (so that every tap is in bounds), reused across planes and calls. */
let padded = new Float32Array(0);
let rowAcc = new Float64Array(0);

/**
 * Copies the input plane into `padded` with `ph`/`pw` zeros around it, keeping only the rows and columns the
 * output reads. Returns the row pitch of the padded plane.
 */
function padPlane(src: Float32Array, srcOff: number, g: DepthwiseGeometry): number {
  const rows = (g.Ho - 1) * g.sh + g.kh;
  const cols = (g.Wo - 1) * g.sw + g.kw;
  if (padded.length < rows * cols) padded = new Float32Array(rows * cols);
  padded.fill(0, 0, rows * cols);
  for (let y = 0; y < rows; y++) {
    const iy = y - g.ph;
    if (iy < 0 || iy >= g.H) continue;
    const x0 = Math.max(0, g.pw);
    const x1 = Math.min(cols, g.W + g.pw);
    if (x1 > x0) padded.set(src.subarray(srcOff + iy * g.W + x0 - g.pw, srcOff + iy * g.W + x1 - g.pw), y * cols + x0);
  }
  return cols;
}

/** 3×3, any stride: nine weights in registers, three input rows walked together. */
function plane3x3(
  s: Float32Array,
  pitch: number,
  w: Float32Array,
  wOff: number,
  bias: number,
  g: DepthwiseGeometry,
  dst: Float32Array,
  dstOff: number,
): void {
  const w00 = w[wOff];
  const w01 = w[wOff + 1];
  const w02 = w[wOff + 2];
  const w10 = w[wOff + 3];
  const w11 = w[wOff + 4];
  const w12 = w[wOff + 5];
  const w20 = w[wOff + 6];
  const w21 = w[wOff + 7];
  const w22 = w[wOff + 8];
  const { Ho, Wo, sh, sw } = g;
  for (let oy = 0; oy < Ho; oy++) {
    const r0 = oy * sh * pitch;
    const r1 = r0 + pitch;
    const r2 = r1 + pitch;
    const o = dstOff + oy * Wo;
    for (let ox = 0, c = 0; ox < Wo; ox++, c += sw) {
      dst[o + ox] =
        bias +
        w00 * s[r0 + c] +
        w01 * s[r0 + c + 1] +
        w02 * s[r0 + c + 2] +
        w10 * s[r1 + c] +
        w11 * s[r1 + c + 1] +
        w12 * s[r1 + c + 2] +
        w20 * s[r2 + c] +
        w21 * s[r2 + c + 1] +
        w22 * s[r2 + c + 2];
    }
  }
}

/** 7-wide kernels, any height and stride: one kernel row (7 weights in registers) at a time over the output row. */
function plane7wide(
  s: Float32Array,
  pitch: number,
  w: Float32Array,
  wOff: number,
  bias: number,
  g: DepthwiseGeometry,
  dst: Float32Array,
  dstOff: number,
): void {
  const { Ho, Wo, kh, sh, sw } = g;
  if (rowAcc.length < Wo) rowAcc = new Float64Array(Wo);
  const acc = rowAcc;
  for (let oy = 0; oy < Ho; oy++) {
    acc.fill(bias, 0, Wo);
    for (let ky = 0; ky < kh; ky++) {
      const wi = wOff + ky * 7;
      const w0 = w[wi];
      const w1 = w[wi + 1];
      const w2 = w[wi + 2];
      const w3 = w[wi + 3];
      const w4 = w[wi + 4];
      const w5 = w[wi + 5];
      const w6 = w[wi + 6];
      const r = (oy * sh + ky) * pitch;
      for (let ox = 0, c = r; ox < Wo; ox++, c += sw) {
        acc[ox] += w0 * s[c] + w1 * s[c + 1] + w2 * s[c + 2] + w3 * s[c + 3] + w4 * s[c + 4] + w5 * s[c + 5] + w6 * s[c + 6];
      }
    }
    const o = dstOff + oy * Wo;
    for (let ox = 0; ox < Wo; ox++) dst[o + ox] = acc[ox];
  }
}

/** Any kernel size and stride. */
function planeGeneric(
  s: Float32Array,
  pitch: number,
  w: Float32Array,
  wOff: number,
  bias: number,
  g: DepthwiseGeometry,
  dst: Float32Array,
  dstOff: number,
): void {
  const { Ho, Wo, kh, kw, sh, sw } = g;
  for (let oy = 0; oy < Ho; oy++) {
    const o = dstOff + oy * Wo;
    for (let ox = 0; ox < Wo; ox++) {
      let acc = bias;
      let wi = wOff;
      let r = oy * sh * pitch + ox * sw;
      for (let ky = 0; ky < kh; ky++, r += pitch) {
        for (let kx = 0; kx < kw; kx++) acc += w[wi++] * s[r + kx];
      }
      dst[o + ox] = acc;
    }
  }
}

/**
 * One channel plane of a depthwise convolution: `dst[dstOff…]` (Ho×Wo) = bias + Σ w ⋆ `src[srcOff…]` (H×W), zero
 * padding. The plane is first copied into a zero-padded scratch buffer so that the kernels below run branch-free;
 * 3×3 and 7-wide kernels (the LocalVMamba/MSVMamba convs) have register-blocked variants.
 */
export function depthwisePlane(
  src: Float32Array,
  srcOff: number,
  w: Float32Array,
  wOff: number,
  bias: number,
  g: DepthwiseGeometry,
  dst: Float32Array,
  dstOff: number,
): void {
  const pitch = padPlane(src, srcOff, g);
  const kernel = g.kh === 3 && g.kw === 3 ? plane3x3 : g.kw === 7 ? plane7wide : planeGeneric;
  kernel(padded, pitch, w, wOff, bias, g, dst, dstOff);
}
