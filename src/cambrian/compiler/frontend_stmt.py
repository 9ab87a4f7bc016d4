"""Statements of the front end and the per-function translator with local type inference.

Local types are a fixpoint: the body is walked with the current local types, collecting every value
assigned to each variable; each variable's type becomes the NEP 50 promotion of those values (a
variable assigned only weak literals stays weak); repeat until nothing changes, then walk once more
emitting IR with the final types.
"""

from __future__ import annotations

import ast
import builtins
from typing import Any

from .. import dtypes
from ..errors import CambrianError, KernelSyntaxError, KernelTypeError, Loc
from . import ir
from .frontend_assign import AssignMixin
from .frontend_calls import CallMixin
from .frontend_expr import ExprMixin
from .frontend_group import GroupMixin
from .frontend_loops import LoopMixin
from .frontend_resolve import Resolved, classify
from .frontend_types import Val, cast, check_weak_fits, to_bool
from .frontend_views import TupleExpr, ViewMixin, const_truth

UNSUPPORTED_STMT = {
    "With": "'with' statements", "AsyncWith": "'async with' statements", "Try": "'try' statements",
    "TryStar": "'try' statements", "Delete": "'del' statements", "Global": "'global' declarations",
    "Nonlocal": "'nonlocal' declarations", "FunctionDef": "nested function definitions",
    "AsyncFunctionDef": "nested function definitions", "ClassDef": "class definitions",
    "Import": "imports", "ImportFrom": "imports", "Raise": "'raise' statements",
    "Assert": "'assert' statements", "Match": "'match' statements", "AsyncFor": "'async for' loops",
}
MAX_PASSES = 32


class Pending(Exception):
    """A local whose type is not known yet in this inference pass (internal)."""


