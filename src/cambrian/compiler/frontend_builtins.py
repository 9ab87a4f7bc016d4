"""Builtins the front end lowers to other IR, so every backend gets them without a new spelling.

* ``round(x)``: Python's round-half-even (``rint``) as int64; ``round(x, n)`` and ``numpy.round(x,
  n=0)`` as ``numpy.round`` (``rint(x * 10**n) / 10**n``), a float of x's dtype.
* ``math.degrees/radians``: ``x * (180 / pi)`` and ``x * (pi / 180)`` as CPython computes them.
* ``math.ldexp(x, n)``: the ``ldexp`` intrinsic with ``n`` as int32.
* ``f, i = math.modf(x)`` and ``m, e = math.frexp(x)`` (tuple assignment): CPython's special values
  (``modf(inf) = (0.0, inf)``, ``frexp(0/inf/nan) = (x, 0)``); the exponent is int32 (as NumPy's).
* ``cb.popc/clz/ffs(x)``: CUDA's ``__popc/__clz/__ffs`` over the operand's own width (int8: 8 bits),
  int32 results, through the kernel-language definitions of :mod:`.lang_builtins`.
* complex ``z ** w``: the array namespace's scalar ``pow`` for complex operands (NumPy's formula).
* ``print(...)``: :mod:`.frontend_print`.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np

from .. import dtypes
from ..errors import KernelSyntaxError, KernelTypeError, Loc
from . import intrinsics, ir, lang_builtins
from .frontend_types import Val, cast, const

#: Names whose calls :func:`lower_call` translates.
HANDLED = intrinsics.LOWERED | {"ldexp"}
#: Functions that return a tuple: they must be unpacked (``f, i = math.modf(x)``).
TUPLE_RESULTS = ("modf", "frexp")


def lower_call(tr: Any, name: str, node: ast.Call, loc: Loc, stmt: bool, fname: str) -> Any:
    """Translate a call of a builtin in :data:`intrinsics.LOWERED` (``tr``: the FuncTranslator)."""
    if name == "print":
        from .frontend_print import lower_print

        return lower_print(tr, node, loc, stmt)
    if name in TUPLE_RESULTS:
        raise KernelSyntaxError(f"{fname}() returns a tuple: unpack it in an assignment "
                                f"({'f, i' if name == 'modf' else 'm, e'} = {fname}(x))", loc)
    if name in ("round", "np_round"):
        return _round(tr, tr.call_args(node, 1, 2, fname), node, loc, name == "np_round")
    if name == "ldexp":
        x, n = tr.call_args(node, 2, 2, fname)
        return _ldexp(tr, _as_float(x, fname, loc), n, loc, fname)
    (x,) = tr.call_args(node, 1, 1, fname)
    if name in ("degrees", "radians"):
        x = _as_float(x, fname, loc)
        f = np.float32 if x.dtype == "float32" and not x.weak else np.float64  # NumPy's npy_degreesf
        k = f(180) / f(math.pi) if name == "degrees" else f(math.pi) / f(180)
        return tr.binary("mul", x, const(float(k), loc), loc)
    return _bits(tr, name, x, loc, fname)


def tuple_call(tr: Any, node: ast.expr) -> list[Val] | None:
    """The values of ``math.modf(x)``/``math.frexp(x)`` for a tuple assignment, else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))):
        return None
    target = tr.resolve(node.func)
    name = getattr(target, "name", "")
    if getattr(target, "kind", "") != "intrinsic" or name not in TUPLE_RESULTS:
        return None
    loc, fname = tr.loc(node), ast.unparse(node.func)
    (x,) = tr.call_args(node, 1, 1, fname)
    x = _once(tr, _as_float(x, fname, loc), loc)
    d = x.dtype
    if name == "modf":
        whole = _once(tr, tr.typed_intrinsic("trunc", [x], loc), loc)
        inf = tr.typed_intrinsic("isinf", [x], loc)
        diff = tr.binary("sub", x, whole, loc)
        frac = Val(ir.Select(ir.Scalar(d), cond=inf.expr, a=cast(const(0.0, loc), d), b=cast(diff, d),
                             loc=loc), x.weak)
        return [tr.typed_intrinsic("copysign", [frac, x], loc), whole]
    e = _once(tr, _func(tr, lang_builtins.frexp_exp, [x.expr], loc), loc)
    neg = tr.binary("sub", const(0, loc), e, loc)
    m = Val(ir.Call(ir.Scalar(d), name="ldexp", args=(x.expr, cast(neg, "int32")), loc=loc))
    return [m, e]


# ------------------------------------------------------------------------------------ helpers


def _as_float(x: Val, fname: str, loc: Loc) -> Val:
    if dtypes.is_complex(x.dtype):
        raise KernelTypeError(f"{fname}() of a complex number is not defined (argument type: {x.dtype})",
                              loc)
    if dtypes.is_float(x.dtype):
        return x
    if x.weak:  # a Python int literal: a Python float
        return Val(cast(x, "float64", loc), "float")
    return Val(cast(x, "float64", loc))


def _once(tr: Any, v: Val, loc: Loc) -> Val:
    """``v`` evaluated once (a temporary), as its value is used twice."""
    if isinstance(v.expr, (ir.Name, ir.Const)):
        return v
    bound = tr.bind_temp(v, loc)
    if bound is None:
        raise KernelSyntaxError("math.modf()/math.frexp() cannot be used inside a conditional expression "
                                "or a short-circuit operand; assign it in its own statement", loc)
    return bound  # type: ignore[no-any-return]


