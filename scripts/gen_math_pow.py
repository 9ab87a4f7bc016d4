"""The ``pow`` part of ``scripts/gen_math_kernels.py`` (the algorithms are described in the generated
module's docstring): float64 ``pow`` with ``log|x|`` in double-double, float32 ``pow`` as ``exp2(y
log2|x|)`` in float64 lanes, and NumPy's special cases shared by both."""

from __future__ import annotations

import re
from collections.abc import Callable


def cheb_fit(fn: Callable[[object], object], lo: object, hi: object, n: int) -> tuple[float, ...]:
    """Chebyshev fit (mpmath, near minimax) of ``fn`` on ``[lo, hi]`` with ``n`` coefficients, highest
    degree first."""
    import mpmath as mp

    with mp.workprec(150):
        poly = mp.chebyfit(fn, [mp.mpf(lo), mp.mpf(hi)], n)  # type: ignore[arg-type]
    return tuple(float(c) for c in poly)


def _log2_atanh(z: object) -> object:
    """``log2(1 + f) / s`` as a function of ``z = s**2``, ``s = f / (2 + f)``: ``2 atanh(s) / (s ln 2)``."""
    import mpmath as mp

    s = mp.sqrt(z)  # type: ignore[arg-type]
    return 2 * mp.atanh(s) / (s * mp.log(2)) if z != 0 else 2 / mp.log(2)


def fits() -> dict[str, tuple[float, ...]]:
    """The float32 ``pow`` polynomials: ``log2`` in ``z <= (3 - 2 sqrt 2)**2`` (5 terms: 2**-37.7 relative,
    i.e. <= 2**-30 absolute in ``y log2|x|`` for every result in float32's range) and ``2**r`` on
    ``|r| <= 1/2`` (7 terms: 2**-29.4 relative, 0.024 ulp of float32; 8 terms cost 3% more time)."""
    import mpmath as mp

    with mp.workprec(150):
        zmax = (3 - 2 * mp.sqrt(2)) ** 2
    return {"LOG2_C": cheb_fit(_log2_atanh, 0, zmax, 5),
            "EXP2_C": cheb_fit(lambda r: mp.power(2, r), -0.5, 0.5, 7)}


def _atanh_rest(z: object) -> object:
    """``(2 atanh(s) - 2s - 2s**3/3) / s**5`` as a function of ``z = s**2``."""
    import mpmath as mp

    s = mp.sqrt(z)  # type: ignore[arg-type]
    return (2 * mp.atanh(s) - 2 * s - 2 * s ** 3 / 3) / s ** 5 if z != 0 else mp.mpf(2) / 5


def exp_fit() -> tuple[float, ...]:
    """float64 pow's ``exp``: a 12-term fit on ``|r| <= ln2/2`` (2**-57.6 relative; exp's own 14 Taylor
    terms reach 2**-60, more than pow's 2 ulp need)."""
    import mpmath as mp

    with mp.workprec(150):
        return cheb_fit(mp.exp, -mp.log(2) / 2, mp.log(2) / 2, 12)


def pow_log_c() -> tuple[float, ...]:
    """float64 pow's ``log|x|`` in double-double: the rest of the atanh series after ``2s + 2s**3/3`` (8
    terms: error 2**-70 relative to ``log(1 + f)``, the Taylor series needs 11)."""
    import mpmath as mp

    with mp.workprec(200):
        return cheb_fit(_atanh_rest, 0, (3 - 2 * mp.sqrt(2)) ** 2, 8)

#: NumPy's special cases of pow, applied to the result r of the general formula (x, y float64)
SPECIAL = '''    r = r if (ax != 0.0) & (ax < math.inf) else ((0.0 if y > 0.0 else math.inf) if ax == 0.0 else
                                                 (math.inf if y > 0.0 else 0.0))
    r = r if abs(y) < math.inf else ((math.inf if (ax > 1.0) == (y > 0.0) else 0.0) if ax != 1.0 else 1.0)
    t = y - 2.0 * math.floor(y * 0.5)  # y mod 2, exact (one floor: PoCL's SLP paired two into 2 lanes)
    odd = t == 1.0
    yint = (t == 0.0) | odd | (abs(y) == math.inf)
    r = -r if odd & (cb.float_as_int(x) < 0) else r  # (x < 0 or x == -0.0: the sign bit)
    r = r if (x >= 0.0) | yint | (ax == math.inf) else math.nan
    r = r if (x == x) & (y == y) else math.nan
'''

