// Kernels of the end of MSVMamba's MS2D (the wasm twins of src/msvmamba/tail-kernels.ts, bit-identical to it): the
// LayerNorm over the channels of a channel-first map with the low-resolution add (after the norm on master, before it
// on v2) and SE's pooling, then SE's scaling with the z gate (transposing to channel-last on master). Statistics in
// float64 in the TypeScript order (per position, channels e = 0…E−1 one by one; channel means over s in order); each
// Math.fround there is a float32 operation here. Runtime ABI (args, begin, end, participant), disjoint outputs per item.

import {
  TAIL_TILE,
  TN_B,
  TN_E,
  TN_E_BLOCK,
  TN_E_BLOCKS,
  TN_EPS,
  TN_L,
  TN_MEAN,
  TN_MODE,
  TN_MODE_ADD_NORM,
  TN_MODE_NORM_ADD,
  TN_OUT,
  TN_POOLED,
  TN_RSTD,
  TN_S_BLOCK,
  TN_S_BLOCKS,
  TN_UP,
  TN_W,
  TN_X,
  TS_BLOCK,
  TS_BLOCKS,
  TS_E,
  TS_GATE,
  TS_L,
  TS_OUT,
  TS_Y,
  TS_Z,
} from './tail-params';
import { Param as P } from '../../wasm/assembly/param';
import { T4 } from './transpose';

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
class V {
  /** The high two floats of v in the low lanes. */
  @inline static high(v: v128): v128 {
    return v128.shuffle<f32>(v, v, 2, 3, 2, 3);
  }
}

/**
 * LayerNorm statistics: per position s of a block of one batch item, Σ_e x and Σ_e x² in float64 over e = 0…E−1 in
 * order (x = y + up rounded to float32 in the add-first mode), then mean_s and 1/√(max(0, σ²) + eps). Item (b,
 * block of positions); four positions at a time held in registers.
 */
export function tail_stats(args: usize, begin: i32, end: i32, _participant: i32): void {
  const x = P.ptr(args, TN_X);
  const up = P.ptr(args, TN_UP);
  const addFirst = P.i(args, TN_MODE) === TN_MODE_ADD_NORM;
  const E = P.i(args, TN_E);
  const L = P.i(args, TN_L);
  const meanOut = P.ptr(args, TN_MEAN);
  const rstdOut = P.ptr(args, TN_RSTD);
  const sBlocks = P.i(args, TN_S_BLOCKS);
  const sBlock = P.i(args, TN_S_BLOCK);
  const eps = P.f64(args, TN_EPS);
  const Ef = <f64>E;
  const lineBytes = (<usize>L) << 2;
  for (let item = begin; item < end; item++) {
    const sb = item % sBlocks;
    const b = item / sBlocks;
    const s0 = sb * sBlock;
    const s1 = min(L, s0 + sBlock);
    const offB = (<usize>b * <usize>E * <usize>L) << 2;
    const xb = x + offB;
    const ub = up + offB;
    const mean = meanOut + ((<usize>b * <usize>L) << 3);
    const rstd = rstdOut + ((<usize>b * <usize>L) << 3);
    let s = s0;
    for (; s + 4 <= s1; s += 4) {
      let sumLo = f64x2.splat(0);
      let sumHi = f64x2.splat(0);
      let sqLo = f64x2.splat(0);
      let sqHi = f64x2.splat(0);
      let o = (<usize>s) << 2;
      for (let e = 0; e < E; e++, o += lineBytes) {
        let v = v128.load(xb + o);
        if (addFirst) v = f32x4.add(v, v128.load(ub + o));
        const lo = f64x2.promote_low_f32x4(v);
        const hi = f64x2.promote_low_f32x4(V.high(v));
        sumLo = f64x2.add(sumLo, lo);
        sumHi = f64x2.add(sumHi, hi);
        sqLo = f64x2.add(sqLo, f64x2.mul(lo, lo));
        sqHi = f64x2.add(sqHi, f64x2.mul(hi, hi));
      }
      const q = (<usize>s) << 3;
      v128.store(mean + q, sumLo);
      v128.store(mean + q, sumHi, 16);
      v128.store(rstd + q, sqLo);
      v128.store(rstd + q, sqHi, 16);
    }
    for (; s < s1; s++) {
      let sum = 0.0;
      let sq = 0.0;
      let o = (<usize>s) << 2;
      for (let e = 0; e < E; e++, o += lineBytes) {
        const v = <f64>(addFirst ? load<f32>(xb + o) + load<f32>(ub + o) : load<f32>(xb + o));
        sum += v;
        sq += v * v;
      }
      const q = (<usize>s) << 3;
      store<f64>(mean + q, sum);
      store<f64>(rstd + q, sq);
    }
    for (let t = s0; t < s1; t++) {
      const q = (<usize>t) << 3;
      const m = load<f64>(mean + q) / Ef;
      store<f64>(mean + q, m);
      store<f64>(rstd + q, 1.0 / Math.sqrt(max(0.0, load<f64>(rstd + q) / Ef - m * m) + eps));
    }
  }
}

