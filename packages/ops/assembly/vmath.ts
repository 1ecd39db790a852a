// The ops module's vector math: the shared f32x4 functions (packages/wasm/assembly/vmath.ts) with e^x flushed to 0
// below -87.33, and GELU as x·Φ(x) with Φ from erfc(z) = t·e^(−z²)·g(t), t = 2/(2 + z), g a degree-9 polynomial
// fitted by scripts/fit-erfc-f32.py (relative error ~2e-7). The constant table is written once by
// `write_constants`; its address is in every parameter block.

import { F, Vmath, VmathK } from '../../wasm/assembly/vmath';
import { ACT_GELU, ACT_RELU, ACT_SIGMOID, ACT_SILU } from './params';

export { Param } from '../../wasm/assembly/param';

/** Byte offsets of the constants: the shared ones, then GELU's. */
export class K extends VmathK {
  static readonly HALF: usize = VmathK.BYTES;
  static readonly RSQRT2: usize = VmathK.BYTES + 16;
  /** erfc's g(t), t^9 … t^0. */
  static readonly G9: usize = VmathK.BYTES + 32;
  static readonly G8: usize = VmathK.BYTES + 48;
  static readonly G7: usize = VmathK.BYTES + 64;
  static readonly G6: usize = VmathK.BYTES + 80;
  static readonly G5: usize = VmathK.BYTES + 96;
  static readonly G4: usize = VmathK.BYTES + 112;
  static readonly G3: usize = VmathK.BYTES + 128;
  static readonly G2: usize = VmathK.BYTES + 144;
  static readonly G1: usize = VmathK.BYTES + 160;
  static readonly G0: usize = VmathK.BYTES + 176;
  /** Bytes of the table (a 64-byte multiple). */
  static readonly BYTES: usize = 576;
}

/** Bytes the constant table needs. */
export function constants_bytes(): i32 {
  return <i32>K.BYTES;
}

/** Writes the constant table at `k` (once; it never changes). */
export function write_constants(k: usize): void {
  VmathK.write(k);
  v128.store(k, f32x4.splat(0.5), K.HALF);
  v128.store(k, f32x4.splat(<f32>Math.SQRT1_2), K.RSQRT2);
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

export class V extends Vmath {
  /** e^x per lane, ~1 ulp; 0 below -87.33 (as the float32 result would nearly be), saturates above 88.37; NaN propagates. */
  @inline static expFlushed(x: v128, k: usize): v128 {
    // below the range: 0, so that e^-∞ = 0 exactly (a NaN compares false and stays)
    return v128.andnot(Vmath.exp(x, k), f32x4.lt(x, v128.load(k, K.EXP_LO)));
  }

  /** e^-|x| per lane (0 where |x| > 87.33). */
  @inline static expNegAbs(x: v128, k: usize): v128 {
    return V.expFlushed(Vmath.negAbs(x, k), k);
  }

  @inline static sigmoid(x: v128, k: usize): v128 {
    return Vmath.sigmoidT(x, V.expNegAbs(x, k), k);
  }

  @inline static silu(x: v128, k: usize): v128 {
    return f32x4.mul(x, V.sigmoid(x, k));
  }

  /** log1p(exp(x)) = max(x, 0) + log1p(e^-|x|) (the caller applies softplus' threshold). */
  @inline static softplus(x: v128, k: usize): v128 {
    return Vmath.softplusT(x, V.expNegAbs(x, k), k);
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
    const e = f32x4.mul(f32x4.mul(t, V.expFlushed(f32x4.neg(f32x4.mul(z, z)), k)), f32x4.mul(g, v128.load(k, K.HALF)));
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
}
