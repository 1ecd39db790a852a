// f32x4 transcendental functions built from SIMD arithmetic only (no Math imports): range reduction, a polynomial
// (Cephes expf/exp2f coefficients, the atanh series for log1p) and exponent-bit manipulation; errors of 1-4 ulp.
//
// Every constant is read from a table in memory (`k`, written once per kernel call by K.write) with a constant
// offset, instead of being a v128.const: V8 materialises each v128.const with several instructions at every use
// inside a loop, while a table operand is one L1 load folded into the arithmetic instruction.

/** Byte offsets of the constants in the table. */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class K {
  static readonly EXP_HI: usize = 0;
  static readonly EXP_LO: usize = 16;
  static readonly LOG2E: usize = 32;
  static readonly MAGIC: usize = 48;
  static readonly BIAS127: usize = 64;
  static readonly LN2_HI: usize = 80;
  static readonly LN2_LO: usize = 96;
  static readonly E0: usize = 112;
  static readonly E1: usize = 128;
  static readonly E2: usize = 144;
  static readonly E3: usize = 160;
  static readonly E4: usize = 176;
  static readonly E5: usize = 192;
  static readonly ONE: usize = 208;
  static readonly TWO: usize = 224;
  static readonly SIGN_MASK: usize = 240;
  static readonly EXP2_HI: usize = 256;
  static readonly EXP2_LO: usize = 272;
  static readonly P0: usize = 288;
  static readonly P1: usize = 304;
  static readonly P2: usize = 320;
  static readonly P3: usize = 336;
  static readonly P4: usize = 352;
  static readonly P5: usize = 368;
  static readonly A13: usize = 384;
  static readonly A11: usize = 400;
  static readonly A9: usize = 416;
  static readonly A7: usize = 432;
  static readonly A5: usize = 448;
  static readonly A3: usize = 464;
  static readonly ZERO: usize = 480;
  /** Bytes of the table (a 64-byte multiple). */
  static readonly BYTES: usize = 512;

  /** Writes the table at k. */
  @inline static write(k: usize): void {
    v128.store(k, f32x4.splat(88.37), K.EXP_HI);
    v128.store(k, f32x4.splat(-87.33), K.EXP_LO);
    v128.store(k, f32x4.splat(<f32>Math.LOG2E), K.LOG2E);
    v128.store(k, f32x4.splat(12582912.0), K.MAGIC);
    v128.store(k, i32x4.splat(127), K.BIAS127);
    v128.store(k, f32x4.splat(0.693359375), K.LN2_HI);
    v128.store(k, f32x4.splat(-2.1219444e-4), K.LN2_LO);
    v128.store(k, f32x4.splat(1.98756915e-4), K.E0);
    v128.store(k, f32x4.splat(1.3981999507e-3), K.E1);
    v128.store(k, f32x4.splat(8.3334519073e-3), K.E2);
    v128.store(k, f32x4.splat(4.1665795894e-2), K.E3);
    v128.store(k, f32x4.splat(1.6666665459e-1), K.E4);
    v128.store(k, f32x4.splat(5.0000001201e-1), K.E5);
    v128.store(k, f32x4.splat(1.0), K.ONE);
    v128.store(k, f32x4.splat(2.0), K.TWO);
    v128.store(k, i32x4.splat(0x80000000), K.SIGN_MASK);
    v128.store(k, f32x4.splat(127.49), K.EXP2_HI);
    v128.store(k, f32x4.splat(-125.99), K.EXP2_LO);
    v128.store(k, f32x4.splat(1.53533619e-4), K.P0);
    v128.store(k, f32x4.splat(1.33988744e-3), K.P1);
    v128.store(k, f32x4.splat(9.61843736e-3), K.P2);
    v128.store(k, f32x4.splat(5.55033247e-2), K.P3);
    v128.store(k, f32x4.splat(2.40226479e-1), K.P4);
    v128.store(k, f32x4.splat(6.93147203e-1), K.P5);
    v128.store(k, f32x4.splat(1.0 / 13.0), K.A13);
    v128.store(k, f32x4.splat(1.0 / 11.0), K.A11);
    v128.store(k, f32x4.splat(1.0 / 9.0), K.A9);
    v128.store(k, f32x4.splat(1.0 / 7.0), K.A7);
    v128.store(k, f32x4.splat(1.0 / 5.0), K.A5);
    v128.store(k, f32x4.splat(1.0 / 3.0), K.A3);
    v128.store(k, f32x4.splat(0.0), K.ZERO);
  }
}

