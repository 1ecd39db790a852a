#!/usr/bin/env python3
"""Fits the float32 erfc used by the WASM GELU kernel (assembly/vmath.ts).

erfc(z) = t * exp(-z^2) * g(t) for z >= 0 with t = 2 / (2 + z) in (0, 1]; g is smooth on t in [0.16, 1]
(z up to 10.5, past the point where exp(-z^2) underflows in float32). g is fitted by least squares with relative
weights on Chebyshev nodes (double precision, Python's math.erfc) and printed as monomial coefficients for Horner
evaluation in float32, highest degree first, with the worst relative error of that float32 evaluation.
Needs numpy only.
"""
import math

import numpy as np

LO, HI, DEG = 0.16, 1.0, 9


def g(t):
    z = 2.0 / t - 2.0
    return math.erfc(z) * math.exp(z * z) / t


n = 4000
xs = (np.cos(np.pi * (np.arange(n) + 0.5) / n) + 1) / 2 * (HI - LO) + LO
ys = np.array([g(x) for x in xs])
cheb = np.polynomial.chebyshev.Chebyshev.fit(xs, ys, DEG, domain=[LO, HI], w=1 / ys)
coef = cheb.convert(kind=np.polynomial.Polynomial, domain=[LO, HI], window=[LO, HI]).coef

test = np.linspace(LO, HI, 50001)
exact = np.array([g(x) for x in test])
c32 = coef.astype(np.float32)
acc = np.full(test.shape, c32[-1], dtype=np.float32)
t32 = test.astype(np.float32)
for c in c32[-2::-1]:
    acc = (acc * t32 + c).astype(np.float32)
print(f"degree {DEG}: max relative error, float32 Horner {np.max(np.abs(acc - exact) / exact):.2e}")
for i, c in reversed(list(enumerate(c32))):
    print(f"  t^{i}: {float(c)!r}")
