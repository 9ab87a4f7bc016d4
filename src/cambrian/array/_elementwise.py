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

from ..elementwise import Elementwise
from . import _scalar as s

_I = {"integer": s.same}  # integers pass through floor/ceil/trunc/round unchanged
_NOT_FLOAT = {"integer": s.false}

#: name -> (definition, ufunc, rule, group, variants)
TABLE: dict[str, tuple[Any, Any, str, str, dict[str, Any]]] = {
    "abs": (s.absolute, np.absolute, "real", "numeric", {"complex": s.c_abs}),
    "acos": (s.acos, np.arccos, "float", "numeric", {"complex": s.c_acos}),
    "acosh": (s.acosh, np.arccosh, "float", "numeric", {"complex": s.c_acosh}),
    "add": (s.add, np.add, "same", "numeric", {}),
    "asin": (s.asin, np.arcsin, "float", "numeric", {"complex": s.c_asin}),
    "asinh": (s.asinh, np.arcsinh, "float", "numeric", {"complex": s.c_asinh}),
    "atan": (s.atan, np.arctan, "float", "numeric", {"complex": s.c_atan}),
    "atan2": (s.atan2, np.arctan2, "float", "real", {}),
    "atanh": (s.atanh, np.arctanh, "float", "numeric", {"complex": s.c_atanh}),
    "bitwise_and": (s.bitwise_and, np.bitwise_and, "same", "integer or bool", {}),
    "bitwise_left_shift": (s.bitwise_left_shift, np.left_shift, "same", "integer", {}),
    "bitwise_invert": (s.bitwise_invert, np.invert, "same", "integer or bool", {}),
    "bitwise_or": (s.bitwise_or, np.bitwise_or, "same", "integer or bool", {}),
    "bitwise_right_shift": (s.bitwise_right_shift, np.right_shift, "same", "integer", {}),
    "bitwise_xor": (s.bitwise_xor, np.bitwise_xor, "same", "integer or bool", {}),
    "ceil": (s.ceil, np.ceil, "same", "real", _I),
    "conj": (s.same, np.conjugate, "same", "numeric", {"complex": s.conj}),
    "copysign": (s.copysign, np.copysign, "float", "real", {}),
    "cos": (s.cos, np.cos, "float", "numeric", {"complex": s.c_cos}),
    "cosh": (s.cosh, np.cosh, "float", "numeric", {"complex": s.c_cosh}),
    "divide": (s.divide, np.divide, "float", "numeric", {}),
    "equal": (s.equal, np.equal, "compare", "any", {}),
    "exp": (s.exp, np.exp, "float", "numeric", {"complex": s.c_exp}),
    "expm1": (s.expm1, np.expm1, "float", "numeric", {"complex": s.c_expm1}),
    "floor": (s.floor, np.floor, "same", "real", _I),
    "floor_divide": (s.floor_divide, np.floor_divide, "same", "real", {}),
    "greater": (s.greater, np.greater, "compare", "real", {}),
    "greater_equal": (s.greater_equal, np.greater_equal, "compare", "real", {}),
    "hypot": (s.hypot, np.hypot, "float", "real", {}),
    "imag": (s.zero, np.imag, "real", "numeric", {"complex": s.imag}),
    "isfinite": (s.isfinite, np.isfinite, "bool", "any", {"complex": s.c_isfinite, "integer": s.true}),
    "isinf": (s.isinf, np.isinf, "bool", "any", {"complex": s.c_isinf, **_NOT_FLOAT}),
    "isnan": (s.isnan, np.isnan, "bool", "any", {"complex": s.c_isnan, **_NOT_FLOAT}),
    "less": (s.less, np.less, "compare", "real", {}),
    "less_equal": (s.less_equal, np.less_equal, "compare", "real", {}),
    "log": (s.log, np.log, "float", "numeric", {"complex": s.c_log}),
    "log1p": (s.log1p, np.log1p, "float", "numeric", {"complex": s.c_log1p}),
    "log2": (s.log2, np.log2, "float", "numeric", {"complex": s.c_log2}),
    "log10": (s.log10, np.log10, "float", "numeric", {"complex": s.c_log10}),
    "logaddexp": (s.logaddexp, np.logaddexp, "float", "real", {}),
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
    "pow": (s.pow, np.power, "same", "numeric", {"complex": s.c_pow}),
    "real": (s.same, np.real, "real", "numeric", {"complex": s.real}),
    "reciprocal": (s.reciprocal, np.reciprocal, "float", "numeric", {}),
    "remainder": (s.remainder, np.remainder, "same", "real", {}),
    "round": (s.round, np.round, "same", "numeric", {**_I, "complex": s.c_round}),
    "sign": (s.sign, np.sign, "same", "numeric", {"complex": s.c_sign, "uint": s.same}),
    "signbit": (s.signbit, np.signbit, "bool", "real", {}),
    "sin": (s.sin, np.sin, "float", "numeric", {"complex": s.c_sin}),
    "sinh": (s.sinh, np.sinh, "float", "numeric", {"complex": s.c_sinh}),
    "sqrt": (s.sqrt, np.sqrt, "float", "numeric", {"complex": s.c_sqrt}),
    "square": (s.square, np.square, "same", "numeric", {}),
    "subtract": (s.subtract, np.subtract, "same", "numeric", {}),
    "tan": (s.tan, np.tan, "float", "numeric", {"complex": s.c_tan}),
    "tanh": (s.tanh, np.tanh, "float", "numeric", {"complex": s.c_tanh}),
    "trunc": (s.trunc, np.trunc, "same", "real", _I),
}

FUNCTIONS: dict[str, Elementwise] = {
    name: Elementwise(name, fn, ufunc, rule=rule, group=group, variants=variants)
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

