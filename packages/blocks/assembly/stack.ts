// Kernels of the stacked multi-direction path (the wasm twins of src/common/stack-kernels.ts, bit-identical to it):
// gathers of token-major or channel-first activations into the (B, K, C, Lmax) stack of the grouped selective scan,
// SCAttn's LayerNorm token means read in scan order (float64, the same summation order), and the reverse + gate +
// sum of the K directions (products rounded to float32, summed in float32 in k order), and the search merge (the
// same with each gated direction LayerNormed and weighted by softmax(α)_k). Every kernel has the runtime
// ABI (args, begin, end, participant) and writes disjoint outputs per work item. See packages/wasm/README.md.

import {
  GATHER_TILE,
  GM_E,
  GM_GATES,
  GM_K,
  GM_LMAX,
  GM_OUT,
  GM_ROWS,
  GM_T,
  GM_TILES,
  GM_YS,
  GR_BLOCK,
  GR_BLOCKS,
  GR_C,
  GR_DST,
  GR_K,
  GR_KINDS,
  GR_LENGTHS,
  GR_LMAX,
  GR_ORDERS,
  GR_SRC,
  GR_T,
  GT_C0,
  GT_CN,
  GT_CTOT,
  GT_DST,
  GT_K,
  GT_LMAX,
  GT_ORDERS,
  GT_SRC,
  GT_T,
  GT_TILES,
  LN_E,
  LN_E_BLOCK,
  LN_E_BLOCKS,
  LN_EPS,
  LN_K,
  LN_LENGTHS,
  LN_LMAX,
  LN_MEAN,
  LN_OUT,
  LN_S_BLOCK,
  LN_S_BLOCKS,
  LN_SCALE,
  LN_USES,
  LN_YS,
  MERGE_TILE,
  ORDER_IDENTITY,
  ORDER_REVERSED,
  SM_E,
  SM_EPS,
  SM_GATES,
  SM_K,
  SM_LENGTHS,
  SM_LMAX,
  SM_MEAN,
  SM_OUT,
  SM_ROWS,
  SM_RSTD,
  SM_S_BLOCK,
  SM_S_BLOCKS,
  SM_T,
  SM_TILES,
  SM_WEIGHTS,
  SM_YS,
} from './stack-params';
import { Param as P } from '../../wasm/assembly/param';
import { T4 } from './transpose';

export { tail_norm, tail_scale, tail_scale_t, tail_stats } from './tail';

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
class M {
  /** The float at element `index` of an array at `base`. */
  @inline static f32(base: usize, index: usize): f32 {
    return load<f32>(base + (index << 2));
  }
  /** The int at element `index` of an array at `base`. */
  @inline static i32(base: usize, index: usize): i32 {
    return load<i32>(base + (index << 2));
  }
  /** Four channels at token row j of a token-major source (zero for padding, j < 0). */
  @inline static tokenVec(row0: usize, j: i32, rowBytes: usize): v128 {
    return j < 0 ? f32x4.splat(0) : v128.load(row0 + <usize>j * rowBytes);
  }
}

/**
 * dst[b, k, c, s] = src[b, orders[k][s], c0 + c] (0 for padding and past L_k): item (b, k, tile of GATHER_TILE
 * channels), four positions × four channels at a time through a 4×4 transpose.
 */
