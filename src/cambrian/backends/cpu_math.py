"""Cambrian's own call-free math functions for the ``cpu`` backend (``CAMBRIAN_MATH=cambrian``).

Numba calls the scalar C library once per element for ``exp``/``log``/``sin``/... (pip's llvmlite has
no vector math library), so loops using them do not vectorise. These implementations are straight-line
code (range reduction + polynomial + selects, no calls, no branches) that LLVM vectorises across the
kernel's ``prange`` loop. Algorithms (written for Cambrian from the textbook methods, coefficients
derived here, see :mod:`cambrian.compiler.mathlib`):

* ``exp``: Cody-Waite reduction ``x = k ln2 + r`` (``ln2`` split in two so ``k * LN2_HI`` is exact),
  ``|r| <= ln2/2``, Taylor polynomial of degree 13 (truncation < 2**-60), scaling by ``2**k`` built from
  its exponent bits in two halves (so results that are subnormal or overflow round once, to 0 or inf).
* ``expm1``: the same reduction; ``2**k * expm1(r) + (2**k - 1)`` keeps small results accurate.
* ``log``: ``x = 2**e * m`` with ``m`` in ``[sqrt(1/2), sqrt(2))`` from the bits (subnormals scaled
  first); ``log(m) = f - s (f - R(s**2))`` with ``f = m - 1``, ``s = f / (2 + f)`` and ``R`` the
  ``atanh`` series; ``e ln2`` added in two parts.
* ``tanh``: ``t = expm1(2|x|)``, ``tanh = sign(x) t / (t + 2)``; ``x`` itself below ``2**-28``, ``+-1``
  beyond 22.

``sin``/``cos`` are not here: their small-argument reduction (Cody-Waite, three parts of pi/2) plus
polynomials vectorise (1.4 ms for 1e6 float64 on one thread, NumPy's scalar sin 14-55 ms), but exact
reduction of large arguments needs either a C library call (LLVM then speculates it for every
element: no gain) or a Payne-Hanek reduction computed for every element, which as first written
here (table lookups, i.e. gathers, or straight-line code over all 24-bit chunks of 2/pi) ran 7-100x
slower than the small-argument path. A loop-level split (a vector pass over small arguments, then the
rest) or a vectorising Payne-Hanek is left to do.

float32 functions (:mod:`cambrian.backends.cpu_math32`) are the same algorithms in float32 lanes.
Imported only by generated kernel modules (after Numba is known to be present).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir as llir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_inline = njit(inline="always", nogil=True, error_model="numpy")


@intrinsic
def as_int64(typingctx, x):  # type: ignore[no-untyped-def]
    """The bits of a float64 as an int64 (an LLVM bitcast, which vectorises)."""
    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], llir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def as_float64(typingctx, x):  # type: ignore[no-untyped-def]
    """The float64 whose bits are the int64 ``x``."""
    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], llir.DoubleType())
    return types.float64(types.int64), codegen


@intrinsic
def fmuladd(typingctx, a, b, c):  # type: ignore[no-untyped-def]
    """``a * b + c``, fused where the machine has FMA (LLVM's ``fmuladd``), else multiply then add."""
    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        dbl = llir.DoubleType()
        fn = cgutils.get_or_insert_function(builder.module, llir.FunctionType(dbl, [dbl] * 3),
                                            "llvm.fmuladd.f64")
        return builder.call(fn, args)
    return types.float64(types.float64, types.float64, types.float64), codegen


def _taylor(first: int, last: int, step: int = 1, sign: int = 1, lead: int = 1) -> tuple[float, ...]:
    """Coefficients ``lead * sign**j / n!`` for n = last, last - step, ..., first (Horner order)."""
    out = []
    for j, n in enumerate(range(first, last + 1, step)):
        out.append(lead * (sign ** j) / math.factorial(n))
    return tuple(reversed(out))


# ln 2 and pi/2 split into parts (computed with mpmath at 300 bits; scripts/math_accuracy.py checks them)
LN2_HI = float.fromhex("0x1.62e42ff000000p-1")  # 29 bits: k * LN2_HI is exact for |k| < 2**24
LN2_LO = float.fromhex("-0x1.718432a1b0e26p-35")
INV_LN2 = 1 / math.log(2)
EXP_C = _taylor(0, 13)  # exp(r), |r| <= ln2/2
EXPM1_C = _taylor(2, 14)  # (expm1(r) - r) / r**2
LOG_C = tuple(reversed([2.0 / (2 * j + 3) for j in range(11)]))  # R(z) / z, z = s**2 <= 0.0295
TWO54 = 2.0 ** 54
SQRT_HALF = math.sqrt(0.5)
MANT = (1 << 52) - 1
ONE_BITS = 1023 << 52


@_inline
def _horner(coeffs, r):  # type: ignore[no-untyped-def]
    p = 0.0
    for c in coeffs:
        p = fmuladd(p, r, c)
    return p


@_inline
def _pow2(k):  # type: ignore[no-untyped-def]
    """``2.0 ** k`` for an integer-valued float64 ``k`` in [-1022, 1023]."""
    return as_float64((np.int64(k) + 1023) << 52)


@_inline
def _reduce_ln2(x):  # type: ignore[no-untyped-def]
    k = np.floor(fmuladd(x, INV_LN2, 0.5))
    return k, fmuladd(-k, LN2_LO, fmuladd(-k, LN2_HI, x))


@_inline
def exp_f64(x):  # type: ignore[no-untyped-def]
    xc = min(max(x, -746.0), 710.0)  # NaN -> -746 here; selected back below
    k, r = _reduce_ln2(xc)
    p = _horner(EXP_C, r)
    k1 = np.floor(k * 0.5)
    y = p * _pow2(k1) * _pow2(k - k1)
    return y if x == x else x


@_inline
def expm1_f64(x):  # type: ignore[no-untyped-def]
    xc = min(max(x, -40.0), 710.0)
    k, r = _reduce_ln2(xc)
    k = min(k, 1023.0)
    p = fmuladd(r * r, _horner(EXPM1_C, r), r)  # expm1(r)
    s = _pow2(k)
    y = fmuladd(s, p, s - 1.0)
    y = y if xc < 709.0 else exp_f64(xc)
    y = y if x != 0.0 else x  # -0.0
    return y if x == x else x


@_inline
def log_f64(x):  # type: ignore[no-untyped-def]
    sub = x < 2.2250738585072014e-308
    xs = x * TWO54 if sub else x
    bits = as_int64(xs)
    e = ((bits >> 52) & 0x7FF) - 1023 - (54 if sub else 0)
    m = as_float64((bits & MANT) | ONE_BITS)  # [1, 2)
    big = m > 2.0 * SQRT_HALF
    m = m * 0.5 if big else m
    ef = np.float64(e + (1 if big else 0))
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    rr = z * _horner(LOG_C, z)
    y = fmuladd(ef, LN2_HI, fmuladd(ef, LN2_LO, f - s * (f - rr)))
    y = y if x < math.inf else x  # +inf
    y = y if x > 0.0 else (-math.inf if x == 0.0 else math.nan)
    return y if x == x else x


@_inline
def tanh_f64(x):  # type: ignore[no-untyped-def]
    a = min(abs(x), 22.0)
    t = expm1_f64(2.0 * a)
    y = t / (t + 2.0)
    y = -y if x < 0.0 else y
    return y if a > 3.725290298461914e-09 else x  # tiny, +-0.0 and NaN: x itself


from .cpu_math32 import exp_f32, expm1_f32, log_f32, tanh_f32  # noqa: E402  (float32 lanes)

__all__ = ["exp_f32", "exp_f64", "expm1_f32", "expm1_f64", "log_f32", "log_f64", "tanh_f32", "tanh_f64"]
