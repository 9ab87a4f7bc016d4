"""Elementwise functions (array API 2024.12, all 67): one table row each, turned into
:class:`cambrian.elementwise.Elementwise` objects by a loop.

A row is ``name: (scalar definition, NumPy ufunc, result rule, dtype group, variants)``; the scalar
definitions live in ``_scalar.py`` (kernel language). Rules: ``same`` (the promoted dtype), ``float``
(integers compute in the device's default float), ``bool`` and ``compare`` (a bool result), ``real``
(the real dtype of a complex one). Groups are the standard's dtype categories.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import dtypes
from ..elementwise import Elementwise
from . import _scalar as s
from . import _scalar_complex as c

_I = {"integer": s.same}  # integers pass through floor/ceil/trunc/round unchanged
_NOT_FLOAT = {"integer": s.false}

#: name -> (definition, ufunc, rule, group, variants)
TABLE: dict[str, tuple[Any, Any, str, str, dict[str, Any]]] = {
    "abs": (s.absolute, np.absolute, "real", "numeric", {"complex": c.c_abs}),
    "acos": (s.acos, np.arccos, "float", "numeric", {"complex": c.c_acos}),
    "acosh": (s.acosh, np.arccosh, "float", "numeric", {"complex": c.c_acosh}),
    "add": (s.add, np.add, "same", "numeric", {}),
    "asin": (s.asin, np.arcsin, "float", "numeric", {"complex": c.c_asin}),
    "asinh": (s.asinh, np.arcsinh, "float", "numeric", {"complex": c.c_asinh}),
    "atan": (s.atan, np.arctan, "float", "numeric", {"complex": c.c_atan}),
    "atan2": (s.atan2, np.arctan2, "float", "real", {}),
    "atanh": (s.atanh, np.arctanh, "float", "numeric", {"complex": c.c_atanh}),
    "bitwise_and": (s.bitwise_and, np.bitwise_and, "same", "integer or bool", {}),
    "bitwise_left_shift": (s.bitwise_left_shift, np.left_shift, "same", "integer", {}),
    "bitwise_invert": (s.bitwise_invert, np.invert, "same", "integer or bool", {}),
    "bitwise_or": (s.bitwise_or, np.bitwise_or, "same", "integer or bool", {}),
    "bitwise_right_shift": (s.bitwise_right_shift, np.right_shift, "same", "integer", {}),
    "bitwise_xor": (s.bitwise_xor, np.bitwise_xor, "same", "integer or bool", {}),
    "ceil": (s.ceil, np.ceil, "same", "real", _I),
    "conj": (s.same, np.conjugate, "same", "numeric", {"complex": s.conj}),
    "copysign": (s.copysign, np.copysign, "float", "real", {}),
    "cos": (s.cos, np.cos, "float", "numeric", {"complex": c.c_cos}),
    "cosh": (s.cosh, np.cosh, "float", "numeric", {"complex": c.c_cosh}),
    "divide": (s.divide, np.divide, "float", "numeric", {}),
    "equal": (s.equal, np.equal, "compare", "any", {}),
    "exp": (s.exp, np.exp, "float", "numeric", {"complex": c.c_exp}),
    "expm1": (s.expm1, np.expm1, "float", "numeric", {"complex": c.c_expm1}),
    "floor": (s.floor, np.floor, "same", "real", _I),
    "floor_divide": (s.floor_divide, np.floor_divide, "same", "real numeric",
                     {"integer": s.floor_divide_int}),
    "greater": (s.greater, np.greater, "compare", "real", {}),
    "greater_equal": (s.greater_equal, np.greater_equal, "compare", "real", {}),
    "hypot": (s.hypot, np.hypot, "float", "real", {}),
    "imag": (s.zero, np.imag, "real", "numeric", {"complex": s.imag}),
    "isfinite": (s.isfinite, np.isfinite, "bool", "any", {"complex": c.c_isfinite, "integer": s.true}),
    "isinf": (s.isinf, np.isinf, "bool", "any", {"complex": c.c_isinf, **_NOT_FLOAT}),
    "isnan": (s.isnan, np.isnan, "bool", "any", {"complex": c.c_isnan, **_NOT_FLOAT}),
    "less": (s.less, np.less, "compare", "real", {}),
    "less_equal": (s.less_equal, np.less_equal, "compare", "real", {}),
    "log": (s.log, np.log, "float", "numeric", {"complex": c.c_log}),
    "log1p": (s.log1p, np.log1p, "float", "numeric", {"complex": c.c_log1p}),
    "log2": (s.log2, np.log2, "float", "numeric", {"complex": c.c_log2}),
    "log10": (s.log10, np.log10, "float", "numeric", {"complex": c.c_log10}),
    "logaddexp": (s.logaddexp, np.logaddexp, "float", "real", {"integer": s.logaddexp_int}),
    "logical_and": (s.logical_and, np.logical_and, "bool", "any", {}),
    "logical_not": (s.logical_not, np.logical_not, "bool", "any", {}),
    "logical_or": (s.logical_or, np.logical_or, "bool", "any", {}),
    "logical_xor": (s.logical_xor, np.logical_xor, "bool", "any", {}),
    "maximum": (s.maximum, np.maximum, "same", "real", {}),
    "minimum": (s.minimum, np.minimum, "same", "real", {}),
    "multiply": (s.multiply, np.multiply, "same", "numeric", {}),
    "negative": (s.negative, np.negative, "same", "numeric", {}),
    "nextafter": (s.nextafter, np.nextafter, "float", "real", {}),
    "not_equal": (s.not_equal, np.not_equal, "compare", "any", {}),
    "positive": (s.positive, np.positive, "same", "numeric", {}),
    "pow": (s.pow, np.power, "same", "numeric", {"complex": c.c_pow}),
    "real": (s.same, np.real, "real", "numeric", {"complex": s.real}),
    "reciprocal": (s.reciprocal, np.reciprocal, "float", "numeric", {}),
    "remainder": (s.remainder, np.remainder, "same", "real numeric", {}),
    "round": (s.round, np.round, "same", "numeric", {**_I, "complex": s.c_round}),
    "sign": (s.sign, np.sign, "same", "numeric", {"complex": c.c_sign, "uint": s.u_sign}),
    "signbit": (s.signbit, np.signbit, "bool", "real", {"int": s.is_negative, "uint": s.false,
                                                         "bool": s.false}),
    "sin": (s.sin, np.sin, "float", "numeric", {"complex": c.c_sin}),
    "sinh": (s.sinh, np.sinh, "float", "numeric", {"complex": c.c_sinh}),
    "sqrt": (s.sqrt, np.sqrt, "float", "numeric", {"complex": c.c_sqrt}),
    "square": (s.square, np.square, "same", "numeric", {}),
    "subtract": (s.subtract, np.subtract, "same", "numeric", {}),
    "tan": (s.tan, np.tan, "float", "numeric", {"complex": c.c_tan}),
    "tanh": (s.tanh, np.tanh, "float", "numeric", {"complex": c.c_tanh}),
    "trunc": (s.trunc, np.trunc, "same", "real", _I),
}


# -- the host path where NumPy's ufunc differs from the kernels ----------------------------------------
# ``out`` may be an operand (``x //= y``): the corrections are computed before ``out`` is written.
def _power(a: Any, b: Any, /, out: np.ndarray) -> None:
    """``np.power`` without its ValueError for negative integer exponents: they give 0, except base 1
    -> 1 and base -1 -> +-1 by parity (the kernels' integer ``**``)."""
    ea, eb = np.asarray(a), np.asarray(b)
    neg = eb < 0 if eb.dtype.kind == "i" and ea.dtype.kind in "iu" else False
    if not np.any(neg):
        np.power(a, b, out=out)
        return
    small = np.where(ea == 1, 1, np.where(ea == -1, 1 - 2 * (eb & 1), 0))
    np.power(a, np.where(neg, 0, eb).astype(eb.dtype), out=out)
    np.copyto(out, small, where=neg, casting="unsafe")


def _expm1(x: np.ndarray, /, out: np.ndarray) -> None:
    """``np.expm1``; complex special values as the standard (and the kernels): ``expm1(a + 0j)`` is
    ``expm1(a) + 0j``, ``expm1(-inf + bj)`` is ``-1 + 0 cis(b)``, ``expm1(inf + nan j)`` is
    ``inf + nan j``."""
    if x.dtype.kind != "c":
        np.expm1(x, out=out)
        return
    re, im = x.real, x.imag
    ninf = np.isneginf(re)
    with np.errstate(all="ignore"):  # (expm1(a), b) for b = 0, (-1, 0 sin b) for a = -inf, else (inf, NaN)
        fixed = np.empty_like(x)
        fixed.real = np.where(im == 0, np.expm1(re), np.where(ninf, -1, np.inf))
        fixed.imag = np.where(im == 0, im, np.where(ninf, 0 * np.where(np.isfinite(im), np.sin(im), 0),
                                                    np.nan))
    special = (im == 0) | ninf | (np.isposinf(re) & ~np.isfinite(im))
    np.expm1(x, out=out)
    np.copyto(out, fixed, where=special)


def _sign(x: np.ndarray, /, out: np.ndarray) -> None:
    """``np.sign``; a complex NaN in either part gives NaN + NaN j (the standard; NumPy keeps the sign
    of an infinite other part)."""
    nan = np.isnan(x) if x.dtype.kind == "c" else None
    np.sign(x, out=out)
    if nan is not None and nan.any():
        np.copyto(out, complex(np.nan, np.nan), where=nan)


def _floor_divide(a: Any, b: Any, /, out: np.ndarray) -> None:
    """``np.floor_divide`` with the standard's special cases: ``+-inf // finite`` is ``+-inf`` and
    ``finite // +-inf`` is ``+-0`` (NumPy's divmod gives NaN and -1 there)."""
    special = (np.isinf(a) & np.isfinite(b)) | (np.isfinite(a) & np.isinf(b))
    fixed = np.divide(a, b) if np.any(special) else None
    np.floor_divide(a, b, out=out)
    if fixed is not None:
        np.copyto(out, fixed, where=special, casting="unsafe")


def _reciprocal(x: np.ndarray, /, out: np.ndarray) -> None:
    """``1 / x`` (NumPy's complex reciprocal of 0 gives NaN + NaN j, division gives inf + NaN j)."""
    np.divide(1, x, out=out)


HOST = {"pow": _power, "expm1": _expm1, "sign": _sign, "reciprocal": _reciprocal,
        "floor_divide": _floor_divide}

_F32, _BOTH = frozenset({"float32"}), frozenset({"float32", "float64"})
_C = frozenset({"complex64", "complex128"})
#: Functions whose NumPy loops beat Cambrian's kernels on ``cpu``, per compute dtype: NumPy has SIMD
#: loops where the kernels call the library's scalar functions (float64 ``atan`` of 10**6 elements 4.4 ms
#: against 1.1; float32 ``sin`` 1.5 ms against 0.66). Measured on 131,072, 10**6 and 10**7 elements,
#: the kernel on 2 threads against NumPy's loop split over them, alternately in one process.
NUMPY_ON_HOST = {**{name: _BOTH for name in ("atan", "atan2", "atanh", "cosh", "log2", "logaddexp", "sinh")},
                 **{name: _BOTH | _C for name in ("acos", "asin", "asinh", "log1p", "log10", "pow", "tan")},
                 "acosh": _F32 | _C, "cos": _F32, "sin": _F32, "log": frozenset({"float64"}), "sqrt": _C}
#: Every other function runs its kernel on ``cpu`` from KERNEL_ON_HOST_MIN elements, per compute dtype:
#: the same or faster everywhere measured (131,072 float64: ``x + y`` 119 us against NumPy's split 279,
#: ``isnan`` 43 against 167, ``floor`` 60 against 175; float32 ``floor_divide`` of 10**7: 32 ms against
#: 112; float64 ``exp`` of 10**7: 4.6-4.8 ms in every run, NumPy's split 4.9-8.5: this VM's second core
#: wakes slowly).
KERNEL_ON_HOST = {name: frozenset(dtypes.ALL) - NUMPY_ON_HOST.get(name, frozenset()) for name in TABLE}

#: Functions that run at memory speed without SIMD: results of 16 MiB or more are written with
#: non-temporal stores, on ``cpu`` too (``Elementwise(stream=True)``; ``x + y`` on 10**7 float64 into
#: ``out``: NumPy's loop on 2 threads 6.9 ms, the kernel 5.3 ms).
STREAM = frozenset({"add", "subtract", "multiply", "negative", "positive", "abs", "square", "conj", "real",
                    "imag", "maximum", "minimum", "equal", "not_equal", "less", "less_equal", "greater",
                    "greater_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
                    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_invert", "copysign", "signbit"})

#: Functions that keep PoCL's own kernel on PoCL's CPU device at every size (``cpu_path_on_pocl``):
#: its ``nextafter`` was 4x faster than the kernel on ``cpu`` and than NumPy's loop.
POCL_OWN = frozenset({"nextafter"})

FUNCTIONS: dict[str, Elementwise] = {
    name: Elementwise(name, fn, ufunc, rule=rule, group=group, variants=variants, host=HOST.get(name),
                      kernel_on_host=KERNEL_ON_HOST[name], stream=name in STREAM,
                      cpu_path_on_pocl=name not in POCL_OWN)
    for name, (fn, ufunc, rule, group, variants) in TABLE.items()
}
globals().update(FUNCTIONS)

__all__ = [*FUNCTIONS, "clip"]


def clip(x: Any, /, min: Any = None, max: Any = None) -> Any:
    """``x`` limited to ``[min, max]`` (either may be None, a Python scalar or an array broadcast
    against ``x``); the result has ``x``'s dtype and shape. NaN propagates as in ``maximum``."""
    from ._array import Array

    if not isinstance(x, Array):
        raise TypeError(f"clip: x must be a cambrian.Array, got {type(x).__name__}")
    out = x.__class__._empty(x.shape, x.dtype.name, x.device)
    src = x
    for bound, fn in ((min, FUNCTIONS["maximum"]), (max, FUNCTIONS["minimum"])):
        if bound is None:
            continue
        if isinstance(bound, int) and not isinstance(bound, bool) and x.dtype.kind in "iu":
            info = np.iinfo(x.dtype)
            bound = builtins.min(builtins.max(bound, int(info.min)), int(info.max))
        if isinstance(bound, Array) and np.broadcast_shapes(bound.shape, x.shape) != x.shape:
            raise ValueError(f"clip: a bound of shape {bound.shape} does not broadcast to {x.shape}")
        fn(src, bound, out=out)
        src = out
    if src is x:
        from ..vectorize import copy

        copy(x, out=out)
    return out