export function gather_tokens(args: usize, begin: i32, end: i32, _participant: i32): void {
  const src = P.ptr(args, GT_SRC);
  const dst = P.ptr(args, GT_DST);
  const T = P.i(args, GT_T);
  const Ctot = P.i(args, GT_CTOT);
  const c0 = P.i(args, GT_C0);
  const Cn = P.i(args, GT_CN);
  const K = P.i(args, GT_K);
  const Lmax = P.i(args, GT_LMAX);
  const orders = P.ptr(args, GT_ORDERS);
  const tiles = P.i(args, GT_TILES);
  const rowBytes = (<usize>Ctot) << 2;
  const lineBytes = (<usize>Lmax) << 2;
  for (let item = begin; item < end; item++) {
    const tile = item % tiles;
    const bk = item / tiles;
    const b = bk / K;
    const k = bk % K;
    const e0 = tile * GATHER_TILE;
    const e1 = min(Cn, e0 + GATHER_TILE);
    const order = orders + ((<usize>k * <usize>Lmax) << 2);
    const srcB = src + ((<usize>b * <usize>T * <usize>Ctot + <usize>c0) << 2);
    const dstBk = dst + ((<usize>bk * <usize>Cn * <usize>Lmax) << 2);
    let s = 0;
    for (; s + 4 <= Lmax; s += 4) {
      const j0 = M.i32(order, s);
      const j1 = M.i32(order, s + 1);
      const j2 = M.i32(order, s + 2);
      const j3 = M.i32(order, s + 3);
      let e = e0;
      for (; e + 4 <= e1; e += 4) {
        const col = srcB + ((<usize>e) << 2);
        const v0 = M.tokenVec(col, j0, rowBytes);
        const v1 = M.tokenVec(col, j1, rowBytes);
        const v2 = M.tokenVec(col, j2, rowBytes);
        const v3 = M.tokenVec(col, j3, rowBytes);
        const d = dstBk + ((<usize>e * <usize>Lmax + <usize>s) << 2);
        v128.store(d, T4.t0(v0, v1, v2, v3));
        v128.store(d + lineBytes, T4.t1(v0, v1, v2, v3));
        v128.store(d + 2 * lineBytes, T4.t2(v0, v1, v2, v3));
        v128.store(d + 3 * lineBytes, T4.t3(v0, v1, v2, v3));
      }
      for (; e < e1; e++) {
        const col = srcB + ((<usize>e) << 2);
        const d = dstBk + ((<usize>e * <usize>Lmax + <usize>s) << 2);
        store<f32>(d, j0 < 0 ? 0 : load<f32>(col + <usize>j0 * rowBytes));
        store<f32>(d, j1 < 0 ? 0 : load<f32>(col + <usize>j1 * rowBytes), 4);
        store<f32>(d, j2 < 0 ? 0 : load<f32>(col + <usize>j2 * rowBytes), 8);
        store<f32>(d, j3 < 0 ? 0 : load<f32>(col + <usize>j3 * rowBytes), 12);
      }
    }
    for (; s < Lmax; s++) {
      const j = M.i32(order, s);
      for (let e = e0; e < e1; e++) {
        const d = dstBk + ((<usize>e * <usize>Lmax + <usize>s) << 2);
        store<f32>(d, j < 0 ? 0 : load<f32>(srcB + ((<usize>e) << 2) + <usize>j * rowBytes));
      }
    }
  }
}

/**
 * dst[b, k, c, s] = src[b, c, orders[k][s]] (0 for padding and past L_k): item (b, k, block of channel rows); a
 * block copy for the identity, a lane-reversing copy for the reversed order, an index loop otherwise.
 */
export function gather_rows(args: usize, begin: i32, end: i32, _participant: i32): void {
  const src = P.ptr(args, GR_SRC);
  const dst = P.ptr(args, GR_DST);
  const C = P.i(args, GR_C);
  const T = P.i(args, GR_T);
  const K = P.i(args, GR_K);
  const Lmax = P.i(args, GR_LMAX);
  const orders = P.ptr(args, GR_ORDERS);
  const kinds = P.ptr(args, GR_KINDS);
  const lengths = P.ptr(args, GR_LENGTHS);
  const blocks = P.i(args, GR_BLOCKS);
  const block = P.i(args, GR_BLOCK);
  for (let item = begin; item < end; item++) {
    const cb = item % blocks;
    const bk = item / blocks;
    const b = bk / K;
    const k = bk % K;
    const kind = M.i32(kinds, k);
    const L = M.i32(lengths, k);
    const order = orders + ((<usize>k * <usize>Lmax) << 2);
    const c1 = min(C, (cb + 1) * block);
    for (let c = cb * block; c < c1; c++) {
      const row = src + ((<usize>(b * C + c) * <usize>T) << 2);
      const d = dst + ((<usize>(bk * C + c) * <usize>Lmax) << 2);
      if (kind === ORDER_IDENTITY) {
        memory.copy(d, row, (<usize>L) << 2);
        if (L < Lmax) memory.fill(d + ((<usize>L) << 2), 0, (<usize>(Lmax - L)) << 2);
      } else if (kind === ORDER_REVERSED) {
        let s = 0;
        for (; s + 4 <= L; s += 4) {
          const v = v128.load(row + ((<usize>(T - 4 - s)) << 2));
          v128.store(d + ((<usize>s) << 2), v128.shuffle<f32>(v, v, 3, 2, 1, 0));
        }
        for (; s < L; s++) store<f32>(d + ((<usize>s) << 2), M.f32(row, <usize>(T - 1 - s)));
        if (L < Lmax) memory.fill(d + ((<usize>L) << 2), 0, (<usize>(Lmax - L)) << 2);
      } else {
        for (let s = 0; s < Lmax; s++) {
          const j = M.i32(order, s);
          store<f32>(d + ((<usize>s) << 2), j < 0 ? 0 : M.f32(row, <usize>j));
        }
      }
    }
  }
}

