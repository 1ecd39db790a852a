// f32x4 transcendental functions from SIMD arithmetic only (no Math imports): exp by range reduction, a polynomial
// and exponent bits (1-2 ulp; 0 below -87.33); sigmoid and SiLU from t = e^-|x|; softplus as max(x, 0) + log1p(t) with
// log1p(t) = 2·atanh(t / (2 + t)); GELU as x·Φ(x) with Φ from erfc(z) = t·e^(−z²)·g(t), t = 2/(2 + z), g a
// degree-9 polynomial fitted by scripts/fit-erfc-f32.py (relative error ~2e-7).
//
// Every constant is read from a table in memory (written once by `write_constants`, address in every parameter
// block) with a constant offset: V8 materialises each v128.const with several instructions at every use inside a
// loop, while a table operand is one L1 load folded into the arithmetic instruction.

import { ACT_GELU, ACT_RELU, ACT_SIGMOID, ACT_SILU } from './params';

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
  static readonly ZERO: usize = 256;
  static readonly HALF: usize = 272;
  static readonly RSQRT2: usize = 288;
  static readonly A13: usize = 304;
  static readonly A11: usize = 320;
  static readonly A9: usize = 336;
  static readonly A7: usize = 352;
  static readonly A5: usize = 368;
  static readonly A3: usize = 384;
  /** erfc's g(t), t^9 … t^0. */
  static readonly G9: usize = 400;
  static readonly G8: usize = 416;
  static readonly G7: usize = 432;
  static readonly G6: usize = 448;
  static readonly G5: usize = 464;
  static readonly G4: usize = 480;
  static readonly G3: usize = 496;
  static readonly G2: usize = 512;
  static readonly G1: usize = 528;
  static readonly G0: usize = 544;
  /** Bytes of the table. */
  static readonly BYTES: usize = 576;
}

/** Bytes the constant table needs. */
export function constants_bytes(): i32 {
  return <i32>K.BYTES;
}

