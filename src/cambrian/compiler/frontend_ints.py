"""Compile-time integer helpers of the front end: int64 IR built with constant folding (offsets,
lengths and counts of views and loops), ``len(range(...))`` and the truth of compile-time conditions."""

from __future__ import annotations

import ast
import operator
from typing import Any

from ..errors import Loc
from . import ir


def _c(v: int, loc: Loc | None) -> ir.Expr:
    return ir.Const(ir.INT64, value=int(v), loc=loc)


_ARITH = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "floordiv": operator.floordiv}


def _op(op: str, a: ir.Expr, b: ir.Expr, loc: Loc | None) -> ir.Expr:
    if isinstance(a, ir.Const) and isinstance(b, ir.Const) and (op != "floordiv" or b.value):
        return _c(_ARITH[op](a.value, b.value), loc)
    if op in ("add", "sub") and isinstance(b, ir.Const) and b.value == 0:
        return a
    if op == "add" and isinstance(a, ir.Const) and a.value == 0:
        return b
    if op in ("mul", "floordiv") and isinstance(b, ir.Const) and b.value == 1:
        return a
    if op == "mul" and isinstance(a, ir.Const) and a.value == 1:
        return b
    return ir.Binary(ir.INT64, op=op, left=a, right=b, loc=loc)


def _less(a: ir.Expr, b: ir.Expr, loc: Loc | None) -> ir.Expr:
    if isinstance(a, ir.Const) and isinstance(b, ir.Const):
        return ir.Const(ir.BOOL, value=bool(a.value < b.value), loc=loc)
    return ir.Compare(ir.BOOL, op="lt", left=a, right=b, loc=loc)


def _select(c: ir.Expr, a: ir.Expr, b: ir.Expr, loc: Loc | None) -> ir.Expr:
    if isinstance(c, ir.Const):
        return a if c.value else b
    return ir.Select(a.type, cond=c, a=a, b=b, loc=loc)


def _max(a: ir.Expr, b: ir.Expr, loc: Loc | None) -> ir.Expr:
    return _select(_less(a, b, loc), b, a, loc)


def _min(a: ir.Expr, b: ir.Expr, loc: Loc | None) -> ir.Expr:
    return _select(_less(b, a, loc), b, a, loc)


def range_count(start: ir.Expr, stop: ir.Expr, step: ir.Expr, loc: Loc | None) -> ir.Expr:
    """``len(range(start, stop, step))`` as int64 IR (0 for a zero run-time step)."""
    zero = _c(0, loc)

    def up() -> ir.Expr:
        return _max(zero, _op("floordiv", _op("sub", _op("add", _op("sub", stop, start, loc), step, loc),
                                               _c(1, loc), loc), step, loc), loc)

    def down() -> ir.Expr:
        neg = _op("sub", zero, step, loc)
        span = _op("sub", _op("sub", start, stop, loc), _op("add", step, _c(1, loc), loc), loc)
        return _max(zero, _op("floordiv", span, neg, loc), loc)

    if isinstance(step, ir.Const):
        return up() if step.value > 0 else down()
    return _select(_less(zero, step, loc), up(), _select(_less(step, zero, loc), down(), zero, loc), loc)


def const_truth(e: ir.Expr | None, consts: dict[str, Any]) -> bool | None:
    """The truth of a condition known at compile time (literals, module constants, locals assigned
    once with a constant, and ``not``/``and``/``or``/comparisons of those); None otherwise."""
    if isinstance(e, ir.Const):
        return bool(e.value)
    if isinstance(e, ir.Name) and isinstance(consts.get(e.name), (bool, int, float)):
        return bool(consts[e.name])
    if isinstance(e, ir.Cast):
        return const_truth(e.operand, consts) if e.type == ir.BOOL else None
    if isinstance(e, ir.Unary) and e.op == "not":
        t = const_truth(e.operand, consts)
        return None if t is None else not t
    if isinstance(e, ir.Logical):
        a, b = const_truth(e.left, consts), const_truth(e.right, consts)
        if e.op == "and":
            return False if a is False or b is False else (True if a and b else None)
        return True if a or b else (False if a is False and b is False else None)
    if isinstance(e, ir.Compare) and isinstance(e.left, ir.Const) and isinstance(e.right, ir.Const):
        ops = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
               "eq": operator.eq, "ne": operator.ne}
        return bool(ops[e.op](e.left.value, e.right.value))
    return None


def _store_counts(fdef: ast.FunctionDef) -> dict[str, int]:
    out: dict[str, int] = {}
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out[node.id] = out.get(node.id, 0) + 1
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = out.get(node.target.id, 0) + 1
    return out
