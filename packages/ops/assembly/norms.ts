// LayerNorm / RMSNorm over the last axis (an item is one row) and LayerNorm2d over the channels of NCHW planes
// (an item is a block of NORM2D_BLOCK pixels of one image). Two-pass statistics in float32 with four partial sums
// per lane; an optional residual is added to x first (fused add + norm), and the sum can be stored too.

import { N_BIAS, N_BLOCKS_PER_IMAGE, N_C, N_D, N_EPS, N_OUT, N_P, N_RESIDUAL, N_SUM_OUT, N_WEIGHT, N_X, NORM2D_BLOCK } from './params';
import { Param, V } from './vmath';

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
class Nm {
  /** Sum of n floats at p (16 at a time into four accumulators, then 4, then scalars). */
  @inline static sumRow(p: usize, n: i32): f32 {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const q = p + ((<usize>i) << 2);
      a0 = f32x4.add(a0, v128.load(q));
      a1 = f32x4.add(a1, v128.load(q, 16));
      a2 = f32x4.add(a2, v128.load(q, 32));
      a3 = f32x4.add(a3, v128.load(q, 48));
    }
    for (; i + 4 <= n; i += 4) a0 = f32x4.add(a0, v128.load(p + ((<usize>i) << 2)));
    let s = V.hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
    for (; i < n; i++) s += load<f32>(p + ((<usize>i) << 2));
    return s;
  }

  /** Σ (x − c)² over n floats at p. */
  @inline static sumSquares(p: usize, n: i32, c: f32): f32 {
    const cv = f32x4.splat(c);
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const q = p + ((<usize>i) << 2);
      const d0 = f32x4.sub(v128.load(q), cv);
      const d1 = f32x4.sub(v128.load(q, 16), cv);
      const d2 = f32x4.sub(v128.load(q, 32), cv);
      const d3 = f32x4.sub(v128.load(q, 48), cv);
      a0 = f32x4.add(a0, f32x4.mul(d0, d0));
      a1 = f32x4.add(a1, f32x4.mul(d1, d1));
      a2 = f32x4.add(a2, f32x4.mul(d2, d2));
      a3 = f32x4.add(a3, f32x4.mul(d3, d3));
    }
    for (; i + 4 <= n; i += 4) {
      const d = f32x4.sub(v128.load(p + ((<usize>i) << 2)), cv);
      a0 = f32x4.add(a0, f32x4.mul(d, d));
    }
    let s = V.hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
    for (; i < n; i++) {
      const d = load<f32>(p + ((<usize>i) << 2)) - c;
      s += d * d;
    }
    return s;
  }

  /** Row source: x itself, or x + residual written to `sum` (which then is the row to normalise). */
  @inline static rowSource(args: usize, r: i32, D: i32): usize {
    const off = (<usize>r * <usize>D) << 2;
    const x = Param.ptr(args, N_X) + off;
    const res = Param.ptr(args, N_RESIDUAL);
    if (res === 0) return x;
    const sum = Param.ptr(args, N_SUM_OUT) + off;
    const rp = res + off;
    let i = 0;
    for (; i + 4 <= D; i += 4) {
      const o = (<usize>i) << 2;
      v128.store(sum + o, f32x4.add(v128.load(x + o), v128.load(rp + o)));
    }
    for (; i < D; i++) {
      const o = (<usize>i) << 2;
      store<f32>(sum + o, load<f32>(x + o) + load<f32>(rp + o));
    }
    return sum;
  }

  /** LayerNorm over C for `lanes` (4·groups) pixels starting at byte offset `p0` of an image's planes. */
  @inline static norm2dGroup(x: usize, out: usize, C: i32, plane: usize, w: usize, b: usize, eps: f32, p0: usize): void {
    // four vectors = 16 pixels per pass: four independent accumulation chains over the channels
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let q = x + p0;
    for (let c = 0; c < C; c++, q += plane) {
      s0 = f32x4.add(s0, v128.load(q));
      s1 = f32x4.add(s1, v128.load(q, 16));
      s2 = f32x4.add(s2, v128.load(q, 32));
      s3 = f32x4.add(s3, v128.load(q, 48));
    }
    const inv = f32x4.splat(1.0 / <f32>C);
    const m0 = f32x4.mul(s0, inv);
    const m1 = f32x4.mul(s1, inv);
    const m2 = f32x4.mul(s2, inv);
    const m3 = f32x4.mul(s3, inv);
    s0 = f32x4.splat(0);
    s1 = f32x4.splat(0);
    s2 = f32x4.splat(0);
    s3 = f32x4.splat(0);
    q = x + p0;
    for (let c = 0; c < C; c++, q += plane) {
      const d0 = f32x4.sub(v128.load(q), m0);
      const d1 = f32x4.sub(v128.load(q, 16), m1);
      const d2 = f32x4.sub(v128.load(q, 32), m2);
      const d3 = f32x4.sub(v128.load(q, 48), m3);
      s0 = f32x4.add(s0, f32x4.mul(d0, d0));
      s1 = f32x4.add(s1, f32x4.mul(d1, d1));
      s2 = f32x4.add(s2, f32x4.mul(d2, d2));
      s3 = f32x4.add(s3, f32x4.mul(d3, d3));
    }
    const e = f32x4.splat(eps);
    const one = f32x4.splat(1);
    const r0 = f32x4.div(one, f32x4.sqrt(f32x4.add(f32x4.mul(s0, inv), e)));
    const r1 = f32x4.div(one, f32x4.sqrt(f32x4.add(f32x4.mul(s1, inv), e)));
    const r2 = f32x4.div(one, f32x4.sqrt(f32x4.add(f32x4.mul(s2, inv), e)));
    const r3 = f32x4.div(one, f32x4.sqrt(f32x4.add(f32x4.mul(s3, inv), e)));
    q = x + p0;
    let o = out + p0;
    for (let c = 0; c < C; c++, q += plane, o += plane) {
      const wc = w !== 0 ? f32x4.splat(load<f32>(w + ((<usize>c) << 2))) : one;
      const bc = b !== 0 ? f32x4.splat(load<f32>(b + ((<usize>c) << 2))) : f32x4.splat(0);
      v128.store(o, f32x4.add(f32x4.mul(f32x4.mul(f32x4.sub(v128.load(q), m0), r0), wc), bc));
      v128.store(o, f32x4.add(f32x4.mul(f32x4.mul(f32x4.sub(v128.load(q, 16), m1), r1), wc), bc), 16);
      v128.store(o, f32x4.add(f32x4.mul(f32x4.mul(f32x4.sub(v128.load(q, 32), m2), r2), wc), bc), 32);
      v128.store(o, f32x4.add(f32x4.mul(f32x4.mul(f32x4.sub(v128.load(q, 48), m3), r3), wc), bc), 48);
    }
  }

  /** One pixel's LayerNorm over C (the scalar tail). */
  @inline static norm2dPixel(x: usize, out: usize, C: i32, plane: usize, w: usize, b: usize, eps: f32, p0: usize): void {
    let s: f32 = 0;
    for (let c = 0; c < C; c++) s += load<f32>(x + p0 + <usize>c * plane);
    const mean = s / <f32>C;
    let v: f32 = 0;
    for (let c = 0; c < C; c++) {
      const d = load<f32>(x + p0 + <usize>c * plane) - mean;
      v += d * d;
    }
    const rstd: f32 = 1.0 / sqrt<f32>(v / <f32>C + eps);
    for (let c = 0; c < C; c++) {
      let y = (load<f32>(x + p0 + <usize>c * plane) - mean) * rstd;
      if (w !== 0) y *= load<f32>(w + ((<usize>c) << 2));
      if (b !== 0) y += load<f32>(b + ((<usize>c) << 2));
      store<f32>(out + p0 + <usize>c * plane, y);
    }
  }
}

