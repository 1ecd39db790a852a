// Depthwise conv2d (groups == C, channel multiplier D_MULT), out = act(conv + bias + residual), one work item per
// (image, output channel) plane. Each plane is first copied into the caller's scratch with its zero padding and,
// for a horizontal stride s, split into s column phases (phase q holds padded columns q, q + s, q + 2s, …), so that
// the taps of four neighbouring outputs are one contiguous f32x4 load for every stride. The kernel then walks
// 16 outputs (four accumulators) at a time, then 8 and 4 (small planes: 14 = 8 + 4 + 2), every tap per block
// (offsets from a table, weights broadcast from memory).

import {
  D_ACT,
  D_BIAS,
  D_C,
  D_H,
  D_HO,
  D_KH,
  D_KW,
  D_MULT,
  D_O,
  D_OUT,
  D_PH,
  D_PW,
  D_RESIDUAL,
  D_SH,
  D_SW,
  D_W,
  D_W_IN,
  D_WO,
  D_X,
  P_SCRATCH,
  P_SCRATCH_STRIDE,
  P_TABLE,
} from './params';
import { Param, V } from './vmath';

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
class Dw {
  /** Floats per phase row: enough for every tap of the last vector block (reads past Wo stay inside the row). */
  @inline static phasePitch(Wo: i32, kw: i32, sw: i32): i32 {
    return ((Wo + 16 + (kw - 1) / sw + 1 + 3) >> 2) << 2;
  }

  /** Rows of the padded plane the outputs read. */
  @inline static paddedRows(Ho: i32, kh: i32, sh: i32): i32 {
    return (Ho - 1) * sh + kh;
  }
}

/** Scratch bytes per participant for a plane of this geometry: the phase planes and one 16-float block. */
export function depthwise_scratch(Ho: i32, Wo: i32, kh: i32, kw: i32, sh: i32, sw: i32): i32 {
  return ((Dw.paddedRows(Ho, kh, sh) * sw * Dw.phasePitch(Wo, kw, sw)) << 2) + 64 + ((kh * kw) << 2);
}

/** Copies plane `src` (H × W) into `dst` as sw phase planes with zero padding. */
function splitPlane(src: usize, H: i32, W: i32, rows: i32, sw: i32, pitch: i32, ph: i32, pw: i32, dst: usize): void {
  const phaseBytes = (<usize>rows * <usize>pitch) << 2;
  memory.fill(dst, 0, phaseBytes * <usize>sw);
  for (let y = 0; y < rows; y++) {
    const iy = y - ph;
    if (iy < 0 || iy >= H) continue;
    const srow = src + ((<usize>iy * <usize>W) << 2);
    if (sw === 1) {
      memory.copy(dst + ((<usize>(y * pitch + pw)) << 2), srow, (<usize>W) << 2);
      continue;
    }
    // padded column px = ix + pw lands in phase px % sw at index px / sw
    for (let ix = 0; ix < W; ix++) {
      const px = ix + pw;
      const q = px % sw;
      store<f32>(dst + <usize>q * phaseBytes + ((<usize>(y * pitch + px / sw)) << 2), load<f32>(srow + ((<usize>ix) << 2)));
    }
  }
}