/**
 * LayerNorm, second pass: out[b, e, s] = f32((x − mean_s) · rstd_s · w_e + b_e) (float64 arithmetic, one rounding),
 * plus up[b, e, s] in float32 after it in the norm-then-add mode, and pooled[b, e] = Σ_s out / L (float64, s in order).
 * Item (b, block of channels); four positions at a time.
 */
export function tail_norm(args: usize, begin: i32, end: i32, _participant: i32): void {
  const x = P.ptr(args, TN_X);
  const up = P.ptr(args, TN_UP);
  const mode = P.i(args, TN_MODE);
  const addFirst = mode === TN_MODE_ADD_NORM;
  const addAfter = mode === TN_MODE_NORM_ADD;
  const E = P.i(args, TN_E);
  const L = P.i(args, TN_L);
  const w = P.ptr(args, TN_W);
  const bias = P.ptr(args, TN_B);
  const meanIn = P.ptr(args, TN_MEAN);
  const rstdIn = P.ptr(args, TN_RSTD);
  const out = P.ptr(args, TN_OUT);
  const pooled = P.ptr(args, TN_POOLED);
  const eBlocks = P.i(args, TN_E_BLOCKS);
  const eBlock = P.i(args, TN_E_BLOCK);
  const Lf = <f64>L;
  for (let item = begin; item < end; item++) {
    const eb = item % eBlocks;
    const b = item / eBlocks;
    const mean = meanIn + ((<usize>b * <usize>L) << 3);
    const rstd = rstdIn + ((<usize>b * <usize>L) << 3);
    const e1 = min(E, (eb + 1) * eBlock);
    for (let e = eb * eBlock; e < e1; e++) {
      const rowOff = (<usize>(b * E + e) * <usize>L) << 2;
      const xr = x + rowOff;
      const ur = up + rowOff;
      const or = out + rowOff;
      const we = <f64>load<f32>(w + ((<usize>e) << 2));
      const be = <f64>load<f32>(bias + ((<usize>e) << 2));
      const weV = f64x2.splat(we);
      const beV = f64x2.splat(be);
      let sum = 0.0;
      let s = 0;
      for (; s + 4 <= L; s += 4) {
        const o = (<usize>s) << 2;
        const q = (<usize>s) << 3;
        let v = v128.load(xr + o);
        if (addFirst) v = f32x4.add(v, v128.load(ur + o));
        const lo = f64x2.add(
          f64x2.mul(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), v128.load(mean + q)), v128.load(rstd + q)), weV),
          beV,
        );
        const hi = f64x2.add(
          f64x2.mul(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(V.high(v)), v128.load(mean + q, 16)), v128.load(rstd + q, 16)), weV),
          beV,
        );
        let r = v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
        if (addAfter) r = f32x4.add(r, v128.load(ur + o));
        v128.store(or + o, r);
        sum += <f64>f32x4.extract_lane(r, 0);
        sum += <f64>f32x4.extract_lane(r, 1);
        sum += <f64>f32x4.extract_lane(r, 2);
        sum += <f64>f32x4.extract_lane(r, 3);
      }
      for (; s < L; s++) {
        const o = (<usize>s) << 2;
        const q = (<usize>s) << 3;
        const xv = addFirst ? load<f32>(xr + o) + load<f32>(ur + o) : load<f32>(xr + o);
        let r = <f32>((<f64>xv - load<f64>(mean + q)) * load<f64>(rstd + q) * we + be);
        if (addAfter) r = r + load<f32>(ur + o);
        store<f32>(or + o, r);
        sum += <f64>r;
      }
      store<f64>(pooled + ((<usize>(b * E + e)) << 3), sum / Lf);
    }
  }
}

/**
 * Channel-last out[b, s, e] = f32(f32(y[b, e, s] · gate[b, e]) · z[b, s, e]) (without a gate f32(y · z)). Item (b,
 * tile of TAIL_TILE channels); four positions × four channels through a 4×4 transpose.
 */
