// f32x4 transcendental functions from SIMD arithmetic only (no Math imports), shared by the kernel modules of
// @vssm/ops and @vssm/selective-scan (imported by relative path; each module compiles its own copy): exp by range
// reduction, a polynomial (Cephes expf coefficients) and exponent bits (~1 ulp); sigmoid from t = e^-|x|; softplus
// as max(x, 0) + log1p(t) with log1p(t) = 2·atanh(t / (2 + t)) as an odd series.
//
// Every constant is read from a table in memory (written by `VmathK.write`, extended by each module with its own
// constants from `VmathK.BYTES` on) with a constant offset: V8 materialises each v128.const with several
// instructions at every use inside a loop, while a table operand is one L1 load folded into the arithmetic instruction.

/** Byte offsets of the shared constants in a module's table; a module's own constants start at BYTES. */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class VmathK {
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
  static readonly ZERO: usize = 256;
  /** log1p's odd series, 1/13 … 1/3. */
  static readonly A13: usize = 272;
  static readonly A11: usize = 288;
  static readonly A9: usize = 304;
  static readonly A7: usize = 320;
  static readonly A5: usize = 336;
  static readonly A3: usize = 352;
  /** Bytes of the shared part of the table. */
  static readonly BYTES: usize = 368;

  /** Writes the shared constants at k. */
  @inline static write(k: usize): void {
    v128.store(k, f32x4.splat(88.37), VmathK.EXP_HI);
    v128.store(k, f32x4.splat(-87.33), VmathK.EXP_LO);
    v128.store(k, f32x4.splat(<f32>Math.LOG2E), VmathK.LOG2E);
    v128.store(k, f32x4.splat(12582912.0), VmathK.MAGIC);
    v128.store(k, i32x4.splat(127), VmathK.BIAS127);
    v128.store(k, f32x4.splat(0.693359375), VmathK.LN2_HI);
    v128.store(k, f32x4.splat(-2.1219444e-4), VmathK.LN2_LO);
    v128.store(k, f32x4.splat(1.98756915e-4), VmathK.E0);
    v128.store(k, f32x4.splat(1.3981999507e-3), VmathK.E1);
    v128.store(k, f32x4.splat(8.3334519073e-3), VmathK.E2);
    v128.store(k, f32x4.splat(4.1665795894e-2), VmathK.E3);
    v128.store(k, f32x4.splat(1.6666665459e-1), VmathK.E4);
    v128.store(k, f32x4.splat(5.0000001201e-1), VmathK.E5);
    v128.store(k, f32x4.splat(1.0), VmathK.ONE);
    v128.store(k, f32x4.splat(2.0), VmathK.TWO);
    v128.store(k, i32x4.splat(0x80000000), VmathK.SIGN_MASK);
    v128.store(k, f32x4.splat(0.0), VmathK.ZERO);
    v128.store(k, f32x4.splat(1.0 / 13.0), VmathK.A13);
    v128.store(k, f32x4.splat(1.0 / 11.0), VmathK.A11);
    v128.store(k, f32x4.splat(1.0 / 9.0), VmathK.A9);
    v128.store(k, f32x4.splat(1.0 / 7.0), VmathK.A7);
    v128.store(k, f32x4.splat(1.0 / 5.0), VmathK.A5);
    v128.store(k, f32x4.splat(1.0 / 3.0), VmathK.A3);
  }
}

/** a·b + c, lane-wise (two roundings: no FMA in baseline WebAssembly SIMD). */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class F {
  @inline static madd(a: v128, b: v128, c: v128): v128 {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** The shared vector functions; a module's `V` extends this class with its own. `k` is the table's address. */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class Vmath {
  /**
   * e^x per lane, ~1 ulp. Saturates outside [-87.33, 88.37] (to ~1.2e-38 and ~2.4e38), NaN propagates. Rounds
   * x·log2(e) with the 1.5·2^23 trick, which also yields 2^n's exponent bits.
   */
  @inline static exp(x: v128, k: usize): v128 {
    const xc = f32x4.pmax(f32x4.pmin(x, v128.load(k, VmathK.EXP_HI)), v128.load(k, VmathK.EXP_LO));
    const magic = v128.load(k, VmathK.MAGIC);
    const kf = F.madd(xc, v128.load(k, VmathK.LOG2E), magic);
    const scale = i32x4.shl(i32x4.add(kf, v128.load(k, VmathK.BIAS127)), 23); // 2^n: the low bits of kf hold n + 0x400000
    const n = f32x4.sub(kf, magic);
    let r = f32x4.sub(xc, f32x4.mul(n, v128.load(k, VmathK.LN2_HI)));
    r = f32x4.sub(r, f32x4.mul(n, v128.load(k, VmathK.LN2_LO)));
    let p = F.madd(v128.load(k, VmathK.E0), r, v128.load(k, VmathK.E1));
    p = F.madd(p, r, v128.load(k, VmathK.E2));
    p = F.madd(p, r, v128.load(k, VmathK.E3));
    p = F.madd(p, r, v128.load(k, VmathK.E4));
    p = F.madd(p, r, v128.load(k, VmathK.E5));
    p = f32x4.add(F.madd(p, f32x4.mul(r, r), r), v128.load(k, VmathK.ONE));
    return f32x4.mul(p, scale);
  }

  /** -|x| per lane (the argument of the e^-|x| that sigmoid and softplus share). */
  @inline static negAbs(x: v128, k: usize): v128 {
    return v128.or(x, v128.load(k, VmathK.SIGN_MASK));
  }

  /**
   * log1p(exp(x)) given t = e^-|x|: max(x, 0) + log1p(t), with log1p(t) = 2·atanh(t / (2 + t)) as an odd series
   * (relative error ~2e-7 for every t in (0, 1]). The caller applies softplus' threshold.
   */
  @inline static softplusT(x: v128, t: v128, k: usize): v128 {
    const s = f32x4.div(t, f32x4.add(v128.load(k, VmathK.TWO), t));
    const w = f32x4.mul(s, s);
    let p = F.madd(v128.load(k, VmathK.A13), w, v128.load(k, VmathK.A11));
    p = F.madd(p, w, v128.load(k, VmathK.A9));
    p = F.madd(p, w, v128.load(k, VmathK.A7));
    p = F.madd(p, w, v128.load(k, VmathK.A5));
    p = F.madd(p, w, v128.load(k, VmathK.A3));
    p = F.madd(p, w, v128.load(k, VmathK.ONE));
    const log1p = f32x4.mul(f32x4.add(s, s), p);
    return f32x4.add(f32x4.pmax(x, v128.load(k, VmathK.ZERO)), log1p);
  }

  /** sigmoid(x) given t = e^-|x|: 1 / (1 + t) for x >= 0, t / (1 + t) below. */
  @inline static sigmoidT(x: v128, t: v128, k: usize): v128 {
    const r = f32x4.div(v128.load(k, VmathK.ONE), f32x4.add(v128.load(k, VmathK.ONE), t));
    return v128.bitselect(r, f32x4.mul(t, r), f32x4.ge(x, v128.load(k, VmathK.ZERO)));
  }

  /** Sum of the four lanes. */
  @inline static hsum(v: v128): f32 {
    const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    return f32x4.extract_lane(f32x4.add(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2)), 0);
  }
}
