"""Scalar definitions of the elementwise functions, in the kernel language.

Each function here is the body of one elementwise function for one kind of operand (real, complex,
integer): the generated array kernels call it per element, and inside user kernels ``cb.exp(z)`` is the
same definition. Complex operands have their own definitions in ``_scalar_complex.py`` (C99 Annex G
special values).
"""

from __future__ import annotations

import math

from ..kernels import func


# -- generic (any dtype the rule lets through) --------------------------------------------------------
def same(x):  # type: ignore[no-untyped-def]
    return x


def zero(x):  # type: ignore[no-untyped-def]
    return 0


def true(x):  # type: ignore[no-untyped-def]
    return True


def false(x):  # type: ignore[no-untyped-def]
    return False


def add(a, b):  # type: ignore[no-untyped-def]
    return a + b


def subtract(a, b):  # type: ignore[no-untyped-def]
    return a - b


def multiply(a, b):  # type: ignore[no-untyped-def]
    return a * b


def divide(a, b):  # type: ignore[no-untyped-def]
    return a / b


def floor_divide(a, b):  # type: ignore[no-untyped-def]
    # the standard's special cases, where NumPy's divmod gives NaN or -1: +-inf // finite is +-inf and
    # finite // +-inf is +-0, as a / b (the kernel language's // keeps NumPy's)
    if (math.isinf(a) and math.isfinite(b)) or (math.isfinite(a) and math.isinf(b)):
        return a / b
    return a // b


def floor_divide_int(a, b):  # type: ignore[no-untyped-def]
    return a // b


def remainder(a, b):  # type: ignore[no-untyped-def]
    return a % b


def pow(a, b):  # type: ignore[no-untyped-def]
    return a ** b


def negative(x):  # type: ignore[no-untyped-def]
    return -x


def positive(x):  # type: ignore[no-untyped-def]
    return +x


def square(x):  # type: ignore[no-untyped-def]
    return x * x


def reciprocal(x):  # type: ignore[no-untyped-def]
    return 1 / x


def absolute(x):  # type: ignore[no-untyped-def]
    return abs(x)


def equal(a, b):  # type: ignore[no-untyped-def]
    return a == b


def not_equal(a, b):  # type: ignore[no-untyped-def]
    return a != b


def less(a, b):  # type: ignore[no-untyped-def]
    return a < b


def less_equal(a, b):  # type: ignore[no-untyped-def]
    return a <= b


def greater(a, b):  # type: ignore[no-untyped-def]
    return a > b


def greater_equal(a, b):  # type: ignore[no-untyped-def]
    return a >= b


def maximum(a, b):  # type: ignore[no-untyped-def]
    return max(a, b)


def minimum(a, b):  # type: ignore[no-untyped-def]
    return min(a, b)


def bitwise_and(a, b):  # type: ignore[no-untyped-def]
    return a & b


def bitwise_or(a, b):  # type: ignore[no-untyped-def]
    return a | b


def bitwise_xor(a, b):  # type: ignore[no-untyped-def]
    return a ^ b


def bitwise_invert(x):  # type: ignore[no-untyped-def]
    return ~x


def bitwise_left_shift(a, b):  # type: ignore[no-untyped-def]
    return a << b


def bitwise_right_shift(a, b):  # type: ignore[no-untyped-def]
    return a >> b


def logical_and(a, b):  # type: ignore[no-untyped-def]
    return bool(a) and bool(b)


def logical_or(a, b):  # type: ignore[no-untyped-def]
    return bool(a) or bool(b)


def logical_xor(a, b):  # type: ignore[no-untyped-def]
    return bool(a) != bool(b)


def logical_not(x):  # type: ignore[no-untyped-def]
    return not bool(x)


# -- real floating point ------------------------------------------------------------------------------
def exp(x):  # type: ignore[no-untyped-def]
    return math.exp(x)


def expm1(x):  # type: ignore[no-untyped-def]
    return math.expm1(x)


def log(x):  # type: ignore[no-untyped-def]
    return math.log(x)


def log1p(x):  # type: ignore[no-untyped-def]
    return math.log1p(x)


def log2(x):  # type: ignore[no-untyped-def]
    return math.log2(x)


