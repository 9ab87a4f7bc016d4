"""Typing helpers of the front end: typed values with NEP 50 weakness, casts, constant folding.

A :class:`Val` is an IR expression plus its *weak kind* (``"bool"``, ``"int"``, ``"float"``,
``"complex"``) when it was built only from Python literals (or from variables holding only literals);
weak values adopt the dtype of the strong operand they meet, as NumPy 2 does for Python scalars.
"""

from __future__ import annotations

import math
import operator
import warnings
from typing import NamedTuple

import numpy as np

from .. import dtypes
from ..errors import KernelTypeError, Loc
from . import intrinsics, ir

#: Python AST operator class name -> IR binary op.
BINOPS = {"Add": "add", "Sub": "sub", "Mult": "mul", "Div": "truediv", "FloorDiv": "floordiv",
          "Mod": "mod", "Pow": "pow", "BitAnd": "and", "BitOr": "or", "BitXor": "xor",
          "LShift": "lshift", "RShift": "rshift"}
CMPOPS = {"Lt": "lt", "LtE": "le", "Gt": "gt", "GtE": "ge", "Eq": "eq", "NotEq": "ne"}
SYMBOL = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%", "pow": "**",
          "and": "&", "or": "|", "xor": "^", "lshift": "<<", "rshift": ">>", "lt": "<", "le": "<=",
          "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
BITWISE = ("and", "or", "xor", "lshift", "rshift")
_WEAK_OF_KIND = {"bool": "bool", "int": "int", "uint": "int", "float": "float", "complex": "complex"}
VOID = ir.Scalar("void")  # type of a call of a device function that returns nothing


class Val(NamedTuple):
    """A typed IR expression; ``weak`` is the Python literal kind when the value is weak."""

    expr: ir.Expr
    weak: str | None = None

    @property
    def dtype(self) -> str:
        t = self.expr.type
        return t.dtype if isinstance(t, ir.Scalar) else ""

    def operand(self) -> str | tuple[str, str]:
        """The operand form :func:`cambrian.dtypes.result_type` takes."""
        return ("weak", self.weak) if self.weak else self.dtype


def const(value: bool | int | float | complex, loc: Loc | None, dtype: str | None = None) -> Val:
    """A literal: weak (default dtype) unless ``dtype`` is given."""
    kind = dtypes.weak_kind(value)
    if kind is None:
        raise TypeError(f"not a scalar literal: {value!r}")
    d = dtype or dtypes.weak_default(kind)
    return Val(ir.Const(ir.Scalar(d), value=value, loc=loc), None if dtype else kind)


def is_pure(expr: ir.Expr) -> bool:
    """True when evaluating ``expr`` twice is harmless (no atomics, no device function calls)."""
    return not any(isinstance(n, ir.CallFunc) or (isinstance(n, ir.Call) and n.name.startswith("atomic"))
                   for n in ir.walk(expr))