export function depthwise_conv2d(args: usize, begin: i32, end: i32, participant: i32): void {
  const C = Param.i(args, D_C);
  const O = Param.i(args, D_O);
  const H = Param.i(args, D_H);
  const W = Param.i(args, D_W_IN);
  const Ho = Param.i(args, D_HO);
  const Wo = Param.i(args, D_WO);
  const kh = Param.i(args, D_KH);
  const kw = Param.i(args, D_KW);
  const sh = Param.i(args, D_SH);
  const sw = Param.i(args, D_SW);
  const ph = Param.i(args, D_PH);
  const pw = Param.i(args, D_PW);
  const mult = Param.i(args, D_MULT);
  const act = Param.i(args, D_ACT);
  const k = Param.ptr(args, P_TABLE);
  const biasPtr = Param.ptr(args, D_BIAS);
  const residual = Param.ptr(args, D_RESIDUAL);
  const scratch = Param.ptr(args, P_SCRATCH) + <usize>participant * Param.ptr(args, P_SCRATCH_STRIDE);
  const rows = Dw.paddedRows(Ho, kh, sh);
  const pitch = Dw.phasePitch(Wo, kw, sw);
  const phaseBytes = (<usize>rows * <usize>pitch) << 2;
  const rowBytes = (<usize>pitch) << 2;
  const inPlane = (<usize>H * <usize>W) << 2;
  const outPlane = (<usize>Ho * <usize>Wo) << 2;
  // byte offset of every tap (ky, kx) from an output block's position in phase row 0: no division in the tap loop
  const taps = scratch + phaseBytes * <usize>sw + 64;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      store<u32>(
        taps + ((<usize>(ky * kw + kx)) << 2),
        <u32>(<usize>ky * rowBytes + <usize>(kx % sw) * phaseBytes + ((<usize>(kx / sw)) << 2)),
      );
    }
  }
  const nTaps = kh * kw;
  let lastSource: i32 = -1;
  for (let item = begin; item < end; item++) {
    const b = item / O;
    const o = item % O;
    const source = b * C + o / mult;
    // output channels that share an input channel (multiplier > 1) reuse the split plane
    if (source !== lastSource) {
      splitPlane(Param.ptr(args, D_X) + <usize>source * inPlane, H, W, rows, sw, pitch, ph, pw, scratch);
      lastSource = source;
    }
    const w = Param.ptr(args, D_W) + ((<usize>(o * kh * kw)) << 2);
    const bias = f32x4.splat(biasPtr !== 0 ? load<f32>(biasPtr + ((<usize>o) << 2)) : 0);
    const out = Param.ptr(args, D_OUT) + <usize>item * outPlane;
    const res = residual !== 0 ? residual + <usize>item * outPlane : 0;
    for (let oy = 0; oy < Ho; oy++) {
      const rowBase = scratch + <usize>(oy * sh) * rowBytes;
      const orow = out + ((<usize>(oy * Wo)) << 2);
      const rrow = res !== 0 ? res + ((<usize>(oy * Wo)) << 2) : 0;
      // 16 outputs (four accumulators) at a time, then 8, then 4; the last 1-3 through the scratch block
      let ox = 0;
      for (; ox + 16 <= Wo; ox += 16) {
        let a0 = bias;
        let a1 = bias;
        let a2 = bias;
        let a3 = bias;
        const r = rowBase + ((<usize>ox) << 2);
        for (let tap = 0; tap < nTaps; tap++) {
          const wv = v128.load32_splat(w + ((<usize>tap) << 2));
          const p = r + <usize>load<u32>(taps + ((<usize>tap) << 2));
          a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(p)));
          a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(p, 16)));
          a2 = f32x4.add(a2, f32x4.mul(wv, v128.load(p, 32)));
          a3 = f32x4.add(a3, f32x4.mul(wv, v128.load(p, 48)));
        }
        const op = orow + ((<usize>ox) << 2);
        if (rrow !== 0) {
          const rp = rrow + ((<usize>ox) << 2);
          a0 = f32x4.add(a0, v128.load(rp));
          a1 = f32x4.add(a1, v128.load(rp, 16));
          a2 = f32x4.add(a2, v128.load(rp, 32));
          a3 = f32x4.add(a3, v128.load(rp, 48));
        }
        if (act !== 0) {
          a0 = V.act(a0, act, k);
          a1 = V.act(a1, act, k);
          a2 = V.act(a2, act, k);
          a3 = V.act(a3, act, k);
        }
        v128.store(op, a0);
        v128.store(op, a1, 16);
        v128.store(op, a2, 32);
        v128.store(op, a3, 48);
      }
      if (ox + 8 <= Wo) {
        let a0 = bias;
        let a1 = bias;
        const r = rowBase + ((<usize>ox) << 2);
        for (let tap = 0; tap < nTaps; tap++) {
          const wv = v128.load32_splat(w + ((<usize>tap) << 2));
          const p = r + <usize>load<u32>(taps + ((<usize>tap) << 2));
          a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(p)));
          a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(p, 16)));
        }
        const op = orow + ((<usize>ox) << 2);
        if (rrow !== 0) {
          const rp = rrow + ((<usize>ox) << 2);
          a0 = f32x4.add(a0, v128.load(rp));
          a1 = f32x4.add(a1, v128.load(rp, 16));
        }
        if (act !== 0) {
          a0 = V.act(a0, act, k);
          a1 = V.act(a1, act, k);
        }
        v128.store(op, a0);
        v128.store(op, a1, 16);
        ox += 8;
      }
      for (; ox < Wo; ox += 4) {
        let a0 = bias;
        const r = rowBase + ((<usize>ox) << 2);
        for (let tap = 0; tap < nTaps; tap++) {
          const p = r + <usize>load<u32>(taps + ((<usize>tap) << 2));
          a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(w + ((<usize>tap) << 2)), v128.load(p)));
        }
        const n = min(4, Wo - ox);
        const op = orow + ((<usize>ox) << 2);
        if (n === 4) {
          if (rrow !== 0) a0 = f32x4.add(a0, v128.load(rrow + ((<usize>ox) << 2)));
          if (act !== 0) a0 = V.act(a0, act, k);
          v128.store(op, a0);
        } else {
          // 1-3 outputs: through the scratch block past the phase planes
          const t = scratch + phaseBytes * <usize>sw;
          v128.store(t, a0);
          if (rrow !== 0) {
            for (let i = 0; i < n; i++) {
              const ti = t + ((<usize>i) << 2);
              store<f32>(ti, load<f32>(ti) + load<f32>(rrow + ((<usize>(ox + i)) << 2)));
            }
          }
          if (act !== 0) v128.store(t, V.act(v128.load(t), act, k));
          memory.copy(op, t, (<usize>n) << 2);
        }
      }
    }
  }
}