FUNCS_POW = '''

@cb.func
def cambrian_pow_f64(x, y):
    ax = abs(x)
    sub = ax < 2.2250738585072014e-308
    bits = cb.float_as_int(ax * (18014398509481984.0 if sub else 1.0))  # (0, inf, NaN: see the end)
{REDUCE}    ef = np.float64(e - 54 * np.int64(sub))
    f = m - 1.0
    d = 2.0 + f
    dl = (2.0 - d) + f
    sh = f / d
    sl = (cb.fma(-sh, d, f) - sh * dl) * cb.fma(-0.5, sh, 0.5)  # (1 / d = (1 - s) / 2: no division)
    z = sh * sh
    zl = cb.fma(sh, sh, -z)
    c = z * sh
    cl = cb.fma(z, sh, -c)
    t = c * TWO_THIRDS  # + tl = 2/3 (sh + sl)**3 = 2/3 (c + cl + zl sh) + 2 z sl, to second order
    tl = cb.fma(zl, sh, cl) * TWO_THIRDS + cb.fma(c, TWO_THIRDS_LO, 2.0 * z * sl)
    tl = cb.fma(c, TWO_THIRDS, -t) + tl
    rest = c * z * {H:POW_LOG_C:z}
{TWO_SUM:hi:lo:ef * LN2_HI:2.0 * sh}
{TWO_SUM:hi:lo2:hi:t}
    lo = lo + lo2 + (2.0 * sl + tl + rest + ef * LN2_LO)  # (|lo| < 2**-12 |hi|: y lo is exact enough)
    ph = y * hi
{TWO_SUM:ph:pl:ph:cb.fma(y, hi, -ph) + y * lo}
    pc = -746.0 if ph < -746.0 else ph  # exp(ph + pl): exp's reduction, a 12-term fit, two scalings
    pc = 710.0 if pc > 710.0 else pc
    k = cb.fma(pc, INV_LN2, SHIFT) - SHIFT
    r = cb.fma(-k, LN2_LO, cb.fma(-k, LN2_HI, pc))
    p = {H:EXP_FIT:r}
    ki = np.int64(k)
    k1 = ki >> 1
    r = cb.fma(p, pl, p) * cb.int_as_float((k1 + 1023) << 52) * cb.int_as_float((ki - k1 + 1023) << 52)
    r = r if abs(ph) < 746.0 else (math.inf if ph > 0.0 else 0.0)  # (pl is huge or NaN beyond)
{SPECIAL}    return 1.0 if (y == 0.0) | (x == 1.0) else r
'''

#: float32 pow in float64 lanes: every finite nonzero float32 is a normal float64, and every float32
#: result (subnormals included) is 2**t with |t| < 150, a normal float64: no scaling steps
POW32 = '''

@cb.func
def cambrian_pow_f32(x32, y32):
    x = np.float64(x32)
    y = np.float64(y32)
    ax = abs(x)
    bits = cb.float_as_int(ax)
{REDUCE}    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    ty = y * cb.fma(s, {H:LOG2_C:z}, np.float64(e))  # y log2|x|
    ty = -200.0 if ty < -200.0 else ty  # (clamps as selects: 2**-200 rounds to 0.0, 2**200 to inf)
    ty = 200.0 if ty > 200.0 else ty
    k = (ty + SHIFT) - SHIFT
    rk = ty - k  # |rk| <= 1/2, exact
    r = {H:EXP2_C:rk} * cb.int_as_float((np.int64(k) + 1023) << 52)
{SPECIAL}    return np.float32(1.0 if (y == 0.0) | (x == 1.0) else r)
'''


#: |x| = 2**e m, m in [sqrt(1/2), sqrt(2)), from the bits of a normal |x| (integer operations only; log
#: and pow share it): {INT}, {ROOTHALF} (the bits of sqrt(1/2)), {MBITS}, {MMASK} of the float type
REDUCE = '''    tb = bits - {INT}({ROOTHALF})  # (the bits of sqrt(1/2))
    e = tb >> {MBITS}  # floor(log2(|x| / sqrt(1/2)))
    m = cb.int_as_float(bits - (tb & {INT}(~{MMASK})))  # |x| / 2**e in [sqrt(1/2), sqrt(2))
'''


def two_sum(text: str) -> str:
    """``{TWO_SUM:s:e:a:b}`` -> lines setting ``s + e = a + b`` exactly, for ``|a| >= |b|`` or ``a == 0``
    (Dekker's fast two-sum: one chain of three operations; the six-operation two-sum gave PoCL's SLP
    vectoriser pairs of independent subtractions, and its 2-lane vectors then stopped the work-item
    loop from vectorising)."""
    def sub(mt: re.Match[str]) -> str:
        s, e, a, b = mt.group(1), mt.group(2), mt.group(3), mt.group(4)
        return f"    ts_a = {a}\n    ts_b = {b}\n    {s} = ts_a + ts_b\n    {e} = ts_b - ({s} - ts_a)"
    return re.sub(r"\{TWO_SUM:(\w+):(\w+):([^:}]+):([^}]+)\}", sub, text)


def pow_funcs(horner: Callable[..., str], f64: Callable[[float], str], reduce64: str) -> tuple[str, str]:
    """The float64 and float32 ``pow`` functions (``horner``, ``f64``: the generator's spellings;
    ``reduce64``: :data:`REDUCE` for float64)."""
    text64 = FUNCS_POW.replace("{H:POW_LOG_C:z}", horner(pow_log_c(), "z", f64))
    text64 = text64.replace("{H:EXP_FIT:r}", horner(exp_fit(), "r", f64))
    text64, text32 = (t.replace("{SPECIAL}", SPECIAL).replace("{REDUCE}", reduce64) for t in (text64, POW32))
    for name, coeffs in fits().items():
        text32 = text32.replace("{H:" + name + ":", "{H:").replace("{H:z}", horner(coeffs, "z", f64))
        text32 = text32.replace("{H:rk}", horner(coeffs, "rk", f64))
    return two_sum(text64), text32
