"""Cambrian's float32 math functions in the kernel language (generated:
scripts/gen_math_kernels.py; the algorithms are described in :mod:`cambrian.math_kernels`). Do not edit
this file: regenerate it.
"""

# ruff: noqa: E501
from __future__ import annotations

import math

import numpy as np

import cambrian as cb

from .math_kernels import (
    INV_LN2_32,
    LN2_HI_32,
    LN2_LO_32,
    PIO2,
    SHIFT,
    SHIFT_32,
    SINCOS32_FAST_MAX,
    cambrian_erf_f64,
)


@cb.func
def cambrian_exp_f32(x):
    xc = np.float32(-104.0) if x < np.float32(-104.0) else x  # (clamps as selects: NaN needs no care, see the end)
    xc = np.float32(89.0) if xc > np.float32(89.0) else xc
    k = cb.fma(xc, INV_LN2_32, SHIFT_32) - SHIFT_32
    r = cb.fma(-k, LN2_LO_32, cb.fma(-k, LN2_HI_32, xc))
    p = cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(np.float32(0.00019841270113829523), r, np.float32(0.0013888889225199819)), r, np.float32(0.008333333767950535)), r, np.float32(0.0416666679084301)), r, np.float32(0.1666666716337204)), r, np.float32(0.5)), r, np.float32(1.0)), r, np.float32(1.0))
    ki = np.int32(k)
    k1 = ki >> 1
    y = p * cb.int_as_float((k1 + 127) << 23) * cb.int_as_float((ki - k1 + 127) << 23)
    return y if x == x else x


@cb.func
def cambrian_expm1_f32(x):
    xc = np.float32(-18.0) if x < np.float32(-18.0) else x
    xc = np.float32(89.0) if xc > np.float32(89.0) else xc
    k = cb.fma(xc, INV_LN2_32, SHIFT_32) - SHIFT_32
    r = cb.fma(-k, LN2_LO_32, cb.fma(-k, LN2_HI_32, xc))
    p = cb.fma(r * r, cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(np.float32(2.7557318844628753e-06), r, np.float32(2.4801587642286904e-05)), r, np.float32(0.00019841270113829523)), r, np.float32(0.0013888889225199819)), r, np.float32(0.008333333767950535)), r, np.float32(0.0416666679084301)), r, np.float32(0.1666666716337204)), r, np.float32(0.5)), r)
    h = cb.int_as_float((np.int32(k) + (127 - 1)) << 23)  # 2**(k - 1): k <= EXP_HI / ln2 = 1024 | 128
    y = np.float32(2.0) * cb.fma(h, p, h - np.float32(0.5))  # = 2**k expm1(r) + 2**k - 1, rounded once; overflows at the end
    y = y if abs(x) > np.float32(2.9802322387695312e-08) else x  # (x itself, -0.0 and subnormals included: halving lost them)
    return y if x == x else x


@cb.func
def cambrian_log_f32(x):
    sub = x < np.float32(1.1754943508222875e-38)
    bits = cb.float_as_int(x * np.float32(33554432.0) if sub else x)
    tb = bits - np.int32(0x3F3504F3)  # (the bits of sqrt(1/2))
    e = tb >> 23  # floor(log2(|x| / sqrt(1/2)))
    m = cb.int_as_float(bits - (tb & np.int32(~0x7FFFFF)))  # |x| / 2**e in [sqrt(1/2), sqrt(2))
    ef = np.float32(e - (np.int32(25) if sub else np.int32(0)))
    f = m - np.float32(1.0)
    lf = cb.fma(f * f, cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(np.float32(0.06769023835659027), f, np.float32(-0.11557287722826004)), f, np.float32(0.11812136322259903)), f, np.float32(-0.12420814484357834)), f, np.float32(0.14232318103313446)), f, np.float32(-0.1666753739118576)), f, np.float32(0.20001447200775146)), f, np.float32(-0.25000011920928955)), f, np.float32(0.33333322405815125)), f, np.float32(-0.5)), f)
    y = cb.fma(ef, LN2_HI_32, cb.fma(ef, LN2_LO_32, lf))
    y = y if x < np.float32(math.inf) else x
    zero = np.float32(0.0)
    y = y if x > zero else (np.float32(-math.inf) if x == zero else np.float32(math.nan))
    return y if x == x else x