def _np_value(value: object, dtype: str) -> object | None:
    """``value`` converted to ``dtype`` as a Python scalar when it is exactly representable."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return _np_value_unchecked(value, dtype)


def _np_value_unchecked(value: object, dtype: str) -> object | None:
    try:
        if dtypes.is_integer(dtype):
            if isinstance(value, complex) or (isinstance(value, float) and not value.is_integer()):
                return None
            info = np.iinfo(dtype)
            iv = int(value)
            return iv if info.min <= iv <= info.max else None
        if dtype == "bool":
            return bool(value) if not isinstance(value, complex) else None
        if dtypes.is_float(dtype):
            if isinstance(value, complex):
                return None
            out = float(np.dtype(dtype).type(value))
            return out if (out == value or math.isnan(out) or dtype == "float32") else None
        return complex(np.dtype(dtype).type(value))
    except (OverflowError, ValueError, TypeError):
        return None


def cast(v: Val, dtype: str, loc: Loc | None = None) -> ir.Expr:
    """``v`` as an expression of ``dtype``: no-op, folded constant or an ``ir.Cast``."""
    e = v.expr
    if isinstance(e.type, ir.Scalar) and e.type.dtype == dtype:
        return e
    if isinstance(e, ir.Const):
        folded = _np_value(e.value, dtype)
        if folded is not None and (dtype != "float32" or not isinstance(e.value, int)
                                   or abs(e.value) < 2**24):
            return ir.Const(ir.Scalar(dtype), value=folded, loc=e.loc)
    return ir.Cast(ir.Scalar(dtype), operand=e, loc=loc or e.loc)


def check_weak_fits(v: Val, dtype: str, loc: Loc | None) -> None:
    """NumPy 2 refuses a Python int literal out of range of the integer dtype it meets."""
    e = v.expr
    if v.weak == "int" and isinstance(e, ir.Const) and dtypes.is_integer(dtype):
        info = np.iinfo(dtype)
        if not info.min <= int(e.value) <= info.max:  # type: ignore[arg-type]
            raise KernelTypeError(f"Python integer {e.value} out of bounds for {dtype}", loc)


def promote(vals: list[Val], loc: Loc | None, *, check: bool = True) -> tuple[str, str | None]:
    """Common dtype of ``vals`` under NEP 50, and the weak kind of the result (None if strong).
    ``check=False`` skips the range check of int literals (``/`` computes in float64, as NumPy does:
    ``uint8 / -1`` is fine)."""
    dt = dtypes.result_type(*(v.operand() for v in vals))
    if all(v.weak for v in vals):
        return dt, max((v.weak for v in vals if v.weak), key=dtypes.WEAK_KINDS.index)
    if check:
        for v in vals:
            check_weak_fits(v, dt, loc)
    return dt, None


def unify(vals: list[Val], loc: Loc | None) -> tuple[list[ir.Expr], str, str | None]:
    """Promote and cast every value to the common dtype."""
    dt, weak = promote(vals, loc)
    return [cast(v, dt, loc) for v in vals], dt, weak


def to_bool(v: Val, loc: Loc | None) -> ir.Expr:
    """A condition: bool as is, other scalars compared ``!= 0``."""
    if v.dtype == "bool":
        return v.expr
    if not isinstance(v.expr.type, ir.Scalar):
        raise KernelTypeError(f"an array cannot be used as a condition (got {v.expr.type})", loc)
    if isinstance(v.expr, ir.Const):
        return ir.Const(ir.BOOL, value=bool(v.expr.value), loc=loc)
    zero = cast(Val(ir.Const(ir.Scalar("int64"), value=0, loc=loc)), v.dtype)
    return ir.Compare(ir.BOOL, op="ne", left=v.expr, right=zero, loc=loc)


# ------------------------------------------------------------------ constant folding of weak literals

_FOLD = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
         "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
         "and": operator.and_, "or": operator.or_, "xor": operator.xor}


def fold_binary(op: str, a: Val, b: Val, dt: str, weak: str, loc: Loc | None) -> Val | None:
    """Fold ``a op b`` of two weak literals when Python's result equals the kernel semantics."""
    x, y = a.expr, b.expr
    if not (isinstance(x, ir.Const) and isinstance(y, ir.Const)) or op not in _FOLD:
        return None
    if op in ("truediv", "floordiv", "mod") and y.value == 0:
        return None
    if op == "pow" and weak == "int" and y.value < 0:  # type: ignore[operator]
        return None
    if op == "pow" and weak == "int" and abs(x.value) > 1 and y.value * x.value.bit_length() > 4096:  # type: ignore
        raise KernelTypeError(f"integer constant expression {x.value} ** {y.value} is far beyond 64 bits",
                              loc)
    try:
        out = _FOLD[op](x.value, y.value)
    except (ArithmeticError, TypeError, ValueError):
        return None
    if weak == "bool":
        out = bool(out) if op in ("and", "or", "xor") else None
    elif weak == "int":  # exact, as Python computes it: out of 64 bits is rejected by settle_int()
        out = out if isinstance(out, int) else None
    elif weak == "float":
        out = float(out) if isinstance(out, (int, float)) and math.isfinite(out) else None
    elif weak == "complex":
        out = complex(out) if isinstance(out, (int, float, complex)) else None
    if out is None:
        return None
    return Val(ir.Const(ir.Scalar(dt), value=out, loc=loc), weak)


