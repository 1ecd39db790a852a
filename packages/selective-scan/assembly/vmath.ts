// The scan module's vector math: the shared f32x4 functions (packages/wasm/assembly/vmath.ts, e^x saturating at
// e^-87.33) and 2^x (Cephes exp2f coefficients) for Abar. The constant table is written by K.writeAll at the start of
// every kernel call, in the caller's scratch.

import { F, Vmath, VmathK } from '../../wasm/assembly/vmath';

/** Byte offsets of the constants: the shared ones, then exp2's. */
export class K extends VmathK {
  static readonly EXP2_HI: usize = VmathK.BYTES;
  static readonly EXP2_LO: usize = VmathK.BYTES + 16;
  static readonly P0: usize = VmathK.BYTES + 32;
  static readonly P1: usize = VmathK.BYTES + 48;
  static readonly P2: usize = VmathK.BYTES + 64;
  static readonly P3: usize = VmathK.BYTES + 80;
  static readonly P4: usize = VmathK.BYTES + 96;
  static readonly P5: usize = VmathK.BYTES + 112;
  /** Bytes of the table (a 64-byte multiple). */
  static readonly BYTES: usize = 512;

  /** Writes the table at k. */
  @inline static writeAll(k: usize): void {
    VmathK.write(k);
    v128.store(k, f32x4.splat(127.49), K.EXP2_HI);
    v128.store(k, f32x4.splat(-125.99), K.EXP2_LO);
    v128.store(k, f32x4.splat(1.53533619e-4), K.P0);
    v128.store(k, f32x4.splat(1.33988744e-3), K.P1);
    v128.store(k, f32x4.splat(9.61843736e-3), K.P2);
    v128.store(k, f32x4.splat(5.55033247e-2), K.P3);
    v128.store(k, f32x4.splat(2.40226479e-1), K.P4);
    v128.store(k, f32x4.splat(6.93147203e-1), K.P5);
  }
}

export class V extends Vmath {
  /**
   * 2^x per lane, ~2 ulp (the CUDA kernel's exp2f(Δ·A·log2 e) form, used for Abar with A pre-scaled by log2 e).
   * Saturates outside [-125.99, 127.49]; NaN propagates.
   */
  @inline static exp2(x: v128, k: usize): v128 {
    const xc = f32x4.pmax(f32x4.pmin(x, v128.load(k, K.EXP2_HI)), v128.load(k, K.EXP2_LO));
    const magic = v128.load(k, K.MAGIC);
    const kf = f32x4.add(xc, magic);
    const scale = i32x4.shl(i32x4.add(kf, v128.load(k, K.BIAS127)), 23);
    const r = f32x4.sub(xc, f32x4.sub(kf, magic)); // exact, in [-0.5, 0.5]
    let p = F.madd(v128.load(k, K.P0), r, v128.load(k, K.P1));
    p = F.madd(p, r, v128.load(k, K.P2));
    p = F.madd(p, r, v128.load(k, K.P3));
    p = F.madd(p, r, v128.load(k, K.P4));
    p = F.madd(p, r, v128.load(k, K.P5));
    p = F.madd(p, r, v128.load(k, K.ONE));
    return f32x4.mul(p, scale);
  }

  /** e^-|x| per lane (saturating: ~1.2e-38 where |x| > 87.33), the shared part of softplus and sigmoid. */
  @inline static expNegAbs(x: v128, k: usize): v128 {
    return Vmath.exp(Vmath.negAbs(x, k), k);
  }

  /**
   * torch softplus (threshold 20): softplusT with t = e^-|x| (small Δ keeps its digits, cf. §6.2). Above 20 the
   * log1p term is below half an ulp of x, so the result is x exactly, as torch's.
   */
  @inline static softplus(x: v128, k: usize): v128 {
    return Vmath.softplusT(x, V.expNegAbs(x, k), k);
  }

  @inline static sigmoid(x: v128, k: usize): v128 {
    return Vmath.sigmoidT(x, V.expNegAbs(x, k), k);
  }
}
