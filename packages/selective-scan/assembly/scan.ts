// Fused selective-scan kernels (forward and backward), f32x4 over four channels of one group.
// ABI of every exported kernel: (args, begin, end, participant) — run work items [begin, end) with the parameter
// block at `args`; `participant` (0 = main thread) selects the caller's scratch and accumulator slices.
// No static data and no allocation: everything lives in memory the caller passes in (see src/runtime/README.md).
//
// Work item = (batch b, group g, block of four channels d0..d0+3 of g): the four channels share B and C, so
// B[l, n] and C[l, n] are one broadcast load each. Steps are processed in tiles: the tile's inputs are transposed
// from four (batch, dim, length) rows into one vector per step, and the results transposed back.

import { Param } from '../../wasm/assembly/param';
import { Lanes } from './lanes';
import {
  FLAG_HAS_BIAS,
  FLAG_HAS_D,
  FLAG_HAS_Z,
  FLAG_SOFTPLUS,
  P_A,
  P_BC_PART_STRIDE,
  P_BIAS,
  P_BT,
  P_CHUNK,
  P_CT,
  P_D,
  P_DA_PART,
  P_DB_PART,
  P_DBIAS_PART,
  P_DC_PART,
  P_DD_PART,
  P_DDELTA,
  P_DELTA,
  P_DIM,
  P_DSTATE,
  P_DU,
  P_DZ,
  P_FLAGS,
  P_GROUPS,
  P_LAST,
  P_LENGTH,
  P_NCHUNKS,
  P_OUT,
  P_SCRATCH,
  P_SCRATCH_STRIDE,
  P_STATES,
  P_U,
  P_Z,
} from './params';
import { K, V } from './vmath';

/** Steps per tile of the forward. */
const TILE: i32 = 128;

/** Bytes of scratch per participant before the kernels' own: the constant table. */
export function scan_scratch_header(): i32 {
  return <i32>K.BYTES;
}

/** Scratch bytes per participant the forward needs after the header. */
export function scan_forward_scratch(dstate: i32): i32 {
  return (2 * dstate + 4 * TILE + 4) << 4;
}

/** Scratch bytes per participant the backward needs after the header, for a chunk of `chunk` steps. */
export function scan_backward_scratch(dstate: i32, chunk: i32): i32 {
  return (4 * dstate + (2 * chunk + 1) * dstate + 5 * chunk + 4) << 4;
}

/** Work items: batch * groups * ceil(dim / groups / 4). */
export function scan_items(batch: i32, dim: i32, groups: i32): i32 {
  return batch * groups * ((dim / groups + 3) >> 2);
}

export function scan_forward(args: usize, begin: i32, end: i32, participant: i32): void {
  const kt = Param.ptr(args, P_SCRATCH) + <usize>participant * Param.ptr(args, P_SCRATCH_STRIDE);
  K.writeAll(kt);
  for (let item = begin; item < end; item++) forwardItem(args, item, kt + K.BYTES, kt);
}

export function scan_backward(args: usize, begin: i32, end: i32, participant: i32): void {
  const kt = Param.ptr(args, P_SCRATCH) + <usize>participant * Param.ptr(args, P_SCRATCH_STRIDE);
  K.writeAll(kt);
  const partOffset = <usize>participant * Param.ptr(args, P_BC_PART_STRIDE);
  for (let item = begin; item < end; item++) backwardItem(args, item, kt + K.BYTES, partOffset, kt);
}

/** Pieces of the per-state work, inlined into the kernels' loops. */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
class Step {
  /**
   * h ← exp(Δ·A)·hPrev + Δu·B at `hCur` (and Abar at `abar` unless it is 0); returns h·C.
   * Addresses: A·log2(e), hPrev, hCur, abar of this state (vectors); B and C of this state and step (scalars).
   */
  @inline static update(a: usize, hPrev: usize, hCur: usize, abar: usize, dl: v128, du: v128, b: usize, c: usize, kt: usize): v128 {
    const ab = V.exp2(f32x4.mul(dl, v128.load(a)), kt);
    const h = f32x4.add(f32x4.mul(ab, v128.load(hPrev)), f32x4.mul(du, v128.load32_splat(b)));
    v128.store(hCur, h);
    if (abar !== 0) v128.store(abar, ab);
    return f32x4.mul(h, v128.load32_splat(c));
  }