/**
 * Per position s in [s0, s1) of the channel-first (E, Lmax) block at `base`: sum[s] = Σ_e a and sq[s] = Σ_e a², in
 * f64 over e = 0…E−1 four channels at a time, with a = y[e, s] · gate[e] rounded to f32 (`g` = 0: no gate; a
 * product with 1 is exact, so a = y bit for bit). Shared by the SCAttn and the search-merge statistics.
 */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
class PositionSums {
  @inline static accumulate(base: usize, g: usize, E: i32, Lmax: i32, s0: i32, s1: i32, sum: usize, sq: usize): void {
    memory.fill(sum + ((<usize>s0) << 3), 0, (<usize>(s1 - s0)) << 3);
    memory.fill(sq + ((<usize>s0) << 3), 0, (<usize>(s1 - s0)) << 3);
    const lineBytes = (<usize>Lmax) << 2;
    let e = 0;
    for (; e + 4 <= E; e += 4) {
      const r0 = base + ((<usize>e * <usize>Lmax) << 2);
      const g0: f32 = g === 0 ? 1 : M.f32(g, <usize>e);
      const g1: f32 = g === 0 ? 1 : M.f32(g, <usize>e + 1);
      const g2: f32 = g === 0 ? 1 : M.f32(g, <usize>e + 2);
      const g3: f32 = g === 0 ? 1 : M.f32(g, <usize>e + 3);
      const g0v = f32x4.splat(g0);
      const g1v = f32x4.splat(g1);
      const g2v = f32x4.splat(g2);
      const g3v = f32x4.splat(g3);
      let s = s0;
      for (; s + 4 <= s1; s += 4) {
        const o = (<usize>s) << 2;
        const v0 = f32x4.mul(v128.load(r0 + o), g0v);
        const v1 = f32x4.mul(v128.load(r0 + lineBytes + o), g1v);
        const v2 = f32x4.mul(v128.load(r0 + 2 * lineBytes + o), g2v);
        const v3 = f32x4.mul(v128.load(r0 + 3 * lineBytes + o), g3v);
        const a0 = f64x2.promote_low_f32x4(v0);
        const a1 = f64x2.promote_low_f32x4(v1);
        const a2 = f64x2.promote_low_f32x4(v2);
        const a3 = f64x2.promote_low_f32x4(v3);
        const h0 = f64x2.promote_low_f32x4(v128.shuffle<f32>(v0, v0, 2, 3, 2, 3));
        const h1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(v1, v1, 2, 3, 2, 3));
        const h2 = f64x2.promote_low_f32x4(v128.shuffle<f32>(v2, v2, 2, 3, 2, 3));
        const h3 = f64x2.promote_low_f32x4(v128.shuffle<f32>(v3, v3, 2, 3, 2, 3));
        const q = (<usize>s) << 3;
        const lo = f64x2.add(f64x2.add(f64x2.add(a0, a1), a2), a3);
        const hi = f64x2.add(f64x2.add(f64x2.add(h0, h1), h2), h3);
        v128.store(sum + q, f64x2.add(v128.load(sum + q), lo));
        v128.store(sum + q, f64x2.add(v128.load(sum + q, 16), hi), 16);
        const lo2 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(a0, a0), f64x2.mul(a1, a1)), f64x2.mul(a2, a2)), f64x2.mul(a3, a3));
        const hi2 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(h0, h0), f64x2.mul(h1, h1)), f64x2.mul(h2, h2)), f64x2.mul(h3, h3));
        v128.store(sq + q, f64x2.add(v128.load(sq + q), lo2));
        v128.store(sq + q, f64x2.add(v128.load(sq + q, 16), hi2), 16);
      }
      for (; s < s1; s++) {
        const o = (<usize>s) << 2;
        const v0 = <f64>(load<f32>(r0 + o) * g0);
        const v1 = <f64>(load<f32>(r0 + lineBytes + o) * g1);
        const v2 = <f64>(load<f32>(r0 + 2 * lineBytes + o) * g2);
        const v3 = <f64>(load<f32>(r0 + 3 * lineBytes + o) * g3);
        const q = (<usize>s) << 3;
        store<f64>(sum + q, load<f64>(sum + q) + (v0 + v1 + v2 + v3));
        store<f64>(sq + q, load<f64>(sq + q) + (v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3));
      }
    }
    for (; e < E; e++) {
      const r = base + ((<usize>e * <usize>Lmax) << 2);
      const ge: f32 = g === 0 ? 1 : M.f32(g, <usize>e);
      for (let s = s0; s < s1; s++) {
        const v = <f64>(load<f32>(r + ((<usize>s) << 2)) * ge);
        const q = (<usize>s) << 3;
        store<f64>(sum + q, load<f64>(sum + q) + v);
        store<f64>(sq + q, load<f64>(sq + q) + v * v);
      }
    }
  }
}

