// Blocked single-precision GEMM, C = act(A·B + bias + residual), in two runs of the runtime:
//  1. gemm_pack: items [0, aPanels) pack A into 4-row panels (per k: the 4 rows' values), items after that pack B into
//     8-column panels (per k: the 8 columns' values); zero padding past M and N, so the micro-kernel has no edges.
//  2. gemm_compute: items are (row tile, column tile) pairs of MC × NC; per KC slice, a 4×8 micro-kernel with eight
//     f32x4 accumulators walks one B panel (L1) against the tile's A panels (L2).
// Measured on the 2-core dev VM: 4×8 with both operands packed beat 6×8, 4×12, 8×4 and unpacked A or B.

import {
  BIAS_PER_COLUMN,
  BIAS_PER_ROW,
  G_A,
  G_A_BS,
  G_A_CS,
  G_A_PANELS,
  G_A_RS,
  G_ACT,
  G_B,
  G_B_BS,
  G_B_CS,
  G_B_RS,
  G_BATCH,
  G_BIAS,
  G_BIAS_MODE,
  G_C,
  G_C_BS,
  G_K,
  G_KC,
  G_LDC,
  G_M,
  G_MC,
  G_N,
  G_N_TILES,
  G_NC,
  G_PACK_A,
  G_PACK_B,
  G_RESIDUAL,
  P_SCRATCH,
  P_SCRATCH_STRIDE,
  P_TABLE,
} from './params';
import { Param, V } from './vmath';

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
class G {
  @inline static transpose0(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
    return v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), 0, 1, 4, 5);
  }

  @inline static transpose1(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
    return v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), 2, 3, 6, 7);
  }

  @inline static transpose2(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
    return v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), v128.shuffle<f32>(v2, v3, 2, 6, 3, 7), 0, 1, 4, 5);
  }

  @inline static transpose3(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
    return v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), v128.shuffle<f32>(v2, v3, 2, 6, 3, 7), 2, 3, 6, 7);
  }

  /**
   * The epilogue of one 4×8 block held in eight vectors (row r: c{r}0 = columns 0-3, c{r}1 = 4-7): add the earlier
   * slices' partial sums (not first), then on the last slice bias and residual and the activation, and store the valid
   * rows × cols. Edge blocks go through a scratch block so that the arithmetic stays vector-wide.
   */
  @inline static finishTile(
    args: usize,
    cp: usize,
    ldc: usize,
    row: i32,
    col: i32,
    rows: i32,
    cols: i32,
    first: bool,
    last: bool,
    tile: usize,
    c00: v128,
    c01: v128,
    c10: v128,
    c11: v128,
    c20: v128,
    c21: v128,
    c30: v128,
    c31: v128,
  ): void {
    const full = rows === 4 && cols === 8;
    const residual = last ? Param.ptr(args, G_RESIDUAL) : 0;
    if (!full) {
      v128.store(tile, c00);
      v128.store(tile, c01, 16);
      v128.store(tile, c10, 32);
      v128.store(tile, c11, 48);
      v128.store(tile, c20, 64);
      v128.store(tile, c21, 80);
      v128.store(tile, c30, 96);
      v128.store(tile, c31, 112);
      // earlier slices' sums and the residual, element by element over the valid part
      if (!first || residual !== 0) {
        const rp = residual !== 0 ? residual + (cp - Param.ptr(args, G_C)) : 0;
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const t = tile + ((<usize>(r * 8 + c)) << 2);
            const o = <usize>r * ldc + ((<usize>c) << 2);
            let v = load<f32>(t);
            if (!first) v += load<f32>(cp + o);
            if (rp !== 0) v += load<f32>(rp + o);
            store<f32>(t, v);
          }
        }
        c00 = v128.load(tile);
        c01 = v128.load(tile, 16);
        c10 = v128.load(tile, 32);
        c11 = v128.load(tile, 48);
        c20 = v128.load(tile, 64);
        c21 = v128.load(tile, 80);
        c30 = v128.load(tile, 96);
        c31 = v128.load(tile, 112);
      }
    } else {
      if (!first) {
        c00 = f32x4.add(c00, v128.load(cp));
        c01 = f32x4.add(c01, v128.load(cp, 16));
        c10 = f32x4.add(c10, v128.load(cp + ldc));
        c11 = f32x4.add(c11, v128.load(cp + ldc, 16));
        c20 = f32x4.add(c20, v128.load(cp + 2 * ldc));
        c21 = f32x4.add(c21, v128.load(cp + 2 * ldc, 16));
        c30 = f32x4.add(c30, v128.load(cp + 3 * ldc));
        c31 = f32x4.add(c31, v128.load(cp + 3 * ldc, 16));
      }
      if (residual !== 0) {
        const rp = residual + (cp - Param.ptr(args, G_C));
        c00 = f32x4.add(c00, v128.load(rp));
        c01 = f32x4.add(c01, v128.load(rp, 16));
        c10 = f32x4.add(c10, v128.load(rp + ldc));
        c11 = f32x4.add(c11, v128.load(rp + ldc, 16));
        c20 = f32x4.add(c20, v128.load(rp + 2 * ldc));
        c21 = f32x4.add(c21, v128.load(rp + 2 * ldc, 16));
        c30 = f32x4.add(c30, v128.load(rp + 3 * ldc));
        c31 = f32x4.add(c31, v128.load(rp + 3 * ldc, 16));
      }
    }
    if (last) {
      const mode = Param.i(args, G_BIAS_MODE);
      const bias = Param.ptr(args, G_BIAS);
      if (mode === BIAS_PER_COLUMN) {
        // the bias buffer is padded to a multiple of 8 floats
        const b0 = v128.load(bias + ((<usize>col) << 2));
        const b1 = v128.load(bias + ((<usize>col) << 2), 16);
        c00 = f32x4.add(c00, b0);
        c01 = f32x4.add(c01, b1);
        c10 = f32x4.add(c10, b0);
        c11 = f32x4.add(c11, b1);
        c20 = f32x4.add(c20, b0);
        c21 = f32x4.add(c21, b1);
        c30 = f32x4.add(c30, b0);
        c31 = f32x4.add(c31, b1);
      } else if (mode === BIAS_PER_ROW) {
        // padded to a multiple of 4 floats
        const pr = bias + ((<usize>row) << 2);
        let b = v128.load32_splat(pr);
        c00 = f32x4.add(c00, b);
        c01 = f32x4.add(c01, b);
        b = v128.load32_splat(pr + 4);
        c10 = f32x4.add(c10, b);
        c11 = f32x4.add(c11, b);
        b = v128.load32_splat(pr + 8);
        c20 = f32x4.add(c20, b);
        c21 = f32x4.add(c21, b);
        b = v128.load32_splat(pr + 12);
        c30 = f32x4.add(c30, b);
        c31 = f32x4.add(c31, b);
      }
      const act = Param.i(args, G_ACT);
      if (act !== 0) {
        const k = Param.ptr(args, P_TABLE);
        c00 = V.act(c00, act, k);
        c01 = V.act(c01, act, k);
        c10 = V.act(c10, act, k);
        c11 = V.act(c11, act, k);
        c20 = V.act(c20, act, k);
        c21 = V.act(c21, act, k);
        c30 = V.act(c30, act, k);
        c31 = V.act(c31, act, k);
      }
    }
    if (full) {
      v128.store(cp, c00);
      v128.store(cp, c01, 16);
      v128.store(cp + ldc, c10);
      v128.store(cp + ldc, c11, 16);
      v128.store(cp + 2 * ldc, c20);
      v128.store(cp + 2 * ldc, c21, 16);
      v128.store(cp + 3 * ldc, c30);
      v128.store(cp + 3 * ldc, c31, 16);
      return;
    }
    v128.store(tile, c00);
    v128.store(tile, c01, 16);
    v128.store(tile, c10, 32);
    v128.store(tile, c11, 48);
    v128.store(tile, c20, 64);
    v128.store(tile, c21, 80);
    v128.store(tile, c30, 96);
    v128.store(tile, c31, 112);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        store<f32>(cp + <usize>r * ldc + ((<usize>c) << 2), load<f32>(tile + ((<usize>(r * 8 + c)) << 2)));
      }
    }
  }
}