  /** Σ_n over all states of update(...): the state vector advanced by one step, returning Σ_n h·C. */
  @inline static advance(
    N: i32,
    a: usize,
    hPrev: usize,
    hCur: usize,
    abar: usize,
    dl: v128,
    du: v128,
    bRow: usize,
    cRow: usize,
    kt: usize,
  ): v128 {
    let acc = f32x4.splat(0);
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const vo = (<usize>n) << 4;
      const so = (<usize>n) << 2;
      const ab: usize = abar === 0 ? <usize>0 : abar + vo;
      const y0 = Step.update(a + vo, hPrev + vo, hCur + vo, ab, dl, du, bRow + so, cRow + so, kt);
      const y1 = Step.update(
        a + vo + 16,
        hPrev + vo + 16,
        hCur + vo + 16,
        ab === 0 ? 0 : ab + 16,
        dl,
        du,
        bRow + so + 4,
        cRow + so + 4,
        kt,
      );
      const y2 = Step.update(
        a + vo + 32,
        hPrev + vo + 32,
        hCur + vo + 32,
        ab === 0 ? 0 : ab + 32,
        dl,
        du,
        bRow + so + 8,
        cRow + so + 8,
        kt,
      );
      const y3 = Step.update(
        a + vo + 48,
        hPrev + vo + 48,
        hCur + vo + 48,
        ab === 0 ? 0 : ab + 48,
        dl,
        du,
        bRow + so + 12,
        cRow + so + 12,
        kt,
      );
      acc = f32x4.add(acc, f32x4.add(f32x4.add(y0, y1), f32x4.add(y2, y3)));
    }
    for (; n < N; n++) {
      const vo = (<usize>n) << 4;
      const so = (<usize>n) << 2;
      acc = f32x4.add(acc, Step.update(a + vo, hPrev + vo, hCur + vo, abar === 0 ? 0 : abar + vo, dl, du, bRow + so, cRow + so, kt));
    }
    return acc;
  }

  /** dh[l] = carry + C[l]·gy[l], where carry = Abar[l+1]·dh[l+1]. */
  @inline static dh(carry: usize, gy: v128, c: usize): v128 {
    return f32x4.add(v128.load(carry), f32x4.mul(gy, v128.load32_splat(c)));
  }

  /** *p += v for a vector (4 consecutive floats). */
  @inline static accumulate(p: usize, v: v128): void {
    v128.store(p, f32x4.add(v128.load(p), v));
  }

  /** [Σ a, Σ b, Σ c, Σ d] over lanes: a 4x4 transpose folded into adds. */
  @inline static laneSums(a: v128, b: v128, c: v128, d: v128): v128 {
    const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
    const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
    return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
  }
}

/**
 * Where a work item's data lives. Kept in scratch memory rather than locals: V8 recomputes loop-invariant values
 * inside loops under register pressure, while a load from scratch is one instruction.
 */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
class Item {
  static readonly MASK: usize = 0;
  static readonly BIAS: usize = 16;
  static readonly D: usize = 32;
  /** Bytes of the item header in scratch. */
  static readonly BYTES: usize = 64;

  /** Writes the header of the item on channels c0..c3 (`lanes` of them valid): lane mask, Δ bias and D. */
  @inline static writeHeader(hdr: usize, args: usize, flags: i32, lanes: i32, c0: i32, c1: i32, c2: i32, c3: i32): void {
    v128.store(hdr, Lanes.mask(lanes), Item.MASK);
    const bp = Param.ptr(args, P_BIAS);
    const Dp = Param.ptr(args, P_D);
    v128.store(hdr, (flags & FLAG_HAS_BIAS) !== 0 ? Lanes.channels(bp, c0, c1, c2, c3) : f32x4.splat(0), Item.BIAS);
    v128.store(hdr, (flags & FLAG_HAS_D) !== 0 ? Lanes.channels(Dp, c0, c1, c2, c3) : f32x4.splat(0), Item.D);
  }
}