/**
 * SCAttn statistics, first pass: per position s < L_k of a (b, k) row block, Σ_e y and Σ_e y² in float64 (channels
 * four at a time, ((v0 + v1) + v2) + v3, then the rest one by one, as the TypeScript kernel), then the mean and
 * the scale w_s / √(σ²_s + eps) (0 where w_s = 0). Item (b, k, block of positions); two positions per f64x2.
 */
export function ln_stats(args: usize, begin: i32, end: i32, _participant: i32): void {
  const ys = P.ptr(args, LN_YS);
  const E = P.i(args, LN_E);
  const K = P.i(args, LN_K);
  const Lmax = P.i(args, LN_LMAX);
  const uses = P.ptr(args, LN_USES);
  const lengths = P.ptr(args, LN_LENGTHS);
  const meanOut = P.ptr(args, LN_MEAN);
  const scaleOut = P.ptr(args, LN_SCALE);
  const sBlocks = P.i(args, LN_S_BLOCKS);
  const sBlock = P.i(args, LN_S_BLOCK);
  const eps = P.f64(args, LN_EPS);
  const Ef = <f64>E;
  for (let item = begin; item < end; item++) {
    const sb = item % sBlocks;
    const bk = item / sBlocks;
    const k = bk % K;
    const L = M.i32(lengths, k);
    const s0 = sb * sBlock;
    const s1 = min(L, s0 + sBlock);
    if (s0 >= s1) continue;
    const base = ys + ((<usize>bk * <usize>E * <usize>Lmax) << 2);
    const sum = meanOut + ((<usize>bk * <usize>Lmax) << 3);
    const sq = scaleOut + ((<usize>bk * <usize>Lmax) << 3);
    PositionSums.accumulate(base, 0, E, Lmax, s0, s1, sum, sq);
    const w = uses + ((<usize>k * <usize>Lmax) << 3);
    for (let s = s0; s < s1; s++) {
      const q = (<usize>s) << 3;
      const mean = load<f64>(sum + q) / Ef;
      const variance = max(0.0, load<f64>(sq + q) / Ef - mean * mean);
      const ws = load<f64>(w + q);
      store<f64>(sum + q, mean);
      store<f64>(sq + q, ws === 0 ? 0.0 : ws / Math.sqrt(variance + eps));
    }
  }
}

/**
 * SCAttn statistics, second pass: out[b, k, e] = (Σ_s y[e, s] · scale_s − Σ_s mean_s · scale_s) / Σ_s w_s, every
 * sum in float64 over s = 0…L_k−1 in order. Item (b, k, block of channels); two channels per f64x2.
 */
