// Separable resampling of NCHW planes (interpolate) with per-axis tap tables computed by the caller (PyTorch's
// index and weight rules live in TypeScript): a horizontal pass over every input row into the caller's scratch
// (H × Wo), then the vertical pass four outputs per f32x4. One work item per plane.

import {
  P_SCRATCH,
  P_SCRATCH_STRIDE,
  R_H,
  R_HO,
  R_IDX_X,
  R_IDX_Y,
  R_OUT,
  R_TAPS_X,
  R_TAPS_Y,
  R_W,
  R_WGT_X,
  R_WGT_Y,
  R_WO,
  R_X,
} from './params';
import { Param } from './vmath';

/** Scratch bytes per participant. */
export function resample_scratch(H: i32, Wo: i32): i32 {
  return (H * Wo + 8) << 2;
}

export function resample(args: usize, begin: i32, end: i32, participant: i32): void {
  const H = Param.i(args, R_H);
  const W = Param.i(args, R_W);
  const Ho = Param.i(args, R_HO);
  const Wo = Param.i(args, R_WO);
  const ty = Param.i(args, R_TAPS_Y);
  const tx = Param.i(args, R_TAPS_X);
  const idxY = Param.ptr(args, R_IDX_Y);
  const wgtY = Param.ptr(args, R_WGT_Y);
  const idxX = Param.ptr(args, R_IDX_X);
  const wgtX = Param.ptr(args, R_WGT_X);
  const tmp = Param.ptr(args, P_SCRATCH) + <usize>participant * Param.ptr(args, P_SCRATCH_STRIDE);
  const inPlane = (<usize>H * <usize>W) << 2;
  const outPlane = (<usize>Ho * <usize>Wo) << 2;
  for (let item = begin; item < end; item++) {
    const src = Param.ptr(args, R_X) + <usize>item * inPlane;
    const out = Param.ptr(args, R_OUT) + <usize>item * outPlane;
    for (let y = 0; y < H; y++) {
      const row = src + ((<usize>(y * W)) << 2);
      const dst = tmp + ((<usize>(y * Wo)) << 2);
      for (let ox = 0; ox < Wo; ox++) {
        let v: f32 = 0;
        for (let j = 0; j < tx; j++) {
          const t = (<usize>(ox * tx + j)) << 2;
          v += load<f32>(wgtX + t) * load<f32>(row + ((<usize>load<i32>(idxX + t)) << 2));
        }
        store<f32>(dst + ((<usize>ox) << 2), v);
      }
    }
    for (let oy = 0; oy < Ho; oy++) {
      const orow = out + ((<usize>(oy * Wo)) << 2);
      let ox = 0;
      for (; ox + 4 <= Wo; ox += 4) {
        let acc = f32x4.splat(0);
        for (let j = 0; j < ty; j++) {
          const t = (<usize>(oy * ty + j)) << 2;
          const r = tmp + ((<usize>(load<i32>(idxY + t) * Wo + ox)) << 2);
          acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(wgtY + t), v128.load(r)));
        }
        v128.store(orow + ((<usize>ox) << 2), acc);
      }
      for (; ox < Wo; ox++) {
        let v: f32 = 0;
        for (let j = 0; j < ty; j++) {
          const t = (<usize>(oy * ty + j)) << 2;
          v += load<f32>(wgtY + t) * load<f32>(tmp + ((<usize>(load<i32>(idxY + t) * Wo + ox)) << 2));
        }
        store<f32>(orow + ((<usize>ox) << 2), v);
      }
    }
  }
}