function forwardItem(args: usize, item: i32, scratch: usize, kt: usize): void {
  const dim = Param.i(args, P_DIM);
  const L = Param.i(args, P_LENGTH);
  const N = Param.i(args, P_DSTATE);
  const G = Param.i(args, P_GROUPS);
  const flags = Param.i(args, P_FLAGS);
  const CH = Param.i(args, P_CHUNK);
  const nC = Param.i(args, P_NCHUNKS);
  const cpg = dim / G;
  const bpg = (cpg + 3) >> 2;
  const b = item / (G * bpg);
  const g = (item / bpg) % G;
  const k = item % bpg;
  const d0 = g * cpg + 4 * k;
  const lanes = min(4, cpg - 4 * k);
  const c0 = d0;
  const c1 = Lanes.channel(d0, lanes, 1);
  const c2 = Lanes.channel(d0, lanes, 2);
  const c3 = Lanes.channel(d0, lanes, 3);
  const softplus = (flags & FLAG_SOFTPLUS) !== 0;
  const hasZ = (flags & FLAG_HAS_Z) !== 0;

  // scratch: item header, A·log2(e) and h per state, then the tile's Δ, u, z and output vectors
  const hdr = scratch;
  const aV = hdr + Item.BYTES;
  const hV = aV + ((<usize>N) << 4);
  const tD = hV + ((<usize>N) << 4);
  const tU = tD + ((<usize>TILE) << 4);
  const tZ = tU + ((<usize>TILE) << 4);
  const tO = tZ + ((<usize>TILE) << 4);

  Item.writeHeader(hdr, args, flags, lanes, c0, c1, c2, c3);

  const Ap = Param.ptr(args, P_A);
  const nN = (<usize>N) << 2;
  for (let n = 0; n < N; n++) {
    const a = Lanes.gather(Ap + <usize>c0 * nN, Ap + <usize>c1 * nN, Ap + <usize>c2 * nN, Ap + <usize>c3 * nN, (<usize>n) << 2);
    v128.store(aV + ((<usize>n) << 4), f32x4.mul(a, v128.load(kt, K.LOG2E)));
    v128.store(hV + ((<usize>n) << 4), f32x4.splat(0));
  }

  const rowBytes = (<usize>L) << 2;
  const r0 = <usize>(b * dim + c0) * rowBytes;
  const r1 = <usize>(b * dim + c1) * rowBytes;
  const r2 = <usize>(b * dim + c2) * rowBytes;
  const r3 = <usize>(b * dim + c3) * rowBytes;
  const uP = Param.ptr(args, P_U);
  const dP = Param.ptr(args, P_DELTA);
  const zP = Param.ptr(args, P_Z);
  const oP = Param.ptr(args, P_OUT);
  const bcBase = (<usize>((b * G + g) * L * N)) << 2;
  const Bt = Param.ptr(args, P_BT) + bcBase;
  const Ct = Param.ptr(args, P_CT) + bcBase;

  const stBytes = (<usize>(nC * N)) << 2;
  const sP = Param.ptr(args, P_STATES);

  for (let c = 0; c < nC; c++) {
    const cEnd = min(L, (c + 1) * CH);
    for (let t = c * CH; t < cEnd; t += TILE) {
      const n = min(TILE, cEnd - t);
      Lanes.loadTile(dP + r0, dP + r1, dP + r2, dP + r3, t, n, tD, v128.load(hdr, Item.MASK));
      Lanes.loadTile(uP + r0, uP + r1, uP + r2, uP + r3, t, n, tU, v128.load(hdr, Item.MASK));
      if (hasZ) Lanes.loadTile(zP + r0, zP + r1, zP + r2, zP + r3, t, n, tZ, v128.load(hdr, Item.MASK));
      // two passes, so that the long softplus and sigmoid chains of successive steps overlap (no dependence on h)
      for (let s = 0; s < n; s++) {
        const so = (<usize>s) << 4;
        const raw = f32x4.add(v128.load(tD + so), v128.load(hdr, Item.BIAS));
        v128.store(tD + so, softplus ? V.softplus(raw, kt) : raw);
        if (hasZ) {
          const zv = v128.load(tZ + so);
          v128.store(tZ + so, f32x4.mul(zv, V.sigmoid(zv, kt))); // silu(z)
        }
      }
      for (let s = 0; s < n; s++) {
        const so = (<usize>s) << 4;
        const dl = v128.load(tD + so);
        const uv = v128.load(tU + so);
        const rowOff = (<usize>((t + s) * N)) << 2;
        const acc = Step.advance(N, aV, hV, hV, 0, dl, f32x4.mul(dl, uv), Bt + rowOff, Ct + rowOff, kt);
        let y = f32x4.add(acc, f32x4.mul(v128.load(hdr, Item.D), uv));
        if (hasZ) y = f32x4.mul(y, v128.load(tZ + so));
        v128.store(tO + so, y);
      }
      Lanes.storeTile(tO, oP + r0, oP + r1, oP + r2, oP + r3, t, n, lanes);
    }
    for (let n = 0; n < N; n++) {
      const off = (<usize>(c * N + n)) << 2;
      const h = v128.load(hV + ((<usize>n) << 4));
      Lanes.scatter(
        sP + <usize>(b * dim + c0) * stBytes,
        sP + <usize>(b * dim + c1) * stBytes,
        sP + <usize>(b * dim + c2) * stBytes,
        sP + <usize>(b * dim + c3) * stBytes,
        off,
        h,
        lanes,
      );
    }
  }
  const lastP = Param.ptr(args, P_LAST);
  for (let n = 0; n < N; n++) {
    const h = v128.load(hV + ((<usize>n) << 4));
    Lanes.scatter(
      lastP + <usize>(b * dim + c0) * nN,
      lastP + <usize>(b * dim + c1) * nN,
      lastP + <usize>(b * dim + c2) * nN,
      lastP + <usize>(b * dim + c3) * nN,
      (<usize>n) << 2,
      h,
      lanes,
    );
  }
}