/** Packs rows [r0, r0 + 4) of the A at `a` into dst: per k, 4 floats (zero past M). */
function packAPanel(args: usize, a: usize, r0: i32, dst: usize): void {
  const M = Param.i(args, G_M);
  const K = Param.i(args, G_K);
  const rs = Param.i(args, G_A_RS);
  const cs = Param.i(args, G_A_CS);
  const rows = min(4, M - r0);
  let k = 0;
  if (rows === 4 && cs === 1) {
    const p0 = a + ((<usize>r0 * <usize>rs) << 2);
    const p1 = p0 + ((<usize>rs) << 2);
    const p2 = p1 + ((<usize>rs) << 2);
    const p3 = p2 + ((<usize>rs) << 2);
    for (; k + 4 <= K; k += 4) {
      const off = (<usize>k) << 2;
      const v0 = v128.load(p0 + off);
      const v1 = v128.load(p1 + off);
      const v2 = v128.load(p2 + off);
      const v3 = v128.load(p3 + off);
      const o = dst + ((<usize>k) << 4);
      v128.store(o, G.transpose0(v0, v1, v2, v3));
      v128.store(o, G.transpose1(v0, v1, v2, v3), 16);
      v128.store(o, G.transpose2(v0, v1, v2, v3), 32);
      v128.store(o, G.transpose3(v0, v1, v2, v3), 48);
    }
  } else if (rows === 4 && rs === 1) {
    for (; k < K; k++) v128.store(dst + ((<usize>k) << 4), v128.load(a + ((<usize>(r0 + k * cs)) << 2)));
  }
  for (; k < K; k++) {
    const o = dst + ((<usize>k) << 4);
    for (let r = 0; r < 4; r++) {
      store<f32>(o + ((<usize>r) << 2), r < rows ? load<f32>(a + ((<usize>((r0 + r) * rs + k * cs)) << 2)) : 0);
    }
  }
}

