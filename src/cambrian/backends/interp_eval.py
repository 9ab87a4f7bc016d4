"""Closure compilation of the IR for the interpreter: every node becomes a nested Python closure once
per module, so a launch never re-dispatches on node classes.

Frames are Python lists: slot 0 holds the :class:`WorkItem`, slot 1 the return value of a device
function, then parameters, then locals (initialised to typed zeros). An expression compiles to
``f(frame) -> value``. A statement compiles to ``f(frame) -> status`` (None/0: go on, BREAK, CONTINUE,
RETURN); a statement that contains a ``Barrier`` compiles to a *generator function* that yields
``(barrier_number, loc)`` at each barrier and returns its status, so work-items of a group can be run
round-robin. Statements without barriers stay plain calls, also inside a kernel that has barriers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..compiler import ir
from ..errors import (
    CompileError,
    KernelIndexError,
    KernelRuntimeError,
    Loc,
    bounds_message,
    first_out_of_bounds,
)
from . import interp_ops as ops
from .interp_exprs import EXPR as _EXPR
from .interp_stmts import STMT as _STMT

Fn = Callable[[list], Any]


class WorkItem:
    """Per-work-item state seen by compiled code (ids are 3-tuples of int64, padded with 0 / 1)."""

    __slots__ = ("dims", "gid", "group", "grp", "gsize", "lid", "lsize", "ngroups", "tracer")

    def __init__(self, gid: tuple, lid: tuple, grp: tuple, gsize: tuple, lsize: tuple, ngroups: tuple,
                 group: dict, tracer: Any = None, dims: int = 3):
        self.gid, self.lid, self.grp = gid, lid, grp
        self.gsize, self.lsize, self.ngroups = gsize, lsize, ngroups
        self.group = group  # the work-group's local arrays
        self.tracer = tracer  # callable(frame, CompiledFunction, loc) when tracing
        self.dims = dims  # dimensions of the launch

    def global_id(self) -> tuple[int, ...]:
        """The global id as Python ints, launch dimensions only (for messages)."""
        return tuple(int(i) for i in self.gid[:self.dims])

    def local_id(self) -> tuple[int, ...]:
        return tuple(int(i) for i in self.lid[:self.dims])


def where(loc: Loc | None) -> str:
    return f"{loc.file}:{loc.line}" if loc is not None else "<unknown location>"


@dataclass
class CompiledFunction:
    """A function of the module as closures: ``body(frame)`` (a generator function if ``is_gen``)."""

    fn: ir.Function
    kernel_name: str
    slots: dict[str, int]
    template: list
    body: Fn = field(default=lambda f: None)
    is_gen: bool = False

    @property
    def display_name(self) -> str:
        return self.fn.py_name or self.fn.name

    def locals_of(self, frame: list) -> dict[str, Any]:
        """A copy of the named values of a frame (parameters and locals)."""
        return {name: frame[slot] for name, slot in self.slots.items()}


def _zero(t: ir.Type) -> Any:
    return ops.const(t.dtype, 0) if isinstance(t, ir.Scalar) else None


class FunctionCompiler:
    """Compiles one ``ir.Function``; ``funcs`` maps names of device functions to their compilation."""

    def __init__(self, fn: ir.Function, kernel_name: str, funcs: dict[str, CompiledFunction],
                 traced: bool):
        self.funcs, self.traced = funcs, traced
        slots: dict[str, int] = {}
        types: list[ir.Type | None] = []
        for name, t in (*((p.name, p.type) for p in fn.params), *fn.locals):
            if name not in slots:
                slots[name] = 2 + len(types)
                types.append(t)
        for node in (n for s in fn.body for n in ir.walk(s)):  # names the IR forgot to list
            extra = node.name if isinstance(node, ir.ArrayDecl) else getattr(node, "var", None)
            if extra and extra not in slots:
                slots[extra] = 2 + len(types)
                types.append(ir.INT64 if isinstance(node, ir.For) else None)
        template = [None, None, *(_zero(t) if t is not None else None for t in types)]
        self.cf = CompiledFunction(fn, kernel_name, slots, template)
        self.loc: Loc | None = fn.loc
        self.barriers = 0

    def compile(self) -> CompiledFunction:
        body, is_gen = self.block(self.cf.fn.body)
        if is_gen and not self.cf.fn.is_kernel:
            raise CompileError(f"interp: barrier() inside device function {self.cf.display_name!r} "
                               "is not supported by the interpreter")
        self.cf.body, self.cf.is_gen = body, is_gen
        return self.cf

    # ------------------------------------------------------------------ errors

    def fail(self, message: str, node: Any) -> CompileError:
        loc = getattr(node, "loc", None) or self.loc
        return CompileError(f"interp: {message} in {self.cf.display_name!r} at {where(loc)}")

    def runtime_error(self, message: str, loc: Loc | None) -> Callable[[list], KernelRuntimeError]:
        name, fname = self.cf.kernel_name, self.cf.display_name
        extra = "" if fname == name else f" (device function {fname!r})"

        def make(f: list) -> KernelRuntimeError:
            return KernelRuntimeError(f"{message} in kernel {name!r}{extra} at {where(loc)}, "
                                      f"work-item global id {f[0].global_id()}")

        return make

    def oob(self, array: ir.Name, loc: Loc | None) -> Callable[[list, tuple], IndexError]:
        name, fname = self.cf.kernel_name, self.cf.display_name
        func = None if fname == name else fname
        slot = self.slot(array.name, array)

        def make(f: list, idx: tuple) -> IndexError:
            shape = tuple(f[slot].shape)
            axis, i, n = first_out_of_bounds(tuple(int(i) for i in idx), shape)
            text = bounds_message(name, i, n, axis, array.name, shape, where(loc), func)
            return KernelIndexError(f"{text} (work-item global id {f[0].global_id()})")

        return make

    def slot(self, name: str, node: Any = None) -> int:
        try:
            return self.cf.slots[name]
        except KeyError:
            raise self.fail(f"unknown name {name!r}", node) from None

    # ------------------------------------------------------------------ expressions

    def expr(self, e: ir.Expr) -> Fn:
        method = _EXPR.get(type(e))
        if method is None:
            raise self.fail(f"unknown expression {type(e).__name__}", e)
        try:
            return method(self, e)
        except ops.Unsupported as exc:
            raise self.fail(str(exc), e) from None

    def access(self, node: ir.Index | ir.Store | ir.Call, array: ir.Name,
               indices: tuple[ir.Expr, ...]) -> Callable[[list], tuple[Any, Any]]:
        """``f(frame) -> (ndarray, index)`` with the bounds check (negative indices are out)."""
        slot, oob = self.slot(array.name, array), self.oob(array, node.loc or self.loc)
        ixs = tuple(self.expr(i) for i in indices)
        if len(ixs) == 1:
            (ix,) = ixs

            def one(f: list) -> tuple[Any, Any]:
                arr, i = f[slot], ix(f)
                if 0 <= i < arr.shape[0]:
                    return arr, i
                raise oob(f, (i,))

            return one

        def many(f: list) -> tuple[Any, Any]:
            arr = f[slot]
            idx = tuple(ix(f) for ix in ixs)
            for i, n in zip(idx, arr.shape, strict=True):
                if not 0 <= i < n:
                    raise oob(f, idx)
            return arr, idx

        return many

    def block(self, stmts: tuple[ir.Stmt, ...]) -> tuple[Fn, bool]:
        parts = [self.stmt(s) for s in stmts]
        if not any(g for _, g in parts):
            fns = tuple(fn for fn, _ in parts)
            if len(fns) == 1:
                return fns[0], False

            def run(f: list) -> Any:
                for s in fns:
                    r = s(f)
                    if r:
                        return r
                return None

            return run, False
        items = tuple(parts)

        def run_gen(f: list) -> Any:
            for s, g in items:
                r = (yield from s(f)) if g else s(f)
                if r:
                    return r
            return None

        return run_gen, True

    def stmt(self, s: ir.Stmt) -> tuple[Fn, bool]:
        method = _STMT.get(type(s))
        if method is None:
            raise self.fail(f"unknown statement {type(s).__name__}", s)
        outer, self.loc = self.loc, s.loc or self.loc
        try:
            fn, is_gen = method(self, s)
        except ops.Unsupported as exc:
            raise self.fail(str(exc), s) from None
        finally:
            loc, self.loc = self.loc, outer
        if self.traced:
            fn = _traced(fn, is_gen, self.cf, loc)
        return fn, is_gen


def _traced(fn: Fn, is_gen: bool, cf: CompiledFunction, loc: Loc | None) -> Fn:
    if is_gen:
        def traced_gen(f: list) -> Any:
            f[0].tracer(f, cf, loc)
            return (yield from fn(f))
        return traced_gen

    def traced(f: list) -> Any:
        f[0].tracer(f, cf, loc)
        return fn(f)

    return traced
