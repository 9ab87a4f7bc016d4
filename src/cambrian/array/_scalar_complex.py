"""Scalar definitions of the elementwise functions for complex operands, in the kernel language.

The special values (signed zeros, infinities, NaN) follow C99 Annex G (the standard's special cases),
which NumPy inherits from the C library; finite values use formulas without spurious overflow or
cancellation (Kahan's for the inverse functions). Where NumPy has its own formula (``expm1``,
``log1p``, ``pow`` with small integer exponents, ``sign``), it is reproduced.
"""

from __future__ import annotations

import math

from ..kernels import func

_PI = 3.141592653589793
_PI_2 = 1.5707963267948966
_PI_4 = 0.7853981633974483
_3PI_4 = 2.356194490192345
_LN2 = 0.6931471805599453
_2P54 = 1.8014398509481984e16  # 2**54
_2P108 = 3.2451855365842673e32  # 2**108
_2PM54 = 5.551115123125783e-17  # 2**-54


@func
def cexp(z):  # type: ignore[no-untyped-def]
    x = z.real
    y = z.imag
    if y == 0:
        return complex(math.exp(x), y)
    if math.isinf(x) and not math.isfinite(y):
        if x < 0:
            return complex(0.0, math.copysign(0.0, y))
        return complex(x, y - y)
    e = math.exp(x)
    if math.isinf(e) and math.isfinite(x):  # exp(x) overflows, the result may not
        h = math.exp(x * 0.5)
        return complex(h * math.cos(y) * h, h * math.sin(y) * h)
    return complex(e * math.cos(y), e * math.sin(y))


def c_exp(z):  # type: ignore[no-untyped-def]
    return cexp(z)


def c_expm1(z):  # type: ignore[no-untyped-def]
    x = z.real
    y = z.imag
    if y == 0:
        return complex(math.expm1(x), y)
    if math.isinf(x):
        if x < 0:
            return complex(-1.0, 0.0 * math.sin(y) if math.isfinite(y) else 0.0)
        if not math.isfinite(y):
            return complex(x, y - y)
    a = math.sin(y * 0.5)  # expm1(x) cos(y) + cos(y) - 1 without cancellation (NumPy's formula)
    return complex(math.expm1(x) * math.cos(y) - 2 * a * a, math.exp(x) * math.sin(y))


@func
def clog(z):  # type: ignore[no-untyped-def]
    x = z.real
    y = z.imag
    r = abs(z)
    if math.isinf(r) and math.isfinite(x) and math.isfinite(y):  # |z| overflows, log|z| does not
        return complex(math.log(math.hypot(x * 0.5, y * 0.5)) + _LN2, math.atan2(y, x))
    if r < 1e-300:  # float64 subnormals lose digits in |z|: scale by 2^54 (float32: never true)
        return complex(math.log(math.hypot(x * _2P54, y * _2P54)) - 54 * _LN2, math.atan2(y, x))
    if 0.5 <= r and r <= 2:  # log|z| = log1p(|z|^2 - 1) / 2, without cancellation near |z| = 1
        a = max(abs(x), abs(y))
        b = min(abs(x), abs(y))
        return complex(0.5 * math.log1p((a - 1) * (a + 1) + b * b), math.atan2(y, x))
    return complex(math.log(r), math.atan2(y, x))


def c_log(z):  # type: ignore[no-untyped-def]
    return clog(z)


def c_log1p(z):  # type: ignore[no-untyped-def]
    return clog(complex(z.real + 1, z.imag))  # 1 + z keeping the sign of a zero imaginary part


def c_log2(z):  # type: ignore[no-untyped-def]
    w = clog(z)
    return complex(w.real * 1.4426950408889634, w.imag * 1.4426950408889634)


def c_log10(z):  # type: ignore[no-untyped-def]
    w = clog(z)
    return complex(w.real * 0.4342944819032518, w.imag * 0.4342944819032518)


@func
def csqrt(z):  # type: ignore[no-untyped-def]
    a = z.real
    b = z.imag
    if math.isinf(b):
        return complex(math.inf, b)
    if a == 0 and b == 0:
        return complex(abs(a), b)
    if math.isinf(a):  # -inf + bj -> +0 + inf j, +inf + bj -> inf + 0j (NaN b: NaN + inf j, inf + NaN j)
        if a < 0:
            return complex(abs(b - b), math.copysign(a, b))
        return complex(a, math.copysign(b - b, b))
    k = a * 0 + 1  # 1 typed as a (NaN for NaN a, whose result is NaN anyway)
    r = abs(z)
    if math.isinf(abs(a) + r) and not math.isnan(b):  # |a| + |z| overflows: scale by 1/4
        a = a * 0.25
        b = b * 0.25
        k = k + k
    elif r < 1e-300:  # float64 subnormals lose digits in |z|: scale by 2^108 (float32: never true)
        a = a * _2P108
        b = b * _2P108
        k = k * _2PM54
    t = math.sqrt((abs(a) + math.hypot(a, b)) * 0.5)
    if a >= 0:
        return complex(t * k, b / (2 * t) * k)
    return complex(abs(b) / (2 * t) * k, math.copysign(t * k, b))