def fold_unary(op: str, v: Val, loc: Loc | None) -> Val | None:
    """Fold ``-c``, ``+c`` and ``~c`` of a weak literal."""
    e = v.expr
    if not (v.weak and isinstance(e, ir.Const)) or v.weak == "bool":
        return None
    if op == "neg":
        out = -e.value  # type: ignore[operator]
    elif op == "pos":
        out = e.value
    elif op == "invert" and v.weak == "int":
        out = ~e.value  # type: ignore[operator]
    else:
        return None
    return Val(ir.Const(e.type, value=out, loc=loc), v.weak)


def is_big_int(v: Val) -> bool:
    """A weak integer constant outside int64 (exact while constant expressions are folded)."""
    e = v.expr
    return v.weak == "int" and isinstance(e, ir.Const) and not -(2**63) <= e.value < 2**63  # type: ignore[operator]


def settle_int(v: Val, loc: Loc | None, text: str | None = None) -> Val:
    """The value of a whole integer constant expression (``text``; None for a lone literal): it must
    fit in int64, as NumPy 2 requires of a Python int meeting int64 (OverflowError), else a
    KernelTypeError. A lone literal in ``[2**63, 2**64)`` is a uint64 constant."""
    if not is_big_int(v):
        return v
    value = v.expr.value  # type: ignore[attr-defined]
    if text is None:
        if 0 <= value < 2**64:
            return const(value, loc, "uint64")
        raise KernelTypeError(f"integer literal {value} does not fit in 64 bits", loc)
    raise KernelTypeError(f"integer constant expression {text} = {value} does not fit in int64 (NumPy 2 "
                          "raises OverflowError); compute it in floats (2.0 ** 70) or keep it in range", loc)


def fit_int(v: Val, dtype: str, loc: Loc | None) -> Val:
    """A folded integer constant (possibly beyond int64) as an operand of a ``dtype`` operation: it
    must fit an integer ``dtype`` (NumPy 2); a float or complex ``dtype`` takes it as Python does."""
    if not is_big_int(v):
        return v
    if dtypes.is_integer(dtype):
        check_weak_fits(v, dtype, loc)
        return v
    if dtype == "bool":
        return Val(ir.Const(ir.BOOL, value=True, loc=v.expr.loc))
    try:
        value = float(v.expr.value)  # type: ignore[attr-defined, arg-type]
    except OverflowError:
        raise KernelTypeError(f"integer constant {v.expr.value} is too large for {dtype}", loc) from None  # type: ignore[attr-defined]
    return Val(ir.Const(ir.Scalar(dtype), value=value, loc=v.expr.loc), "float")


def weak_kind_of_dtype(dtype: str) -> str:
    return _WEAK_OF_KIND[dtypes.kind(dtype)]


def fold_math(name: str, args: tuple[ir.Expr, ...], result: str, loc: Loc | None) -> ir.Expr | None:
    """Fold a float64 math intrinsic of literals (``math.sqrt(2.0)``) with its reference."""
    info = intrinsics.lookup(name)
    if info is None or info.ref is None or info.category != "math" or result != "float64" or \
            not all(isinstance(a, ir.Const) for a in args):
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            out = float(info.ref(*(np.float64(a.value) for a in args)))  # type: ignore[union-attr,arg-type]
        except (ArithmeticError, TypeError, ValueError):
            return None
    return ir.Const(ir.Scalar(result), value=out, loc=loc) if math.isfinite(out) else None
