"""IR passes for work-group code (issue 19).

* :func:`hoist_local_arrays`: ``cb.local_array`` declared inside a branch or loop of a kernel moves to the
  top of the kernel body, so every backend allocates it once per work-group (OpenCL C also requires
  ``__local`` variables at kernel scope).
* :func:`inline_barrier_funcs`: device functions that contain ``barrier()`` (directly or through the
  functions they call) are inlined into the kernel, so backends that run a work-group's items in loops
  split at barriers (``cpu``, see ``render_py_group``) and the interpreter see every barrier in the kernel
  body. A call whose evaluation is conditional (inside ``and``/``or``, a conditional expression or a
  ``while`` condition) cannot be inlined and raises :class:`~cambrian.errors.CompileError` naming the
  function and the line; so does, for ``cpu``, a call inside a branch or loop that depends on the
  work-item id (the group lowering evaluates such conditions once per work-group).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

from ..errors import CompileError
from . import ir

_Node = ir.Expr | ir.Stmt


def rebuild(node: Any, fn: Callable[[Any], Any]) -> Any:
    """``node`` with every IR node below it rebuilt bottom-up through ``fn`` (which returns a node)."""
    changes: dict[str, Any] = {}
    for f in fields(node):
        v = getattr(node, f.name)
        if isinstance(v, _Node):
            nv: Any = rebuild(v, fn)
        elif isinstance(v, tuple) and any(isinstance(x, _Node) for x in v):
            nv = tuple(rebuild(x, fn) if isinstance(x, _Node) else x for x in v)
        else:
            continue
        if nv is not v:
            changes[f.name] = nv
    return fn(replace(node, **changes) if changes else node)


# ------------------------------------------------------------------------------ local arrays


def hoist_local_arrays(body: tuple[ir.Stmt, ...]) -> tuple[ir.Stmt, ...]:
    """Move local-array declarations nested in ``if``/``for``/``while`` to the top of ``body``."""
    hoisted: list[ir.Stmt] = []

    def strip(stmts: tuple[ir.Stmt, ...], top: bool) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        for s in stmts:
            if isinstance(s, ir.ArrayDecl) and s.type is not None and s.type.space == "local" and not top:
                hoisted.append(s)
                continue
            if isinstance(s, ir.If):
                s = replace(s, body=strip(s.body, False), orelse=strip(s.orelse, False))
            elif isinstance(s, ir.For | ir.While):
                s = replace(s, body=strip(s.body, False))
            out.append(s)
        return tuple(out)

    new = strip(body, True)
    return (*hoisted, *new) if hoisted else body


# ------------------------------------------------------------------------------ barrier functions


def funcs_reaching(module: ir.Module, hit: Callable[[Any], bool]) -> set[str]:
    """Names of the device functions with a node for which ``hit`` is true, directly or through the
    functions they call (callees come first in ``funcs``)."""
    out: set[str] = set()
    for fn in module.funcs:
        if any(hit(n) or (isinstance(n, ir.CallFunc) and n.func in out) for s in fn.body for n in ir.walk(s)):
            out.add(fn.name)
    return out


def barrier_funcs(module: ir.Module) -> set[str]:
    """Names of the device functions that reach a ``barrier()``."""
    return funcs_reaching(module, lambda n: isinstance(n, ir.Barrier))


def inline_barrier_funcs(module: ir.Module, refuse_divergent: bool = False) -> ir.Module:
    """``module`` with every call of a device function containing ``barrier()`` inlined (see above).

    ``refuse_divergent`` (``cpu``, which evaluates the conditions of code containing barriers once per
    work-group): a call inside a branch or loop whose condition depends on the work-item id raises
    CompileError (such a call is valid only if every work-item of the group takes the same path; the
    interpreter checks it at run time instead)."""
    names = barrier_funcs(module)
    if not names:
        return module
    done: dict[str, ir.Function] = {}
    counter = [0]
    for fn in module.funcs:
        if fn.name in names:
            done[fn.name] = _Inliner(fn, done, counter).run()
    kernel = _Inliner(module.kernel, done, counter).run()
    if refuse_divergent:
        _check_divergence(kernel, {b.loc: f.py_name or f.name for f in module.funcs if f.name in names
                                   for st in f.body for b in ir.walk(st) if isinstance(b, ir.Barrier)})
    return replace(module, kernel=kernel, funcs=tuple(f for f in module.funcs if f.name not in names))


class _Inliner:
    """Inlines calls of the functions in ``done`` (already free of such calls) into ``host``."""

    def __init__(self, host: ir.Function, done: dict[str, ir.Function], counter: list[int]):
        self.host, self.done, self.counter = host, done, counter
        self.new_locals: list[tuple[str, ir.Type]] = []

    def run(self) -> ir.Function:
        body = self.block(self.host.body)
        return replace(self.host, body=body, locals=(*self.host.locals, *self.new_locals))

    def fail(self, call: ir.CallFunc, why: str) -> CompileError:
        callee = self.done[call.func]
        loc = call.loc or callee.loc
        where = f" ({loc.file}:{loc.line})" if loc else ""
        return CompileError(f"device function {callee.py_name or callee.name!r} contains barrier(), so its "
                            f"call is inlined into the kernel, but this call {why}{where}; call it as a "
                            "statement or assign its result to a variable first")

    # -- statements --------------------------------------------------------------------------------
    def block(self, stmts: tuple[ir.Stmt, ...]) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        for s in stmts:
            out.extend(self.stmt(s))
        return tuple(out)

    def stmt(self, s: ir.Stmt) -> list[ir.Stmt]:
        pre: list[ir.Stmt] = []
        if isinstance(s, ir.ExprStmt) and isinstance(s.value, ir.CallFunc) and s.value.func in self.done:
            call = replace(s.value, args=tuple(self.expr(a, pre) for a in s.value.args))
            self.inline(call, pre)  # a result, if any, is dropped
            return pre
        if isinstance(s, ir.If):
            s = replace(s, cond=self.expr(s.cond, pre), body=self.block(s.body), orelse=self.block(s.orelse))
        elif isinstance(s, ir.For):
            s = replace(s, start=self.expr(s.start, pre), stop=self.expr(s.stop, pre),
                        step=self.expr(s.step, pre), body=self.block(s.body))
        elif isinstance(s, ir.While):
            self.check_conditional(s.cond, "is in the condition of a while loop (evaluated at every "
                                   "iteration)")
            s = replace(s, body=self.block(s.body))
        elif isinstance(s, ir.Assign | ir.Return | ir.ExprStmt):
            if s.value is not None:
                s = replace(s, value=self.expr(s.value, pre))
        elif isinstance(s, ir.Store):
            s = replace(s, indices=tuple(self.expr(i, pre) for i in s.indices), value=self.expr(s.value, pre))
        return [*pre, s]

    # -- expressions -------------------------------------------------------------------------------
    def check_conditional(self, e: ir.Expr | None, why: str) -> None:
        for n in ir.walk(e):
            if isinstance(n, ir.CallFunc) and n.func in self.done:
                raise self.fail(n, why)

    def expr(self, e: Any, pre: list[ir.Stmt]) -> Any:
        """``e`` with calls of barrier functions replaced by their result variables (bodies to ``pre``)."""
        if e is None:
            return None
        for n in ir.walk(e):
            if isinstance(n, ir.Logical):
                self.check_conditional(n.right, "is on the right of 'and'/'or' (evaluated only sometimes)")
            elif isinstance(n, ir.Select):
                for branch in (n.a, n.b):
                    self.check_conditional(branch, "is in a branch of a conditional expression")

        def visit(n: Any) -> Any:
            if isinstance(n, ir.CallFunc) and n.func in self.done:
                return self.inline(n, pre)
            return n

        return rebuild(e, visit)

    def inline(self, call: ir.CallFunc, pre: list[ir.Stmt]) -> ir.Expr:
        callee = self.done[call.func]
        self.counter[0] += 1
        prefix = f"_inl{self.counter[0]}_"
        rename: dict[str, str] = {}
        for p, arg in zip(callee.params, call.args, strict=True):
            if isinstance(p.type, ir.ArrayT):
                if not isinstance(arg, ir.Name):
                    raise self.fail(call, "passes an array expression that is not a variable")
                rename[p.name] = arg.name
            else:
                rename[p.name] = prefix + p.name
                self.new_locals.append((prefix + p.name, p.type))
                pre.append(ir.Assign(name=prefix + p.name, value=arg, loc=call.loc))
        for n, t in callee.locals:
            if n not in rename:
                rename[n] = prefix + n
                self.new_locals.append((prefix + n, t))
        body = tuple(rebuild(s, lambda n: _renamed(n, rename)) for s in callee.body)
        ret = prefix + "ret" if callee.ret is not None else None
        if ret is not None:
            self.new_locals.append((ret, callee.ret))  # type: ignore[arg-type]
        pre.extend(self.returns(body, ret, prefix + "done", call.loc))
        return ir.Name(callee.ret, name=ret, loc=call.loc) if ret is not None else call

    def returns(self, body: tuple[ir.Stmt, ...], ret: str | None, done: str, loc: Any) -> list[ir.Stmt]:
        """``body`` with its ``return`` statements turned into assignments of ``ret``."""
        last = body[-1] if body else None
        if not ir.contains(body[:-1], ir.Return) and (isinstance(last, ir.Return)
                                                        or not ir.contains(body[-1:], ir.Return)):
            if isinstance(last, ir.Return):
                body = body[:-1] + ((ir.Assign(name=ret, value=last.value, loc=last.loc),)
                                    if ret is not None and last.value is not None else ())
            return list(body)
        self.new_locals.append((done, ir.BOOL))
        flag = ir.Name(ir.BOOL, name=done, loc=loc)
        not_done = ir.Unary(ir.BOOL, op="not", operand=flag, loc=loc)

        def lower(stmts: tuple[ir.Stmt, ...], in_loop: bool) -> tuple[ir.Stmt, ...]:
            out: list[ir.Stmt] = []
            for i, s in enumerate(stmts):
                if isinstance(s, ir.Return):
                    if ret is not None and s.value is not None:
                        out.append(ir.Assign(name=ret, value=s.value, loc=s.loc))
                    out.append(ir.Assign(name=done, value=ir.Const(ir.BOOL, value=True), loc=s.loc))
                    if in_loop:
                        out.append(ir.Break(loc=s.loc))
                    return tuple(out)
                if not ir.contains((s,), ir.Return):
                    out.append(s)
                    continue
                if isinstance(s, ir.If):
                    out.append(replace(s, body=lower(s.body, in_loop), orelse=lower(s.orelse, in_loop)))
                else:
                    out.append(replace(s, body=lower(s.body, True)))  # type: ignore[call-arg]
                    if in_loop:
                        out.append(ir.If(cond=flag, body=(ir.Break(loc=s.loc),), loc=s.loc))
                rest = lower(stmts[i + 1:], in_loop)
                if rest:
                    out.append(ir.If(cond=not_done, body=rest, loc=s.loc))
                return tuple(out)
            return tuple(out)

        return [ir.Assign(name=done, value=ir.Const(ir.BOOL, value=False), loc=loc), *lower(body, False)]


_ID_CALLS = ("get_global_id", "get_local_id")


def _depends(e: Any, id_vars: set[str]) -> bool:
    return e is not None and any((isinstance(n, ir.Call) and n.name in _ID_CALLS)
                                 or (isinstance(n, ir.Name) and n.name in id_vars) for n in ir.walk(e))


def _id_dependent(fn: ir.Function) -> set[str]:
    """Variables of ``fn`` whose value may depend on the work-item id: assigned from it, or assigned under
    a branch or loop that depends on it (to a fixpoint)."""
    out: set[str] = set()

    def visit(stmts: tuple[ir.Stmt, ...], ctl: bool) -> bool:
        grew = False
        for s in stmts:
            if isinstance(s, ir.Assign) and s.name not in out and (ctl or _depends(s.value, out)):
                out.add(s.name)
                grew = True
            elif isinstance(s, ir.If):
                c = ctl or _depends(s.cond, out)
                grew |= visit(s.body, c) | visit(s.orelse, c)
            elif isinstance(s, ir.For):
                c = ctl or any(_depends(x, out) for x in (s.start, s.stop, s.step))
                if c and s.var not in out:
                    out.add(s.var)
                    grew = True
                grew |= visit(s.body, c)
            elif isinstance(s, ir.While):
                grew |= visit(s.body, ctl or _depends(s.cond, out))
        return grew

    while visit(fn.body, False):
        pass
    return out


def _check_divergence(kernel: ir.Function, func_barriers: dict[Any, str]) -> None:
    """CompileError for a barrier of an inlined device function (``func_barriers``: its location -> the
    function) inside a branch or loop of the kernel whose condition depends on the work-item id."""
    ids = _id_dependent(kernel)

    def visit(stmts: tuple[ir.Stmt, ...], outer: ir.Stmt | None) -> None:
        for s in stmts:
            if isinstance(s, ir.Barrier) and outer is not None and s.loc in func_barriers:
                where = f" at {outer.loc.file}:{outer.loc.line}" if outer.loc else ""
                raise CompileError(
                    f"device function {func_barriers[s.loc]!r} contains barrier() and is called inside a "
                    f"branch or loop whose condition depends on the work-item id{where}; the cpu backend "
                    "evaluates such conditions once per work-group, and every work-item of a group must "
                    "reach the same barriers: call it unconditionally and test the condition inside it")
            if isinstance(s, ir.If):
                d = outer or (s if _depends(s.cond, ids) else None)
                visit(s.body, d)
                visit(s.orelse, d)
            elif isinstance(s, ir.For | ir.While):
                conds = (s.start, s.stop, s.step) if isinstance(s, ir.For) else (s.cond,)
                visit(s.body, outer or (s if any(_depends(c, ids) for c in conds) else None))

    visit(kernel.body, None)


def _renamed(n: Any, rename: dict[str, str]) -> Any:
    if isinstance(n, ir.Name | ir.Assign | ir.ArrayDecl) and n.name in rename:
        return replace(n, name=rename[n.name])
    if isinstance(n, ir.For) and n.var in rename:
        return replace(n, var=rename[n.var])
    return n
