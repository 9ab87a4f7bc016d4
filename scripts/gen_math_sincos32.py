"""The float32 ``sin``/``cos`` part of ``scripts/gen_math_kernels.py`` (the algorithms are described in the
generated module's docstring): the exact path (Payne-Hanek's reduction without a table), the fast path in
float32 lanes and the two-tier function choosing between them."""

from __future__ import annotations

import math
from collections.abc import Callable

#: 2/pi in 24-bit integer chunks: 2/pi = sum(TWO_OVER_PI_24[j] * 2**(-24 * (j + 1))) (mpmath, 400 bits)
TWO_OVER_PI_24 = (10680707, 7228996, 1387004, 2578385, 16069853, 12639074, 9804092, 4427841)
#: Taylor coefficients of (sin(r) - r) / r**3 and (cos(r) - 1) / r**2 in z = r**2, highest first: on
#: |r| <= pi/4 the next terms are below 2**-36 relative (float32 results need 2**-25)
SIN_C = tuple((-1) ** n / math.factorial(2 * n + 1) for n in range(5, 0, -1))
COS_C = tuple((-1) ** n / math.factorial(2 * n) for n in range(6, 0, -1))


def chunk_select(i: int) -> str:
    """``TWO_OVER_PI_24[q + i]`` for q in 0..4 as a chain of selects (no arrays in the language)."""
    g = [f"{float(v)!r}" for v in TWO_OVER_PI_24[i:i + 5]]
    text = g[0]
    for j in range(1, 5):
        text = f"{g[j]} if q >= {j} else ({text})"
    return text


#: float32 sin and cos, computed in float64: |x| = m * 2**e (m < 2**24), and |x| * 2/pi mod 4 =
#: m * (2**e * 2/pi mod 4), from the four 24-bit chunks of 2/pi that matter for this e (the ones
#: before them add multiples of 4): every product m * chunk is exact in float64 (48 bits), the first
#: two are reduced mod 4 exactly, so the quarter-turn fraction f (|f| <= 1/2) comes out to 2**-52
#: relative for every float32, however large (Payne-Hanek's reduction without a table or a branch)
SINCOS32 = """

@cb.func
def cambrian_{NAME}_f32_exact(x):
    bits = cb.float_as_int(x)
    eb = (bits >> 23) & 0xFF
    mi = bits & 0x7FFFFF
    m = np.float64((mi | 0x800000) if eb > 0 else mi)
    e = (eb if eb > 0 else 1) - 150
    q = ((e - 2) * 2731) >> 16  # floor((e - 2) / 24) for e <= 105
    q = q if q > 0 else 0
    pw = cb.int_as_float(np.int64(e - 24 * q - 24 + 1023) << 52)
    p0 = m * ({G0}) * pw
    p1 = m * ({G1}) * (pw * 5.960464477539063e-08)
    p2 = m * ({G2}) * (pw * 3.552713678800501e-15)
    p3 = m * ({G3}) * (pw * 2.117582368135751e-22)
    p0 = p0 - 4.0 * (cb.fma(p0, 0.25, SHIFT) - SHIFT)
    p1 = p1 - 4.0 * ((p1 * 0.25 + SHIFT) - SHIFT)  # (not an fma like p0's: SLP would pair them)
    s = p0 + p1
    k = (s + p2 + SHIFT) - SHIFT
    f = ((s - k) + p2) + p3
    r = f * PIO2
    z = r * r
    sn = cb.fma(r * z, {H:SIN_C:z}, r)
    cs = cb.fma(z, {H:COS_C:z}, 1.0)
    quad = np.int32(k) & 3
    y = sn if ({Q} & 1) == 0 else cs
    y = -y if ({Q} & 2) != 0 else y
{SIGN}    return np.float32(y) if eb < 255 else x - x
"""
#: per function: its quadrant (cos x = sin(x + pi/2)) and the sign of x (sin is odd, cos even)
SINCOS = {"sin": ("quad", "    y = -y if bits < 0 else y\n"), "cos": ("(quad + 1)", "")}
#: float32 pi/2 = P1 + P2 + P3 + (1e-23): float32 parts (mpmath)
PIO2_32 = (1.5707963705062866, -4.371138828673793e-08, -1.7151245100058819e-15)
#: the fast path's domain: |x| < 2**17 keeps k < 2**17, so x - k P1 is exact (see the docstring)
SINCOS32_FAST_MAX = 131072.0
#: Taylor coefficients for float32 lanes (next terms below 2**-30 relative on |r| <= pi/4)
SIN32_C = tuple((-1) ** n / math.factorial(2 * n + 1) for n in range(4, 0, -1))
COS32_C = tuple((-1) ** n / math.factorial(2 * n) for n in range(5, 1, -1))
#: the fast path (float32 lanes, |x| < SINCOS32_FAST_MAX) and the function itself (fast or exact)
SINCOS32_FAST = """

@cb.func
def cambrian_{NAME}_f32_fast(x):
    k = cb.fma(x, np.float32(0.6366197466850281), SHIFT_32) - SHIFT_32
    r1 = cb.fma(-k, {P1}, x)  # exact: k < 2**17
    p = k * {P2}
    pe = cb.fma(k, {P2}, -p)  # k P2 = p + pe exactly
    rh = r1 - p
    t = rh - r1
    rl = cb.fma(-k, {P3}, ((r1 - (rh - t)) - (p + t)) - pe)  # the two-sum's error, then the tails
    z = rh * rh
    sn = rh + cb.fma(rh * z, {H:SIN32_C:z}, rl)
    hz = np.float32(0.5) * z
    w = np.float32(1.0) - hz
    cs = w + (((np.float32(1.0) - w) - hz) + cb.fma(z * z, {H:COS32_C:z}, -(rh * rl)))
    quad = np.int32(k) & 3
    y = sn if ({Q} & 1) == 0 else cs
    y = -y if ({Q} & 2) != 0 else y
{TINY}    return y


@cb.func
def cambrian_{NAME}_f32(x):
    fast = cambrian_{NAME}_f32_fast(x)
    exact = cambrian_{NAME}_f32_exact(x)
    return fast if abs(x) < SINCOS32_FAST_MAX else exact
"""


def sincos32(horner: Callable[..., str], f64: Callable[[float], str], f32: Callable[[float], str]) -> str:
    """The float32 ``sin`` and ``cos`` functions (``horner``, ``f64``, ``f32``: the generator's spellings)."""
    text = ""
    for name, (quadrant, sign) in SINCOS.items():
        body = SINCOS32.replace("{NAME}", name).replace("{Q}", quadrant).replace("{SIGN}", sign)
        for i in range(4):
            body = body.replace(f"{{G{i}}}", chunk_select(i))
        body = body.replace("{H:SIN_C:z}", horner(SIN_C, "z", f64))
        text += body.replace("{H:COS_C:z}", horner(COS_C, "z", f64))
        tiny = "    y = y if abs(x) > np.float32(0.000244140625) else x  # (-0.0 and tiny x: sin x = x)\n"
        fast = SINCOS32_FAST.replace("{NAME}", name).replace("{Q}", quadrant)
        fast = fast.replace("{TINY}", tiny if name == "sin" else "")
        for i, v in enumerate(PIO2_32, 1):
            fast = fast.replace(f"{{P{i}}}", f32(v))
        fast = fast.replace("{H:SIN32_C:z}", horner(SIN32_C, "z", f32))
        text += fast.replace("{H:COS32_C:z}", horner(COS32_C, "z", f32))
    return text