class FuncTranslator(ViewMixin, LoopMixin, AssignMixin, ExprMixin, CallMixin, GroupMixin):
    """Translates one Python function (kernel or device function) for given argument types."""

    def __init__(self, module: Any, src: Any, fdef: ast.FunctionDef, argtypes: tuple[ir.Type, ...],
                 is_kernel: bool):
        self.module, self.src, self.fdef, self.is_kernel = module, src, fdef, is_kernel
        self.pyfunc = src.pyfunc
        names = [a.arg for a in fdef.args.args]
        self.params: dict[str, ir.Type] = dict(zip(names, argtypes, strict=True))
        self.local_names = _assigned_names(fdef) - set(names)
        self.env: dict[str, tuple[ir.Type, str | None]] = {}
        self.annotations: dict[str, str] = {}
        self.cond_depth = 0
        self.expand_params()  # view and tuple arguments of device functions

    # ------------------------------------------------------------------ driver

    def translate(self, name: str) -> ir.Function:
        body = self.fdef.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # docstring
        for _ in range(MAX_PASSES):
            self._start_pass(emit=False)
            self.block(body)
            new_env = self._joined_env()
            if new_env == self.env:
                break
            self.env = new_env
        else:  # pragma: no cover - promotion is monotone, so this needs a pathological function
            raise KernelTypeError("could not infer the types of the local variables (they keep "
                                  "widening); add type annotations (x: cambrian.float32 = 0)",
                                  self.loc(self.fdef))
        ret = self._return_type(body)
        self._final_ret = ret.dtype if ret else None
        self._start_pass(emit=True)
        out = self.with_group_scratch(tuple(self.block(body)))
        locs = [(n, t) for n, (t, _) in self.env.items()] + list(self.temps.items())
        return ir.Function(name=name, params=tuple(ir.Param(n, t) for n, t in self.params.items()),
                           ret=ret, body=out, locals=tuple(locs), is_kernel=self.is_kernel,
                           loc=self.loc(self.fdef), py_name=self.pyfunc.__qualname__)

    def _start_pass(self, emit: bool) -> None:
        self.emit = emit
        self.sources: dict[str, list[Any]] = {n: [] for n in self.annotations}
        self.decls: dict[str, ir.ArrayT] = {}
        self.returns: list[Val] = []
        self.void_returns: list[ast.Return] = []
        self.seen: set[str] = set()
        self.temps: dict[str, ir.Type] = {}
        self.pre: list[ir.Stmt] = []
        self.loop_depth = self.block_depth = 0
        self.callees: list[str] = []

    def _joined_env(self) -> dict[str, tuple[ir.Type, str | None]]:
        env: dict[str, tuple[ir.Type, str | None]] = {}
        for name, srcs in self.sources.items():
            if name in self.annotations:
                env[name] = (ir.Scalar(self.annotations[name]), None)
            elif name in self.decls:
                env[name] = (self.decls[name], None)
            elif srcs:
                dt = dtypes.result_type(*srcs)
                weak = None if any(isinstance(s, str) for s in srcs) else \
                    max((s[1] for s in srcs), key=dtypes.WEAK_KINDS.index)
                env[name] = (ir.Scalar(dt), weak)
        for name, t in self.decls.items():
            env[name] = (t, None)
        return env

    def _return_type(self, body: list[ast.stmt]) -> ir.Scalar | None:
        if not self.returns:
            return None
        srcs = [v.operand() for v in self.returns]
        if self.void_returns or _falls_through(body):
            where = self.void_returns[0] if self.void_returns else body[-1]
            raise KernelTypeError(f"device function {self.pyfunc.__qualname__!r} returns a value on some "
                                  "paths but not on others; every path must return a value (control "
                                  "can reach the end of the function here)" if not self.void_returns else
                                  f"device function {self.pyfunc.__qualname__!r} returns a value on some "
                                  "paths but not on this one; every path must return a value",
                                  self.loc(where))
        return ir.Scalar(dtypes.result_type(*srcs))

    def note_callee(self, name: str) -> None:
        if self.emit:
            self.callees.append(name)

    # ------------------------------------------------------------------ locations and names

    def loc(self, node: ast.AST) -> Loc:
        return self.src.loc(node)

    def is_local(self, name: str) -> bool:
        return name in self.params or name in self.local_names

    def read_local(self, name: str, node: ast.AST) -> Val:
        if name in self.params:
            return Val(ir.Name(self.params[name], name=name, loc=self.loc(node)))
        if name not in self.env:
            if self.emit:
                raise KernelSyntaxError(f"local variable {name!r} is used before it is assigned a value",
                                        self.loc(node))
            raise Pending(name)
        if self.emit and name not in self.seen and not self.loop_depth:
            raise KernelSyntaxError(f"local variable {name!r} is used before it is assigned a value",
                                    self.loc(node))
        t, weak = self.env[name]
        return Val(ir.Name(t, name=name, loc=self.loc(node)), weak)

    def lookup_global(self, name: str, node: ast.AST) -> Resolved:
        fn = self.pyfunc
        code = fn.__code__
        if name in code.co_freevars and fn.__closure__:
            cell = fn.__closure__[code.co_freevars.index(name)]
            try:
                return classify(cell.cell_contents)
            except ValueError:
                raise KernelSyntaxError(f"free variable {name!r} is referenced before assignment in the "
                                        "enclosing scope", self.loc(node)) from None
        if name in fn.__globals__:
            return classify(fn.__globals__[name])
        if hasattr(builtins, name):
            r = classify(getattr(builtins, name))
            if r.kind != "other":
                return r
            raise KernelSyntaxError(f"the builtin {name!r} is not supported in kernels; allowed builtins: "
                                    "range, len, abs, min, max, int, float, bool, complex", self.loc(node))
        raise KernelSyntaxError(f"name {name!r} is not defined", self.loc(node))

    def bind_temp(self, val: Val, loc: Loc) -> Val | None:
        """Evaluate ``val`` once into a fresh temporary (None where it cannot be hoisted)."""
        if self.cond_depth:
            return None
        name = f"_t{len(self.temps)}"
        while name in self.params or name in self.local_names:
            name = "_" + name
        self.temps[name] = val.expr.type
        self.pre.append(ir.Assign(name=name, value=val.expr, loc=loc))
        return Val(ir.Name(val.expr.type, name=name, loc=loc), val.weak)

    # ------------------------------------------------------------------ statements

    def block(self, stmts: list[ast.stmt]) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, node: ast.stmt) -> list[ir.Stmt]:
        kind = type(node).__name__
        if kind in UNSUPPORTED_STMT:
            raise KernelSyntaxError(f"{UNSUPPORTED_STMT[kind]} are not supported in kernels"
                                    if UNSUPPORTED_STMT[kind].endswith("s") else
                                    f"{UNSUPPORTED_STMT[kind]} is not supported in kernels", self.loc(node))
        method = getattr(self, f"stmt_{kind}", None)
        if method is None:
            raise KernelSyntaxError(f"{kind} statements are not supported in kernels", self.loc(node))
        saved, self.pre = self.pre, []
        try:
            out = method(node)
            return [*self.pre, *out]
        except Pending:
            if self.emit:
                raise
            return []
        except (KernelSyntaxError, KernelTypeError):
            if self.emit:  # the fixpoint's types: a real error
                raise
            return []  # an intermediate pass's types (a local may widen later): only the fixpoint counts
        except CambrianError:
            raise
        except Exception as exc:  # never let an internal error escape as a Python traceback
            raise KernelSyntaxError(f"internal error compiling this {kind} statement ({exc!r}); please "
                                    "report", self.loc(node)) from exc
        finally:
            self.pre = saved

    def cond(self, node: ast.expr) -> ir.Expr | None:
        """A condition; None while its type is pending in an inference pass."""
        try:
            return to_bool(self.scalar(node, "a condition"), self.loc(node))
        except Pending:
            if self.emit:
                raise
            return None

    def stmt_Pass(self, node: ast.Pass) -> list[ir.Stmt]:
        return []

    def stmt_Expr(self, node: ast.Expr) -> list[ir.Stmt]:
        if isinstance(node.value, ast.Call):
            out = self.call(node.value, stmt=True)
            return out if isinstance(out, list) else [ir.ExprStmt(value=out.expr, loc=self.loc(node))]
        v = self.expr(node.value)
        parts = [x.expr for x in v.expr.vals] if isinstance(v.expr, TupleExpr) else [v.expr]
        return [ir.ExprStmt(value=e, loc=self.loc(node)) for e in parts if isinstance(e.type, ir.Scalar)]

    def stmt_If(self, node: ast.If) -> list[ir.Stmt]:
        c = self.cond(node.test)
        known = const_truth(c, self.const_locals)
        if known is not None:  # a compile-time constant: the dead branch is never typed (as Numba)
            return self.nested(node.body if known else node.orelse)
        pre, self.pre = self.pre, []
        body, orelse = self.nested(node.body), self.nested(node.orelse)
        self.pre = pre
        if c is None:
            return []
        return [ir.If(cond=c, body=tuple(body), orelse=tuple(orelse), loc=self.loc(node))]

    def nested(self, stmts: list[ast.stmt], loop: bool = False) -> list[ir.Stmt]:
        self.block_depth += 1
        self.loop_depth += loop
        try:
            return self.block(stmts)
        finally:
            self.block_depth -= 1
            self.loop_depth -= loop

    def stmt_While(self, node: ast.While) -> list[ir.Stmt]:
        loc = self.loc(node)
        if node.orelse:
            raise KernelSyntaxError("'while ... else' is not supported in kernels", loc)
        outer, self.pre = self.pre, []
        c = self.cond(node.test)
        cond_pre, self.pre = self.pre, outer
        body = self.nested(node.body, loop=True)
        if c is None:
            return []
        if cond_pre:  # the condition needs statements: while True: pre; if not cond: break; body
            check = ir.If(cond=ir.Unary(ir.BOOL, op="not", operand=c, loc=loc), body=(ir.Break(loc=loc),),
                          loc=loc)
            return [ir.While(cond=ir.Const(ir.BOOL, value=True, loc=loc),
                             body=(*cond_pre, check, *body), loc=loc)]
        return [ir.While(cond=c, body=tuple(body), loc=loc)]

    def stmt_For(self, node: ast.For) -> list[ir.Stmt]:
        loc = self.loc(node)
        if node.orelse:
            raise KernelSyntaxError("'for ... else' is not supported in kernels", loc)
        it = node.iter
        is_range = isinstance(it, ast.Call) and isinstance(it.func, (ast.Name, ast.Attribute)) and \
            getattr(it.func, "id", "") not in ("enumerate", "zip") and \
            isinstance(r := self.resolve(it.func), Resolved) and r.kind == "builtin" and r.name == "range"
        if not is_range or not isinstance(node.target, ast.Name):
            return self.for_generic(node)  # enumerate, zip, tuples, arrays, tuple targets
        assert isinstance(it, ast.Call)
        if it.keywords or not 1 <= len(it.args) <= 3:
            raise KernelTypeError(f"range() takes 1 to 3 positional arguments ({len(it.args)} given)", loc)
        var = node.target.id
        if var in self.params:
            raise KernelSyntaxError(f"the loop variable {var!r} is a parameter; use another name", loc)
        bounds = self._range_args(it)
        self.sources.setdefault(var, []).append("int64")
        self.seen.add(var)
        if self.emit and self.env[var][0] != ir.INT64:
            raise KernelTypeError(f"the loop variable {var!r} is int64 but is also assigned "
                                  f"{self.env[var][0]} values elsewhere; use another variable", loc)
        body = self.nested(node.body, loop=True)
        if bounds is None:
            return []
        start, stop, step = bounds
        return [ir.For(var=var, start=start, stop=stop, step=step, body=tuple(body), loc=loc)]

    def _range_args(self, it: ast.Call) -> tuple[ir.Expr, ir.Expr, ir.Expr] | None:
        try:
            vals = [self.scalar(a, "a range() argument") for a in it.args]
        except Pending:
            if self.emit:
                raise
            return None
        for a, v in zip(it.args, vals, strict=True):
            if not (dtypes.is_integer(v.dtype) or v.dtype == "bool"):
                raise KernelTypeError(f"range() arguments must be integers, got {v.dtype}", self.loc(a))
        exprs = [cast(v, "int64", self.loc(a)) for a, v in zip(it.args, vals, strict=True)]
        one = ir.Const(ir.INT64, value=1, loc=self.loc(it))
        zero = ir.Const(ir.INT64, value=0, loc=self.loc(it))
        start, stop, step = {1: (zero, *exprs, one), 2: (*exprs, one), 3: tuple(exprs)}[len(exprs)]
        if isinstance(step, ir.Const) and step.value == 0:
            raise KernelTypeError("range() step must not be zero", self.loc(it.args[2]))
        return start, stop, step

    def stmt_Break(self, node: ast.Break) -> list[ir.Stmt]:
        if not self.loop_depth:
            raise KernelSyntaxError("'break' outside a loop", self.loc(node))
        return [ir.Break(loc=self.loc(node))]

    def stmt_Continue(self, node: ast.Continue) -> list[ir.Stmt]:
        if not self.loop_depth:
            raise KernelSyntaxError("'continue' outside a loop", self.loc(node))
        return [ir.Continue(loc=self.loc(node))]

    def stmt_Return(self, node: ast.Return) -> list[ir.Stmt]:
        loc = self.loc(node)
        if node.value is None:
            self.void_returns.append(node)
            return [ir.Return(loc=loc)]
        if self.is_kernel:
            raise KernelSyntaxError("kernels cannot return a value; write results into an array argument",
                                    loc)
        if isinstance(node.value, ast.Tuple):
            raise KernelSyntaxError("device functions return one scalar; tuples are not supported", loc)
        v = self.scalar(node.value, "the returned value")
        if v.dtype == "void":
            raise KernelTypeError("this call does not return a value", loc)
        self.returns.append(v)
        if not self.emit:
            return []
        ret = self._final_ret or v.dtype
        check_weak_fits(v, ret, loc)
        return [ir.Return(value=cast(v, ret, loc), loc=loc)]

    _final_ret: str | None = None


def _assigned_names(fdef: ast.FunctionDef) -> set[str]:
    """Names bound in the function body (Python's local scope)."""
    out: set[str] = set()
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
    return out


def _falls_through(body: list[ast.stmt]) -> bool:
    """True when control can reach the end of ``body`` (conservative)."""
    for s in body:
        if isinstance(s, ast.Return):
            return False
        if isinstance(s, ast.If) and not _falls_through(s.body) and not _falls_through(s.orelse):
            return False
        if isinstance(s, ast.While) and isinstance(s.test, ast.Constant) and s.test.value is True and \
                not any(isinstance(n, ast.Break) for n in _loop_level(s.body)):
            return False
    return True


def _loop_level(body: list[ast.stmt]):
    """Statements of a loop body, not descending into nested loops."""
    for s in body:
        yield s
        if isinstance(s, ast.If):
            yield from _loop_level(s.body)
            yield from _loop_level(s.orelse)

