"""Scalar semantics of the interpreter: one function per (operation, dtype), exactly docs/semantics.md.

Values are NumPy scalars of the exact IR dtype. The caller runs everything under
``np.errstate(all="ignore")`` so integer wrap, ``inf``/``nan`` and invalid casts are silent; the
functions here fix up every place where plain NumPy scalar arithmetic is not the specification
(integer ``//``/``%`` by 0 and ``MIN // -1``, shifts out of range, integer ``**``, float ``//``/``%``
by NumPy's ``npy_divmod``, NaN-propagating ``min``/``max``, complex ``*`` and ``/`` by CPython's
formulas). Each ``*_fn`` factory returns a callable, or raises :class:`Unsupported` for a combination
the front end never produces.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..compiler import intrinsics

Fn = Callable[..., Any]

TRUE = np.True_
FALSE = np.False_


class Unsupported(Exception):
    """An operation/dtype combination outside the IR's invariants."""


def scalar_type(dtype: str) -> type:
    """The NumPy scalar class of a dtype name."""
    return np.dtype(dtype).type


def const(dtype: str, value: Any) -> Any:
    """A typed constant (``complex`` keeps inf/nan components exactly)."""
    t = scalar_type(dtype)
    if dtypes.is_complex(dtype):
        z = complex(value)
        return t(complex(z.real, z.imag))
    if dtype == "bool":
        return TRUE if value else FALSE
    return t(value)


# --------------------------------------------------------------------------- integers


def _int_floordiv(dtype: str) -> Fn:
    zero = scalar_type(dtype)(0)

    def floordiv(a: Any, b: Any) -> Any:
        if b == 0:
            return zero
        if b == -1:  # MIN // -1 wraps to MIN (never a trap)
            return -a
        return a // b

    return floordiv


def _int_mod(dtype: str) -> Fn:
    zero = scalar_type(dtype)(0)

    def mod(a: Any, b: Any) -> Any:
        if b == 0 or b == -1:
            return zero
        return a % b

    return mod


def _int_pow(dtype: str) -> Fn:
    t = scalar_type(dtype)
    bits = np.dtype(dtype).itemsize * 8
    modulus = 1 << bits
    half = 1 << (bits - 1) if dtype in dtypes.SIGNED else modulus

    def power(a: Any, b: Any) -> Any:
        base, e = int(a), int(b)
        if e < 0:  # 1 -> 1, -1 -> +-1 by parity, everything else (0 included) -> 0
            return t(1) if base == 1 else t(1 - 2 * (e & 1)) if base == -1 else t(0)
        r = pow(base, e, modulus)
        return t(r - modulus if r >= half else r)

    return power


def _int_lshift(dtype: str) -> Fn:
    bits = np.dtype(dtype).itemsize * 8
    zero = scalar_type(dtype)(0)

    def lshift(a: Any, b: Any) -> Any:
        return a << b if 0 <= b < bits else zero

    return lshift


def _int_rshift(dtype: str) -> Fn:
    t = scalar_type(dtype)
    bits = np.dtype(dtype).itemsize * 8
    zero = t(0)
    minus_one = t(-1) if dtype in dtypes.SIGNED else zero

    def rshift(a: Any, b: Any) -> Any:
        if 0 <= b < bits:
            return a >> b
        return minus_one if a < 0 else zero

    return rshift


# --------------------------------------------------------------------------- floats


def nan_result(a: Any, b: Any) -> Any:
    """The NaN of a float ``//`` or ``%``: a NaN operand's sign (``a`` first), else the sign bit set
    (x86's default NaN, as NumPy there), whatever the hardware makes (docs/semantics.md)."""
    sign = a if a != a else b if b != b else -1.0
    return np.copysign(type(a)(np.nan), type(a)(sign))


