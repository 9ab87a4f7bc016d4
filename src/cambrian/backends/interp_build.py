"""Terse constructors for hand-written IR (the interpreter's self-test and unit tests).

Only for code that builds IR by hand; kernels written in Python go through the front end.
"""

from __future__ import annotations

from collections.abc import Callable

from ..compiler import ir
from ..errors import Loc


def scalar(dtype: str) -> ir.Scalar:
    return ir.Scalar(dtype)


def name(n: str, dtype: str, loc: Loc | None = None) -> ir.Name:
    """A scalar variable or parameter."""
    return ir.Name(ir.Scalar(dtype), name=n, loc=loc)


def array(n: str, dtype: str, ndim: int = 1, space: str = "global",
          shape: tuple[int, ...] | None = None) -> ir.Name:
    """An array variable or parameter."""
    layout = "A" if space == "global" else "C"
    return ir.Name(ir.ArrayT(dtype, ndim, space, layout, shape), name=n)


def const(value: bool | int | float | complex, dtype: str) -> ir.Const:
    return ir.Const(ir.Scalar(dtype), value=value)


def i64(value: int) -> ir.Const:
    return const(value, "int64")


def call(fname: str, dtype: str, *args: ir.Expr, loc: Loc | None = None) -> ir.Call:
    """An intrinsic call returning ``dtype``."""
    return ir.Call(ir.Scalar(dtype), name=fname, args=args, loc=loc)


def workitem(fname: str = "get_global_id", dim: int = 0) -> ir.Call:
    return call(fname, "int64", i64(dim))


def binary(op: str, a: ir.Expr, b: ir.Expr) -> ir.Binary:
    return ir.Binary(a.type, op=op, left=a, right=b)


def compare(op: str, a: ir.Expr, b: ir.Expr) -> ir.Compare:
    return ir.Compare(ir.BOOL, op=op, left=a, right=b)


def cast(e: ir.Expr, dtype: str) -> ir.Cast:
    return ir.Cast(ir.Scalar(dtype), operand=e)


def load(arr: ir.Name, *indices: ir.Expr, loc: Loc | None = None) -> ir.Index:
    assert isinstance(arr.type, ir.ArrayT)
    return ir.Index(ir.Scalar(arr.type.dtype), array=arr, indices=indices, loc=loc)


def store(arr: ir.Name, indices: tuple[ir.Expr, ...] | ir.Expr, value: ir.Expr,
          loc: Loc | None = None) -> ir.Store:
    idx = indices if isinstance(indices, tuple) else (indices,)
    return ir.Store(array=arr, indices=idx, value=value, loc=loc)


def function(fname: str, params: tuple[ir.Name, ...], body: tuple[ir.Stmt, ...],
             local_vars: tuple[ir.Name, ...] = (), ret: str | None = None,
             is_kernel: bool = False, loc: Loc | None = None) -> ir.Function:
    return ir.Function(
        name=fname, params=tuple(ir.Param(p.name, p.type) for p in params),
        ret=ir.Scalar(ret) if ret else None, body=body,
        locals=tuple((v.name, v.type) for v in local_vars), is_kernel=is_kernel, loc=loc,
        py_name=fname)


def module(kname: str, params: tuple[ir.Name, ...], body: tuple[ir.Stmt, ...],
           local_vars: tuple[ir.Name, ...] = (), funcs: tuple[ir.Function, ...] = (),
           loc: Loc | None = None) -> ir.Module:
    """A kernel module; the ``uses_*`` flags are derived from the bodies."""
    kern = function(kname, params, body, local_vars, is_kernel=True, loc=loc)
    nodes = [n for fn in (*funcs, kern) for s in fn.body for n in ir.walk(s)]
    return ir.Module(
        kernel=kern, funcs=funcs,
        uses_barrier=any(isinstance(n, ir.Barrier) for n in nodes),
        uses_float64=any(isinstance(getattr(n, "type", None), ir.Scalar | ir.ArrayT)
                         and n.type.dtype in ("float64", "complex128") for n in nodes),
        uses_atomics=any(isinstance(n, ir.Call) and n.name.startswith("atomic_") for n in nodes))


def vadd_module(dtype: str = "float32") -> ir.Module:
    """``c[i] = a[i] + b[i]`` with ``i = get_global_id(0)``."""
    a, b, c, i = array("a", dtype), array("b", dtype), array("c", dtype), name("i", "int64")
    body = (ir.Assign(name="i", value=workitem()),
            store(c, i, binary("add", load(a, i), load(b, i))))
    return module("vadd", (a, b, c), body, (i,))


def elementwise_module(kname: str, in_dtypes: tuple[str, ...], out_dtype: str,
                       make: Callable[..., ir.Expr]) -> ir.Module:
    """``out[i] = make(x0[i], x1[i], ...)`` with ``i = get_global_id(0)``."""
    ins = tuple(array(f"x{k}", d) for k, d in enumerate(in_dtypes))
    out, i = array("out", out_dtype), name("i", "int64")
    body = (ir.Assign(name="i", value=workitem()),
            store(out, i, make(*(load(x, i) for x in ins))))
    return module(kname, (*ins, out), body, (i,))