export function ln_means(args: usize, begin: i32, end: i32, _participant: i32): void {
  const ys = P.ptr(args, LN_YS);
  const E = P.i(args, LN_E);
  const K = P.i(args, LN_K);
  const Lmax = P.i(args, LN_LMAX);
  const uses = P.ptr(args, LN_USES);
  const lengths = P.ptr(args, LN_LENGTHS);
  const meanIn = P.ptr(args, LN_MEAN);
  const scaleIn = P.ptr(args, LN_SCALE);
  const out = P.ptr(args, LN_OUT);
  const eBlocks = P.i(args, LN_E_BLOCKS);
  const eBlock = P.i(args, LN_E_BLOCK);
  const lineBytes = (<usize>Lmax) << 2;
  for (let item = begin; item < end; item++) {
    const eb = item % eBlocks;
    const bk = item / eBlocks;
    const k = bk % K;
    const L = M.i32(lengths, k);
    const mean = meanIn + ((<usize>bk * <usize>Lmax) << 3);
    const scale = scaleIn + ((<usize>bk * <usize>Lmax) << 3);
    const w = uses + ((<usize>k * <usize>Lmax) << 3);
    let shift = 0.0;
    let tokens = 0.0;
    for (let s = 0; s < L; s++) {
      const q = (<usize>s) << 3;
      shift += load<f64>(mean + q) * load<f64>(scale + q);
      tokens += load<f64>(w + q);
    }
    const shiftV = f64x2.splat(shift);
    const tokensV = f64x2.splat(tokens);
    const base = ys + ((<usize>bk * <usize>E * <usize>Lmax) << 2);
    const o = out + ((<usize>bk * <usize>E) << 3);
    const e1 = min(E, (eb + 1) * eBlock);
    let e = eb * eBlock;
    for (; e + 4 <= e1; e += 4) {
      const r0 = base + ((<usize>e * <usize>Lmax) << 2);
      let a01 = f64x2.splat(0);
      let a23 = f64x2.splat(0);
      let s = 0;
      for (; s + 4 <= L; s += 4) {
        const p = (<usize>s) << 2;
        const v0 = v128.load(r0 + p);
        const v1 = v128.load(r0 + lineBytes + p);
        const v2 = v128.load(r0 + 2 * lineBytes + p);
        const v3 = v128.load(r0 + 3 * lineBytes + p);
        const q = scale + ((<usize>s) << 3);
        const sc0 = v128.load64_splat(q);
        const sc1 = v128.load64_splat(q + 8);
        const sc2 = v128.load64_splat(q + 16);
        const sc3 = v128.load64_splat(q + 24);
        // (y_e[s+j], y_e+1[s+j]) and (y_e+2[s+j], y_e+3[s+j]) for j = 0…3
        const x01a = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
        const x01b = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
        const x23a = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
        const x23b = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
        a01 = f64x2.add(a01, f64x2.mul(f64x2.promote_low_f32x4(x01a), sc0));
        a23 = f64x2.add(a23, f64x2.mul(f64x2.promote_low_f32x4(x23a), sc0));
        a01 = f64x2.add(a01, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(x01a, x01a, 2, 3, 2, 3)), sc1));
        a23 = f64x2.add(a23, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(x23a, x23a, 2, 3, 2, 3)), sc1));
        a01 = f64x2.add(a01, f64x2.mul(f64x2.promote_low_f32x4(x01b), sc2));
        a23 = f64x2.add(a23, f64x2.mul(f64x2.promote_low_f32x4(x23b), sc2));
        a01 = f64x2.add(a01, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(x01b, x01b, 2, 3, 2, 3)), sc3));
        a23 = f64x2.add(a23, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(x23b, x23b, 2, 3, 2, 3)), sc3));
      }
      for (; s < L; s++) {
        const p = (<usize>s) << 2;
        const sc = v128.load64_splat(scale + ((<usize>s) << 3));
        const x01 = f32x4.replace_lane(f32x4.splat(load<f32>(r0 + p)), 1, load<f32>(r0 + lineBytes + p));
        const x23 = f32x4.replace_lane(f32x4.splat(load<f32>(r0 + 2 * lineBytes + p)), 1, load<f32>(r0 + 3 * lineBytes + p));
        a01 = f64x2.add(a01, f64x2.mul(f64x2.promote_low_f32x4(x01), sc));
        a23 = f64x2.add(a23, f64x2.mul(f64x2.promote_low_f32x4(x23), sc));
      }
      const d = o + ((<usize>e) << 3);
      v128.store(d, f64x2.div(f64x2.sub(a01, shiftV), tokensV));
      v128.store(d, f64x2.div(f64x2.sub(a23, shiftV), tokensV), 16);
    }
    for (; e < e1; e++) {
      const r = base + ((<usize>e * <usize>Lmax) << 2);
      let acc = 0.0;
      for (let s = 0; s < L; s++) acc += <f64>load<f32>(r + ((<usize>s) << 2)) * load<f64>(scale + ((<usize>s) << 3));
      store<f64>(o + ((<usize>e) << 3), (acc - shift) / tokens);
    }
  }
}

/**
 * out[b, t, e] = Σ_k ys[b, k, e, s] · gates[b, k, e] over the position s that token row t reads in direction k
 * (rows[k][s] = t), each product rounded to float32, summed in float32 in k order. Item (b, tile of MERGE_TILE
 * channels); the stack is read in memory order, four positions × four channels through a 4×4 transpose.
 */
