// Elementwise kernels over contiguous float32 arrays; an item is a block of ELEMENTWISE_BLOCK elements.

import {
  B_ADD,
  B_MUL_SILU,
  E_COUNT,
  E_F0,
  E_F1,
  E_OP,
  E_OUT,
  E_X,
  E_Y,
  ELEMENTWISE_BLOCK,
  P_SCRATCH,
  P_SCRATCH_STRIDE,
  P_TABLE,
  RO_BLOCKS,
  RO_COS,
  RO_OUT,
  RO_SIN,
  RO_TABLE,
  RO_X,
  U_GELU,
  U_RELU,
  U_SIGMOID,
  U_SILU,
  U_SOFTPLUS,
} from './params';
import { K, Param, V } from './vmath';

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
class Ew {
  /** PyTorch softplus with β and threshold: x where β·x > threshold, else log1p(exp(β·x)) / β. */
  @inline static softplusBeta(x: v128, beta: v128, threshold: v128, k: usize): v128 {
    const z = f32x4.mul(x, beta);
    const y = f32x4.div(V.softplus(z, k), beta);
    return v128.bitselect(x, y, f32x4.gt(z, threshold));
  }

  @inline static unaryVec(op: i32, x: v128, beta: v128, threshold: v128, k: usize): v128 {
    if (op === U_SILU) return V.silu(x, k);
    if (op === U_GELU) return V.gelu(x, k);
    if (op === U_RELU) return V.relu(x, k);
    if (op === U_SIGMOID) return V.sigmoid(x, k);
    if (op === U_SOFTPLUS) return Ew.softplusBeta(x, beta, threshold, k);
    return x;
  }

  @inline static binaryVec(op: i32, x: v128, y: v128, k: usize): v128 {
    if (op === B_MUL_SILU) return f32x4.mul(x, V.silu(y, k));
    if (op === B_ADD) return f32x4.add(x, y);
    return f32x4.mul(x, y);
  }
}

/** out = f(x) for one of the U_* ops; the last partial vector goes through the caller's scratch. */
export function unary(args: usize, begin: i32, end: i32, participant: i32): void {
  const k = Param.ptr(args, P_TABLE);
  const x = Param.ptr(args, E_X);
  const out = Param.ptr(args, E_OUT);
  const count = Param.i(args, E_COUNT);
  const op = Param.i(args, E_OP);
  const beta = f32x4.splat(Param.f(args, E_F0));
  const threshold = f32x4.splat(Param.f(args, E_F1));
  const tmp = Param.ptr(args, P_SCRATCH) + <usize>participant * Param.ptr(args, P_SCRATCH_STRIDE);
  for (let item = begin; item < end; item++) {
    const i0 = item * ELEMENTWISE_BLOCK;
    const i1 = min(count, i0 + ELEMENTWISE_BLOCK);
    let i = i0;
    // a separate loop per op keeps the dispatch on `op` out of the element loop
    if (op === U_SILU) {
      for (; i + 4 <= i1; i += 4) v128.store(out + ((<usize>i) << 2), V.silu(v128.load(x + ((<usize>i) << 2)), k));
    } else if (op === U_GELU) {
      for (; i + 4 <= i1; i += 4) v128.store(out + ((<usize>i) << 2), V.gelu(v128.load(x + ((<usize>i) << 2)), k));
    } else {
      for (; i + 4 <= i1; i += 4)
        v128.store(out + ((<usize>i) << 2), Ew.unaryVec(op, v128.load(x + ((<usize>i) << 2)), beta, threshold, k));
    }
    if (i < i1) {
      v128.store(tmp, v128.load(k, K.ZERO));
      for (let j = i; j < i1; j++) store<f32>(tmp + ((<usize>(j - i)) << 2), load<f32>(x + ((<usize>j) << 2)));
      v128.store(tmp, Ew.unaryVec(op, v128.load(tmp), beta, threshold, k));
      for (let j = i; j < i1; j++) store<f32>(out + ((<usize>j) << 2), load<f32>(tmp + ((<usize>(j - i)) << 2)));
    }
  }
}