/** Packs columns [c0, c0 + 8) of the B at `b` into dst: per k, 8 floats (zero past N). */
function packBPanel(args: usize, b: usize, c0: i32, dst: usize): void {
  const N = Param.i(args, G_N);
  const K = Param.i(args, G_K);
  const rs = Param.i(args, G_B_RS);
  const cs = Param.i(args, G_B_CS);
  const cols = min(8, N - c0);
  let k = 0;
  if (cols === 8 && cs === 1) {
    for (; k < K; k++) {
      const src = b + ((<usize>(k * rs + c0)) << 2);
      const o = dst + ((<usize>k) << 5);
      v128.store(o, v128.load(src));
      v128.store(o, v128.load(src, 16), 16);
    }
  } else if (cols === 8 && rs === 1) {
    // B(k, n) = b[n·cs + k]: eight contiguous rows (a linear layer's weight), transposed four k at a time
    const stride = (<usize>cs) << 2;
    const q0 = b + ((<usize>(c0 * cs)) << 2);
    const q1 = q0 + stride;
    const q2 = q1 + stride;
    const q3 = q2 + stride;
    const q4 = q3 + stride;
    const q5 = q4 + stride;
    const q6 = q5 + stride;
    const q7 = q6 + stride;
    for (; k + 4 <= K; k += 4) {
      const off = (<usize>k) << 2;
      const v0 = v128.load(q0 + off);
      const v1 = v128.load(q1 + off);
      const v2 = v128.load(q2 + off);
      const v3 = v128.load(q3 + off);
      const v4 = v128.load(q4 + off);
      const v5 = v128.load(q5 + off);
      const v6 = v128.load(q6 + off);
      const v7 = v128.load(q7 + off);
      const o = dst + ((<usize>k) << 5);
      v128.store(o, G.transpose0(v0, v1, v2, v3));
      v128.store(o, G.transpose0(v4, v5, v6, v7), 16);
      v128.store(o, G.transpose1(v0, v1, v2, v3), 32);
      v128.store(o, G.transpose1(v4, v5, v6, v7), 48);
      v128.store(o, G.transpose2(v0, v1, v2, v3), 64);
      v128.store(o, G.transpose2(v4, v5, v6, v7), 80);
      v128.store(o, G.transpose3(v0, v1, v2, v3), 96);
      v128.store(o, G.transpose3(v4, v5, v6, v7), 112);
    }
  }
  for (; k < K; k++) {
    const o = dst + ((<usize>k) << 5);
    for (let c = 0; c < 8; c++) {
      store<f32>(o + ((<usize>c) << 2), c < cols ? load<f32>(b + ((<usize>(k * rs + (c0 + c) * cs)) << 2)) : 0);
    }
  }
}

/** Items: the A panels of every batch that has its own A (one batch when A_BS = 0), then those of B likewise. */
export function gemm_pack(args: usize, begin: i32, end: i32, _participant: i32): void {
  const K = <usize>Param.i(args, G_K);
  const aPanels = Param.i(args, G_A_PANELS);
  const bPanels = (Param.i(args, G_N) + 7) >> 3;
  const batch = Param.i(args, G_BATCH);
  const aBs = <usize>Param.i(args, G_A_BS);
  const bBs = <usize>Param.i(args, G_B_BS);
  const aItems = (aBs === 0 ? 1 : batch) * aPanels;
  const packA = Param.ptr(args, G_PACK_A);
  const packB = Param.ptr(args, G_PACK_B);
  for (let item = begin; item < end; item++) {
    if (item < aItems) {
      const a = Param.ptr(args, G_A) + ((<usize>(item / aPanels) * aBs) << 2);
      packAPanel(args, a, (item % aPanels) << 2, packA + <usize>item * K * 16);
    } else {
      const i = item - aItems;
      const b = Param.ptr(args, G_B) + ((<usize>(i / bPanels) * bBs) << 2);
      packBPanel(args, b, (i % bPanels) << 3, packB + <usize>i * K * 32);
    }
  }
}