def _func(tr: Any, pyfunc: Any, args: list[ir.Expr], loc: Loc) -> Val:
    """A call of a kernel-language definition (a device function of the module)."""
    fn = tr.module.device_function(pyfunc, tuple(a.type for a in args), loc)
    tr.note_callee(fn.name)
    return Val(ir.CallFunc(fn.ret, func=fn.name, args=tuple(args), loc=loc))


def _round(tr: Any, vals: list[Val], node: ast.Call, loc: Loc, np_round: bool = False) -> Val:
    """Python's ``round`` (an int64 for one float argument) or ``numpy.round`` (x's dtype)."""
    x = vals[0]
    if dtypes.is_complex(x.dtype):
        raise KernelTypeError(f"round() of a complex number is not supported in kernels (argument type: "
                              f"{x.dtype}); round z.real and z.imag", loc)
    if np_round and len(vals) == 1:
        return x if not dtypes.is_float(x.dtype) else tr.typed_intrinsic("rint", [x], loc)
    if len(vals) == 1:
        if not dtypes.is_float(x.dtype):  # round(int) is the int itself; round(True) is 1
            return Val(cast(x, "int64", loc), x.weak and "int") if x.dtype == "bool" else x
        r = tr.typed_intrinsic("rint", [x], loc)
        if isinstance(r.expr, ir.Const) and math.isfinite(r.expr.value):
            return const(int(r.expr.value), loc)
        return Val(cast(r, "int64", loc))
    n = tr.const_int(node.args[1], "the number of digits of round(x, ndigits)")
    if not dtypes.is_float(x.dtype):
        if n < 0:
            raise KernelTypeError("round(x, ndigits) of an integer needs ndigits >= 0 in kernels "
                                  "(an integer is returned unchanged)", loc)
        return x
    f = const(10.0 ** abs(n), loc)
    if n >= 0:
        return tr.binary("truediv", tr.typed_intrinsic("rint", [tr.binary("mul", x, f, loc)], loc), f, loc)
    return tr.binary("mul", tr.typed_intrinsic("rint", [tr.binary("truediv", x, f, loc)], loc), f, loc)


def _ldexp(tr: Any, x: Val, n: Val, loc: Loc, fname: str) -> Val:
    if not dtypes.is_integer(n.dtype):
        raise KernelTypeError(f"the exponent of {fname}() must be an integer, got {n.dtype}", loc)
    if n.dtype in ("int64", "uint64", "uint32"):  # beyond every float's range either way: clamp
        n = tr.typed_intrinsic("max", [tr.typed_intrinsic("min", [n, const(100000, loc)], loc),
                                       const(-100000, loc)], loc) if n.dtype == "int64" else \
            tr.typed_intrinsic("min", [n, const(100000, loc)], loc)
    return Val(ir.Call(ir.Scalar(x.dtype), name="ldexp", args=(x.expr, cast(n, "int32", loc)), loc=loc),
               x.weak if n.weak else None)


def _bits(tr: Any, name: str, x: Val, loc: Loc, fname: str) -> Val:
    d = x.dtype
    if not dtypes.is_integer(d) or d == "bool":
        raise KernelTypeError(f"{fname}() needs an integer operand, got {d}", loc)
    bits = 8 * dtypes.itemsize(d)
    u = cast(Val(cast(x, f"uint{bits}", loc)), "uint64", loc)  # zero-extended: the operand's own bits
    fn = {"popc": lang_builtins.popc64, "clz": lang_builtins.clz64, "ffs": lang_builtins.ffs64}[name]
    out = _func(tr, fn, [u], loc)
    return tr.binary("sub", out, const(64 - bits, loc), loc) if name == "clz" and bits < 64 else out


def complex_pow(tr: Any, a: Val, b: Val, dt: str, loc: Loc) -> Val:
    """``a ** b`` for complex ``dt``: NumPy's complex power (the array namespace's definition); a literal
    integer exponent is multiplied out inline in the same order (the same bits, no call)."""
    from ..array._scalar_complex import c_pow  # the namespace's scalar definition, in the kernel language

    e = b.expr
    if isinstance(e, ir.Const) and not isinstance(a.expr, ir.Const):
        w = complex(e.value)
        if w.imag == 0 and w.real.is_integer() and 0 <= w.real < 100:
            out = _int_pow(tr, Val(cast(a, dt, loc)), int(w.real), dt, loc)
            if out is not None:
                return out
    return _func(tr, c_pow, [cast(a, dt, loc), cast(b, dt, loc)], loc)


def _int_pow(tr: Any, a: Val, n: int, dt: str, loc: Loc) -> Val | None:
    """``a ** n`` (``n >= 0``) by repeated squaring as ``c_pow`` computes it, ``0j ** n`` being ``+0j``
    (None inside a conditional expression, where temporaries cannot be bound)."""
    if n == 0:
        return Val(ir.Const(ir.Scalar(dt), value=1 + 0j, loc=loc))
    if tr.cond_depth:
        return None
    p = p0 = _once(tr, a, loc)
    r: Val | None = None
    m = n
    while m > 0:
        if m % 2 == 1:
            r = p if r is None else _once(tr, tr.binary("mul", r, p, loc), loc)
        m //= 2
        if m > 0:
            p = _once(tr, tr.binary("mul", p, p, loc), loc)
    assert r is not None
    zero = ir.Const(ir.Scalar(dt), value=0j, loc=loc)
    is0 = ir.Compare(ir.BOOL, op="eq", left=p0.expr, right=zero, loc=loc)
    return Val(ir.Select(ir.Scalar(dt), cond=is0, a=zero, b=r.expr, loc=loc))


__all__ = ["TUPLE_RESULTS", "complex_pow", "lower_call", "tuple_call"]