function backwardItem(args: usize, item: i32, scratch: usize, partOffset: usize, kt: usize): void {
  const dim = Param.i(args, P_DIM);
  const L = Param.i(args, P_LENGTH);
  const N = Param.i(args, P_DSTATE);
  const G = Param.i(args, P_GROUPS);
  const flags = Param.i(args, P_FLAGS);
  const CH = Param.i(args, P_CHUNK);
  const nC = Param.i(args, P_NCHUNKS);
  const cpg = dim / G;
  const bpg = (cpg + 3) >> 2;
  const b = item / (G * bpg);
  const g = (item / bpg) % G;
  const k = item % bpg;
  const d0 = g * cpg + 4 * k;
  const lanes = min(4, cpg - 4 * k);
  const c0 = d0;
  const c1 = Lanes.channel(d0, lanes, 1);
  const c2 = Lanes.channel(d0, lanes, 2);
  const c3 = Lanes.channel(d0, lanes, 3);
  const softplus = (flags & FLAG_SOFTPLUS) !== 0;
  const hasZ = (flags & FLAG_HAS_Z) !== 0;

  // scratch: item header; A, A·log2(e), carry (= Abar[l+1]·dh[l+1]) and dA accumulators per state; the chunk's
  // states (CH+1 rows) and Abar (CH rows); per step of the chunk: delta→Δ, u→du, dout→gy, dsoftplus→dΔ, z→dz
  const nV = (<usize>N) << 4;
  const hdr = scratch;
  const aV = hdr + Item.BYTES;
  const a2V = aV + nV;
  const carry = a2V + nV;
  const dAacc = carry + nV;
  const traj = dAacc + nV;
  const abarS = traj + <usize>(CH + 1) * nV;
  const dlS = abarS + <usize>CH * nV;
  const uS = dlS + ((<usize>CH) << 4);
  const gyS = uS + ((<usize>CH) << 4);
  const sgS = gyS + ((<usize>CH) << 4);
  const zS = sgS + ((<usize>CH) << 4);

  Item.writeHeader(hdr, args, flags, lanes, c0, c1, c2, c3);

  const Ap = Param.ptr(args, P_A);
  const nN = (<usize>N) << 2;
  for (let n = 0; n < N; n++) {
    const vo = (<usize>n) << 4;
    const a = Lanes.gather(Ap + <usize>c0 * nN, Ap + <usize>c1 * nN, Ap + <usize>c2 * nN, Ap + <usize>c3 * nN, (<usize>n) << 2);
    v128.store(aV + vo, a);
    v128.store(a2V + vo, f32x4.mul(a, v128.load(kt, K.LOG2E)));
    v128.store(carry + vo, f32x4.splat(0));
    v128.store(dAacc + vo, f32x4.splat(0));
  }

  const rowBytes = (<usize>L) << 2;
  const r0 = <usize>(b * dim + c0) * rowBytes;
  const r1 = <usize>(b * dim + c1) * rowBytes;
  const r2 = <usize>(b * dim + c2) * rowBytes;
  const r3 = <usize>(b * dim + c3) * rowBytes;
  const uP = Param.ptr(args, P_U);
  const dP = Param.ptr(args, P_DELTA);
  const zP = Param.ptr(args, P_Z);
  const goP = Param.ptr(args, P_OUT);
  const duP = Param.ptr(args, P_DU);
  const ddP = Param.ptr(args, P_DDELTA);
  const dzP = Param.ptr(args, P_DZ);
  const bcBase = (<usize>((b * G + g) * L * N)) << 2;
  const Bt = Param.ptr(args, P_BT) + bcBase;
  const Ct = Param.ptr(args, P_CT) + bcBase;
  const dBp = Param.ptr(args, P_DB_PART) + partOffset + bcBase;
  const dCp = Param.ptr(args, P_DC_PART) + partOffset + bcBase;
  const stBytes = (<usize>(nC * N)) << 2;
  const sP = Param.ptr(args, P_STATES);

  let dDacc = f32x4.splat(0);
  let dBiasAcc = f32x4.splat(0);

  for (let c = nC - 1; c >= 0; c--) {
    const l0 = c * CH;
    const n = min(L, l0 + CH) - l0;
    for (let i = 0; i < N; i++) {
      const off = (<usize>((c - 1) * N + i)) << 2;
      const h0 =
        c === 0
          ? f32x4.splat(0)
          : Lanes.gather(
              sP + <usize>(b * dim + c0) * stBytes,
              sP + <usize>(b * dim + c1) * stBytes,
              sP + <usize>(b * dim + c2) * stBytes,
              sP + <usize>(b * dim + c3) * stBytes,
              off,
            );
      v128.store(traj + ((<usize>i) << 4), v128.and(h0, v128.load(hdr, Item.MASK)));
    }
    Lanes.loadTile(dP + r0, dP + r1, dP + r2, dP + r3, l0, n, dlS, v128.load(hdr, Item.MASK));
    Lanes.loadTile(uP + r0, uP + r1, uP + r2, uP + r3, l0, n, uS, v128.load(hdr, Item.MASK));
    Lanes.loadTile(goP + r0, goP + r1, goP + r2, goP + r3, l0, n, gyS, v128.load(hdr, Item.MASK));
    if (hasZ) Lanes.loadTile(zP + r0, zP + r1, zP + r2, zP + r3, l0, n, zS, v128.load(hdr, Item.MASK));

    // Δ, dsoftplus and the gate's factors of every step first (independent steps: their latencies overlap):
    // gy = g·z·σ(z), and dz = g·s(1 + z(1 − s))·out_pre once the recurrence gives out_pre
    for (let s = 0; s < n; s++) {
      const so = (<usize>s) << 4;
      const raw = f32x4.add(v128.load(dlS + so), v128.load(hdr, Item.BIAS));
      if (softplus) {
        const t = V.expNegAbs(raw, kt);
        v128.store(dlS + so, V.softplusT(raw, t, kt));
        v128.store(sgS + so, V.sigmoidT(raw, t, kt));
      } else {
        v128.store(dlS + so, raw);
      }
      if (hasZ) {
        const zv = v128.load(zS + so);
        const g0 = v128.load(gyS + so);
        const sg = V.sigmoid(zv, kt);
        const one = v128.load(kt, K.ONE);
        v128.store(zS + so, f32x4.mul(f32x4.mul(g0, sg), f32x4.add(one, f32x4.mul(zv, f32x4.sub(one, sg)))));
        v128.store(gyS + so, f32x4.mul(g0, f32x4.mul(zv, sg)));
      }
    }
    // recompute Abar and the states of this chunk from its start state
    for (let s = 0; s < n; s++) {
      const so = (<usize>s) << 4;
      const dl = v128.load(dlS + so);
      const uv = v128.load(uS + so);
      const hPrev = traj + <usize>s * nV;
      const rowOff = (<usize>((l0 + s) * N)) << 2;
      const acc = Step.advance(N, a2V, hPrev, hPrev + nV, abarS + <usize>s * nV, dl, f32x4.mul(dl, uv), Bt + rowOff, Ct + rowOff, kt);
      if (hasZ) v128.store(zS + so, f32x4.mul(v128.load(zS + so), f32x4.add(acc, f32x4.mul(v128.load(hdr, Item.D), uv))));
    }
    if (hasZ) Lanes.storeTile(zS, dzP + r0, dzP + r1, dzP + r2, dzP + r3, l0, n, lanes);

    // reverse sweep: dh[l] = Abar[l+1]·dh[l+1] + C[l]·gy[l], and every gradient term of step l
    for (let s = n - 1; s >= 0; s--) {
      const so = (<usize>s) << 4;
      const dl = v128.load(dlS + so);
      const uv = v128.load(uS + so);
      const gy = v128.load(gyS + so);
      const du = f32x4.mul(dl, uv);
      dDacc = f32x4.add(dDacc, f32x4.mul(gy, uv)); // every reduction runs in reverse step order, whatever the chunking
      const hPrev = traj + <usize>s * nV;
      const hCur = hPrev + nV;
      const abRow = abarS + <usize>s * nV;
      const rowOff = (<usize>((l0 + s) * N)) << 2;
      const bRow = Bt + rowOff;
      const cRow = Ct + rowOff;
      const dbRow = dBp + rowOff;
      const dcRow = dCp + rowOff;
      let sumB = f32x4.splat(0);
      let sumAa = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= N; i += 4) {
        // four states at a time, so that the lane sums of dB and dC are one 4x4 transpose-add
        const vo = (<usize>i) << 4;
        const io = (<usize>i) << 2;
        const dh0 = Step.dh(carry + vo, gy, cRow + io);
        const dh1 = Step.dh(carry + vo + 16, gy, cRow + io + 4);
        const dh2 = Step.dh(carry + vo + 32, gy, cRow + io + 8);
        const dh3 = Step.dh(carry + vo + 48, gy, cRow + io + 12);
        const ab0 = v128.load(abRow + vo);
        const ab1 = v128.load(abRow + vo, 16);
        const ab2 = v128.load(abRow + vo, 32);
        const ab3 = v128.load(abRow + vo, 48);
        const t0 = f32x4.mul(dh0, f32x4.mul(ab0, v128.load(hPrev + vo)));
        const t1 = f32x4.mul(dh1, f32x4.mul(ab1, v128.load(hPrev + vo, 16)));
        const t2 = f32x4.mul(dh2, f32x4.mul(ab2, v128.load(hPrev + vo, 32)));
        const t3 = f32x4.mul(dh3, f32x4.mul(ab3, v128.load(hPrev + vo, 48)));
        const b01 = f32x4.add(f32x4.mul(dh0, v128.load32_splat(bRow + io)), f32x4.mul(dh1, v128.load32_splat(bRow + io, 4)));
        const b23 = f32x4.add(f32x4.mul(dh2, v128.load32_splat(bRow + io, 8)), f32x4.mul(dh3, v128.load32_splat(bRow + io, 12)));
        sumB = f32x4.add(sumB, f32x4.add(b01, b23));
        const a01 = f32x4.add(f32x4.mul(t0, v128.load(aV + vo)), f32x4.mul(t1, v128.load(aV + vo, 16)));
        const a23 = f32x4.add(f32x4.mul(t2, v128.load(aV + vo, 32)), f32x4.mul(t3, v128.load(aV + vo, 48)));
        sumAa = f32x4.add(sumAa, f32x4.add(a01, a23));
        Step.accumulate(dAacc + vo, f32x4.mul(dl, t0));
        Step.accumulate(dAacc + vo + 16, f32x4.mul(dl, t1));
        Step.accumulate(dAacc + vo + 32, f32x4.mul(dl, t2));
        Step.accumulate(dAacc + vo + 48, f32x4.mul(dl, t3));
        v128.store(carry + vo, f32x4.mul(ab0, dh0));
        v128.store(carry + vo, f32x4.mul(ab1, dh1), 16);
        v128.store(carry + vo, f32x4.mul(ab2, dh2), 32);
        v128.store(carry + vo, f32x4.mul(ab3, dh3), 48);
        Step.accumulate(dbRow + io, Step.laneSums(f32x4.mul(dh0, du), f32x4.mul(dh1, du), f32x4.mul(dh2, du), f32x4.mul(dh3, du)));
        const gh0 = f32x4.mul(gy, v128.load(hCur + vo));
        const gh1 = f32x4.mul(gy, v128.load(hCur + vo, 16));
        const gh2 = f32x4.mul(gy, v128.load(hCur + vo, 32));
        const gh3 = f32x4.mul(gy, v128.load(hCur + vo, 48));
        Step.accumulate(dcRow + io, Step.laneSums(gh0, gh1, gh2, gh3));
      }
      for (; i < N; i++) {
        const vo = (<usize>i) << 4;
        const io = (<usize>i) << 2;
        const dh = Step.dh(carry + vo, gy, cRow + io);
        const abar = v128.load(abRow + vo);
        const t = f32x4.mul(dh, f32x4.mul(abar, v128.load(hPrev + vo)));
        sumB = f32x4.add(sumB, f32x4.mul(dh, v128.load32_splat(bRow + io)));
        sumAa = f32x4.add(sumAa, f32x4.mul(t, v128.load(aV + vo)));
        Step.accumulate(dAacc + vo, f32x4.mul(dl, t));
        store<f32>(dbRow + io, load<f32>(dbRow + io) + V.hsum(f32x4.mul(dh, du)));
        store<f32>(dcRow + io, load<f32>(dcRow + io) + V.hsum(f32x4.mul(gy, v128.load(hCur + vo))));
        v128.store(carry + vo, f32x4.mul(abar, dh));
      }
      v128.store(uS + so, f32x4.add(f32x4.mul(v128.load(hdr, Item.D), gy), f32x4.mul(dl, sumB))); // du
      let dd = f32x4.add(f32x4.mul(uv, sumB), sumAa);
      if (softplus) dd = f32x4.mul(dd, v128.load(sgS + so));
      v128.store(sgS + so, dd); // ddelta
      dBiasAcc = f32x4.add(dBiasAcc, dd);
    }
    Lanes.storeTile(uS, duP + r0, duP + r1, duP + r2, duP + r3, l0, n, lanes);
    Lanes.storeTile(sgS, ddP + r0, ddP + r1, ddP + r2, ddP + r3, l0, n, lanes);
  }
  const dAP = Param.ptr(args, P_DA_PART);
  for (let i = 0; i < N; i++) {
    const acc = v128.load(dAacc + ((<usize>i) << 4));
    Lanes.scatter(
      dAP + <usize>(b * dim + c0) * nN,
      dAP + <usize>(b * dim + c1) * nN,
      dAP + <usize>(b * dim + c2) * nN,
      dAP + <usize>(b * dim + c3) * nN,
      (<usize>i) << 2,
      acc,
      lanes,
    );
  }
  const rowD = (<usize>(b * dim)) << 2;
  const ddp = Param.ptr(args, P_DD_PART) + rowD;
  Lanes.scatter(ddp + ((<usize>c0) << 2), ddp + ((<usize>c1) << 2), ddp + ((<usize>c2) << 2), ddp + ((<usize>c3) << 2), 0, dDacc, lanes);
  const dbp = Param.ptr(args, P_DBIAS_PART) + rowD;
  Lanes.scatter(dbp + ((<usize>c0) << 2), dbp + ((<usize>c1) << 2), dbp + ((<usize>c2) << 2), dbp + ((<usize>c3) << 2), 0, dBiasAcc, lanes);
}
