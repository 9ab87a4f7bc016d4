"""Statement handlers of the interpreter's closure compiler: ``STMT[node class](compiler, node)``
returns ``(f, is_gen)``; ``f(frame)`` returns a status (None, BREAK, CONTINUE, RETURN), and is a
generator function yielding ``(barrier_number, loc)`` at barriers when ``is_gen``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..compiler import ir

if TYPE_CHECKING:
    from .interp_eval import FunctionCompiler

Fn = Callable[[list], Any]
Compiled = tuple[Fn, bool]
BREAK, CONTINUE, RETURN = 1, 2, 3


def as_gen(fn: Fn, is_gen: bool) -> Fn:
    """A generator function running ``fn`` (for compound statements that contain barriers)."""
    if is_gen:
        return fn

    def gen(f: list) -> Any:
        return fn(f)
        yield  # pragma: no cover - makes this a generator function

    return gen


def _assign(c: FunctionCompiler, s: ir.Assign) -> Compiled:
    assert s.value is not None
    slot, value = c.slot(s.name, s), c.expr(s.value)

    def assign(f: list) -> None:
        f[slot] = value(f)

    return assign, False


def _store(c: FunctionCompiler, s: ir.Store) -> Compiled:
    assert s.array is not None and s.value is not None
    value, access = c.expr(s.value), c.access(s, s.array, s.indices)

    def store(f: list) -> None:
        v = value(f)  # Python order: the value first, then the target
        arr, i = access(f)
        arr[i] = v

    return store, False


def _if(c: FunctionCompiler, s: ir.If) -> Compiled:
    assert s.cond is not None
    cond = c.expr(s.cond)
    (body, bg), (orelse, og) = c.block(s.body), c.block(s.orelse)
    if bg or og:
        body, orelse = as_gen(body, bg), as_gen(orelse, og)

        def if_gen(f: list) -> Any:
            return (yield from (body(f) if cond(f) else orelse(f)))

        return if_gen, True
    if not s.orelse:
        def if_only(f: list) -> Any:
            if cond(f):
                return body(f)
            return None

        return if_only, False
    return (lambda f: body(f) if cond(f) else orelse(f)), False


def _for(c: FunctionCompiler, s: ir.For) -> Compiled:
    assert s.start is not None and s.stop is not None and s.step is not None
    slot = c.slot(s.var, s)
    start, stop, step = c.expr(s.start), c.expr(s.stop), c.expr(s.step)
    body, is_gen = c.block(s.body)
    zero_step = c.runtime_error("range() step is zero", s.loc)
    int64 = np.int64

    def bounds(f: list) -> range:
        st = int(step(f))
        if st == 0:
            raise zero_step(f)
        return range(int(start(f)), int(stop(f)), st)

    if is_gen:
        def for_gen(f: list) -> Any:
            for i in bounds(f):
                f[slot] = int64(i)
                r = yield from body(f)
                if r == BREAK:
                    break
                if r == RETURN:
                    return r
            return None

        return for_gen, True

    def for_loop(f: list) -> Any:
        for i in bounds(f):
            f[slot] = int64(i)
            r = body(f)
            if r == BREAK:
                break
            if r == RETURN:
                return r
        return None

    return for_loop, False


def _while(c: FunctionCompiler, s: ir.While) -> Compiled:
    assert s.cond is not None
    cond = c.expr(s.cond)
    body, is_gen = c.block(s.body)
    if is_gen:
        def while_gen(f: list) -> Any:
            while cond(f):
                r = yield from body(f)
                if r == BREAK:
                    break
                if r == RETURN:
                    return r
            return None

        return while_gen, True

    def while_loop(f: list) -> Any:
        while cond(f):
            r = body(f)
            if r == BREAK:
                break
            if r == RETURN:
                return r
        return None

    return while_loop, False


def _return(c: FunctionCompiler, s: ir.Return) -> Compiled:
    if s.value is None:
        return (lambda f: RETURN), False
    value = c.expr(s.value)

    def ret(f: list) -> int:
        f[1] = value(f)
        return RETURN

    return ret, False


def _expr_stmt(c: FunctionCompiler, s: ir.ExprStmt) -> Compiled:
    assert s.value is not None
    value = c.expr(s.value)

    def run(f: list) -> None:
        value(f)

    return run, False


def _barrier(c: FunctionCompiler, s: ir.Barrier) -> Compiled:
    number, loc = c.barriers, s.loc or c.loc
    c.barriers += 1

    def barrier(f: list) -> Any:
        yield number, loc

    return barrier, True


def _array_decl(c: FunctionCompiler, s: ir.ArrayDecl) -> Compiled:
    t = s.type
    if t is None or t.shape is None:
        raise c.fail(f"array {s.name!r} declared without a static shape", s)
    slot = c.slot(s.name, s)
    shape, dtype = tuple(t.shape), np.dtype(t.dtype)
    if t.space == "local":  # one array per work-group, zero-filled, shared by its work-items
        key = (c.cf.fn.name, s.name)

        def local(f: list) -> None:
            group = f[0].group
            arr = group.get(key)
            if arr is None:
                arr = group[key] = np.zeros(shape, dtype)
            f[slot] = arr

        return local, False

    def private(f: list) -> None:
        f[slot] = np.zeros(shape, dtype)

    return private, False


STMT: dict[type, Callable[[FunctionCompiler, Any], Compiled]] = {
    ir.Assign: _assign, ir.Store: _store, ir.If: _if, ir.For: _for, ir.While: _while,
    ir.Break: lambda c, s: ((lambda f: BREAK), False),
    ir.Continue: lambda c, s: ((lambda f: CONTINUE), False),
    ir.Return: _return, ir.ExprStmt: _expr_stmt, ir.Barrier: _barrier, ir.ArrayDecl: _array_decl,
}
