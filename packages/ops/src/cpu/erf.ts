/**
 * Double-precision erf / erfc (relative error around 1e-16, far below float32 resolution).
 * |x| < 1: the Maclaurin series erf(x) = 2/√π Σ (−1)ⁿ x²ⁿ⁺¹ / (n!(2n+1)), 19 terms.
 * x ≥ 1: erfc(x) = t·e^(−x²)·g(t), t = 2/(2+x), g a degree-20 Chebyshev interpolant in u = 3t − 1 whose
 * coefficients come from `scripts/fit-erfc.py` (mpmath, 40 digits).
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const SERIES: Float64Array = (() => {
  const c = new Float64Array(19);
  let factorial = 1;
  for (let n = 0; n < c.length; n++) {
    if (n > 0) factorial *= n;
    c[n] = (TWO_OVER_SQRT_PI * (n % 2 === 0 ? 1 : -1)) / (factorial * (2 * n + 1));
  }
  return c;
})();

const ERFC_CHEBYSHEV = Float64Array.from([
  0.43645785270859866, 0.17777556529020944, 0.025368743291002742, 0.0018983124584858347, -9.114875514598765e-5, -3.4231442013063065e-5,
  -3.903404090096349e-7, 6.552494838249473e-7, 2.1491725090828276e-8, -1.5768303155349184e-8, -3.873623837875626e-10, 4.559568916955065e-10,
  -5.613203353913524e-12, -1.4324542177745824e-11, 1.0697250749343138e-12, 4.307008001326453e-13, -7.513984807239651e-14,
  -9.721052156318068e-15, 4.0004483633302694e-15, -3.4415399694712804e-17, -1.723469861559945e-16,
]);

/** erf(x) for |x| < 1. */
function erfSmall(x: number): number {
  const u = x * x;
  let p = SERIES[SERIES.length - 1];
  for (let n = SERIES.length - 2; n >= 0; n--) p = p * u + SERIES[n];
  return x * p;
}

/** erfc(x) for x ≥ 1 (Clenshaw evaluation of the Chebyshev series). */
function erfcLarge(x: number): number {
  const t = 2 / (2 + x);
  const u = 3 * t - 1;
  const u2 = 2 * u;
  let b1 = 0;
  let b2 = 0;
  for (let j = ERFC_CHEBYSHEV.length - 1; j >= 1; j--) {
    const b0 = u2 * b1 - b2 + ERFC_CHEBYSHEV[j];
    b2 = b1;
    b1 = b0;
  }
  const g = u * b1 - b2 + ERFC_CHEBYSHEV[0];
  return t * Math.exp(-x * x) * g;
}

/** The error function. */
export function erf(x: number): number {
  if (x >= 1) return 1 - erfcLarge(x);
  if (x <= -1) return erfcLarge(-x) - 1;
  return erfSmall(x); // NaN falls through here and stays NaN
}

/** The complementary error function 1 − erf(x), accurate in relative terms for large x. */
export function erfc(x: number): number {
  if (x >= 1) return erfcLarge(x);
  if (x <= -1) return 2 - erfcLarge(-x);
  return 1 - erfSmall(x);
}
