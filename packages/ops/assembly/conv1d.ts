// Causal depthwise conv1d over (B, C, L): out[t] = act(bias + Σ_k w[k]·x[t − (K−1) + k]), x = 0 before the start.
// One work item per (batch, channel) row: the row is copied behind K−1 zeros into the caller's scratch, then
// four outputs per f32x4, taps broadcast from memory.

import { C1_ACT, C1_BIAS, C1_C, C1_K, C1_L, C1_OUT, C1_W, C1_X, P_SCRATCH, P_SCRATCH_STRIDE, P_TABLE } from './params';
import { Param, V } from './vmath';

/** Scratch bytes per participant: the padded row plus one vector of slack. */
export function conv1d_scratch(L: i32, K: i32): i32 {
  return (L + K + 8) << 2;
}

export function conv1d_causal(args: usize, begin: i32, end: i32, participant: i32): void {
  const C = Param.i(args, C1_C);
  const L = Param.i(args, C1_L);
  const K = Param.i(args, C1_K);
  const act = Param.i(args, C1_ACT);
  const k = Param.ptr(args, P_TABLE);
  const biasPtr = Param.ptr(args, C1_BIAS);
  const pad = Param.ptr(args, P_SCRATCH) + <usize>participant * Param.ptr(args, P_SCRATCH_STRIDE);
  const rowBytes = (<usize>L) << 2;
  memory.fill(pad, 0, (<usize>(K - 1)) << 2);
  memory.fill(pad + ((<usize>(K - 1 + L)) << 2), 0, 32);
  for (let item = begin; item < end; item++) {
    const c = item % C;
    memory.copy(pad + ((<usize>(K - 1)) << 2), Param.ptr(args, C1_X) + <usize>item * rowBytes, rowBytes);
    const w = Param.ptr(args, C1_W) + ((<usize>(c * K)) << 2);
    const bias = f32x4.splat(biasPtr !== 0 ? load<f32>(biasPtr + ((<usize>c) << 2)) : 0);
    const out = Param.ptr(args, C1_OUT) + <usize>item * rowBytes;
    let t = 0;
    for (; t + 8 <= L; t += 8) {
      let a0 = bias;
      let a1 = bias;
      const p = pad + ((<usize>t) << 2);
      for (let j = 0; j < K; j++) {
        const wv = v128.load32_splat(w + ((<usize>j) << 2));
        const q = p + ((<usize>j) << 2);
        a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(q)));
        a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(q, 16)));
      }
      if (act !== 0) {
        a0 = V.act(a0, act, k);
        a1 = V.act(a1, act, k);
      }
      v128.store(out + ((<usize>t) << 2), a0);
      v128.store(out + ((<usize>t) << 2), a1, 16);
    }
    for (; t < L; t += 4) {
      let a0 = bias;
      const p = pad + ((<usize>t) << 2);
      for (let j = 0; j < K; j++) a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(w + ((<usize>j) << 2)), v128.load(p + ((<usize>j) << 2))));
      if (act !== 0) a0 = V.act(a0, act, k);
      const n = min(4, L - t);
      for (let i = 0; i < n; i++) {
        // lanes are selected by a constant index: spell the four cases out
        const v =
          i === 0
            ? f32x4.extract_lane(a0, 0)
            : i === 1
              ? f32x4.extract_lane(a0, 1)
              : i === 2
                ? f32x4.extract_lane(a0, 2)
                : f32x4.extract_lane(a0, 3);
        store<f32>(out + ((<usize>(t + i)) << 2), v);
      }
    }
  }
}