export function tail_scale_t(args: usize, begin: i32, end: i32, _participant: i32): void {
  const y = P.ptr(args, TS_Y);
  const gate = P.ptr(args, TS_GATE);
  const z = P.ptr(args, TS_Z);
  const out = P.ptr(args, TS_OUT);
  const E = P.i(args, TS_E);
  const L = P.i(args, TS_L);
  const tiles = P.i(args, TS_BLOCKS);
  const gated = gate !== 0;
  const lineBytes = (<usize>L) << 2;
  const tokenBytes = (<usize>E) << 2;
  for (let item = begin; item < end; item++) {
    const tile = item % tiles;
    const b = item / tiles;
    const e0 = tile * TAIL_TILE;
    const e1 = min(E, e0 + TAIL_TILE);
    const yb = y + ((<usize>b * <usize>E * <usize>L) << 2);
    const zb = z + ((<usize>b * <usize>L * <usize>E) << 2);
    const ob = out + ((<usize>b * <usize>L * <usize>E) << 2);
    const g = gate + ((<usize>b * <usize>E) << 2);
    let s = 0;
    for (; s + 4 <= L; s += 4) {
      let e = e0;
      for (; e + 4 <= e1; e += 4) {
        const r0 = yb + ((<usize>e * <usize>L + <usize>s) << 2);
        const v0 = v128.load(r0);
        const v1 = v128.load(r0 + lineBytes);
        const v2 = v128.load(r0 + 2 * lineBytes);
        const v3 = v128.load(r0 + 3 * lineBytes);
        let c0 = T4.t0(v0, v1, v2, v3);
        let c1 = T4.t1(v0, v1, v2, v3);
        let c2 = T4.t2(v0, v1, v2, v3);
        let c3 = T4.t3(v0, v1, v2, v3);
        if (gated) {
          const gv = v128.load(g + ((<usize>e) << 2));
          c0 = f32x4.mul(c0, gv);
          c1 = f32x4.mul(c1, gv);
          c2 = f32x4.mul(c2, gv);
          c3 = f32x4.mul(c3, gv);
        }
        const p = (<usize>s * <usize>E + <usize>e) << 2;
        v128.store(ob + p, f32x4.mul(c0, v128.load(zb + p)));
        v128.store(ob + p + tokenBytes, f32x4.mul(c1, v128.load(zb + p + tokenBytes)));
        v128.store(ob + p + 2 * tokenBytes, f32x4.mul(c2, v128.load(zb + p + 2 * tokenBytes)));
        v128.store(ob + p + 3 * tokenBytes, f32x4.mul(c3, v128.load(zb + p + 3 * tokenBytes)));
      }
      for (; e < e1; e++) {
        const r = yb + ((<usize>e * <usize>L + <usize>s) << 2);
        const ge = gated ? load<f32>(g + ((<usize>e) << 2)) : <f32>1;
        for (let j = 0; j < 4; j++) {
          const yv = load<f32>(r + ((<usize>j) << 2));
          const p = (<usize>(s + j) * <usize>E + <usize>e) << 2;
          store<f32>(ob + p, (gated ? yv * ge : yv) * load<f32>(zb + p));
        }
      }
    }
    for (; s < L; s++) {
      for (let e = e0; e < e1; e++) {
        const yv = load<f32>(yb + ((<usize>e * <usize>L + <usize>s) << 2));
        const p = (<usize>s * <usize>E + <usize>e) << 2;
        store<f32>(ob + p, (gated ? yv * load<f32>(g + ((<usize>e) << 2)) : yv) * load<f32>(zb + p));
      }
    }
  }
}

/**
 * Channel-first out[b, e, s] = f32(f32(y · gate[b, e]) · g) elementwise; without a gate f32(y · g), without g
 * f32(y · gate[b, e]). Item (b, block of channels).
 */
export function tail_scale(args: usize, begin: i32, end: i32, _participant: i32): void {
  const y = P.ptr(args, TS_Y);
  const gate = P.ptr(args, TS_GATE);
  const g = P.ptr(args, TS_Z);
  const out = P.ptr(args, TS_OUT);
  const E = P.i(args, TS_E);
  const L = P.i(args, TS_L);
  const blocks = P.i(args, TS_BLOCKS);
  const block = P.i(args, TS_BLOCK);
  const gated = gate !== 0;
  const withG = g !== 0;
  for (let item = begin; item < end; item++) {
    const cb = item % blocks;
    const b = item / blocks;
    const e1 = min(E, (cb + 1) * block);
    for (let e = cb * block; e < e1; e++) {
      const be = b * E + e;
      const rowOff = (<usize>be * <usize>L) << 2;
      const yr = y + rowOff;
      const gr = g + rowOff;
      const or = out + rowOff;
      const sc = gated ? load<f32>(gate + ((<usize>be) << 2)) : <f32>1;
      const sv = f32x4.splat(sc);
      let s = 0;
      for (; s + 4 <= L; s += 4) {
        const o = (<usize>s) << 2;
        let v = v128.load(yr + o);
        if (gated) v = f32x4.mul(v, sv);
        if (withG) v = f32x4.mul(v, v128.load(gr + o));
        v128.store(or + o, v);
      }
      for (; s < L; s++) {
        const o = (<usize>s) << 2;
        let v = load<f32>(yr + o);
        if (gated) v = v * sc;
        if (withG) v = v * load<f32>(gr + o);
        store<f32>(or + o, v);
      }
    }
  }
}
