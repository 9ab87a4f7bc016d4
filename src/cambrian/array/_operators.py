"""The Array object's operators (``x + y``, ``x < 3``, ``-x``, ``x += 1``...), made by a loop over a
table: each calls the namespace's elementwise function, so operators and functions share one engine.
Reflected forms swap the operands; in-place forms write into the left operand (the result must keep
its shape and dtype kind, as NumPy checks)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._array import Array
from ._elementwise import FUNCTIONS

#: Binary operator dunder name (without underscores) -> elementwise function; each gets its reflected
#: (``r``) and in-place (``i``) forms unless listed in NO_REFLECTED.
BINARY = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
          "floordiv": "floor_divide", "mod": "remainder", "pow": "pow", "and": "bitwise_and",
          "or": "bitwise_or", "xor": "bitwise_xor", "lshift": "bitwise_left_shift",
          "rshift": "bitwise_right_shift",
          "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal", "eq": "equal",
          "ne": "not_equal"}
COMPARISONS = ("lt", "le", "gt", "ge", "eq", "ne")
UNARY = {"neg": "negative", "pos": "positive", "abs": "abs", "invert": "bitwise_invert"}

_OPERANDS = (Array, bool, int, float, complex, np.ndarray, np.generic)


def _binary(fn: Any, reflected: bool) -> Any:
    def op(self: Array, other: Any) -> Any:
        if not isinstance(other, _OPERANDS):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)

    return op


def _inplace(fn: Any) -> Any:
    def op(self: Array, other: Any) -> Any:
        if not isinstance(other, _OPERANDS):
            return NotImplemented
        return fn(self, other, out=self)

    return op


def _unary(fn: Any) -> Any:
    def op(self: Array) -> Any:
        return fn(self)

    return op


def _power(self: Array, other: Any) -> Any:
    """``x ** 2`` is ``square(x)`` (exact, and a multiply instead of a ``pow`` call: PoCL's float64
    ``pow`` costs ~500 ns an element here), as NumPy's own fast path does; other exponents ``pow``."""
    if other.__class__ in (int, float) and other == 2:
        return FUNCTIONS["square"](self)
    return _binary(FUNCTIONS["pow"], False)(self, other)


def _install() -> None:
    for dunder, name in BINARY.items():
        fn = FUNCTIONS[name]
        _set(f"__{dunder}__", _binary(fn, False), name)
        if dunder not in COMPARISONS:
            _set(f"__r{dunder}__", _binary(fn, True), name)
            _set(f"__i{dunder}__", _inplace(fn), name)
    for dunder, name in UNARY.items():
        _set(f"__{dunder}__", _unary(FUNCTIONS[name]), name)
    _set("__pow__", _power, "pow")


def _set(attr: str, op: Any, name: str) -> None:
    op.__name__ = op.__qualname__ = attr
    op.__doc__ = f"``{attr}``: the elementwise ``{name}`` (broadcasting, NEP 50 promotion)."
    setattr(Array, attr, op)


_install()