def c_sqrt(z):  # type: ignore[no-untyped-def]
    return csqrt(z)


@func
def csinh(z):  # type: ignore[no-untyped-def]
    x = z.real
    y = z.imag
    if y == 0:
        return complex(math.sinh(x), y)
    if not math.isfinite(y):
        if x == 0:
            return complex(x, y - y)
        if math.isinf(x):
            return complex(abs(x), y - y)
    return complex(math.sinh(x) * math.cos(y), math.cosh(x) * math.sin(y))


@func
def ccosh(z):  # type: ignore[no-untyped-def]
    x = z.real
    y = z.imag
    if y == 0:
        return complex(math.cosh(x), y if math.isnan(x) else math.copysign(0.0, x) * y)
    if not math.isfinite(y):
        if x == 0:
            return complex(y - y, abs(x))
        if math.isinf(x):
            return complex(abs(x), y - y)
    return complex(math.cosh(x) * math.cos(y), math.sinh(x) * math.sin(y))


@func
def ctanh(z):  # type: ignore[no-untyped-def]
    x = z.real
    y = z.imag
    if y == 0:
        return complex(math.tanh(x), y)
    if not math.isfinite(y):
        if x == 0:
            return complex(x, y - y)
        if math.isinf(x):
            return complex(math.copysign(1.0, x), math.copysign(0.0, y))
        return complex(y - y, y - y)
    s = math.sin(y)
    c = math.cos(y)
    if abs(x) > 20:  # tanh(x) rounds to +-1; the imaginary part is 4 sin cos e^-2|x| (0 for inf)
        return complex(math.copysign(1.0, x), 4 * s * c * math.exp(-2 * abs(x)))
    sx = math.sinh(x)
    d = sx * sx + c * c
    return complex(sx * math.cosh(x) / d, s * c / d)


def c_sinh(z):  # type: ignore[no-untyped-def]
    return csinh(z)


def c_cosh(z):  # type: ignore[no-untyped-def]
    return ccosh(z)


def c_tanh(z):  # type: ignore[no-untyped-def]
    return ctanh(z)


def c_sin(z):  # type: ignore[no-untyped-def]
    if math.isinf(z.imag) and not math.isfinite(z.real):
        return complex(z.real - z.real, abs(z.imag))  # NaN + i inf (the C library's sign)
    w = csinh(complex(-z.imag, z.real))  # sin z = -i sinh(iz)
    return complex(w.imag, -w.real)


def c_cos(z):  # type: ignore[no-untyped-def]
    return ccosh(complex(-z.imag, z.real))  # cos z = cosh(iz)


def c_tan(z):  # type: ignore[no-untyped-def]
    w = ctanh(complex(-z.imag, z.real))  # tan z = -i tanh(iz)
    return complex(w.imag, -w.real)


@func
def casinh(z):  # type: ignore[no-untyped-def]
    x = z.real
    y = z.imag
    if math.isfinite(x) and math.isfinite(y):
        # Kahan: asin(w) = (atan2(Re w, Re(s1 s2)), asinh(Im(conj(s1) s2))), s1 = sqrt(1-w),
        # s2 = sqrt(1+w); asinh(z) = -i asin(iz)
        s1 = csqrt(complex(1 + y, -x))
        s2 = csqrt(complex(1 - y, x))
        re = s1.real * s2.real - s1.imag * s2.imag
        im = s1.real * s2.imag - s1.imag * s2.real
        if math.isinf(re) or math.isinf(im):  # |z| near the largest float: asinh z = log 2z
            sx = math.copysign(1.0, x)
            w = clog(complex(abs(x), y * sx))
            return complex((w.real + _LN2) * sx, w.imag * sx)
        return complex(math.asinh(im), math.atan2(y, re))
    ax = abs(x)
    ay = abs(y)
    u = math.copysign(math.inf, x)  # typed as x (a literal alone would be float64)
    v = math.copysign(0.0, y)
    if math.isinf(ay):  # (an if-expression of two literals would be float64)
        v = _PI_2
        if math.isnan(ax):
            v = math.nan
        elif math.isinf(ax):
            v = _PI_4
    elif math.isnan(ay):
        v = math.nan
        if not math.isinf(ax):
            u = math.nan
    elif math.isnan(ax):
        u = math.nan
        if ay != 0:
            v = math.nan
    return complex(math.copysign(u, x), math.copysign(v, y))