def log10(x):  # type: ignore[no-untyped-def]
    return math.log10(x)


def sqrt(x):  # type: ignore[no-untyped-def]
    return math.sqrt(x)


def sin(x):  # type: ignore[no-untyped-def]
    return math.sin(x)


def cos(x):  # type: ignore[no-untyped-def]
    return math.cos(x)


def tan(x):  # type: ignore[no-untyped-def]
    return math.tan(x)


def asin(x):  # type: ignore[no-untyped-def]
    return math.asin(x)


def acos(x):  # type: ignore[no-untyped-def]
    return math.acos(x)


def atan(x):  # type: ignore[no-untyped-def]
    return math.atan(x)


def sinh(x):  # type: ignore[no-untyped-def]
    return math.sinh(x)


def cosh(x):  # type: ignore[no-untyped-def]
    return math.cosh(x)


def tanh(x):  # type: ignore[no-untyped-def]
    return math.tanh(x)


def asinh(x):  # type: ignore[no-untyped-def]
    return math.asinh(x)


def acosh(x):  # type: ignore[no-untyped-def]
    return math.acosh(x)


def atanh(x):  # type: ignore[no-untyped-def]
    return math.atanh(x)


def atan2(a, b):  # type: ignore[no-untyped-def]
    return math.atan2(a, b)


def copysign(a, b):  # type: ignore[no-untyped-def]
    return math.copysign(a, b)


def hypot(a, b):  # type: ignore[no-untyped-def]
    return math.hypot(a, b)


def nextafter(a, b):  # type: ignore[no-untyped-def]
    return math.nextafter(a, b)


def floor(x):  # type: ignore[no-untyped-def]
    return math.floor(x)


def ceil(x):  # type: ignore[no-untyped-def]
    return math.ceil(x)


def trunc(x):  # type: ignore[no-untyped-def]
    return math.trunc(x)


@func
def round_even(x):  # type: ignore[no-untyped-def]
    """Round half to even, keeping the sign of zero (``np.round``)."""
    r = math.floor(x)
    d = x - r
    if d > 0.5 or (d == 0.5 and r % 2 != 0):
        r = r + 1
    return math.copysign(r, x)


def round(x):  # type: ignore[no-untyped-def]
    return round_even(x)


def isnan(x):  # type: ignore[no-untyped-def]
    return math.isnan(x)


def isinf(x):  # type: ignore[no-untyped-def]
    return math.isinf(x)


def isfinite(x):  # type: ignore[no-untyped-def]
    return math.isfinite(x)


def signbit(x):  # type: ignore[no-untyped-def]
    return math.copysign(1, x) < 0


def is_negative(x):  # type: ignore[no-untyped-def]
    return x < 0


def sign(x):  # type: ignore[no-untyped-def]
    return 1 if x > 0 else (-1 if x < 0 else x - x)  # x - x: +0 for -0 (NumPy), NaN for NaN


def u_sign(x):  # type: ignore[no-untyped-def]
    return 1 if x > 0 else x


def logaddexp(a, b):  # type: ignore[no-untyped-def]
    return logaddexp_float(a, b)


def logaddexp_int(a, b):  # type: ignore[no-untyped-def]
    return logaddexp_float(float(a), float(b))  # integers inside kernels (arrays cast before the call)


@func
def logaddexp_float(a, b):  # type: ignore[no-untyped-def]
    # NumPy's npy_logaddexp: exact for equal arguments (also both infinite), stable otherwise
    t = a - b
    r = t
    if a == b:
        r = a + 0.6931471805599453
    elif t > 0:
        r = a + math.log1p(math.exp(-t))
    elif t <= 0:
        r = b + math.log1p(math.exp(t))
    return r


def conj(x):  # type: ignore[no-untyped-def]
    return x.conjugate()


def real(x):  # type: ignore[no-untyped-def]
    return x.real


def imag(x):  # type: ignore[no-untyped-def]
    return x.imag


# -- complex (the rest is in _scalar_complex.py) ---------------------------------------------------
def c_round(z):  # type: ignore[no-untyped-def]
    return complex(round_even(z.real), round_even(z.imag))
