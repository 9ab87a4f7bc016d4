"""Two-tier math on the ``cpu`` device: blocks of work-items whose arguments all lie in a function's fast
domain run the fast path alone.

Some of Cambrian's math functions (:data:`cambrian.compiler.mathlib.TIERED`: float32 ``sin``/``cos``) are
defined as ``fast(x) if |x| < bound else exact(x)``; straight-line code computes both and selects, on
every device, so results are the same bits everywhere. On ``cpu`` the launcher of a one-dimensional
kernel instead runs its work-items in blocks, where the arrays it stores to share no memory with its
other arrays (checked at launch): each block runs a *fast* twin of the kernel (every tiered call replaced
by its fast path) and counts, with a *guard* twin (the kernel without its stores, the fast paths' results
feeding the arguments), the work-items with an argument outside a fast domain; a block with any runs the
kernel unchanged again. Otherwise (arrays that overlap) the kernel runs unchanged. The guard
only has to be conservative (a block sent to the full kernel gets the same results), so it
evaluates every tiered call, taken branch or not.

:func:`split` builds the guard and the fast kernel, or returns None where the guard could have an effect
or see values the kernel has not computed: loops, private arrays, atomics, prints, barriers, a call of a
device function that stores, a store to an array the kernel reads (a result written over its input).
Reads after stores are safe in blocks, which run only where the arrays stored to are disjoint from the
others (checked at launch: :attr:`Split.stored`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..errors import CompileError
from . import ir
from .group_passes import _Inliner, funcs_reaching, rebuild

#: the guard's result variable
FLAG = "_tier_flag"


@dataclass(frozen=True)
class Split:
    """A kernel split for two-tier launches (see the module docstring)."""

    guard: ir.Function  # a device function of the work-item: True where the full kernel is needed
    fast: ir.Function  # the kernel with every tiered call replaced by its fast path
    kernel: ir.Function  # the kernel itself, with the functions reaching tiered calls inlined
    arrays: tuple[str, ...]  # its array parameters
    stored: frozenset[str]  # those it stores to
    read: frozenset[str]  # those it reads in its own body or passes to a device function


def _own_nodes(s: ir.Stmt) -> list[Any]:
    """The expression nodes a statement evaluates itself (an ``if``: its condition only)."""
    if isinstance(s, ir.If):
        return list(ir.walk(s.cond))
    return [n for n in ir.walk(s) if not isinstance(n, ir.Stmt)]


def _eligible(module: ir.Module, kernel: ir.Function) -> bool:
    if module.uses_atomics or module.uses_barrier or module.prints:
        return False
    if any(ir.contains(kernel.body, cls) for cls in (ir.For, ir.While, ir.ArrayDecl, ir.Barrier)):
        return False
    storing = funcs_reaching(module, lambda n: isinstance(n, ir.Store))
    return not any(isinstance(n, ir.CallFunc) and n.func in storing for s in kernel.body for n in ir.walk(s))


def _names(e: Any) -> set[str]:
    return {n.name for n in ir.walk(e) if isinstance(n, ir.Name)}


def _live(stmts: tuple[ir.Stmt, ...], live: set[str]) -> tuple[ir.Stmt, ...]:
    """``stmts`` without the assignments nothing after them uses, and without expression statements (the
    guard computes only flags: the fast paths whose results feed no argument and no condition are not
    compiled into it). ``live`` (the names used after ``stmts``) only grows: an over-approximation."""
    out: list[ir.Stmt] = []
    for s in reversed(stmts):
        if isinstance(s, ir.If):
            body, orelse = _live(s.body, live), _live(s.orelse, live)
            if not (body or orelse):
                continue
            s = replace(s, body=body, orelse=orelse)
            live |= _names(s.cond)
        elif isinstance(s, ir.Assign):
            if s.name not in live:
                continue
            live |= _names(s.value)
        elif isinstance(s, ir.Return):
            live |= _names(s.value)
        else:
            continue
        out.append(s)
    return tuple(reversed(out))


def split(module: ir.Module, tiers: dict[str, tuple[str, float]]) -> Split | None:
    """The guard and fast kernel of ``module`` (``tiers``: full function -> (fast path, bound of |x|)),
    or None if its kernel calls no tiered function or cannot be split safely."""
    present = {f.name for f in module.funcs} & set(tiers)
    if not present or module.kernel.ret is not None:
        return None
    reach = funcs_reaching(module, lambda n: isinstance(n, ir.CallFunc) and n.func in present)
    done: dict[str, ir.Function] = {}
    counter = [0]
    try:
        for fn in module.funcs:
            if fn.name in reach:
                done[fn.name] = _Inliner(fn, done, counter).run()
        kernel = _Inliner(module.kernel, done, counter).run() if reach else module.kernel
    except CompileError:
        return None  # a call evaluated only sometimes: not inlined, not split
    if not any(isinstance(n, ir.CallFunc) and n.func in present for s in kernel.body for n in ir.walk(s)):
        return None
    if not _eligible(module, kernel):
        return None

    def fast_call(n: Any) -> Any:
        if isinstance(n, ir.CallFunc) and n.func in present:
            return replace(n, func=tiers[n.func][0])
        return n

    def swap(e: Any) -> Any:
        return None if e is None else rebuild(e, fast_call)

    flag = ir.Name(ir.BOOL, name=FLAG)

    def flags(nodes: list[Any], loc: Any) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for n in nodes:
            if isinstance(n, ir.CallFunc) and n.func in present:
                arg = swap(n.args[0])
                inside = ir.Compare(ir.BOOL, op="lt", left=ir.Call(arg.type, name="abs", args=(arg,)),
                                    right=ir.Const(arg.type, value=tiers[n.func][1]))
                outside = ir.Unary(ir.BOOL, op="not", operand=inside)
                out.append(ir.Assign(name=FLAG, value=ir.Binary(ir.BOOL, op="or", left=flag, right=outside),
                                     loc=loc))
        return out

    def guard(stmts: tuple[ir.Stmt, ...]) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        for s in stmts:
            out.extend(flags(_own_nodes(s), s.loc))
            if isinstance(s, ir.If):
                out.append(replace(s, cond=swap(s.cond), body=guard(s.body), orelse=guard(s.orelse)))
            elif isinstance(s, ir.Return):
                out.append(ir.Return(value=flag, loc=s.loc))
            elif isinstance(s, ir.Assign):
                out.append(replace(s, value=swap(s.value)))
            # stores (and expression statements: see _live) are left out: the guard has no effect
        return tuple(out)

    body = (ir.Assign(name=FLAG, value=ir.Const(ir.BOOL, value=False)), *_live(guard(kernel.body), {FLAG}),
            ir.Return(value=flag))
    guard_fn = replace(kernel, name="tier_guard", ret=ir.BOOL, body=body, is_kernel=False,
                       locals=(*kernel.locals, (FLAG, ir.BOOL)))
    fast = replace(kernel, body=tuple(rebuild(s, fast_call) for s in kernel.body))
    arrays = tuple(p.name for p in kernel.params if isinstance(p.type, ir.ArrayT))
    nodes = [n for s in kernel.body for n in ir.walk(s)]
    stored = frozenset(n.array.name for n in nodes if isinstance(n, ir.Store))
    read = frozenset({n.array.name for n in nodes if isinstance(n, ir.Index)}
                     | {a.name for n in nodes if isinstance(n, ir.CallFunc) for a in n.args
                        if isinstance(a, ir.Name) and isinstance(a.type, ir.ArrayT)})
    if stored & read:
        return None  # it stores to an array it reads: blocks would rerun on the fast pass's results
    return Split(guard_fn, fast, kernel, arrays, stored, read)
