"""Write ``src/cambrian/math_kernels.py``: Cambrian's math functions in the kernel language.

The algorithms and coefficients are those of the ``cpu`` device's Numba versions
(``cambrian.backends.cpu_math``/``cpu_math32``, which document them); this script writes them out as
kernel-language device functions with every polynomial unrolled into straight-line ``cb.fma`` calls
(a loop over a coefficient tuple would stay a loop in the generated C, and a loop does not vectorise
across work-items as straight-line code does). Run it after changing a coefficient:

    python scripts/gen_math_kernels.py
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from cambrian.backends import cpu_math as m64
from cambrian.backends import cpu_math32 as m32

OUT = Path(__file__).resolve().parents[1] / "src" / "cambrian" / "math_kernels.py"


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

The OpenCL and CUDA renderers call these device functions for ``exp``, ``expm1``, ``log``, ``tanh``
(float32 and float64), ``erf`` and ``pow``/``**`` (float64; float32 through float64 where the device has
it) when ``CAMBRIAN_MATH=cambrian`` (the default; see
:mod:`cambrian.compiler.mathlib`): straight-line code (range reduction, polynomial, selects, no calls)
that the device compiler vectorises across work-items, with the same operations in the same order as
the ``cpu`` device's Numba versions (:mod:`cambrian.backends.cpu_math`, which documents the algorithms),
so results are bit-identical on devices with a fused multiply-add (``pow`` is the exception: the cpu
device keeps NumPy's ``power`` bit for bit; here it is a double-double ``exp(y log|x|)``, <= 2 ulp, with
NumPy's special cases). Do not edit: regenerate.
"""

# ruff: noqa: E501
from __future__ import annotations

import math

import numpy as np

import cambrian as cb
'''

FUNCS64 = '''

@cb.func
def cambrian_exp_f64(x):
    xc = min(max(x, -746.0), 710.0)
    k = cb.fma(xc, INV_LN2, SHIFT) - SHIFT
    r = cb.fma(-k, LN2_LO, cb.fma(-k, LN2_HI, xc))
    p = {H:EXP_C:r}
    ki = np.int64(k)
    k1 = ki >> 1
    y = p * cb.int_as_float((k1 + 1023) << 52) * cb.int_as_float((ki - k1 + 1023) << 52)
    return y if x == x else x


@cb.func
def cambrian_expm1_f64(x):
    xc = min(max(x, -40.0), 710.0)
    k = cb.fma(xc, INV_LN2, SHIFT) - SHIFT
    r = cb.fma(-k, LN2_LO, cb.fma(-k, LN2_HI, xc))
    k = min(k, 1023.0)
    p = cb.fma(r * r, {H:EXPM1_C:r}, r)
    s = cb.int_as_float((np.int64(k) + 1023) << 52)
    y = cb.fma(s, p, s - 1.0)
    y = y if xc < 709.0 else cambrian_exp_f64(xc)
    y = y if x != 0.0 else x
    return y if x == x else x


