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
* ``erf``: ``x P(x**2)`` (Taylor) for ``|x| <= 1``; beyond, ``1 - exp(-x**2) g(x)`` with
  ``g = erfc(x) exp(x**2)`` as Chebyshev series on three intervals up to 6 (all three evaluated by
  Clenshaw's recurrence as straight-line code, one selected); ``+-1`` beyond 6.
* ``tanh``: ``t = expm1(2|x|)``, ``tanh = sign(x) t / (t + 2)``; ``x`` itself below ``2**-28``, ``+-1``
  beyond 22.

``sin``/``cos`` are not here: their small-argument reduction (Cody-Waite, three parts of pi/2) plus
polynomials vectorise (1.4 ms for 1e6 float64 on one thread, NumPy's scalar sin 14-55 ms), but exact
reduction of large arguments needs either a C library call (LLVM then speculates it for every
element: no gain) or a Payne-Hanek reduction computed for every element: with table lookups
(gathers) ~20x slower than the small-argument path, as straight-line code over all 52 24-bit chunks
of 2/pi ~50x (it vectorises, but its error-free additions form a latency-bound chain: ~1.2 ns per
chunk and element). A loop-level split (a vector pass over small arguments, then the
rest) or a vectorising Payne-Hanek is left to do. ``pow`` is not here either: ``**`` is NumPy's
``power`` bit for bit (docs/semantics.md, tested), and a double-double ``exp(y log x)`` (commit
95dc4be, <= 1.8 ulp) measured only ~1.5x faster than the C library call.

float32 ``exp``/``expm1``/``log``/``tanh`` (:mod:`cambrian.backends.cpu_math32`) are the same
algorithms in float32 lanes; float32 ``erf`` is the float64 one rounded once.
Imported only by generated kernel modules (after Numba is known to be present).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir as llir
from numba import types

from .cpu_bits import bitcast, fused_multiply_add
from .cpu_bits import inline as _inline

as_int64 = bitcast(types.float64, types.int64, llir.IntType(64), "as_int64",
                   "The bits of a float64 as an int64.")
as_float64 = bitcast(types.int64, types.float64, llir.DoubleType(), "as_float64",
                     "The float64 whose bits are the int64 ``x``.")
#: a * b + c rounded once (``cambrian.fma`` of the kernel language, as on every other device: with
#: the same operations in the same order, results are bit-identical to :mod:`cambrian.math_kernels`)
fma_f64 = fused_multiply_add(types.float64, llir.DoubleType(), "llvm.fma.f64", "fma_f64")


def _taylor(first: int, last: int, step: int = 1, sign: int = 1, lead: int = 1) -> tuple[float, ...]:
    """Coefficients ``lead * sign**j / n!`` for n = last, last - step, ..., first (Horner order)."""
    out = []
    for j, n in enumerate(range(first, last + 1, step)):
        out.append(lead * (sign ** j) / math.factorial(n))
    return tuple(reversed(out))


# ln 2 split in two (computed with mpmath at 300 bits; scripts/math_accuracy.py checks it)
LN2_HI = float.fromhex("0x1.62e42ff000000p-1")  # 29 bits: k * LN2_HI is exact for |k| < 2**24
LN2_LO = float.fromhex("-0x1.718432a1b0e26p-35")
INV_LN2 = 1 / math.log(2)
SHIFT = 1.5 * 2.0 ** 52  # (y + SHIFT) - SHIFT rounds y to an integer
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
        p = fma_f64(p, r, c)
    return p


@_inline
def _pow2(k):  # type: ignore[no-untyped-def]
    """``2.0 ** k`` for an integer-valued float64 ``k`` in [-1022, 1023]."""
    return as_float64((np.int64(k) + 1023) << 52)


@_inline
def _reduce_ln2(x):  # type: ignore[no-untyped-def]
    k = fma_f64(x, INV_LN2, SHIFT) - SHIFT  # rint(x / ln2): exact for |x / ln2| < 2**51 (no floor call)
    return k, fma_f64(-k, LN2_LO, fma_f64(-k, LN2_HI, x))


@_inline
def exp_f64(x):  # type: ignore[no-untyped-def]
    xc = min(max(x, -746.0), 710.0)  # NaN -> -746 here; selected back below
    k, r = _reduce_ln2(xc)
    p = _horner(EXP_C, r)
    ki = np.int64(k)
    k1 = ki >> 1
    y = p * as_float64((k1 + 1023) << 52) * as_float64((ki - k1 + 1023) << 52)
    return y if x == x else x


@_inline
def expm1_f64(x):  # type: ignore[no-untyped-def]
    xc = min(max(x, -40.0), 710.0)
    k, r = _reduce_ln2(xc)
    k = min(k, 1023.0)
    p = fma_f64(r * r, _horner(EXPM1_C, r), r)  # expm1(r)
    s = _pow2(k)
    y = fma_f64(s, p, s - 1.0)
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
    y = fma_f64(ef, LN2_HI, fma_f64(ef, LN2_LO, f - s * (f - rr)))
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


#: 2/sqrt(pi) (-1)**n / (n! (2n + 1)): erf(x) = x P(x**2), |x| <= 1 (Taylor; truncation < 2**-60)
ERF_TAYLOR = tuple(reversed([2 / math.sqrt(math.pi) * (-1) ** n / (math.factorial(n) * (2 * n + 1))
                             for n in range(20)]))
#: Chebyshev coefficients of g(x) = erfc(x) exp(x**2) on [1, 2], [2, 3.5], [3.5, 6] (one column each),
#: computed with mpmath (interpolation at 28 Chebyshev nodes, 200 bits); erf = 1 - exp(-x**2) g(x).
ERF_CHEB = (
    (0.331427281639452, 0.19943078169681192, 0.12011119518612726),
    (-0.0850021377067432, -0.04938002535992735, -0.03077508367843977),
    (0.009951127341466115, 0.00584049638189269, 0.003865397162805732),
    (-0.0010810888102208325, -0.0006632226933017975, -0.00047649553104630324),
    (0.0001102324363119495, 7.259178935511736e-05, 5.770371528146291e-05),
    (-1.0636830518218601e-05, -7.682952765978158e-06, -6.87063803752421e-06),
    (9.775012680479055e-07, 7.883915794570548e-07, 8.049536979209691e-07),
    (-8.597922867888315e-08, -7.861599623239447e-08, -9.285957122953073e-08),
    (7.2677084117248425e-09, 7.632681897920269e-09, 1.055453759031051e-08),
    (-5.923543840592542e-10, -7.227220937985042e-10, -1.1826607946099641e-09),
    (4.6683928572294154e-11, 6.683956650788739e-11, 1.3071369079163705e-10),
    (-3.56612770156775e-12, -6.045467151546551e-12, -1.4257239280506568e-11),
    (2.6458779519104523e-13, 5.353822288044628e-13, 1.5353276736774004e-12),
    (-1.9101658673527567e-14, -4.6471602519833763e-14, -1.6330584393840345e-13),
    (1.343976588479829e-15, 3.957386034387205e-15, 1.716360603412163e-14),
    (-9.228790549094326e-17, -3.3089920479178426e-16, -1.7831232826173895e-15),
    (6.19267308464391e-18, 2.7188560214028356e-17, 1.83176561966693e-16),
    (-4.0652224326488762e-19, -2.196787001971828e-18, -1.861292377204558e-17),
)


def _clenshaw(coeffs: tuple[float, ...]):  # type: ignore[no-untyped-def]
    """``u -> sum c_k T_k(u)`` for ``coeffs`` = c_{n-1}, ..., c_0, as straight-line code (a loop over
    a long tuple is not unrolled by LLVM, and the kernel's loop then does not vectorise)."""
    lines = ["def clenshaw(u):", "    b1 = 0.0", "    b2 = 0.0", "    u2 = 2.0 * u"]
    for c in coeffs:
        lines += [f"    b0 = fma_f64(u2, b1, {c!r} - b2)", "    b2 = b1", "    b1 = b0"]
    lines.append("    return b1 - u * b2")
    ns = {"fma_f64": fma_f64}
    exec(compile("\n".join(lines), "<cambrian cpu_math clenshaw>", "exec"), ns)
    return _inline(ns["clenshaw"])


def _straight_horner(coeffs: tuple[float, ...]):  # type: ignore[no-untyped-def]
    """``r -> polynomial`` (``coeffs`` highest degree first) as straight-line code (see _clenshaw)."""
    lines = ["def horner(r):", "    p = 0.0"] + [f"    p = fma_f64(p, r, {c!r})" for c in coeffs]
    ns = {"fma_f64": fma_f64}
    exec(compile("\n".join([*lines, "    return p"]), "<cambrian cpu_math horner>", "exec"), ns)
    return _inline(ns["horner"])


_ERF_P = _straight_horner(ERF_TAYLOR)
_ERF_G1, _ERF_G2, _ERF_G3 = (_clenshaw(tuple(c[i] for c in ERF_CHEB[::-1])) for i in range(3))


@_inline
def erf_f64(x):  # type: ignore[no-untyped-def]
    a = abs(x)
    near = x * _ERF_P(x * x)
    ac = min(max(a, 1.0), 6.0)
    r1 = ac < 2.0
    r2 = ac < 3.5
    mid = 3.0 if r1 else (5.5 if r2 else 9.5)  # lo + hi of the interval
    inv = 1.0 if r1 else (1 / 1.5 if r2 else 1 / 2.5)  # 1 / (hi - lo)
    u = (2.0 * ac - mid) * inv
    g1 = _ERF_G1(u)  # all three computed, one selected
    g2 = _ERF_G2(u)
    g3 = _ERF_G3(u)
    g = g1 if r1 else (g2 if r2 else g3)
    far = 1.0 - exp_f64(-ac * ac) * g
    far = -far if x < 0.0 else far
    return near if a <= 1.0 else (far if a == a else x)


@_inline
def erf_f32(x):  # type: ignore[no-untyped-def]
    return np.float32(erf_f64(np.float64(x)))


from .cpu_math32 import (  # noqa: E402  (float32 lanes; the bit casts and fma of the kernel language)
    as_float32,
    as_int32,
    exp_f32,
    expm1_f32,
    fma_f32,
    log_f32,
    tanh_f32,
)

__all__ = ["as_float32", "as_float64", "as_int32", "as_int64", "erf_f32", "erf_f64", "exp_f32", "exp_f64",
           "expm1_f32", "expm1_f64", "fma_f32", "fma_f64", "log_f32", "log_f64", "tanh_f32", "tanh_f64"]