@cb.func
def cambrian_tanh_f32(x):
    ax = abs(x)
    a = ax if ax < np.float32(9.0) else np.float32(9.0)
    t = cambrian_expm1_f32(np.float32(2.0) * a)
    y = t / (t + np.float32(2.0))
    y = -y if x < np.float32(0.0) else y
    return y if ax > np.float32(0.000244140625) else x


@cb.func
def cambrian_erf_f32(x):
    return np.float32(cambrian_erf_f64(np.float64(x)))



@cb.func
def cambrian_sin_f32_exact(x):
    bits = cb.float_as_int(x)
    eb = (bits >> 23) & 0xFF
    mi = bits & 0x7FFFFF
    m = np.float64((mi | 0x800000) if eb > 0 else mi)
    e = (eb if eb > 0 else 1) - 150
    q = ((e - 2) * 2731) >> 16  # floor((e - 2) / 24) for e <= 105
    q = q if q > 0 else 0
    pw = cb.int_as_float(np.int64(e - 24 * q - 24 + 1023) << 52)
    p0 = m * (16069853.0 if q >= 4 else (2578385.0 if q >= 3 else (1387004.0 if q >= 2 else (7228996.0 if q >= 1 else (10680707.0))))) * pw
    p1 = m * (12639074.0 if q >= 4 else (16069853.0 if q >= 3 else (2578385.0 if q >= 2 else (1387004.0 if q >= 1 else (7228996.0))))) * (pw * 5.960464477539063e-08)
    p2 = m * (9804092.0 if q >= 4 else (12639074.0 if q >= 3 else (16069853.0 if q >= 2 else (2578385.0 if q >= 1 else (1387004.0))))) * (pw * 3.552713678800501e-15)
    p3 = m * (4427841.0 if q >= 4 else (9804092.0 if q >= 3 else (12639074.0 if q >= 2 else (16069853.0 if q >= 1 else (2578385.0))))) * (pw * 2.117582368135751e-22)
    p0 = p0 - 4.0 * (cb.fma(p0, 0.25, SHIFT) - SHIFT)
    p1 = p1 - 4.0 * ((p1 * 0.25 + SHIFT) - SHIFT)  # (not an fma like p0's: SLP would pair them)
    s = p0 + p1
    k = (s + p2 + SHIFT) - SHIFT
    f = ((s - k) + p2) + p3
    r = f * PIO2
    z = r * r
    sn = cb.fma(r * z, cb.fma(cb.fma(cb.fma(cb.fma(-2.505210838544172e-08, z, 2.7557319223985893e-06), z, -0.0001984126984126984), z, 0.008333333333333333), z, -0.16666666666666666), r)
    cs = cb.fma(z, cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(2.08767569878681e-09, z, -2.755731922398589e-07), z, 2.48015873015873e-05), z, -0.001388888888888889), z, 0.041666666666666664), z, -0.5), 1.0)
    quad = np.int32(k) & 3
    y = sn if (quad & 1) == 0 else cs
    y = -y if (quad & 2) != 0 else y
    y = -y if bits < 0 else y
    return np.float32(y) if eb < 255 else x - x