export function gated_merge(args: usize, begin: i32, end: i32, _participant: i32): void {
  const ys = P.ptr(args, GM_YS);
  const gates = P.ptr(args, GM_GATES);
  const out = P.ptr(args, GM_OUT);
  const E = P.i(args, GM_E);
  const K = P.i(args, GM_K);
  const Lmax = P.i(args, GM_LMAX);
  const T = P.i(args, GM_T);
  const rowsAll = P.ptr(args, GM_ROWS);
  const tiles = P.i(args, GM_TILES);
  const lineBytes = (<usize>Lmax) << 2;
  const tokenBytes = (<usize>E) << 2;
  for (let item = begin; item < end; item++) {
    const tile = item % tiles;
    const b = item / tiles;
    const e0 = tile * MERGE_TILE;
    const e1 = min(E, e0 + MERGE_TILE);
    const outB = out + ((<usize>b * <usize>T * <usize>E) << 2);
    for (let k = 0; k < K; k++) {
      const first = k === 0;
      const bk = b * K + k;
      const rows = rowsAll + ((<usize>k * <usize>Lmax) << 2);
      const g = gates + ((<usize>bk * <usize>E) << 2);
      const yb = ys + ((<usize>bk * <usize>E * <usize>Lmax) << 2);
      let s = 0;
      for (; s + 4 <= Lmax; s += 4) {
        const t0 = M.i32(rows, s);
        const t1 = M.i32(rows, s + 1);
        const t2 = M.i32(rows, s + 2);
        const t3 = M.i32(rows, s + 3);
        if ((t0 & t1 & t2 & t3) < 0) continue; // all four are padding
        let e = e0;
        for (; e + 4 <= e1; e += 4) {
          const r0 = yb + ((<usize>e * <usize>Lmax + <usize>s) << 2);
          const v0 = v128.load(r0);
          const v1 = v128.load(r0 + lineBytes);
          const v2 = v128.load(r0 + 2 * lineBytes);
          const v3 = v128.load(r0 + 3 * lineBytes);
          const gv = v128.load(g + ((<usize>e) << 2));
          const col = outB + ((<usize>e) << 2);
          if (t0 >= 0) {
            const p = f32x4.mul(T4.t0(v0, v1, v2, v3), gv);
            const d = col + <usize>t0 * tokenBytes;
            v128.store(d, first ? p : f32x4.add(v128.load(d), p));
          }
          if (t1 >= 0) {
            const p = f32x4.mul(T4.t1(v0, v1, v2, v3), gv);
            const d = col + <usize>t1 * tokenBytes;
            v128.store(d, first ? p : f32x4.add(v128.load(d), p));
          }
          if (t2 >= 0) {
            const p = f32x4.mul(T4.t2(v0, v1, v2, v3), gv);
            const d = col + <usize>t2 * tokenBytes;
            v128.store(d, first ? p : f32x4.add(v128.load(d), p));
          }
          if (t3 >= 0) {
            const p = f32x4.mul(T4.t3(v0, v1, v2, v3), gv);
            const d = col + <usize>t3 * tokenBytes;
            v128.store(d, first ? p : f32x4.add(v128.load(d), p));
          }
        }
        for (; e < e1; e++) {
          const r = yb + ((<usize>e * <usize>Lmax + <usize>s) << 2);
          const ge = M.f32(g, <usize>e);
          const col = outB + ((<usize>e) << 2);
          for (let j = 0; j < 4; j++) {
            const t = M.i32(rows, s + j);
            if (t < 0) continue;
            const p = load<f32>(r + ((<usize>j) << 2)) * ge;
            const d = col + <usize>t * tokenBytes;
            store<f32>(d, first ? p : load<f32>(d) + p);
          }
        }
      }
      for (; s < Lmax; s++) {
        const t = M.i32(rows, s);
        if (t < 0) continue;
        const row = outB + <usize>t * tokenBytes;
        for (let e = e0; e < e1; e++) {
          const p = load<f32>(yb + ((<usize>e * <usize>Lmax + <usize>s) << 2)) * M.f32(g, <usize>e);
          const d = row + ((<usize>e) << 2);
          store<f32>(d, first ? p : load<f32>(d) + p);
        }
      }
    }
  }
}

/**
 * Search merge, first pass: per position s < L_k of a (b, k) row block, the mean and 1 / √(σ² + eps) over the E
 * channels of a = y[e, s] · gate[e] (each product rounded to float32), Σa and Σa² in float64 (channels four at a
 * time, ((a0 + a1) + a2) + a3, then the rest one by one, as the TypeScript kernel). Item (b, k, block of positions).
 */