/** out = (x − mean)·rstd·w + b per row (w, b optional); with N_RESIDUAL, x + residual (stored at N_SUM_OUT) is normalised. */
export function layer_norm(args: usize, begin: i32, end: i32, _participant: i32): void {
  const D = Param.i(args, N_D);
  const w = Param.ptr(args, N_WEIGHT);
  const b = Param.ptr(args, N_BIAS);
  const eps = Param.f(args, N_EPS);
  for (let r = begin; r < end; r++) {
    const x = Nm.rowSource(args, r, D);
    const out = Param.ptr(args, N_OUT) + ((<usize>r * <usize>D) << 2);
    const mean = Nm.sumRow(x, D) / <f32>D;
    const rstd: f32 = 1.0 / sqrt<f32>(Nm.sumSquares(x, D, mean) / <f32>D + eps);
    const mv = f32x4.splat(mean);
    const rv = f32x4.splat(rstd);
    let i = 0;
    for (; i + 4 <= D; i += 4) {
      const o = (<usize>i) << 2;
      let v = f32x4.mul(f32x4.sub(v128.load(x + o), mv), rv);
      if (w !== 0) v = f32x4.mul(v, v128.load(w + o));
      if (b !== 0) v = f32x4.add(v, v128.load(b + o));
      v128.store(out + o, v);
    }
    for (; i < D; i++) {
      const o = (<usize>i) << 2;
      let v = (load<f32>(x + o) - mean) * rstd;
      if (w !== 0) v *= load<f32>(w + o);
      if (b !== 0) v += load<f32>(b + o);
      store<f32>(out + o, v);
    }
  }
}