/** a·b + c, lane-wise (two roundings: no FMA in baseline WebAssembly SIMD). */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class F {
  @inline static madd(a: v128, b: v128, c: v128): v128 {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class V {
  /**
   * e^x per lane, ~1 ulp. Saturates outside [-87.33, 88.37] (to ~1.2e-38 and ~2.4e38: harmless for softplus and
   * sigmoid), NaN propagates. Rounds x·log2(e) with the 1.5·2^23 trick, which also yields 2^n's exponent bits.
   */
  @inline static exp(x: v128, k: usize): v128 {
    const xc = f32x4.pmax(f32x4.pmin(x, v128.load(k, K.EXP_HI)), v128.load(k, K.EXP_LO));
    const magic = v128.load(k, K.MAGIC);
    const kf = F.madd(xc, v128.load(k, K.LOG2E), magic);
    const scale = i32x4.shl(i32x4.add(kf, v128.load(k, K.BIAS127)), 23); // 2^n: the low bits of kf hold n + 0x400000
    const n = f32x4.sub(kf, magic);
    let r = f32x4.sub(xc, f32x4.mul(n, v128.load(k, K.LN2_HI)));
    r = f32x4.sub(r, f32x4.mul(n, v128.load(k, K.LN2_LO)));
    let p = F.madd(v128.load(k, K.E0), r, v128.load(k, K.E1));
    p = F.madd(p, r, v128.load(k, K.E2));
    p = F.madd(p, r, v128.load(k, K.E3));
    p = F.madd(p, r, v128.load(k, K.E4));
    p = F.madd(p, r, v128.load(k, K.E5));
    p = f32x4.add(F.madd(p, f32x4.mul(r, r), r), v128.load(k, K.ONE));
    return f32x4.mul(p, scale);
  }

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

  /** e^-|x| per lane, the shared part of softplus and sigmoid. */
  @inline static expNegAbs(x: v128, k: usize): v128 {
    return V.exp(v128.or(x, v128.load(k, K.SIGN_MASK)), k);
  }

  /**
   * torch softplus (threshold 20) given t = e^-|x|: max(x, 0) + log1p(t), with log1p(t) = 2·atanh(t / (2 + t))
   * as an odd series (relative error ~2e-7 for every t in (0, 1], so small Δ keeps its digits, cf. §6.2).
   * Above 20 the log1p term is below half an ulp of x, so the result is x exactly, as torch's.
   */
  @inline static softplusT(x: v128, t: v128, k: usize): v128 {
    const s = f32x4.div(t, f32x4.add(v128.load(k, K.TWO), t));
    const w = f32x4.mul(s, s);
    let p = F.madd(v128.load(k, K.A13), w, v128.load(k, K.A11));
    p = F.madd(p, w, v128.load(k, K.A9));
    p = F.madd(p, w, v128.load(k, K.A7));
    p = F.madd(p, w, v128.load(k, K.A5));
    p = F.madd(p, w, v128.load(k, K.A3));
    p = F.madd(p, w, v128.load(k, K.ONE));
    const log1p = f32x4.mul(f32x4.add(s, s), p);
    return f32x4.add(f32x4.pmax(x, v128.load(k, K.ZERO)), log1p);
  }

  @inline static softplus(x: v128, k: usize): v128 {
    return V.softplusT(x, V.expNegAbs(x, k), k);
  }

  /** sigmoid(x) given t = e^-|x|: 1 / (1 + t) for x >= 0, t / (1 + t) below. */
  @inline static sigmoidT(x: v128, t: v128, k: usize): v128 {
    const r = f32x4.div(v128.load(k, K.ONE), f32x4.add(v128.load(k, K.ONE), t));
    return v128.bitselect(r, f32x4.mul(t, r), f32x4.ge(x, v128.load(k, K.ZERO)));
  }

  @inline static sigmoid(x: v128, k: usize): v128 {
    return V.sigmoidT(x, V.expNegAbs(x, k), k);
  }

  /** Sum of the four lanes. */
  @inline static hsum(v: v128): f32 {
    const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    return f32x4.extract_lane(f32x4.add(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2)), 0);
  }
}