@cb.func
def cambrian_sin_f32_fast(x):
    k = cb.fma(x, np.float32(0.6366197466850281), SHIFT_32) - SHIFT_32
    r1 = cb.fma(-k, np.float32(1.5707963705062866), x)  # exact: k < 2**17
    p = k * np.float32(-4.371138828673793e-08)
    pe = cb.fma(k, np.float32(-4.371138828673793e-08), -p)  # k P2 = p + pe exactly
    rh = r1 - p
    t = rh - r1
    rl = cb.fma(-k, np.float32(-1.7151245100058819e-15), ((r1 - (rh - t)) - (p + t)) - pe)  # the two-sum's error, then the tails
    z = rh * rh
    sn = rh + cb.fma(rh * z, cb.fma(cb.fma(cb.fma(np.float32(2.7557319223985893e-06), z, np.float32(-0.0001984126984126984)), z, np.float32(0.008333333333333333)), z, np.float32(-0.16666666666666666)), rl)
    hz = np.float32(0.5) * z
    w = np.float32(1.0) - hz
    cs = w + (((np.float32(1.0) - w) - hz) + cb.fma(z * z, cb.fma(cb.fma(cb.fma(np.float32(-2.755731922398589e-07), z, np.float32(2.48015873015873e-05)), z, np.float32(-0.001388888888888889)), z, np.float32(0.041666666666666664)), -(rh * rl)))
    quad = np.int32(k) & 3
    y = sn if (quad & 1) == 0 else cs
    y = -y if (quad & 2) != 0 else y
    y = y if abs(x) > np.float32(0.000244140625) else x  # (-0.0 and tiny x: sin x = x)
    return y


@cb.func
def cambrian_sin_f32(x):
    fast = cambrian_sin_f32_fast(x)
    exact = cambrian_sin_f32_exact(x)
    return fast if abs(x) < SINCOS32_FAST_MAX else exact


@cb.func
def cambrian_cos_f32_exact(x):
    bits = cb.float_as_int(x)
    eb = (bits >> 23) & 0xFF
    mi = bits & 0x7FFFFF
    m = np.float64((mi | 0x800000) if eb > 0 else mi)
    e = (eb if eb > 0 else 1) - 150
    q = ((e - 2) * 2731) >> 16  # floor((e - 2) / 24) for e <= 105
    q = q if q > 0 else 0
    pw = cb.int_as_float(np.int64(e - 24 * q - 24 + 1023) << 52)
    p0 = m * (16069853.0 if q >= 4 else (2578385.0 if q >= 3 else (1387004.0 if q >= 2 else (7228996.0 if q >= 1 else (10680707.0))))) * pw
    p1 = m * (12639074.0 if q >= 4 else (16069853.0 if q >= 3 else (2578385.0 if q >= 2 else (1387004.0 if q >= 1 else (7228996.0))))) * (pw * 5.960464477539063e-08)
    p2 = m * (9804092.0 if q >= 4 else (12639074.0 if q >= 3 else (16069853.0 if q >= 2 else (2578385.0 if q >= 1 else (1387004.0))))) * (pw * 3.552713678800501e-15)
    p3 = m * (4427841.0 if q >= 4 else (9804092.0 if q >= 3 else (12639074.0 if q >= 2 else (16069853.0 if q >= 1 else (2578385.0))))) * (pw * 2.117582368135751e-22)
    p0 = p0 - 4.0 * (cb.fma(p0, 0.25, SHIFT) - SHIFT)
    p1 = p1 - 4.0 * ((p1 * 0.25 + SHIFT) - SHIFT)  # (not an fma like p0's: SLP would pair them)
    s = p0 + p1
    k = (s + p2 + SHIFT) - SHIFT
    f = ((s - k) + p2) + p3
    r = f * PIO2
    z = r * r
    sn = cb.fma(r * z, cb.fma(cb.fma(cb.fma(cb.fma(-2.505210838544172e-08, z, 2.7557319223985893e-06), z, -0.0001984126984126984), z, 0.008333333333333333), z, -0.16666666666666666), r)
    cs = cb.fma(z, cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(2.08767569878681e-09, z, -2.755731922398589e-07), z, 2.48015873015873e-05), z, -0.001388888888888889), z, 0.041666666666666664), z, -0.5), 1.0)
    quad = np.int32(k) & 3
    y = sn if ((quad + 1) & 1) == 0 else cs
    y = -y if ((quad + 1) & 2) != 0 else y
    return np.float32(y) if eb < 255 else x - x