@func
def cacosh(z):  # type: ignore[no-untyped-def]
    x = z.real
    y = z.imag
    if math.isfinite(x) and math.isfinite(y):
        # Kahan: acosh(z) = (asinh(Re(conj(sqrt(z-1)) sqrt(z+1))), 2 atan2(Im sqrt(z-1), Re sqrt(z+1)))
        c = csqrt(complex(x - 1, y))
        d = csqrt(complex(x + 1, y))
        re = c.real * d.real + c.imag * d.imag
        if math.isinf(re):  # |z| near the largest float: acosh z = log 2z
            w = clog(z)
            return complex(w.real + _LN2, w.imag)
        return complex(math.asinh(re), 2 * math.atan2(c.imag, d.real))
    u = abs(math.copysign(math.inf, y))  # typed as y (a literal alone would be float64)
    v = abs(math.copysign(_PI_2, y))
    if math.isinf(y):
        if math.isnan(x):
            v = math.nan
        elif math.isinf(x):
            v = _PI_4
            if x < 0:
                v = _3PI_4
    elif math.isnan(y):
        if math.isinf(x):
            v = math.nan
        elif x == 0:
            u = math.nan
        else:
            u = math.nan
            v = math.nan
    elif math.isinf(x):
        v = 0.0
        if x < 0:
            v = _PI
    else:
        u = math.nan
        v = math.nan
    return complex(u, math.copysign(v, y))


@func
def catanh(z):  # type: ignore[no-untyped-def]
    x = z.real
    y = z.imag
    ax = abs(x)
    ay = abs(y)
    if math.isfinite(x) and math.isfinite(y):
        # real part odd in x, imaginary part even in x: computed for |x|
        t = 1 - ax
        re = 0.25 * math.log1p(4 * (ax / (t * t + ay * ay)))  # (4 ax: inf / inf near the largest float)
        if t == 0 and ay < 1:  # |x| = 1: the same without underflow of y*y
            re = 0.5 * (_LN2 - math.log(ay)) + 0.25 * math.log1p(ay * ay * 0.25)
        im = 0.5 * math.atan2(y, (t * (1 + ax) - ay * ay) * 0.5)
        return complex(math.copysign(re, x), im)
    u = math.copysign(0.0, x)  # typed as x (a literal alone would be float64)
    v = math.copysign(_PI_2, y)
    if math.isinf(ay):
        pass
    elif math.isinf(ax):
        if math.isnan(ay):
            v = math.nan
    elif math.isnan(ay):
        v = math.nan
        if ax != 0:
            u = math.nan
    else:
        u = math.nan
        v = math.nan
    return complex(math.copysign(u, x), math.copysign(v, y))


def c_asinh(z):  # type: ignore[no-untyped-def]
    return casinh(z)


def c_asin(z):  # type: ignore[no-untyped-def]
    w = casinh(complex(-z.imag, z.real))  # asin z = -i asinh(iz)
    return complex(w.imag, -w.real)


def c_acosh(z):  # type: ignore[no-untyped-def]
    return cacosh(z)


def c_acos(z):  # type: ignore[no-untyped-def]
    w = cacosh(z)  # acos z = -i acosh z above the real axis, its conjugate symmetry below
    return complex(abs(w.imag), -math.copysign(w.real, z.imag))


def c_atanh(z):  # type: ignore[no-untyped-def]
    return catanh(z)


def c_atan(z):  # type: ignore[no-untyped-def]
    w = catanh(complex(-z.imag, z.real))  # atan z = -i atanh(iz)
    return complex(w.imag, -w.real)


def c_pow(a, b):  # type: ignore[no-untyped-def]
    br = b.real
    bi = b.imag
    if br == 0 and bi == 0:
        return complex(br * 0 + 1, abs(br))  # 1 + 0j typed as b (complex(1.0, 0.0) is complex128)
    if a.real == 0 and a.imag == 0:
        if br > 0:
            return complex(abs(a.real), abs(a.imag))
        return complex(br + math.nan, br + math.nan)
    if bi == 0 and br == math.floor(br) and abs(br) < 100:
        # NumPy: an integer exponent by repeated squaring (exact for small Gaussian integers)
        n = int(abs(br))
        p = a
        r = a
        first = True
        while n > 0:
            if n % 2 == 1:
                if first:
                    r = p
                    first = False
                else:
                    r = r * p
            n = n // 2
            if n > 0:
                p = p * p
        if br < 0:
            return 1 / r
        return r
    return cexp(b * clog(a))


def c_abs(z):  # type: ignore[no-untyped-def]
    return abs(z)


def c_sign(z):  # type: ignore[no-untyped-def]
    x = z.real
    y = z.imag
    if math.isnan(x) or math.isnan(y) or (math.isinf(x) and math.isinf(y)):
        return complex(x + math.nan, y + math.nan)
    if math.isinf(x):
        return complex(math.copysign(1.0, x), 0.0)
    if math.isinf(y):
        return complex(0.0, math.copysign(1.0, y))
    r = abs(z)
    if r == 0:
        return complex(abs(x), abs(y))
    if math.isinf(r):
        x = x * 0.5
        y = y * 0.5
        r = math.hypot(x, y)
    return complex(x / r, y / r)


def c_isnan(z):  # type: ignore[no-untyped-def]
    return math.isnan(z.real) or math.isnan(z.imag)


def c_isinf(z):  # type: ignore[no-untyped-def]
    return math.isinf(z.real) or math.isinf(z.imag)


def c_isfinite(z):  # type: ignore[no-untyped-def]
    return math.isfinite(z.real) and math.isfinite(z.imag)
