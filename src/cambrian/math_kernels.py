"""Cambrian's math functions in the kernel language (generated: scripts/gen_math_kernels.py).

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

LN2_HI = 0.6931471806019545
LN2_LO = -4.2009150726810846e-11
INV_LN2 = 1.4426950408889634
SHIFT = 6755399441055744.0
SHIFT_32 = np.float32(12582912.0)
SQRT2 = 1.4142135623730951
TWO_THIRDS = 0.6666666666666666
TWO_THIRDS_LO = 3.700743415417188e-17
ERF_INV2 = 0.6666666666666666
ERF_INV3 = 0.4
LN2_HI_32 = np.float32(0.693115234375)
LN2_LO_32 = np.float32(3.194618329871446e-05)
INV_LN2_32 = np.float32(1.4426950216293335)
SQRT2_32 = np.float32(1.4142135381698608)


@cb.func
def cambrian_exp_f64(x):
    xc = min(max(x, -746.0), 710.0)
    k = cb.fma(xc, INV_LN2, SHIFT) - SHIFT
    r = cb.fma(-k, LN2_LO, cb.fma(-k, LN2_HI, xc))
    p = cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(1.6059043836821613e-10, r, 2.08767569878681e-09), r, 2.505210838544172e-08), r, 2.755731922398589e-07), r, 2.7557319223985893e-06), r, 2.48015873015873e-05), r, 0.0001984126984126984), r, 0.001388888888888889), r, 0.008333333333333333), r, 0.041666666666666664), r, 0.16666666666666666), r, 0.5), r, 1.0), r, 1.0)
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
    p = cb.fma(r * r, cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(1.1470745597729725e-11, r, 1.6059043836821613e-10), r, 2.08767569878681e-09), r, 2.505210838544172e-08), r, 2.755731922398589e-07), r, 2.7557319223985893e-06), r, 2.48015873015873e-05), r, 0.0001984126984126984), r, 0.001388888888888889), r, 0.008333333333333333), r, 0.041666666666666664), r, 0.16666666666666666), r, 0.5), r)
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
    rr = z * cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(0.08695652173913043, z, 0.09523809523809523), z, 0.10526315789473684), z, 0.11764705882352941), z, 0.13333333333333333), z, 0.15384615384615385), z, 0.18181818181818182), z, 0.2222222222222222), z, 0.2857142857142857), z, 0.4), z, 0.6666666666666666)
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
    near = x * cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(-2.3784598852774293e-19, x2, 4.763348040515068e-18), x2, -9.063970842808673e-17), x2, 1.6342614095367152e-15), x2, -2.7835162072109212e-14), x2, 4.4632242632864775e-13), x2, -6.7113668551641105e-12), x2, 9.422759064650411e-11), x2, -1.2290555301717926e-09), x2, 1.4807192815879218e-08), x2, -1.6365844691234924e-07), x2, 1.6462114365889246e-06), x2, -1.492565035840625e-05), x2, 0.00012055332981789664), x2, -0.0008548327023450852), x2, 0.005223977625442188), x2, -0.026866170645131252), x2, 0.11283791670955126), x2, -0.37612638903183754), x2, 1.1283791670955126)
    ac = min(max(a, 1.0), 6.0)
    r1 = ac < 2.0
    r2 = ac < 3.5
    mid = 3.0 if r1 else (5.5 if r2 else 9.5)
    inv = 1.0 if r1 else (ERF_INV2 if r2 else ERF_INV3)
    u = (2.0 * ac - mid) * inv
    b1 = 0.0
    b2 = 0.0
    u2 = 2.0 * u
    b0 = cb.fma(u2, b1, -4.0652224326488762e-19 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 6.19267308464391e-18 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -9.228790549094326e-17 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 1.343976588479829e-15 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -1.9101658673527567e-14 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 2.6458779519104523e-13 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -3.56612770156775e-12 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 4.6683928572294154e-11 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -5.923543840592542e-10 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 7.2677084117248425e-09 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -8.597922867888315e-08 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 9.775012680479055e-07 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -1.0636830518218601e-05 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 0.0001102324363119495 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -0.0010810888102208325 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 0.009951127341466115 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -0.0850021377067432 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 0.331427281639452 - b2)
    b2 = b1
    b1 = b0
    g1 = b1 - u * b2
    b1 = 0.0
    b2 = 0.0
    u2 = 2.0 * u
    b0 = cb.fma(u2, b1, -2.196787001971828e-18 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 2.7188560214028356e-17 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -3.3089920479178426e-16 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 3.957386034387205e-15 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -4.6471602519833763e-14 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 5.353822288044628e-13 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -6.045467151546551e-12 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 6.683956650788739e-11 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -7.227220937985042e-10 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 7.632681897920269e-09 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -7.861599623239447e-08 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 7.883915794570548e-07 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -7.682952765978158e-06 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 7.259178935511736e-05 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -0.0006632226933017975 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 0.00584049638189269 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -0.04938002535992735 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 0.19943078169681192 - b2)
    b2 = b1
    b1 = b0
    g2 = b1 - u * b2
    b1 = 0.0
    b2 = 0.0
    u2 = 2.0 * u
    b0 = cb.fma(u2, b1, -1.861292377204558e-17 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 1.83176561966693e-16 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -1.7831232826173895e-15 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 1.716360603412163e-14 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -1.6330584393840345e-13 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 1.5353276736774004e-12 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -1.4257239280506568e-11 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 1.3071369079163705e-10 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -1.1826607946099641e-09 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 1.055453759031051e-08 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -9.285957122953073e-08 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 8.049536979209691e-07 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -6.87063803752421e-06 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 5.770371528146291e-05 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -0.00047649553104630324 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 0.003865397162805732 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, -0.03077508367843977 - b2)
    b2 = b1
    b1 = b0
    b0 = cb.fma(u2, b1, 0.12011119518612726 - b2)
    b2 = b1
    b1 = b0
    g3 = b1 - u * b2
    g = g1 if r1 else (g2 if r2 else g3)
    far = 1.0 - cambrian_exp_f64(-ac * ac) * g
    far = -far if x < 0.0 else far
    return near if a <= 1.0 else (far if a == a else x)


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
    rest = c * z * cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(0.08, z, 0.08695652173913043), z, 0.09523809523809523), z, 0.10526315789473684), z, 0.11764705882352941), z, 0.13333333333333333), z, 0.15384615384615385), z, 0.18181818181818182), z, 0.2222222222222222), z, 0.2857142857142857), z, 0.4)
    ts_a = ef * LN2_HI
    ts_b = 2.0 * sh
    hi = ts_a + ts_b
    lo = ts_b - (hi - ts_a)
    ts_a = hi
    ts_b = t
    hi = ts_a + ts_b
    lo2 = ts_b - (hi - ts_a)
    ts_a = hi
    ts_b = lo + lo2 + (2.0 * sl + tl + rest + ef * LN2_LO)
    hi = ts_a + ts_b
    lo = ts_b - (hi - ts_a)
    ph = y * hi
    ts_a = ph
    ts_b = cb.fma(y, hi, -ph) + y * lo
    ph = ts_a + ts_b
    pl = ts_b - (ph - ts_a)
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
    p = cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(np.float32(0.00019841270113829523), r, np.float32(0.0013888889225199819)), r, np.float32(0.008333333767950535)), r, np.float32(0.0416666679084301)), r, np.float32(0.1666666716337204)), r, np.float32(0.5)), r, np.float32(1.0)), r, np.float32(1.0))
    ki = np.int32(k)
    k1 = ki >> 1
    y = p * cb.int_as_float((k1 + 127) << 23) * cb.int_as_float((ki - k1 + 127) << 23)
    return y if x == x else x


@cb.func
def cambrian_expm1_f32(x):
    xc = min(max(x, np.float32(-18.0)), np.float32(89.0))
    k = cb.fma(xc, INV_LN2_32, SHIFT_32) - SHIFT_32
    r = cb.fma(-k, LN2_LO_32, cb.fma(-k, LN2_HI_32, xc))
    p = cb.fma(r * r, cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(np.float32(2.7557318844628753e-06), r, np.float32(2.4801587642286904e-05)), r, np.float32(0.00019841270113829523)), r, np.float32(0.0013888889225199819)), r, np.float32(0.008333333767950535)), r, np.float32(0.0416666679084301)), r, np.float32(0.1666666716337204)), r, np.float32(0.5)), r)
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
    rr = z * cb.fma(cb.fma(cb.fma(cb.fma(cb.fma(np.float32(0.1538461595773697), z, np.float32(0.1818181872367859)), z, np.float32(0.2222222238779068)), z, np.float32(0.2857142984867096)), z, np.float32(0.4000000059604645)), z, np.float32(0.6666666865348816))
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