def float_divmod(a: Any, b: Any) -> tuple[Any, Any]:
    """NumPy's ``npy_divmod`` on two scalars of one float dtype: ``(a // b, a % b)``."""
    mod = np.fmod(a, b)
    if b == 0:
        q = a / b
        return (nan_result(a, b) if q != q else q), nan_result(a, b)
    if mod != mod:
        return nan_result(a, b), nan_result(a, b)
    div = (a - mod) / b
    if mod != 0:
        if (b < 0) != (mod < 0):
            mod = mod + b
            div = div - 1
    else:
        mod = np.copysign(type(a)(0), b)
    if div != 0:
        floordiv = np.floor(div)
        if div - floordiv > 0.5:
            floordiv = floordiv + 1
    else:
        floordiv = np.copysign(type(a)(0), a / b)
    return floordiv, mod


def _float_floordiv(dtype: str) -> Fn:
    return lambda a, b: float_divmod(a, b)[0]


def _float_mod(dtype: str) -> Fn:
    return lambda a, b: float_divmod(a, b)[1]


# --------------------------------------------------------------------------- complex


def _complex_mul(dtype: str) -> Fn:
    t = scalar_type(dtype)

    def mul(a: Any, b: Any) -> Any:
        ar, ai, br, bi = a.real, a.imag, b.real, b.imag
        return t(complex(ar * br - ai * bi, ar * bi + ai * br))

    return mul


def _complex_div(dtype: str) -> Fn:
    """CPython's ``_Py_c_quot`` computed in the component dtype (no ZeroDivisionError)."""
    t = scalar_type(dtype)
    nan = float("nan")

    def div(a: Any, b: Any) -> Any:
        ar, ai, br, bi = a.real, a.imag, b.real, b.imag
        abr, abi = abs(br), abs(bi)
        if abr >= abi:
            if abr == 0:
                return t(complex(ar / abr, ai / abr))
            ratio = bi / br
            denom = br + bi * ratio
            return t(complex((ar + ai * ratio) / denom, (ai - ar * ratio) / denom))
        if abi >= abr:
            ratio = br / bi
            denom = br * ratio + bi
            return t(complex((ar * ratio + ai) / denom, (ai * ratio - ar) / denom))
        return t(complex(nan, nan))

    return div


# --------------------------------------------------------------------------- tables

_PLAIN = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
          "pow": operator.pow, "and": operator.and_, "or": operator.or_, "xor": operator.xor}

#: kind -> op -> factory(dtype) or a plain operator (None: unsupported).
_BINARY: dict[str, dict[str, Any]] = {
    "bool": {"and": operator.and_, "or": operator.or_, "xor": operator.xor,
             "add": operator.or_, "mul": operator.and_},  # NumPy: bool + bool is logical or
    "int": {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "and": operator.and_,
            "or": operator.or_, "xor": operator.xor, "floordiv": _int_floordiv, "mod": _int_mod,
            "pow": _int_pow, "lshift": _int_lshift, "rshift": _int_rshift},
    "float": {**{k: _PLAIN[k] for k in ("add", "sub", "mul", "truediv", "pow")},
              "floordiv": _float_floordiv, "mod": _float_mod},
    "complex": {"add": operator.add, "sub": operator.sub, "mul": _complex_mul, "truediv": _complex_div},
}
_BINARY["uint"] = _BINARY["int"]


def binary_fn(op: str, dtype: str) -> Fn:
    """``f(a, b)`` for a ``Binary`` node whose operands and result are ``dtype``."""
    entry = _BINARY[dtypes.kind(dtype)].get(op)
    if entry is None:
        raise Unsupported(f"binary {op!r} on {dtype}")
    return entry if entry in _PLAIN.values() else entry(dtype)


_COMPARE = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
            "eq": operator.eq, "ne": operator.ne}


def compare_fn(op: str, dtype: str) -> Fn:
    if dtypes.is_complex(dtype) and op not in ("eq", "ne"):
        raise Unsupported(f"comparison {op!r} of complex numbers")
    return _COMPARE[op]


def _not(x: Any) -> Any:
    return FALSE if x else TRUE


def unary_fn(op: str, dtype: str) -> Fn:
    k = dtypes.kind(dtype)
    if op == "pos":
        return lambda x: x
    if op == "not":
        return _not
    if op == "neg" and k != "bool":
        return operator.neg  # wraps for integers (MIN and unsigned)
    if op == "invert" and k in ("bool", "int", "uint"):
        return operator.invert  # logical not on np.bool_
    raise Unsupported(f"unary {op!r} on {dtype}")