/** Items are tiles (batch, row tile, column tile), column tiles fastest; needs gemm_pack to have run. */
export function gemm_compute(args: usize, begin: i32, end: i32, participant: i32): void {
  const M = Param.i(args, G_M);
  const N = Param.i(args, G_N);
  const K = Param.i(args, G_K);
  const MC = Param.i(args, G_MC);
  const NC = Param.i(args, G_NC);
  const KC = Param.i(args, G_KC);
  const nTiles = Param.i(args, G_N_TILES);
  const ldc = (<usize>Param.i(args, G_LDC)) << 2;
  const tile = Param.ptr(args, P_SCRATCH) + <usize>participant * Param.ptr(args, P_SCRATCH_STRIDE);
  const panelA = (<usize>K) << 4;
  const panelB = (<usize>K) << 5;
  const tilesPerBatch = ((M + MC - 1) / MC) * nTiles;
  // packed operands of one batch; 0 when the operand is shared by every batch
  const packABatch: usize = Param.i(args, G_A_BS) === 0 ? <usize>0 : <usize>Param.i(args, G_A_PANELS) * panelA;
  const packBBatch: usize = Param.i(args, G_B_BS) === 0 ? <usize>0 : <usize>((N + 7) >> 3) * panelB;
  const cBs = (<usize>Param.i(args, G_C_BS)) << 2;
  for (let item = begin; item < end; item++) {
    const bi = <usize>(item / tilesPerBatch);
    const t = item % tilesPerBatch;
    const packA = Param.ptr(args, G_PACK_A) + bi * packABatch;
    const packB = Param.ptr(args, G_PACK_B) + bi * packBBatch;
    const c = Param.ptr(args, G_C) + bi * cBs;
    const i0 = (t / nTiles) * MC;
    const j0 = (t % nTiles) * NC;
    const i1 = min(M, i0 + MC);
    const j1 = min(N, j0 + NC);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      const first = k0 === 0;
      const last = k0 + kc === K;
      for (let j = j0; j < j1; j += 8) {
        const pb = packB + <usize>(j >> 3) * panelB + ((<usize>k0) << 5);
        for (let i = i0; i < i1; i += 4) {
          let a = packA + <usize>(i >> 2) * panelA + ((<usize>k0) << 4);
          let p = pb;
          const aEnd = a + ((<usize>kc) << 4);
          let c00 = f32x4.splat(0);
          let c01 = f32x4.splat(0);
          let c10 = f32x4.splat(0);
          let c11 = f32x4.splat(0);
          let c20 = f32x4.splat(0);
          let c21 = f32x4.splat(0);
          let c30 = f32x4.splat(0);
          let c31 = f32x4.splat(0);
          while (a < aEnd) {
            const b0 = v128.load(p);
            const b1 = v128.load(p, 16);
            let s = v128.load32_splat(a);
            c00 = f32x4.add(c00, f32x4.mul(s, b0));
            c01 = f32x4.add(c01, f32x4.mul(s, b1));
            s = v128.load32_splat(a + 4);
            c10 = f32x4.add(c10, f32x4.mul(s, b0));
            c11 = f32x4.add(c11, f32x4.mul(s, b1));
            s = v128.load32_splat(a + 8);
            c20 = f32x4.add(c20, f32x4.mul(s, b0));
            c21 = f32x4.add(c21, f32x4.mul(s, b1));
            s = v128.load32_splat(a + 12);
            c30 = f32x4.add(c30, f32x4.mul(s, b0));
            c31 = f32x4.add(c31, f32x4.mul(s, b1));
            p += 32;
            a += 16;
          }
          const cp = c + <usize>i * ldc + ((<usize>j) << 2);
          G.finishTile(args, cp, ldc, i, j, min(4, i1 - i), min(8, j1 - j), first, last, tile, c00, c01, c10, c11, c20, c21, c30, c31);
        }
      }
    }
  }
}
