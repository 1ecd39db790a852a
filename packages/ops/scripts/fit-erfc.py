"""Derives the Chebyshev coefficients used by src/cpu/erf.ts (run: python3 fit-erfc.py; needs mpmath).

For x >= 1 the code evaluates erfc(x) = t * exp(-x^2) * g(t) with t = 2 / (2 + x), where
g(t) = erfc(x) * exp(x^2) / t is smooth on t in (0, 2/3] and tends to 1 / (2 sqrt(pi)) as x -> inf.
g is interpolated at the 21 Chebyshev nodes of u = 3t - 1 in [-1, 1] (degree 20: relative error ~6e-17).
"""
import mpmath as mp

mp.mp.dps = 40
DEGREE = 20


def g_of_u(u):
    t = (mp.mpf(u) + 1) / 3
    if t == 0:
        return 1 / (2 * mp.sqrt(mp.pi))
    x = 2 / t - 2
    return mp.erfc(x) * mp.exp(x * x) / t


def main():
    n = DEGREE + 1
    half = mp.mpf(1) / 2
    nodes = [mp.cos(mp.pi * (k + half) / n) for k in range(n)]
    values = [g_of_u(u) for u in nodes]
    coeffs = [
        (2 if j else 1) * mp.fsum(values[k] * mp.cos(mp.pi * j * (k + half) / n) for k in range(n)) / n
        for j in range(n)
    ]
    for c in coeffs:
        print(f'  {float(c)!r},')


if __name__ == '__main__':
    main()
