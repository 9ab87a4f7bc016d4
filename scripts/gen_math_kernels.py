"""Write ``src/cambrian/math_kernels.py``: Cambrian's math functions in the kernel language.

The coefficients are computed here (the algorithms are described in the generated module's
docstring); this script writes the functions out as kernel-language device functions with every
polynomial unrolled into straight-line ``cb.fma`` calls
(a loop over a coefficient tuple would stay a loop in the generated C, and a loop does not vectorise
across work-items as straight-line code does). Run it after changing a coefficient:

    python scripts/gen_math_kernels.py
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from gen_math_pow import REDUCE, cheb_fit, pow_funcs
from gen_math_sincos32 import SINCOS32_FAST_MAX, sincos32

OUT = Path(__file__).resolve().parents[1] / "src" / "cambrian" / "math_kernels.py"
#: the float32 functions (a module of their own: each stays under 500 lines)
OUT32 = OUT.with_name("math_kernels_f32.py")


def _taylor(first: int, last: int) -> tuple[float, ...]:
    """Taylor coefficients ``1 / n!`` for n = last, ..., first (Horner order: highest degree first)."""
    return tuple(1 / math.factorial(n) for n in range(last, first - 1, -1))


def _log_poly32() -> tuple[float, ...]:
    """Chebyshev fit (degree 9, mpmath, error 5e-9) of (log1p(f) - f) / f**2 on [sqrt(1/2) - 1,
    sqrt(2) - 1], highest degree first."""
    import mpmath as mp

    with mp.workprec(120):
        def g(f: object) -> object:
            return (mp.log1p(f) - f) / f ** 2 if f != 0 else mp.mpf(-0.5)
        poly = mp.chebyfit(g, [mp.sqrt(0.5) - 1, mp.sqrt(2) - 1], 10)
    return tuple(float(c) for c in poly)


def _log_atanh_fit() -> tuple[float, ...]:
    """Chebyshev fit (degree 6, mpmath) of ``R(z) / z = 2 (atanh(s) / s - 1) / z`` in ``z = s**2`` on
    ``[0, (3 - 2 sqrt 2)**2]``, highest degree first: error 3.1e-16, i.e. 2**-57.6 relative in ``log(1 + f)``
    (the Taylor series needs 11 terms for that)."""
    import mpmath as mp

    def g(z: object) -> object:
        s = mp.sqrt(z)  # type: ignore[arg-type]
        return 2 * (mp.atanh(s) / s - 1) / z if z != 0 else mp.mpf(2) / 3  # type: ignore[operator]

    with mp.workprec(150):
        zmax = (3 - 2 * mp.sqrt(2)) ** 2
    return cheb_fit(g, 0, zmax, 7)


def _f32(values: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(float(np.float32(v)) for v in values)


#: float64 constants. ln 2 split in two (LN2_HI has 29 bits: k * LN2_HI is exact for |k| < 2**24;
#: scripts/math_accuracy.py checks the pair against mpmath).
m64 = SimpleNamespace(
    LN2_HI=float.fromhex("0x1.62e42ff000000p-1"), LN2_LO=float.fromhex("-0x1.718432a1b0e26p-35"),
    INV_LN2=1 / math.log(2), SHIFT=1.5 * 2.0 ** 52,  # (y + SHIFT) - SHIFT rounds y to an integer
    EXP_C=_taylor(0, 13),  # exp(r), |r| <= ln2/2 (truncation < 2**-60)
    EXPM1_C=_taylor(2, 14),  # (expm1(r) - r) / r**2
    LOG_C=_log_atanh_fit(),  # R(z) / z, z = s**2 <= 0.0295
    #: 2/sqrt(pi) (-1)**n / (n! (2n + 1)): erf(x) = x P(x**2), |x| <= 1
    ERF_TAYLOR=tuple(2 / math.sqrt(math.pi) * (-1) ** n / (math.factorial(n) * (2 * n + 1))
                     for n in range(19, -1, -1)),
    #: Chebyshev coefficients c_0..c_17 of g(x) = erfc(x) exp(x**2) on [1, 2], [2, 3.5], [3.5, 6] (one
    #: column each; mpmath, interpolation at 28 Chebyshev nodes, 200 bits): erf = 1 - exp(-x**2) g(x)
    ERF_CHEB=(
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
    ),
)
#: float32 constants (every one a float32 value): ln 2 split so k * LN2_HI is exact for |k| < 2**11;
#: Taylor polynomials of lower degree (truncation below 0.1 ulp)
m32 = SimpleNamespace(
    LN2_HI=float(np.float32(float.fromhex("0x1.62ep-1"))),
    LN2_LO=float(np.float32(math.log(2) - float.fromhex("0x1.62ep-1"))),
    INV_LN2=float(np.float32(1 / math.log(2))), SHIFT=1.5 * 2.0 ** 23,
    EXP_C=_f32(_taylor(0, 7)), EXPM1_C=_f32(_taylor(2, 9)),
    LOG_F_C=_f32(_log_poly32()),
)


#: log(1 + f) = lf for f = m - 1 in [sqrt(1/2) - 1, sqrt(2) - 1]: float64 through s = f / (2 + f) and the
#: atanh series in s**2; float32 as f + f**2 P(f) (no division: ~10% faster; max error 0.89 ulp on
#: docs/math_accuracy.md's samples, 0.70 with the atanh series)
LOGCORE = {
    "f64": """    s = f / (2.0 + f)
    z = s * s
    rr = z * {H:LOG_C:z}
    lf = f - s * (f - rr)""",
    "f32": """    lf = cb.fma(f * f, {H:LOG_F_C:f}, f)""",
}


def f64(v: float) -> str:
    return repr(float(v))


def f32(v: float) -> str:
    return f"np.float32({float(v)!r})"


def horner(coeffs: tuple[float, ...], r: str, lit: object) -> str:
    """``coeffs`` (highest degree first) at ``r`` as nested fma calls."""
    p = lit(coeffs[0])  # type: ignore[operator]
    for c in coeffs[1:]:
        p = f"cb.fma({p}, {r}, {lit(c)})"  # type: ignore[operator]
    return p


def clenshaw(coeffs: tuple[float, ...], u: str, name: str) -> list[str]:
    """Lines computing ``name = sum c_k T_k(u)`` (``coeffs`` = c_{n-1} ... c_0) by Clenshaw."""
    lines = ["    b1 = 0.0", "    b2 = 0.0", f"    u2 = 2.0 * {u}"]
    for c in coeffs:
        lines += [f"    b0 = cb.fma(u2, b1, {float(c)!r} - b2)", "    b2 = b1", "    b1 = b0"]
    return [*lines, f"    {name} = b1 - {u} * b2"]


HEADER = '''"""Cambrian's math functions in the kernel language (generated: scripts/gen_math_kernels.py).

