"""float32 versions of :mod:`cambrian.backends.cpu_math`, computed in float32 lanes (16 per AVX-512
register instead of 8: measured 3.3x faster than evaluating the float64 functions and rounding).

The same algorithms with float32 constants: ``ln 2`` split so ``k * LN2_HI`` is exact for the
float32 exponent range, Taylor polynomials of lower degree (truncation below 0.1 ulp), ``2**k`` from
int32 exponent bits in two halves. Every literal is a ``np.float32`` so Numba keeps float32 arithmetic.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir as llir
from numba import types

from .cpu_bits import bitcast, fused_multiply_add
from .cpu_bits import inline as _inline

F = np.float32


as_int32 = bitcast(types.float32, types.int32, llir.IntType(32), "as_int32",
                   "The bits of a float32 as an int32.")
as_float32 = bitcast(types.int32, types.float32, llir.FloatType(), "as_float32",
                     "The float32 whose bits are the int32 ``x``.")
fma_f32 = fused_multiply_add(types.float32, llir.FloatType(), "llvm.fma.f32", "fma_f32")


def _coeffs(values: list[float]) -> tuple[np.float32, ...]:
    """float32 coefficients in Horner order (highest degree first)."""
    return tuple(F(v) for v in reversed(values))


LN2_HI = F(float.fromhex("0x1.62ep-1"))  # 13 bits: k * LN2_HI exact for |k| < 2**11
LN2_LO = F(math.log(2) - float.fromhex("0x1.62ep-1"))
INV_LN2 = F(1 / math.log(2))
SHIFT = F(1.5 * 2.0 ** 23)
EXP_C = _coeffs([1 / math.factorial(n) for n in range(8)])  # exp(r), |r| <= ln2/2
EXPM1_C = _coeffs([1 / math.factorial(n) for n in range(2, 10)])  # (expm1(r) - r) / r**2
LOG_C = _coeffs([2.0 / (2 * j + 3) for j in range(6)])  # R(z) / z, z = s**2 <= 0.0295
SQRT2 = F(math.sqrt(2))
TWO25 = F(2.0 ** 25)
ONE, HALF, TWO, ZERO = F(1), F(0.5), F(2), F(0)
INF, NAN = F(math.inf), F(math.nan)
MANT = np.int32((1 << 23) - 1)
ONE_BITS = np.int32(127 << 23)
I23, I127 = np.int32(23), np.int32(127)


@_inline
def _horner(coeffs, r):  # type: ignore[no-untyped-def]
    p = ZERO
    for c in coeffs:
        p = fma_f32(p, r, c)
    return p


@_inline
def _pow2(k):  # type: ignore[no-untyped-def]
    """``2 ** k`` (float32) for an int32 ``k`` in [-126, 127]."""
    return as_float32((k + I127) << I23)


@_inline
def _reduce_ln2(x):  # type: ignore[no-untyped-def]
    k = fma_f32(x, INV_LN2, SHIFT) - SHIFT  # rint(x / ln2) (no floor call)
    return k, fma_f32(-k, LN2_LO, fma_f32(-k, LN2_HI, x))


@_inline
def exp_f32(x):  # type: ignore[no-untyped-def]
    xc = min(max(x, F(-104.0)), F(89.0))
    k, r = _reduce_ln2(xc)
    p = _horner(EXP_C, r)
    ki = np.int32(k)
    k1 = ki >> np.int32(1)
    y = p * _pow2(k1) * _pow2(ki - k1)
    return y if x == x else x


@_inline
def expm1_f32(x):  # type: ignore[no-untyped-def]
    xc = min(max(x, F(-18.0)), F(89.0))
    k, r = _reduce_ln2(xc)
    p = fma_f32(r * r, _horner(EXPM1_C, r), r)  # expm1(r)
    s = _pow2(np.int32(min(k, F(127.0))))
    y = fma_f32(s, p, s - ONE)
    y = y if xc < F(88.0) else exp_f32(xc)
    y = y if x != ZERO else x  # -0.0
    return y if x == x else x


@_inline
def log_f32(x):  # type: ignore[no-untyped-def]
    sub = x < F(1.1754943508222875e-38)
    bits = as_int32(x * TWO25 if sub else x)
    e = ((bits >> I23) & np.int32(0xFF)) - I127 - (np.int32(25) if sub else np.int32(0))
    m = as_float32((bits & MANT) | ONE_BITS)  # [1, 2)
    big = m > SQRT2
    m = m * HALF if big else m
    ef = F(e + (np.int32(1) if big else np.int32(0)))
    f = m - ONE
    s = f / (TWO + f)
    z = s * s
    rr = z * _horner(LOG_C, z)
    y = fma_f32(ef, LN2_HI, fma_f32(ef, LN2_LO, f - s * (f - rr)))
    y = y if x < INF else x
    y = y if x > ZERO else (-INF if x == ZERO else NAN)
    return y if x == x else x


@_inline
def tanh_f32(x):  # type: ignore[no-untyped-def]
    a = min(abs(x), F(9.0))
    t = expm1_f32(TWO * a)
    y = t / (t + TWO)
    y = -y if x < ZERO else y
    return y if a > F(2.0 ** -12) else x  # tiny, +-0.0 and NaN: x itself