def cast_fn(src: str, dst: str) -> Fn:
    """Conversion following docs/semantics.md "Casts" (C casts: truncation, wrap)."""
    if src == dst:
        return lambda x: x
    t = scalar_type(dst)
    if dst == "bool":
        return lambda x: TRUE if x != 0 else FALSE
    if dtypes.is_complex(src) and not dtypes.is_complex(dst):
        return lambda x: x.real.astype(t)  # drop the imaginary part (no ComplexWarning)
    return lambda x: x.astype(t)


# --------------------------------------------------------------------------- intrinsics


def _minmax(ufunc: Any, n: int) -> Fn:
    if n == 2:
        return ufunc
    def reduce(*xs: Any) -> Any:
        r = xs[0]
        for x in xs[1:]:
            r = ufunc(r, x)
        return r
    return reduce


def _abs(arg: str, result: str) -> Fn:
    if dtypes.is_complex(arg):
        return lambda z: np.hypot(z.real, z.imag)
    if arg == "bool":
        t = scalar_type(result)
        return lambda x: t(1 if x else 0)
    return operator.abs  # wraps for the most negative integer


def _complex_new(result: str) -> Fn:
    t = scalar_type(result)
    return lambda re, im=0.0: t(complex(float(re), float(im)))


#: ``numpy.fmin``/``fmax``: a NaN operand is ignored (NaN only when both are); ties give ``b``.
FMINMAX: dict[str, Fn] = {"fmin": lambda a, b: a if (b != b or a < b) else b,
                          "fmax": lambda a, b: a if (b != b or a > b) else b}


def intrinsic_fn(name: str, arg_dtypes: tuple[str, ...], result: str) -> Fn:
    """A scalar function for a value intrinsic (math, builtin, complex). Result coerced to ``result``."""
    if name == "min":
        return _minmax(np.minimum, len(arg_dtypes))
    if name == "max":
        return _minmax(np.maximum, len(arg_dtypes))
    if name in ("fmin", "fmax"):
        return FMINMAX[name]
    if name == "abs":
        return _abs(arg_dtypes[0], result)
    if name == "complex":
        return _complex_new(result)
    if name in ("real", "imag"):
        getter = operator.attrgetter(name)
        t = scalar_type(result)
        return lambda x: t(getter(x))
    if name == "conjugate":
        return lambda x: x.conjugate()
    spec = intrinsics.TABLE.get(name)
    if spec is None or spec.ref is None:
        raise Unsupported(f"intrinsic {name!r}")
    ref, t = spec.ref, scalar_type(result)

    def call(*xs: Any) -> Any:
        r = ref(*xs)
        return r if type(r) is t else t(r)

    return call


def atomic_update(name: str, dtype: str) -> Fn:
    """``new = f(old, value)`` for ``atomic_add/sub/min/max/xchg`` on ``dtype`` elements."""
    table: dict[str, Fn] = {"atomic_add": operator.add, "atomic_sub": operator.sub,
                            "atomic_min": np.minimum, "atomic_max": np.maximum,
                            "atomic_xchg": lambda old, v: v, "atomic_and": operator.and_,
                            "atomic_or": operator.or_, "atomic_xor": operator.xor}
    if name in ("atomic_inc", "atomic_dec"):  # CUDA's atomicInc/atomicDec (intrinsics.INT_ATOMICS)
        t = scalar_type(dtype)
        def step(old: Any, d: int) -> Any:  # old + d, wrapping in the element dtype
            return np.uint64((int(old) + d) & 0xFFFF_FFFF_FFFF_FFFF).astype(t)

        if name == "atomic_inc":
            return lambda old, v: t(0) if old >= v else step(old, 1)
        return lambda old, v: v if old == 0 or old > v else step(old, -1)
    if name not in table:
        raise Unsupported(f"atomic {name!r}")
    return table[name]


def cas_equal(dtype: str) -> Fn:
    """Equality used by ``atomic_cas``: bitwise for floats (as hardware CAS on the bit pattern)."""
    if dtypes.is_float(dtype):
        return lambda a, b: a.tobytes() == b.tobytes()
    return operator.eq