export function search_stats(args: usize, begin: i32, end: i32, _participant: i32): void {
  const ys = P.ptr(args, SM_YS);
  const gates = P.ptr(args, SM_GATES);
  const E = P.i(args, SM_E);
  const K = P.i(args, SM_K);
  const Lmax = P.i(args, SM_LMAX);
  const lengths = P.ptr(args, SM_LENGTHS);
  const meanOut = P.ptr(args, SM_MEAN);
  const rstdOut = P.ptr(args, SM_RSTD);
  const sBlocks = P.i(args, SM_S_BLOCKS);
  const sBlock = P.i(args, SM_S_BLOCK);
  const eps = P.f64(args, SM_EPS);
  const Ef = <f64>E;
  for (let item = begin; item < end; item++) {
    const sb = item % sBlocks;
    const bk = item / sBlocks;
    const k = bk % K;
    const L = M.i32(lengths, k);
    const s0 = sb * sBlock;
    const s1 = min(L, s0 + sBlock);
    if (s0 >= s1) continue;
    const base = ys + ((<usize>bk * <usize>E * <usize>Lmax) << 2);
    const g = gates + ((<usize>bk * <usize>E) << 2);
    const sum = meanOut + ((<usize>bk * <usize>Lmax) << 3);
    const sq = rstdOut + ((<usize>bk * <usize>Lmax) << 3);
    PositionSums.accumulate(base, g, E, Lmax, s0, s1, sum, sq);
    for (let s = s0; s < s1; s++) {
      const q = (<usize>s) << 3;
      const mean = load<f64>(sum + q) / Ef;
      const variance = max(0.0, load<f64>(sq + q) / Ef - mean * mean);
      store<f64>(sum + q, mean);
      store<f64>(sq + q, 1.0 / Math.sqrt(variance + eps));
    }
  }
}

/**
 * Search merge, second pass: out[b, t, e] = Σ_k w_k · (a − μ_s) · rstd_s with a = ys[b, k, e, s] · gates[b, k, e]
 * over the position s that token row t reads in direction k (rows[k][s] = t); a, the normalised value (μ and rstd
 * rounded to float32), its product with w_k and the running sum over k are each rounded to float32 (PyTorch's
 * order). Item (b, tile of MERGE_TILE channels); the stack is read in memory order through a 4×4 transpose.
 */