/** out = x / sqrt(mean(x²) + eps) · w per row (w optional); N_RESIDUAL as in layer_norm. */
export function rms_norm(args: usize, begin: i32, end: i32, _participant: i32): void {
  const D = Param.i(args, N_D);
  const w = Param.ptr(args, N_WEIGHT);
  const eps = Param.f(args, N_EPS);
  for (let r = begin; r < end; r++) {
    const x = Nm.rowSource(args, r, D);
    const out = Param.ptr(args, N_OUT) + ((<usize>r * <usize>D) << 2);
    const rstd: f32 = 1.0 / sqrt<f32>(Nm.sumSquares(x, D, 0) / <f32>D + eps);
    const rv = f32x4.splat(rstd);
    let i = 0;
    for (; i + 4 <= D; i += 4) {
      const o = (<usize>i) << 2;
      let v = f32x4.mul(v128.load(x + o), rv);
      if (w !== 0) v = f32x4.mul(v, v128.load(w + o));
      v128.store(out + o, v);
    }
    for (; i < D; i++) {
      const o = (<usize>i) << 2;
      let v = load<f32>(x + o) * rstd;
      if (w !== 0) v *= load<f32>(w + o);
      store<f32>(out + o, v);
    }
  }
}

/** LayerNorm over the channels of (B, C, P) planes; item = image · N_BLOCKS_PER_IMAGE + pixel block. */
export function layer_norm2d(args: usize, begin: i32, end: i32, _participant: i32): void {
  const C = Param.i(args, N_C);
  const P = Param.i(args, N_P);
  const blocks = Param.i(args, N_BLOCKS_PER_IMAGE);
  const w = Param.ptr(args, N_WEIGHT);
  const b = Param.ptr(args, N_BIAS);
  const eps = Param.f(args, N_EPS);
  const plane = (<usize>P) << 2;
  for (let item = begin; item < end; item++) {
    const image = item / blocks;
    const imageOff = <usize>image * <usize>C * plane;
    const x = Param.ptr(args, N_X) + imageOff;
    const out = Param.ptr(args, N_OUT) + imageOff;
    const p0 = (item % blocks) * NORM2D_BLOCK;
    const p1 = min(P, p0 + NORM2D_BLOCK);
    let p = p0;
    for (; p + 16 <= p1; p += 16) Nm.norm2dGroup(x, out, C, plane, w, b, eps, (<usize>p) << 2);
    for (; p < p1; p++) Nm.norm2dPixel(x, out, C, plane, w, b, eps, (<usize>p) << 2);
  }
}