@cb.func
def cambrian_cos_f32_fast(x):
    k = cb.fma(x, np.float32(0.6366197466850281), SHIFT_32) - SHIFT_32
    r1 = cb.fma(-k, np.float32(1.5707963705062866), x)  # exact: k < 2**17
    p = k * np.float32(-4.371138828673793e-08)
    pe = cb.fma(k, np.float32(-4.371138828673793e-08), -p)  # k P2 = p + pe exactly
    rh = r1 - p
    t = rh - r1
    rl = cb.fma(-k, np.float32(-1.7151245100058819e-15), ((r1 - (rh - t)) - (p + t)) - pe)  # the two-sum's error, then the tails
    z = rh * rh
    sn = rh + cb.fma(rh * z, cb.fma(cb.fma(cb.fma(np.float32(2.7557319223985893e-06), z, np.float32(-0.0001984126984126984)), z, np.float32(0.008333333333333333)), z, np.float32(-0.16666666666666666)), rl)
    hz = np.float32(0.5) * z
    w = np.float32(1.0) - hz
    cs = w + (((np.float32(1.0) - w) - hz) + cb.fma(z * z, cb.fma(cb.fma(cb.fma(np.float32(-2.755731922398589e-07), z, np.float32(2.48015873015873e-05)), z, np.float32(-0.001388888888888889)), z, np.float32(0.041666666666666664)), -(rh * rl)))
    quad = np.int32(k) & 3
    y = sn if ((quad + 1) & 1) == 0 else cs
    y = -y if ((quad + 1) & 2) != 0 else y
    return y


@cb.func
def cambrian_cos_f32(x):
    fast = cambrian_cos_f32_fast(x)
    exact = cambrian_cos_f32_exact(x)
    return fast if abs(x) < SINCOS32_FAST_MAX else exact


@cb.func
def cambrian_pow_f32(x32, y32):
    x = np.float64(x32)
    y = np.float64(y32)
    ax = abs(x)
    bits = cb.float_as_int(ax)
    tb = bits - np.int64(0x3FE6A09E667F3BCD)  # (the bits of sqrt(1/2))
    e = tb >> 52  # floor(log2(|x| / sqrt(1/2)))
    m = cb.int_as_float(bits - (tb & np.int64(~0xFFFFFFFFFFFFF)))  # |x| / 2**e in [sqrt(1/2), sqrt(2))
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    ty = y * cb.fma(s, cb.fma(cb.fma(cb.fma(cb.fma(0.3407120415619086, z, 0.41167376623771057), z, 0.5770835660048659), z, 0.9617966734515485), z, 2.885390081789987), np.float64(e))  # y log2|x|
    ty = -200.0 if ty < -200.0 else ty  # (clamps as selects: 2**-200 rounds to 0.0, 2**200 to inf)
    ty = 200.0 if ty > 200.0 else ty
    k = (ty + SHIFT) - SHIFT
    rk = ty - k  # |rk| <= 1/2, exact
    r = cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(0.0001546144469856913, rk, 0.0013400428177615838), rk, 0.009618056678524637), rk, 0.05550327226670302), rk, 0.24022650922288757), rk, 0.6931472067028326), rk, 1.0) * cb.int_as_float((np.int64(k) + 1023) << 52)
    r = r if (ax != 0.0) & (ax < math.inf) else ((0.0 if y > 0.0 else math.inf) if ax == 0.0 else
                                                 (math.inf if y > 0.0 else 0.0))
    r = r if abs(y) < math.inf else ((math.inf if (ax > 1.0) == (y > 0.0) else 0.0) if ax != 1.0 else 1.0)
    t = y - 2.0 * math.floor(y * 0.5)  # y mod 2, exact (one floor: PoCL's SLP paired two into 2 lanes)
    odd = t == 1.0
    yint = (t == 0.0) | odd | (abs(y) == math.inf)
    r = -r if odd & (cb.float_as_int(x) < 0) else r  # (x < 0 or x == -0.0: the sign bit)
    r = r if (x >= 0.0) | yint | (ax == math.inf) else math.nan
    r = r if (x == x) & (y == y) else math.nan
    return np.float32(1.0 if (y == 0.0) | (x == 1.0) else r)