Every compiled device (cpu, OpenCL, CUDA) calls these device functions for ``exp``, ``expm1``,
``log``, ``tanh``, ``erf``, ``pow``/``**`` and float32 ``sin``/``cos`` when ``CAMBRIAN_MATH=cambrian``
(the default; see :mod:`cambrian.compiler.mathlib`): straight-line code (range reduction, polynomial,
selects, no calls, no branches) that the device compilers vectorise across work-items (Numba/LLVM
would call the scalar C library per element, PoCL's float64 ``log`` costs ~35 ns per element). The
same operations in the same order with fused multiply-adds (``cb.fma``) on every device: results are
bit-identical on every device. float32 ``erf``/``pow``/``sin``/``cos`` compute in float64 where the
device has it. Algorithms (written for
Cambrian from the textbook methods; coefficients derived in the generator):

* ``exp``: Cody-Waite reduction ``x = k ln2 + r`` (``k = rint(x / ln2)`` by the ``1.5 * 2**52`` shift,
  ``ln2`` split in two so ``k * LN2_HI`` is exact), ``|r| <= ln2/2``, Taylor polynomial of degree 13
  (truncation < 2**-60), scaling by ``2**k`` built from exponent bits in two halves (so subnormal and
  overflowing results round once).
* ``expm1``: the same reduction; ``2 (2**(k-1) expm1(r) + (2**(k-1) - 1/2))`` (one rounding, the last
  doubling overflows where the result does) keeps small results accurate.
* ``log``: ``x = 2**e * m``, ``m`` in ``[sqrt(1/2), sqrt(2))`` by integer operations on the bits
  (``e`` from the bits minus those of ``sqrt(1/2)``, no compare; subnormals scaled first);
  ``log(m) = f - s (f - R(s**2))`` with ``f = m - 1``, ``s = f / (2 + f)``, ``R`` a degree-6
  Chebyshev fit of the ``atanh`` series (2**-57.6; float32: ``f + f**2 P(f)``, a degree-9 fit, no
  division); ``e ln2`` added in two parts.
* ``erf``: ``x P(x**2)`` (Taylor) for ``|x| <= 1``; beyond, ``1 - exp(-x**2) g(x)`` with ``g = erfc(x)
  exp(x**2)`` as Chebyshev series on three intervals up to 6 (all three evaluated by Clenshaw's
  recurrence, one selected); ``+-1`` beyond 6.
* ``tanh``: ``t = expm1(2|x|)``, ``tanh = sign(x) t / (t + 2)``; ``x`` itself when tiny, ``+-1`` beyond.
* ``pow``: ``log|x|`` in double-double (exact residuals of ``2 + f`` and ``s``, ``2s**3/3`` in
  double-double, Dekker's fast two-sums), ``y log|x|`` as an exact fma product, ``exp`` of the pair
  (<= 2 ulp; ``1 / (2 + f)`` as ``(1 - s) / 2``, the atanh series after ``2s**3/3`` a degree-7 fit);
  NumPy's special cases (zeros, infinities, NaN, negative bases with integer exponents,
  ``x == 1``, ``y == 0``) by selects. ``x ** n`` for an integer-valued constant ``n`` keeps the
  device's ``pow`` (which folds ``x ** 2.0`` to ``x * x``).
* float32 versions: the same algorithms in float32 lanes with float32 constants; float32 ``erf`` is
  float64's rounded once. float32 ``pow`` computes ``2**(y log2|x|)`` in float64 (every finite
  float32 is a normal float64, every float32 result a normal power of two there: no subnormal steps,
  one scaling): ``log2`` by the same reduction with a 5-term fit in ``s**2`` (2**-37.7), ``y log2|x|``
  clamped to ``[-200, 200]``, ``2**r`` for ``|r| <= 1/2`` by a 7-term fit (2**-29.4), then float64
  ``pow``'s special cases and one rounding (0.53 ulp on the samples).