export function search_merge(args: usize, begin: i32, end: i32, _participant: i32): void {
  const ys = P.ptr(args, SM_YS);
  const gates = P.ptr(args, SM_GATES);
  const weights = P.ptr(args, SM_WEIGHTS);
  const out = P.ptr(args, SM_OUT);
  const E = P.i(args, SM_E);
  const K = P.i(args, SM_K);
  const Lmax = P.i(args, SM_LMAX);
  const T = P.i(args, SM_T);
  const rowsAll = P.ptr(args, SM_ROWS);
  const meanAll = P.ptr(args, SM_MEAN);
  const rstdAll = P.ptr(args, SM_RSTD);
  const tiles = P.i(args, SM_TILES);
  const lineBytes = (<usize>Lmax) << 2;
  const tokenBytes = (<usize>E) << 2;
  for (let item = begin; item < end; item++) {
    const tile = item % tiles;
    const b = item / tiles;
    const e0 = tile * MERGE_TILE;
    const e1 = min(E, e0 + MERGE_TILE);
    const outB = out + ((<usize>b * <usize>T * <usize>E) << 2);
    for (let k = 0; k < K; k++) {
      const first = k === 0;
      const bk = b * K + k;
      const wk = M.f32(weights, <usize>k);
      const wv = f32x4.splat(wk);
      const rows = rowsAll + ((<usize>k * <usize>Lmax) << 2);
      const mean = meanAll + ((<usize>bk * <usize>Lmax) << 3);
      const rstd = rstdAll + ((<usize>bk * <usize>Lmax) << 3);
      const g = gates + ((<usize>bk * <usize>E) << 2);
      const yb = ys + ((<usize>bk * <usize>E * <usize>Lmax) << 2);
      let s = 0;
      for (; s + 4 <= Lmax; s += 4) {
        const t0 = M.i32(rows, s);
        const t1 = M.i32(rows, s + 1);
        const t2 = M.i32(rows, s + 2);
        const t3 = M.i32(rows, s + 3);
        if ((t0 & t1 & t2 & t3) < 0) continue; // all four are padding
        const q = mean + ((<usize>s) << 3);
        const r = rstd + ((<usize>s) << 3);
        // statistics of padding positions (and past L_k) are never computed: never read them
        const m0 = f32x4.splat(t0 < 0 ? 0 : <f32>load<f64>(q));
        const m1 = f32x4.splat(t1 < 0 ? 0 : <f32>load<f64>(q, 8));
        const m2 = f32x4.splat(t2 < 0 ? 0 : <f32>load<f64>(q, 16));
        const m3 = f32x4.splat(t3 < 0 ? 0 : <f32>load<f64>(q, 24));
        const d0 = f32x4.splat(t0 < 0 ? 0 : <f32>load<f64>(r));
        const d1 = f32x4.splat(t1 < 0 ? 0 : <f32>load<f64>(r, 8));
        const d2 = f32x4.splat(t2 < 0 ? 0 : <f32>load<f64>(r, 16));
        const d3 = f32x4.splat(t3 < 0 ? 0 : <f32>load<f64>(r, 24));
        let e = e0;
        for (; e + 4 <= e1; e += 4) {
          const r0 = yb + ((<usize>e * <usize>Lmax + <usize>s) << 2);
          const v0 = v128.load(r0);
          const v1 = v128.load(r0 + lineBytes);
          const v2 = v128.load(r0 + 2 * lineBytes);
          const v3 = v128.load(r0 + 3 * lineBytes);
          const gv = v128.load(g + ((<usize>e) << 2));
          const col = outB + ((<usize>e) << 2);
          if (t0 >= 0) {
            const p = f32x4.mul(f32x4.mul(f32x4.sub(f32x4.mul(T4.t0(v0, v1, v2, v3), gv), m0), d0), wv);
            const d = col + <usize>t0 * tokenBytes;
            v128.store(d, first ? p : f32x4.add(v128.load(d), p));
          }
          if (t1 >= 0) {
            const p = f32x4.mul(f32x4.mul(f32x4.sub(f32x4.mul(T4.t1(v0, v1, v2, v3), gv), m1), d1), wv);
            const d = col + <usize>t1 * tokenBytes;
            v128.store(d, first ? p : f32x4.add(v128.load(d), p));
          }
          if (t2 >= 0) {
            const p = f32x4.mul(f32x4.mul(f32x4.sub(f32x4.mul(T4.t2(v0, v1, v2, v3), gv), m2), d2), wv);
            const d = col + <usize>t2 * tokenBytes;
            v128.store(d, first ? p : f32x4.add(v128.load(d), p));
          }
          if (t3 >= 0) {
            const p = f32x4.mul(f32x4.mul(f32x4.sub(f32x4.mul(T4.t3(v0, v1, v2, v3), gv), m3), d3), wv);
            const d = col + <usize>t3 * tokenBytes;
            v128.store(d, first ? p : f32x4.add(v128.load(d), p));
          }
        }
        for (; e < e1; e++) {
          const r0 = yb + ((<usize>e * <usize>Lmax + <usize>s) << 2);
          const ge = M.f32(g, <usize>e);
          const col = outB + ((<usize>e) << 2);
          for (let j = 0; j < 4; j++) {
            const t = M.i32(rows, s + j);
            if (t < 0) continue;
            const mu = <f32>load<f64>(q + ((<usize>j) << 3));
            const rs = <f32>load<f64>(r + ((<usize>j) << 3));
            const p = (load<f32>(r0 + ((<usize>j) << 2)) * ge - mu) * rs * wk;
            const d = col + <usize>t * tokenBytes;
            store<f32>(d, first ? p : load<f32>(d) + p);
          }
        }
      }
      for (; s < Lmax; s++) {
        const t = M.i32(rows, s);
        if (t < 0) continue;
        const mu = <f32>load<f64>(mean + ((<usize>s) << 3));
        const rs = <f32>load<f64>(rstd + ((<usize>s) << 3));
        const row = outB + <usize>t * tokenBytes;
        for (let e = e0; e < e1; e++) {
          const p = (load<f32>(yb + ((<usize>e * <usize>Lmax + <usize>s) << 2)) * M.f32(g, <usize>e) - mu) * rs * wk;
          const d = row + ((<usize>e) << 2);
          store<f32>(d, first ? p : load<f32>(d) + p);
        }
      }
    }
  }
}
