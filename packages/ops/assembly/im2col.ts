// im2col: per image, cols[(c·kh + ky)·kw + kx][oy·Wo + ox] = x[c][oy·sh − ph + ky][ox·sw − pw + kx] (zero outside
// the image); one work item per row of cols over all images. The GEMM (gemm.ts) then multiplies the weight by them.

import { I_COLS, I_COLS_IMAGE, I_H, I_HO, I_KH, I_KW, I_PH, I_PW, I_ROWS, I_SH, I_SW, I_W, I_WO, I_X, I_X_IMAGE } from './params';
import { Param } from './vmath';

export function im2col(args: usize, begin: i32, end: i32, _participant: i32): void {
  const H = Param.i(args, I_H);
  const W = Param.i(args, I_W);
  const Ho = Param.i(args, I_HO);
  const Wo = Param.i(args, I_WO);
  const kh = Param.i(args, I_KH);
  const kw = Param.i(args, I_KW);
  const sh = Param.i(args, I_SH);
  const sw = Param.i(args, I_SW);
  const ph = Param.i(args, I_PH);
  const pw = Param.i(args, I_PW);
  const rows = Param.i(args, I_ROWS);
  const plane = Ho * Wo;
  for (let item = begin; item < end; item++) {
    const image = <usize>(item / rows);
    const row = item % rows;
    const x = Param.ptr(args, I_X) + ((image * <usize>Param.i(args, I_X_IMAGE)) << 2);
    const cols = Param.ptr(args, I_COLS) + ((image * <usize>Param.i(args, I_COLS_IMAGE)) << 2);
    const kx = row % kw;
    const ky = (row / kw) % kh;
    const c = row / (kw * kh);
    const src = x + ((<usize>c * <usize>H * <usize>W) << 2);
    const dst = cols + ((<usize>row * <usize>plane) << 2);
    // output columns whose input column is inside the image: ox·sw − pw + kx ∈ [0, W)
    let oxLo = pw - kx > 0 ? (pw - kx + sw - 1) / sw : 0;
    if (oxLo > Wo) oxLo = Wo;
    let oxHi = W - 1 + pw - kx >= 0 ? (W - 1 + pw - kx) / sw + 1 : 0;
    if (oxHi > Wo) oxHi = Wo;
    if (oxHi < oxLo) oxHi = oxLo;
    for (let oy = 0; oy < Ho; oy++) {
      const d = dst + ((<usize>(oy * Wo)) << 2);
      const iy = oy * sh - ph + ky;
      if (iy < 0 || iy >= H) {
        memory.fill(d, 0, (<usize>Wo) << 2);
        continue;
      }
      if (oxLo > 0) memory.fill(d, 0, (<usize>oxLo) << 2);
      const s = src + ((<usize>(iy * W - pw + kx)) << 2);
      if (sw === 1) memory.copy(d + ((<usize>oxLo) << 2), s + ((<usize>oxLo) << 2), (<usize>(oxHi - oxLo)) << 2);
      else for (let ox = oxLo; ox < oxHi; ox++) store<f32>(d + ((<usize>ox) << 2), load<f32>(s + ((<usize>(ox * sw)) << 2)));
      if (oxHi < Wo) memory.fill(d + ((<usize>oxHi) << 2), 0, (<usize>(Wo - oxHi)) << 2);
    }
  }
}
