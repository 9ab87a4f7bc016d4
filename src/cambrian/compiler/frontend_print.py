"""``print(...)`` inside kernels: lowered to records that the host formats after the launch.

A kernel whose source calls ``print`` gets three hidden parameters after its own (:data:`PARAMS`): an
int32 counter, an int64 record table ``(capacity, 2 + int slots)`` (site, global linear id, integer
and bool values) and a float table ``(capacity, float slots)`` (float values; complex ones as two
slots), float32 unless a float64 value is printed. Each ``print`` takes a row with ``atomic_add`` on
the counter and fills it when the row is below the capacity, so output is bounded and a work-item's
rows keep its program order. ``cambrian.kernel_print`` allocates the tables, sorts rows by global id
and prints them as Python would. Every backend runs the same IR, so the output is the same everywhere.

``Module.prints`` describes each site: ``(file, line, sep, end, args)``, each argument a tuple of pieces
(several for an f-string) joined without ``sep``, a piece being ``("s", text)`` or ``("v", dtype, table,
column, conversion, format_spec)`` with table ``"i"`` or ``"f"``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from .. import dtypes
from ..errors import CambrianError, KernelSyntaxError, Loc
from . import ir
from .frontend_types import Val, cast

#: Hidden kernel parameters (counter, int table, float table) appended to a printing kernel's own.
PARAMS = ("_cb_print_n", "_cb_print_i", "_cb_print_f")
#: Leading int columns of a record: the site number and the work-item's global linear id.
HEADER = 2


class _NeedsFloat64(CambrianError):
    """A float64 value is printed but the float table is float32: translate again (internal)."""


def translate(make: Callable[[], Any], name: str) -> tuple[ir.Function, Any]:
    """``make()`` a FuncTranslator and translate it; a kernel that prints gets :data:`PARAMS`."""
    tr = make()
    if not (tr.is_kernel and any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                                 and n.func.id == "print" for n in ast.walk(tr.fdef))):
        return tr.translate(name), tr
    f64 = any(getattr(t, "dtype", "") in ("float64", "complex128") for t in tr.params.values())
    try:
        _setup(tr, f64)
        return tr.translate(name), tr
    except _NeedsFloat64:
        tr = make()
        _setup(tr, True)
        return tr.translate(name), tr


def _setup(tr: Any, f64: bool) -> None:
    for p in PARAMS:
        if p in tr.params or p in tr.local_names:
            raise KernelSyntaxError(f"{p!r} is reserved for print() in kernels; rename it", tr.loc(tr.fdef))
    tr.params[PARAMS[0]] = ir.ArrayT("int32", 1, "global", "C")
    tr.params[PARAMS[1]] = ir.ArrayT("int64", 2, "global", "C")
    tr.params[PARAMS[2]] = ir.ArrayT("float64" if f64 else "float32", 2, "global", "C")
    tr.module.print_sites = {}


def sites(builder: Any) -> tuple[Any, ...]:
    """``Module.prints`` of a ModuleBuilder: the print sites in order of their numbers."""
    table = getattr(builder, "print_sites", None) or {}
    return tuple(v for _, v in sorted(table.values(), key=lambda kv: kv[0]))


def lower_print(tr: Any, node: ast.Call, loc: Loc, stmt: bool) -> list[ir.Stmt]:
    """The statements of one ``print(...)`` call."""
    if not stmt:
        raise KernelSyntaxError("print() is a statement and has no value", loc)
    if not tr.is_kernel:
        raise KernelSyntaxError("print() is supported in kernels, not in device functions (@cambrian.func); "
                                "return the value and print it in the kernel", loc)
    if PARAMS[0] not in tr.params:
        raise KernelSyntaxError("print must be called by its own name in kernels (print(...))", loc)
    sep, end = " ", "\n"
    for k in node.keywords:
        if k.arg not in ("sep", "end") or not (isinstance(k.value, ast.Constant)
                                                and isinstance(k.value.value, str)):
            raise KernelSyntaxError(f"print({k.arg}=...) is not supported in kernels; allowed: sep= and end= "
                                    "with string literals", loc)
        sep, end = (k.value.value, end) if k.arg == "sep" else (sep, k.value.value)
    ftype = tr.params[PARAMS[2]]
    items: list[tuple[Any, ...]] = []  # the pieces of the argument being translated
    values: list[tuple[str, int, ir.Expr]] = []  # (table, column, value)
    cols = {"i": HEADER, "f": 0}

    def value(n: ast.expr, conv: str = "", spec: str = "") -> None:
        v = tr.scalar(n, "an argument of print()")
        d = v.dtype
        if dtypes.is_float(d) or dtypes.is_complex(d):
            real = dtypes.real_of(d) if dtypes.is_complex(d) else d
            if real == "float64" and ftype.dtype == "float32":
                if not v.weak:
                    raise _NeedsFloat64
                real, d = "float32", ("complex64" if dtypes.is_complex(d) else "float32")
            col = cols["f"]
            parts = [ir.Call(ir.Scalar(real), name=p, args=(v.expr,), loc=loc) for p in ("real", "imag")] \
                if dtypes.is_complex(v.dtype) else [v.expr]
            for k, e in enumerate(parts):
                values.append(("f", col + k, cast(Val(e), ftype.dtype, loc)))
            cols["f"] += len(parts)
            items.append(("v", d, "f", col, conv, spec))
        else:
            col = cols["i"]
            values.append(("i", col, cast(v, "int64", loc)))
            cols["i"] += 1
            items.append(("v", d, "i", col, conv, spec))

    args: list[tuple[Any, ...]] = []
    for a in node.args:
        items.clear()
        if isinstance(a, ast.Starred):
            raise KernelSyntaxError("print(*args) is not supported in kernels", loc)
        if isinstance(a, ast.Constant) and isinstance(a.value, str):
            items.append(("s", a.value))
        elif isinstance(a, ast.JoinedStr):
            for part in a.values:
                if isinstance(part, ast.Constant):
                    items.append(("s", str(part.value)))
                else:
                    assert isinstance(part, ast.FormattedValue)
                    value(part.value, chr(part.conversion) if part.conversion >= 0 else "",
                          _spec(part.format_spec, tr.loc(part)))
        else:
            value(a)
        args.append(tuple(items))
    key = (loc.line, loc.col)
    table = tr.module.print_sites
    site = table[key][0] if key in table else len(table)
    table[key] = (site, (loc.file, loc.line, sep, end, tuple(args)))
    return _records(tr, site, values, loc)


def _spec(node: ast.expr | None, loc: Loc) -> str:
    if node is None:
        return ""
    if isinstance(node, ast.JoinedStr) and all(isinstance(p, ast.Constant) for p in node.values):
        return "".join(str(p.value) for p in node.values)  # type: ignore[attr-defined]
    raise KernelSyntaxError("a format spec in a kernel's f-string must be a literal (f'{x:.3f}')", loc)


def _records(tr: Any, site: int, values: list[tuple[str, int, ir.Expr]], loc: Loc) -> list[ir.Stmt]:
    i64 = ir.INT64
    names = {p: ir.Name(tr.params[p], name=p, loc=loc) for p in PARAMS}
    slot = f"_p{len(tr.temps)}"
    while slot in tr.params or slot in tr.local_names or slot in tr.temps:
        slot = "_" + slot
    tr.temps[slot] = i64
    row = ir.Name(i64, name=slot, loc=loc)

    def c(v: int) -> ir.Const:
        return ir.Const(i64, value=v, loc=loc)

    old = ir.Call(ir.INT32, name="atomic_add", args=(names[PARAMS[0]], c(0), ir.Const(ir.INT32, value=1)),
                  loc=loc)

    def wi(fn: str, d: int) -> ir.Expr:
        return ir.Call(i64, name=fn, args=(c(d),), loc=loc)

    def arith(op: str, a: ir.Expr, b: ir.Expr) -> ir.Expr:
        return ir.Binary(i64, op=op, left=a, right=b, loc=loc)

    gid = arith("add", wi("get_global_id", 0), arith("mul", wi("get_global_size", 0), arith(
        "add", wi("get_global_id", 1), arith("mul", wi("get_global_size", 1), wi("get_global_id", 2)))))
    body: list[ir.Stmt] = [ir.Store(array=names[PARAMS[1]], indices=(row, c(0)), value=c(site), loc=loc),
                           ir.Store(array=names[PARAMS[1]], indices=(row, c(1)), value=gid, loc=loc)]
    for table, col, e in values:
        body.append(ir.Store(array=names[PARAMS[1] if table == "i" else PARAMS[2]], indices=(row, c(col)),
                             value=e, loc=loc))
    cap = ir.Shape(i64, array=names[PARAMS[1]], dim=0, loc=loc)
    return [ir.Assign(name=slot, value=ir.Cast(i64, operand=old, loc=loc), loc=loc),
            ir.If(cond=ir.Compare(ir.BOOL, op="lt", left=row, right=cap, loc=loc), body=tuple(body), loc=loc)]


__all__ = ["HEADER", "PARAMS", "lower_print", "sites", "translate"]