* float32 ``sin``/``cos``: for ``|x| < 2**17`` (:data:`SINCOS32_FAST_MAX`) the fast path in float32 lanes:
  ``k = rint(x 2/pi)``, Cody-Waite reduction with ``pi/2`` in three float32 parts (``x - k P1`` exact
  for ``k < 2**17``, ``k P2`` split exactly by an fma, a two-sum) to ``r = rh + rl``, Taylor
  polynomials for ``sin`` and ``cos`` of ``r`` with ``rl`` added last (0.85 ulp). Beyond, and for
  inf/NaN, the exact path, computed in float64. ``|x| = m 2**e`` (``m < 2**24``) and
  ``|x| 2/pi mod 4 = m (2**e 2/pi mod 4)``: four 24-bit chunks of ``2/pi`` chosen by ``e`` (by selects;
  the chunks before them add multiples of 4), each product with ``m`` exact, the first two reduced
  mod 4 exactly; so the quarter-turn fraction is accurate to 2**-52 relative for every float32,
  however large (Payne-Hanek's exact reduction without a table or a branch), then Taylor polynomials
  for ``sin`` and ``cos`` of ``r = f pi/2``, ``|r| <= pi/4``, chosen by the quadrant (0.50001 ulp).
  ``cambrian_sin_f32`` is ``fast(x) if |x| < 2**17 else exact(x)`` (both computed, one selected); the
  ``cpu`` device runs blocks of elements without large arguments through the fast path alone
  (:mod:`cambrian.compiler.tiering`): the same results, ~5x less work. float64 ``sin``/``cos`` stay
  the device library's: their exact reduction needs ~1100 bits of ``2/pi``,
  which straight-line code without tables would pay for every element.

The float32 functions are in :mod:`cambrian.math_kernels_f32`. Do not edit this file: regenerate it.
"""

# ruff: noqa: E501
from __future__ import annotations

import math

import numpy as np

import cambrian as cb
'''

HEADER32 = '''"""Cambrian's float32 math functions in the kernel language (generated:
scripts/gen_math_kernels.py; the algorithms are described in :mod:`cambrian.math_kernels`). Do not edit
this file: regenerate it.
"""

# ruff: noqa: E501
from __future__ import annotations

import math

import numpy as np

import cambrian as cb

'''

FUNCS64 = '''

@cb.func
def cambrian_erf_f64(x):
    a = abs(x)
    x2 = x * x
    near = x * {H:ERF_TAYLOR:x2}
    ac = 1.0 if a < 1.0 else a
    ac = 6.0 if ac > 6.0 else ac
    r1 = ac < 2.0
    r2 = ac < 3.5
    mid = 3.0 if r1 else (5.5 if r2 else 9.5)
    inv = 1.0 if r1 else (ERF_INV2 if r2 else ERF_INV3)
    u = (2.0 * ac - mid) * inv
{CLENSHAW}
    g = g1 if r1 else (g2 if r2 else g3)
    far = 1.0 - cambrian_exp_f64(-ac * ac) * g
    far = -far if x < 0.0 else far
    return near if a <= 1.0 else (far if a == a else x)
'''

FUNCS32 = '''

@cb.func
def cambrian_erf_f32(x):
    return np.float32(cambrian_erf_f64(np.float64(x)))

'''


#: exp, expm1, log and tanh, written once for both float types: {F:v} is the literal v in the type,
#: {C:NAME} a constant of the type, {H:COEFFS:r} a polynomial, {KEY} an entry of PARAMS
TYPED = '''

@cb.func
def cambrian_exp_{T}(x):
    xc = {F:EXP_LO} if x < {F:EXP_LO} else x  # (clamps as selects: NaN needs no care, see the end)
    xc = {F:EXP_HI} if xc > {F:EXP_HI} else xc
    k = cb.fma(xc, {C:INV_LN2}, {C:SHIFT}) - {C:SHIFT}
    r = cb.fma(-k, {C:LN2_LO}, cb.fma(-k, {C:LN2_HI}, xc))
    p = {H:EXP_C:r}
    ki = {INT}(k)
    k1 = ki >> 1
    y = p * cb.int_as_float((k1 + {BIAS}) << {MBITS}) * cb.int_as_float((ki - k1 + {BIAS}) << {MBITS})
    return y if x == x else x


@cb.func
def cambrian_expm1_{T}(x):
    xc = {F:EXPM1_LO} if x < {F:EXPM1_LO} else x
    xc = {F:EXP_HI} if xc > {F:EXP_HI} else xc
    k = cb.fma(xc, {C:INV_LN2}, {C:SHIFT}) - {C:SHIFT}
    r = cb.fma(-k, {C:LN2_LO}, cb.fma(-k, {C:LN2_HI}, xc))
    p = cb.fma(r * r, {H:EXPM1_C:r}, r)
    h = cb.int_as_float(({INT}(k) + ({BIAS} - 1)) << {MBITS})  # 2**(k - 1): k <= EXP_HI / ln2 = 1024 | 128
    y = {F:2.0} * cb.fma(h, p, h - {F:0.5})  # = 2**k expm1(r) + 2**k - 1, rounded once; overflows at the end
    y = y if abs(x) > {F:EXPM1_TINY} else x  # (x itself, -0.0 and subnormals included: halving lost them)
    return y if x == x else x


@cb.func
def cambrian_log_{T}(x):
    sub = x < {F:TINY}
    bits = cb.float_as_int(x * {F:SUBSCALE} if sub else x)
{REDUCE}    ef = {FLOAT}(e - ({INT}({SUBEXP}) if sub else {INT}(0)))
    f = m - {F:1.0}
{LOGCORE}
    y = cb.fma(ef, {C:LN2_HI}, cb.fma(ef, {C:LN2_LO}, lf))
    y = y if x < {F:math.inf} else x
    zero = {F:0.0}
    y = y if x > zero else ({F:-math.inf} if x == zero else {F:math.nan})
    return y if x == x else x


@cb.func
def cambrian_tanh_{T}(x):
    ax = abs(x)
    a = ax if ax < {F:TANH_MAX} else {F:TANH_MAX}
    t = cambrian_expm1_{T}({F:2.0} * a)
    y = t / (t + {F:2.0})
    y = -y if x < {F:0.0} else y
    return y if ax > {F:TANH_TINY} else x
'''

#: per float type: its constants' suffix, literal spelling, integer type and the type's numbers
PARAMS = {
    "f64": dict(T="f64", SUFFIX="", LIT=f64, MOD=m64, INT="np.int64", FLOAT="np.float64", BIAS="1023",
                MBITS="52", EMASK="0x7FF", MMASK="0xFFFFFFFFFFFFF", ROOTHALF="0x3FE6A09E667F3BCD",
                SUBEXP="54", EXP_LO=-746.0, EXP_HI=710.0, EXPM1_LO=-40.0, EXPM1_TINY=2.0 ** -54,
                TINY=2.2250738585072014e-308, SUBSCALE=2.0 ** 54, TANH_MAX=22.0, TANH_TINY=2.0 ** -28),
    "f32": dict(T="f32", SUFFIX="_32", LIT=f32, MOD=m32, INT="np.int32", FLOAT="np.float32", BIAS="127",
                MBITS="23", EMASK="0xFF", MMASK="0x7FFFFF", ROOTHALF="0x3F3504F3", SUBEXP="25",
                EXP_LO=-104.0, EXP_HI=89.0, EXPM1_LO=-18.0, EXPM1_TINY=2.0 ** -25,
                TINY=1.1754943508222875e-38, SUBSCALE=2.0 ** 25, TANH_MAX=9.0, TANH_TINY=2.0 ** -12),
}


def typed(kind: str) -> str:
    """The TYPED functions for ``kind`` ("f64" or "f32")."""
    prm = PARAMS[kind]
    lit = prm["LIT"]

    def literal(mt: re.Match[str]) -> str:
        v = mt.group(1)
        value = prm[v] if v in prm else v
        if isinstance(value, float):
            return lit(value)  # type: ignore[operator,no-any-return]
        return str(value) if kind == "f64" else f"np.float32({value})"

    text = expand(TYPED.replace("{LOGCORE}", LOGCORE[kind]).replace("{REDUCE}", REDUCE), prm["MOD"], lit, "H")
    text = re.sub(r"\{F:([^}]+)\}", literal, text)
    text = re.sub(r"\{C:(\w+)\}", lambda mt: mt.group(1) + str(prm["SUFFIX"]), text)
    return with_params(text, kind)


def with_params(text: str, kind: str) -> str:
    """``text`` with every ``{KEY}`` replaced by the PARAMS entry of ``kind``."""
    return re.sub(r"\{([A-Z]+)\}", lambda mt: str(PARAMS[kind][mt.group(1)]), text)


def expand(text: str, mod: object, lit: object, tag: str) -> str:
    def sub(mt: re.Match[str]) -> str:
        coeffs = getattr(mod, mt.group(1))
        return horner(coeffs, mt.group(2), lit)
    return re.sub(r"\{" + tag + r":(\w+):(\w+)\}", sub, text)


def main() -> None:
    consts = [
        f"LN2_HI = {f64(m64.LN2_HI)}", f"LN2_LO = {f64(m64.LN2_LO)}", f"INV_LN2 = {f64(m64.INV_LN2)}",
        f"SHIFT = {f64(m64.SHIFT)}", f"SHIFT_32 = {f32(m32.SHIFT)}",
        f"SINCOS32_FAST_MAX = {f32(SINCOS32_FAST_MAX)}",  # (mathlib.TIERED names it: the tiering's bound)
        f"TWO_THIRDS = {f64(2.0 / 3.0)}", f"TWO_THIRDS_LO = {f64(Fraction(2, 3) - Fraction(2.0 / 3.0))}",
        f"ERF_INV2 = {f64(1 / 1.5)}", f"PIO2 = {f64(math.pi / 2)}", f"ERF_INV3 = {f64(1 / 2.5)}",
        f"LN2_HI_32 = {f32(m32.LN2_HI)}", f"LN2_LO_32 = {f32(m32.LN2_LO)}",
        f"INV_LN2_32 = {f32(m32.INV_LN2)}",
    ]
    cheb = []
    for i in range(3):
        cheb += clenshaw(tuple(c[i] for c in m64.ERF_CHEB[::-1]), "u", f"g{i + 1}")
    body64 = typed("f64") + expand(FUNCS64, m64, f64, "H").replace("{CLENSHAW}", "\n".join(cheb))
    pow64, pow32 = pow_funcs(horner, f64, with_params(REDUCE, "f64"))
    body32 = typed("f32") + FUNCS32 + sincos32(horner, f64, f32) + pow32
    body64 += pow64
    OUT.write_text(HEADER + "\n" + "\n".join(consts) + "\n" + body64)
    names = [c.split(" = ")[0] for c in consts] + re.findall(r"^def (cambrian_\w+_f64)\(", body64, re.M)
    used = [n for n in names if re.search(rf"\b{n}\b", body32)]
    head = HEADER32 + "from .math_kernels import (\n" + "".join(f"    {n},\n" for n in sorted(used)) + ")\n"
    OUT32.write_text(head + body32)
    print(f"wrote {OUT} and {OUT32}")


if __name__ == "__main__":
    main()