/** out = x ∘ y for one of the B_* ops over two arrays of equal length. */
export function binary(args: usize, begin: i32, end: i32, _participant: i32): void {
  const k = Param.ptr(args, P_TABLE);
  const x = Param.ptr(args, E_X);
  const y = Param.ptr(args, E_Y);
  const out = Param.ptr(args, E_OUT);
  const count = Param.i(args, E_COUNT);
  const op = Param.i(args, E_OP);
  for (let item = begin; item < end; item++) {
    const i0 = item * ELEMENTWISE_BLOCK;
    const i1 = min(count, i0 + ELEMENTWISE_BLOCK);
    let i = i0;
    if (op === B_MUL_SILU) {
      for (; i + 4 <= i1; i += 4) {
        const o = (<usize>i) << 2;
        v128.store(out + o, f32x4.mul(v128.load(x + o), V.silu(v128.load(y + o), k)));
      }
    } else if (op === B_ADD) {
      for (; i + 4 <= i1; i += 4) {
        const o = (<usize>i) << 2;
        v128.store(out + o, f32x4.add(v128.load(x + o), v128.load(y + o)));
      }
    } else {
      for (; i + 4 <= i1; i += 4) {
        const o = (<usize>i) << 2;
        v128.store(out + o, f32x4.mul(v128.load(x + o), v128.load(y + o)));
      }
    }
    for (; i < i1; i++) {
      const o = (<usize>i) << 2;
      const r = Ew.binaryVec(op, f32x4.splat(load<f32>(x + o)), f32x4.splat(load<f32>(y + o)), k);
      store<f32>(out + o, f32x4.extract_lane(r, 0));
    }
  }
}

/**
 * Rotary embedding with the interleaved rotate_half: out[2m] = x[2m]·cos[2m] − x[2m+1]·sin[2m],
 * out[2m+1] = x[2m+1]·cos[2m+1] + x[2m]·sin[2m+1]; item = batch row · RO_BLOCKS + block.
 */
export function rope(args: usize, begin: i32, end: i32, _participant: i32): void {
  const table = Param.i(args, RO_TABLE);
  const blocks = Param.i(args, RO_BLOCKS);
  const cosT = Param.ptr(args, RO_COS);
  const sinT = Param.ptr(args, RO_SIN);
  // (−1, 1, −1, 1): rotate_half's signs on the swapped pairs
  const signs = f32x4(-1, 1, -1, 1);
  for (let item = begin; item < end; item++) {
    const row = (<usize>(item / blocks) * <usize>table) << 2;
    const x = Param.ptr(args, RO_X) + row;
    const out = Param.ptr(args, RO_OUT) + row;
    const i0 = (item % blocks) * ELEMENTWISE_BLOCK;
    const i1 = min(table, i0 + ELEMENTWISE_BLOCK);
    let i = i0;
    for (; i + 4 <= i1; i += 4) {
      const o = (<usize>i) << 2;
      const v = v128.load(x + o);
      const rotated = f32x4.mul(v128.shuffle<f32>(v, v, 1, 0, 3, 2), signs);
      v128.store(out + o, f32x4.add(f32x4.mul(v, v128.load(cosT + o)), f32x4.mul(rotated, v128.load(sinT + o))));
    }
    // D is even: a remainder is one (or three lanes' worth of) pair(s), done as scalars
    for (; i < i1; i += 2) {
      const o = (<usize>i) << 2;
      const a = load<f32>(x + o);
      const b = load<f32>(x + o + 4);
      store<f32>(out + o, a * load<f32>(cosT + o) - b * load<f32>(sinT + o));
      store<f32>(out + o + 4, b * load<f32>(cosT + o + 4) + a * load<f32>(sinT + o + 4));
    }
  }
}
