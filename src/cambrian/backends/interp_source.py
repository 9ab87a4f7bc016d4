"""A readable pseudo-Python listing of an IR module (``kernel.source("interp")``).

Every subexpression that is not an atom is parenthesised, casts are spelled as dtype calls
(``float32(x)``), and each statement ends with a ``# line N`` comment when it has a location.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..compiler import ir

_BINARY = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%",
           "pow": "**", "and": "&", "or": "|", "xor": "^", "lshift": "<<", "rshift": ">>"}
_COMPARE = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
_UNARY = {"neg": "-", "pos": "+", "invert": "~", "not": "not "}


def _atom(e: ir.Expr) -> str:
    text = expr(e)
    return text if isinstance(e, ir.Const | ir.Name | ir.Index | ir.Call | ir.CallFunc | ir.Cast |
                              ir.Shape) else f"({text})"


def _const(e: ir.Const) -> str:
    dtype = e.type.dtype if isinstance(e.type, ir.Scalar) else "?"
    text = repr(e.value)
    return text if dtype in ("int64", "float64", "bool", "complex128") else f"{dtype}({text})"


_EXPR: dict[type, Callable[[Any], str]] = {
    ir.Const: _const,
    ir.Name: lambda e: e.name,
    ir.Unary: lambda e: f"{_UNARY[e.op]}{_atom(e.operand)}",
    ir.Binary: lambda e: f"{_atom(e.left)} {_BINARY[e.op]} {_atom(e.right)}",
    ir.Compare: lambda e: f"{_atom(e.left)} {_COMPARE[e.op]} {_atom(e.right)}",
    ir.Logical: lambda e: f"{_atom(e.left)} {e.op} {_atom(e.right)}",
    ir.Select: lambda e: f"{_atom(e.a)} if {_atom(e.cond)} else {_atom(e.b)}",
    ir.Cast: lambda e: f"{e.type}({expr(e.operand)})",
    ir.Index: lambda e: f"{e.array.name}[{', '.join(expr(i) for i in e.indices)}]",
    ir.Shape: lambda e: f"{e.array.name}.shape[{e.dim}]",
    ir.Call: lambda e: f"{e.name}({', '.join(expr(a) for a in e.args)})",
    ir.CallFunc: lambda e: f"{e.func}({', '.join(expr(a) for a in e.args)})",
}


def expr(e: ir.Expr | None) -> str:
    """One expression as Python-like text."""
    if e is None:
        return "None"
    render = _EXPR.get(type(e))
    return render(e) if render is not None else f"<{type(e).__name__}>"


def _simple(s: ir.Stmt) -> str | None:
    if isinstance(s, ir.Assign):
        return f"{s.name} = {expr(s.value)}"
    if isinstance(s, ir.Store):
        assert s.array is not None
        return f"{s.array.name}[{', '.join(expr(i) for i in s.indices)}] = {expr(s.value)}"
    if isinstance(s, ir.Return):
        return "return" if s.value is None else f"return {expr(s.value)}"
    if isinstance(s, ir.ExprStmt):
        return expr(s.value)
    if isinstance(s, ir.ArrayDecl):
        assert s.type is not None
        return f"{s.name} = {s.type.space}_array({s.type.shape}, {s.type.dtype})"
    if isinstance(s, ir.Break | ir.Continue | ir.Barrier):
        return {ir.Break: "break", ir.Continue: "continue", ir.Barrier: "barrier()"}[type(s)]
    return None


def _line(s: ir.Stmt) -> str:
    return f"  # line {s.loc.line}" if s.loc is not None else ""


def block(stmts: tuple[ir.Stmt, ...], indent: int) -> list[str]:
    """Statements as indented lines."""
    pad, out = "    " * indent, []
    for s in stmts:
        simple = _simple(s)
        if simple is not None:
            out.append(f"{pad}{simple}{_line(s)}")
        elif isinstance(s, ir.If):
            out.append(f"{pad}if {expr(s.cond)}:{_line(s)}")
            out += block(s.body, indent + 1) or [f"{pad}    pass"]
            if s.orelse:
                out.append(f"{pad}else:")
                out += block(s.orelse, indent + 1)
        elif isinstance(s, ir.For):
            out.append(f"{pad}for {s.var} in range({expr(s.start)}, {expr(s.stop)}, {expr(s.step)}):"
                       f"{_line(s)}")
            out += block(s.body, indent + 1) or [f"{pad}    pass"]
        elif isinstance(s, ir.While):
            out.append(f"{pad}while {expr(s.cond)}:{_line(s)}")
            out += block(s.body, indent + 1) or [f"{pad}    pass"]
        else:
            out.append(f"{pad}<{type(s).__name__}>")
    return out


def function(fn: ir.Function) -> str:
    params = ", ".join(f"{p.name}: {p.type}" for p in fn.params)
    head = "@kernel" if fn.is_kernel else "@func"
    ret = f" -> {fn.ret}" if fn.ret is not None else ""
    local_vars = ", ".join(f"{n}: {t}" for n, t in fn.locals)
    lines = [head, f"def {fn.name}({params}){ret}:"]
    if local_vars:
        lines.append(f"    # locals: {local_vars}")
    lines += block(fn.body, 1) or ["    pass"]
    return "\n".join(lines)


def render(module: ir.Module) -> str:
    """The whole module: device functions first, then the kernel."""
    header = (f"# Cambrian IR of kernel {module.kernel.py_name or module.kernel.name!r} "
              f"(boundscheck={module.boundscheck}; the interpreter always checks)")
    return "\n\n".join([header, *(function(f) for f in module.funcs), function(module.kernel)]) + "\n"