@cb.func
def cambrian_log_f64(x):
    sub = x < 2.2250738585072014e-308
    xs = x * 18014398509481984.0 if sub else x
    bits = cb.float_as_int(xs)
    e = ((bits >> 52) & 0x7FF) - 1023 - (54 if sub else 0)
    m = cb.int_as_float((bits & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = m > SQRT2
    m = m * 0.5 if big else m
    ef = np.float64(e + (1 if big else 0))
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    rr = z * {H:LOG_C:z}
    y = cb.fma(ef, LN2_HI, cb.fma(ef, LN2_LO, f - s * (f - rr)))
    y = y if x < math.inf else x
    y = y if x > 0.0 else (-math.inf if x == 0.0 else math.nan)
    return y if x == x else x


@cb.func
def cambrian_tanh_f64(x):
    a = min(abs(x), 22.0)
    t = cambrian_expm1_f64(2.0 * a)
    y = t / (t + 2.0)
    y = -y if x < 0.0 else y
    return y if a > 3.725290298461914e-09 else x


@cb.func
def cambrian_erf_f64(x):
    a = abs(x)
    x2 = x * x
    near = x * {H:ERF_TAYLOR:x2}
    ac = min(max(a, 1.0), 6.0)
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

FUNCS_POW = '''

@cb.func
def cambrian_pow_f64(x, y):
    ax = abs(x)
    a = min(max(ax, 5e-324), 1.7976931348623157e308)
    sub = a < 2.2250738585072014e-308
    bits = cb.float_as_int(a * (18014398509481984.0 if sub else 1.0))
    e = ((bits >> 52) & 0x7FF) - (1023 + 54 * np.int64(sub))
    m = cb.int_as_float((bits & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = m > SQRT2
    m = m * 0.5 if big else m
    ef = np.float64(e + (1 if big else 0))
    f = m - 1.0
    d = 2.0 + f
    dl = (2.0 - d) + f
    sh = f / d
    sl = (cb.fma(-sh, d, f) - sh * dl) / d
    z = sh * sh
    zl = cb.fma(sh, sh, -z) + 2.0 * sh * sl
    c = z * sh
    cl = cb.fma(z, sh, -c) + (zl * sh + z * sl)
    t = c * TWO_THIRDS
    tl = cb.fma(c, TWO_THIRDS, -t) + (cl * TWO_THIRDS + c * TWO_THIRDS_LO)
    rest = c * z * {H:POW_LOG_C:z}
{TWO_SUM:hi:lo:ef * LN2_HI:2.0 * sh}
{TWO_SUM:hi:lo2:hi:t}
{TWO_SUM:hi:lo:hi:lo + lo2 + (2.0 * sl + tl + rest + ef * LN2_LO)}
    ph = y * hi
{TWO_SUM:ph:pl:ph:cb.fma(y, hi, -ph) + y * lo}
    r = cambrian_exp_f64(ph) * (1.0 + pl)
    r = r if ph < 709.8 else math.inf  # (and a NaN pl of a huge ph)
    r = r if ph > -746.0 else 0.0
    r = r if (ax != 0.0) & (ax < math.inf) else ((0.0 if y > 0.0 else math.inf) if ax == 0.0 else
                                                 (math.inf if y > 0.0 else 0.0))
    r = r if abs(y) < math.inf else ((math.inf if (ax > 1.0) == (y > 0.0) else 0.0) if ax != 1.0 else 1.0)
    yint = math.floor(y) == y
    odd = yint & (math.floor(y * 0.5) * 2.0 != y)
    r = -r if odd & ((x < 0.0) | ((x == 0.0) & (1.0 / x < 0.0))) else r
    r = r if (x >= 0.0) | yint | (ax == math.inf) else math.nan
    r = r if (x == x) & (y == y) else math.nan
    return 1.0 if (y == 0.0) | (x == 1.0) else r
'''

FUNCS32 = '''

@cb.func
def cambrian_erf_f32(x):
    return np.float32(cambrian_erf_f64(np.float64(x)))


@cb.func
def cambrian_pow_f32(x, y):
    return np.float32(cambrian_pow_f64(np.float64(x), np.float64(y)))

@cb.func
def cambrian_exp_f32(x):
    xc = min(max(x, np.float32(-104.0)), np.float32(89.0))
    k = cb.fma(xc, INV_LN2_32, SHIFT_32) - SHIFT_32
    r = cb.fma(-k, LN2_LO_32, cb.fma(-k, LN2_HI_32, xc))
    p = {H32:EXP_C:r}
    ki = np.int32(k)
    k1 = ki >> 1
    y = p * cb.int_as_float((k1 + 127) << 23) * cb.int_as_float((ki - k1 + 127) << 23)
    return y if x == x else x


@cb.func
def cambrian_expm1_f32(x):
    xc = min(max(x, np.float32(-18.0)), np.float32(89.0))
    k = cb.fma(xc, INV_LN2_32, SHIFT_32) - SHIFT_32
    r = cb.fma(-k, LN2_LO_32, cb.fma(-k, LN2_HI_32, xc))
    p = cb.fma(r * r, {H32:EXPM1_C:r}, r)
    s = cb.int_as_float((np.int32(min(k, np.float32(127.0))) + 127) << 23)
    y = cb.fma(s, p, s - np.float32(1.0))
    y = y if xc < np.float32(88.0) else cambrian_exp_f32(xc)
    y = y if x != np.float32(0.0) else x
    return y if x == x else x


@cb.func
def cambrian_log_f32(x):
    sub = x < np.float32(1.1754943508222875e-38)
    bits = cb.float_as_int(x * np.float32(33554432.0) if sub else x)
    e = ((bits >> 23) & 0xFF) - 127 - (np.int32(25) if sub else np.int32(0))
    m = cb.int_as_float((bits & 0x7FFFFF) | 0x3F800000)
    big = m > SQRT2_32
    m = m * np.float32(0.5) if big else m
    ef = np.float32(e + (np.int32(1) if big else np.int32(0)))
    f = m - np.float32(1.0)
    s = f / (np.float32(2.0) + f)
    z = s * s
    rr = z * {H32:LOG_C:z}
    y = cb.fma(ef, LN2_HI_32, cb.fma(ef, LN2_LO_32, f - s * (f - rr)))
    y = y if x < np.float32(math.inf) else x
    zero = np.float32(0.0)
    y = y if x > zero else (np.float32(-math.inf) if x == zero else np.float32(math.nan))
    return y if x == x else x


@cb.func
def cambrian_tanh_f32(x):
    a = min(abs(x), np.float32(9.0))
    t = cambrian_expm1_f32(np.float32(2.0) * a)
    y = t / (t + np.float32(2.0))
    y = -y if x < np.float32(0.0) else y
    return y if a > np.float32(0.000244140625) else x
'''


#: pow's log|x| in double-double (commit 95dc4be's cpu version, <= 1.8 ulp on dense samples)
POW_LOG_C = tuple(reversed([2.0 / (2 * j + 5) for j in range(11)]))  # (2 atanh(s) - 2s - 2s^3/3) / s^5


def two_sum(text: str) -> str:
    """``{TWO_SUM:s:e:a:b}`` -> lines setting ``s + e = a + b`` exactly, for ``|a| >= |b|`` or ``a == 0``
    (Dekker's fast two-sum: one chain of three operations; the six-operation two-sum gave PoCL's SLP
    vectoriser pairs of independent subtractions, and its 2-lane vectors then stopped the work-item
    loop from vectorising)."""
    def sub(mt: re.Match[str]) -> str:
        s, e, a, b = mt.group(1), mt.group(2), mt.group(3), mt.group(4)
        return f"    ts_a = {a}\n    ts_b = {b}\n    {s} = ts_a + ts_b\n    {e} = ts_b - ({s} - ts_a)"
    return re.sub(r"\{TWO_SUM:(\w+):(\w+):([^:}]+):([^}]+)\}", sub, text)


def expand(text: str, mod: object, lit: object, tag: str) -> str:
    def sub(mt: re.Match[str]) -> str:
        coeffs = POW_LOG_C if mt.group(1) == "POW_LOG_C" else getattr(mod, mt.group(1))
        return horner(coeffs, mt.group(2), lit)
    return re.sub(r"\{" + tag + r":(\w+):(\w+)\}", sub, text)


def main() -> None:
    consts = [
        f"LN2_HI = {f64(m64.LN2_HI)}", f"LN2_LO = {f64(m64.LN2_LO)}", f"INV_LN2 = {f64(m64.INV_LN2)}",
        f"SHIFT = {f64(m64.SHIFT)}", f"SHIFT_32 = {f32(m32.SHIFT)}",
        f"SQRT2 = {f64(2.0 * m64.SQRT_HALF)}",
        f"TWO_THIRDS = {f64(2.0 / 3.0)}", f"TWO_THIRDS_LO = {f64(Fraction(2, 3) - Fraction(2.0 / 3.0))}",
        f"ERF_INV2 = {f64(1 / 1.5)}", f"ERF_INV3 = {f64(1 / 2.5)}",
        f"LN2_HI_32 = {f32(m32.LN2_HI)}", f"LN2_LO_32 = {f32(m32.LN2_LO)}",
        f"INV_LN2_32 = {f32(m32.INV_LN2)}", f"SQRT2_32 = {f32(m32.SQRT2)}",
    ]
    cheb = []
    for i in range(3):
        cheb += clenshaw(tuple(c[i] for c in m64.ERF_CHEB[::-1]), "u", f"g{i + 1}")
    body64 = expand(FUNCS64, m64, f64, "H").replace("{CLENSHAW}", "\n".join(cheb))
    body32 = expand(FUNCS32, m32, f32, "H32")
    body64 += two_sum(expand(FUNCS_POW, m64, f64, "H"))  # (before FUNCS32: its erf/pow call these)
    text = HEADER + "\n" + "\n".join(consts) + "\n" + body64 + body32
    OUT.write_text(text)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