/** Writes the constant table at `k` (once; it never changes). */
export function write_constants(k: usize): void {
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
  v128.store(k, f32x4.splat(0.0), K.ZERO);
  v128.store(k, f32x4.splat(0.5), K.HALF);
  v128.store(k, f32x4.splat(<f32>Math.SQRT1_2), K.RSQRT2);
  v128.store(k, f32x4.splat(1.0 / 13.0), K.A13);
  v128.store(k, f32x4.splat(1.0 / 11.0), K.A11);
  v128.store(k, f32x4.splat(1.0 / 9.0), K.A9);
  v128.store(k, f32x4.splat(1.0 / 7.0), K.A7);
  v128.store(k, f32x4.splat(1.0 / 5.0), K.A5);
  v128.store(k, f32x4.splat(1.0 / 3.0), K.A3);
  v128.store(k, f32x4.splat(0.01205465942621231), K.G9);
  v128.store(k, f32x4.splat(-0.12172774970531464), K.G8);
  v128.store(k, f32x4.splat(0.4246833622455597), K.G7);
  v128.store(k, f32x4.splat(-0.6635204553604126), K.G6);
  v128.store(k, f32x4.splat(0.41521480679512024), K.G5);
  v128.store(k, f32x4.splat(-0.09475475549697876), K.G4);
  v128.store(k, f32x4.splat(0.22422191500663757), K.G3);
  v128.store(k, f32x4.splat(0.23894132673740387), K.G2);
  v128.store(k, f32x4.splat(0.282820463180542), K.G1);
  v128.store(k, f32x4.splat(0.28206637501716614), K.G0);
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class F {
  /** a·b + c, lane-wise (two roundings: no FMA in baseline WebAssembly SIMD). */
  @inline static madd(a: v128, b: v128, c: v128): v128 {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class V {
  /** e^x per lane, ~1 ulp; 0 below -87.33 (as the float32 result would nearly be), saturates above 88.37; NaN propagates. */
  @inline static exp(x: v128, k: usize): v128 {
    const xc = f32x4.pmax(f32x4.pmin(x, v128.load(k, K.EXP_HI)), v128.load(k, K.EXP_LO));
    const magic = v128.load(k, K.MAGIC);
    const kf = F.madd(xc, v128.load(k, K.LOG2E), magic);
    const scale = i32x4.shl(i32x4.add(kf, v128.load(k, K.BIAS127)), 23);
    const n = f32x4.sub(kf, magic);
    let r = f32x4.sub(xc, f32x4.mul(n, v128.load(k, K.LN2_HI)));
    r = f32x4.sub(r, f32x4.mul(n, v128.load(k, K.LN2_LO)));
    let p = F.madd(v128.load(k, K.E0), r, v128.load(k, K.E1));
    p = F.madd(p, r, v128.load(k, K.E2));
    p = F.madd(p, r, v128.load(k, K.E3));
    p = F.madd(p, r, v128.load(k, K.E4));
    p = F.madd(p, r, v128.load(k, K.E5));
    p = f32x4.add(F.madd(p, f32x4.mul(r, r), r), v128.load(k, K.ONE));
    // below the range: 0, so that e^-∞ = 0 exactly (a NaN compares false and stays)
    return v128.andnot(f32x4.mul(p, scale), f32x4.lt(x, v128.load(k, K.EXP_LO)));
  }

  /** e^-|x| per lane. */
  @inline static expNegAbs(x: v128, k: usize): v128 {
    return V.exp(v128.or(x, v128.load(k, K.SIGN_MASK)), k);
  }

  /** sigmoid(x): 1 / (1 + t) for x >= 0, t / (1 + t) below, t = e^-|x|. */
  @inline static sigmoid(x: v128, k: usize): v128 {
    const t = V.expNegAbs(x, k);
    const r = f32x4.div(v128.load(k, K.ONE), f32x4.add(v128.load(k, K.ONE), t));
    return v128.bitselect(r, f32x4.mul(t, r), f32x4.ge(x, v128.load(k, K.ZERO)));
  }

  @inline static silu(x: v128, k: usize): v128 {
    return f32x4.mul(x, V.sigmoid(x, k));
  }

  /** log1p(exp(x)) = max(x, 0) + log1p(e^-|x|) (the caller applies softplus' threshold). */
  @inline static softplus(x: v128, k: usize): v128 {
    const t = V.expNegAbs(x, k);
    const s = f32x4.div(t, f32x4.add(v128.load(k, K.TWO), t));
    const w = f32x4.mul(s, s);
    let p = F.madd(v128.load(k, K.A13), w, v128.load(k, K.A11));
    p = F.madd(p, w, v128.load(k, K.A9));
    p = F.madd(p, w, v128.load(k, K.A7));
    p = F.madd(p, w, v128.load(k, K.A5));
    p = F.madd(p, w, v128.load(k, K.A3));
    p = F.madd(p, w, v128.load(k, K.ONE));
    return f32x4.add(f32x4.pmax(x, v128.load(k, K.ZERO)), f32x4.mul(f32x4.add(s, s), p));
  }

  /** GELU (exact, erf form): x·Φ(x) with Φ = 1 − erfc(z)/2 for x ≥ 0 and erfc(z)/2 below, z = |x|/√2. */
  @inline static gelu(x: v128, k: usize): v128 {
    const z = f32x4.mul(v128.andnot(x, v128.load(k, K.SIGN_MASK)), v128.load(k, K.RSQRT2));
    const t = f32x4.div(v128.load(k, K.TWO), f32x4.add(v128.load(k, K.TWO), z));
    let g = F.madd(v128.load(k, K.G9), t, v128.load(k, K.G8));
    g = F.madd(g, t, v128.load(k, K.G7));
    g = F.madd(g, t, v128.load(k, K.G6));
    g = F.madd(g, t, v128.load(k, K.G5));
    g = F.madd(g, t, v128.load(k, K.G4));
    g = F.madd(g, t, v128.load(k, K.G3));
    g = F.madd(g, t, v128.load(k, K.G2));
    g = F.madd(g, t, v128.load(k, K.G1));
    g = F.madd(g, t, v128.load(k, K.G0));
    const e = f32x4.mul(f32x4.mul(t, V.exp(f32x4.neg(f32x4.mul(z, z)), k)), f32x4.mul(g, v128.load(k, K.HALF)));
    const phi = v128.bitselect(f32x4.sub(v128.load(k, K.ONE), e), e, f32x4.ge(x, v128.load(k, K.ZERO)));
    return f32x4.mul(x, phi);
  }

  /** ReLU with NaN propagating (pmax keeps its first operand when the comparison is false). */
  @inline static relu(x: v128, k: usize): v128 {
    return f32x4.pmax(x, v128.load(k, K.ZERO));
  }

  /** The epilogue activation `act` (params.ts ACT_*). */
  @inline static act(x: v128, act: i32, k: usize): v128 {
    if (act === ACT_SILU) return V.silu(x, k);
    if (act === ACT_GELU) return V.gelu(x, k);
    if (act === ACT_RELU) return V.relu(x, k);
    if (act === ACT_SIGMOID) return V.sigmoid(x, k);
    return x;
  }

  /** Sum of the four lanes. */
  @inline static hsum(v: v128): f32 {
    const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    return f32x4.extract_lane(f32x4.add(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2)), 0);
  }
}

/** Parameter slot readers. */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class Param {
  @inline static i(args: usize, slot: i32): i32 {
    return load<i32>(args + ((<usize>slot) << 2));
  }
  @inline static ptr(args: usize, slot: i32): usize {
    return <usize>load<u32>(args + ((<usize>slot) << 2));
  }
  @inline static f(args: usize, slot: i32): f32 {
    return load<f32>(args + ((<usize>slot) << 2));
  }
}
