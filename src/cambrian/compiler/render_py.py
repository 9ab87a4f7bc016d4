"""IR module -> Python source for Numba (the ``cpu`` backend's renderer).

Generated module layout (see ``docs/semantics.md`` for the meaning of every operation)::

    f_<func>(...)            device functions, @njit(inline="always")
    _item(g0, g1, g2, G0, G1, G2, L0, L1, L2, <params>)   one work-item, @njit(inline="always")
    _launch1(G0, L0, <params>)                  parallel over prange(G0)
    _launch2(G0, G1, L0, L1, C, <params>)       parallel over rows x C chunks of dim 0
    _launch3(G0, G1, G2, L0, L1, L2, C, <params>)

Kernels with ``barrier()`` or local arrays instead get ``_launchg`` (prange over work-groups) and a
``_group`` function that runs the body split at barriers into regions, each a loop over the group's
work-items (see :mod:`cambrian.compiler.render_py_group`). With bounds checking every function takes a
trailing ``_err`` int64 error record. ``_item`` and friends inline (measured: without it Numba calls
them out of line and vector add is 15x slower).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import dtypes
from ..errors import CompileError
from . import ir, mathlib, tiering
from .render_py_expr import SPECIAL, Ctx, ExprRenderer, literal, mangle, zero

__all__ = ["SPECIAL", "PyRenderer", "PySource", "literal", "mangle", "render"]

RT_MODULE = "cambrian.backends.cpu_rt"
WI = ("get_global_id", "get_local_id", "get_group_id", "get_global_size", "get_local_size",
      "get_num_groups")
LOCAL_WI = WI[1:3] + WI[4:]
ITEM_WI = {"get_global_id": "g{d}", "get_local_id": "(g{d} % L{d})", "get_group_id": "(g{d} // L{d})",
           "get_global_size": "G{d}", "get_local_size": "L{d}", "get_num_groups": "(G{d} // L{d})"}
ITEM_ARGS = "g0, g1, g2, G0, G1, G2, L0, L1, L2"
_JIT = 'nogil=True, error_model="numpy", cache=_CACHE'
#: CPython compiles a call of more than 30 arguments to CALL_FUNCTION_EX (a tuple), which Numba's inliner
#: refuses ("Calling a closure with *args is unsupported"): such functions are left to LLVM to inline.
MAX_INLINE_ARGS = 30
#: work-items per block of a two-tier launch (:meth:`PyRenderer.tiered_launch1`): 4 KiB of float32
TIER_BLOCK = 1024
_TIERED_BLOCK = """n = np.int32(0)
for g0 in range(s, e):
    n += np.int32({guard})
    _item_fast({call})
if n != 0:
    for g0 in range(s, e):
        _item({call})"""

#: ``_launch1/2/3``: (sizes, loop lines, the work-item's ids and sizes, the call's indent). Numba may type
#: a prange index as unsigned (uint64 op int64 -> float64): make it int64 first.
_LAUNCHERS = (
    ("G0, L0", ["for p in prange(G0):", "    g0 = np.int64(p)"], "g0, 0, 0, G0, 1, 1, L0, 1, 1", 2),
    ("G0, G1, L0, L1, C", ["W = (G0 + C - 1) // C", "for p in prange(G1 * C):", "    t = np.int64(p)",
                           "    g1 = t // C", "    s = (t % C) * W",
                           "    for g0 in range(s, min(s + W, G0)):"],
     "g0, g1, 0, G0, G1, 1, L0, L1, 1", 3),
    ("G0, G1, G2, L0, L1, L2, C", ["W = (G0 + C - 1) // C", "for p in prange(G2 * G1 * C):",
                                   "    t = np.int64(p)", "    r = t // C", "    g1 = r % G1",
                                   "    g2 = r // G1", "    s = (t % C) * W",
                                   "    for g0 in range(s, min(s + W, G0)):"],
     ITEM_ARGS, 3),
)

@dataclass(frozen=True)
class PySource:
    """Generated source plus what the launcher needs to know about it."""

    text: str
    group_mode: bool  # barrier or local arrays: launched per work-group (``_launchg``)
    needs_local: bool  # uses local ids/sizes/group ids: the local size must be chosen
    array_params: tuple[int, ...]  # positions of array parameters
    sites: tuple[tuple[str, int, str], ...]  # bounds-check (or zero range step) site -> (file, line, array)
    #: every function takes the ``_err`` record: bounds checks, or a ``range()`` step known only at
    #: run time (a zero step records flag 2 and its site; the host raises KernelRuntimeError)
    err: bool = False


def _scalar_locals(fn: ir.Function) -> list[tuple[str, str]]:
    return [(n, t.dtype) for n, t in fn.locals if isinstance(t, ir.Scalar)]


class PyRenderer(ExprRenderer):
    """Renders one :class:`ir.Module`; statements here, expressions in :class:`ExprRenderer`."""

    def __init__(self, module: ir.Module, cache: bool = False):
        self.module = module
        self.cache = cache
        self.boundscheck = module.boundscheck
        self.has_err = module.needs_error_record
        self.sites: list[tuple[str, int, str]] = []
        self.wi_funcs: set[str] = set()
        self.lines: list[str] = []
        self._tmp = 0

    # -- helpers -----------------------------------------------------------------------------------
    def tmp(self, base: str) -> str:
        self._tmp += 1
        return f"_{base}{self._tmp}"

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def jit(self, indent: int = 0, *, inline: bool = False, parallel: bool = False,
            params: tuple[str, ...] | list[str] = (), llvm_inline: bool = False) -> None:
        """``@njit(...)``; not inlined by Numba when calls pass more than MAX_INLINE_ARGS arguments.
        ``llvm_inline``: inlined by LLVM (``forceinline``) instead of by Numba, which copies and types
        the callee's code again at every call site: Cambrian's math functions, whose select chains made
        the first call of a float32 ``sin`` kernel take 6.4 s to compile against 2.0 s (the same speed)."""
        inline = inline and len(", ".join(params).split(", ")) <= MAX_INLINE_ARGS
        extra = ('inline="always", ' if inline and not llvm_inline else "") + \
            ("forceinline=True, " if llvm_inline else "") + ("parallel=True, " if parallel else "")
        self.emit(indent, f"@njit({extra}{_JIT})")

    def err_param(self) -> list[str]:
        return ["_err"] if self.has_err else []

    def params(self, fn: ir.Function) -> list[str]:
        return [mangle(p.name) for p in fn.params]

    def names(self, fn: ir.Function) -> dict[str, str]:
        return {n: mangle(n) for n in [p.name for p in fn.params] + [n for n, _ in fn.locals]}

    def init_locals(self, fn: ir.Function, indent: int, only: set[str] | None = None) -> None:
        for n, dt in _scalar_locals(fn):
            if only is None or n in only:
                self.emit(indent, f"{mangle(n)} = {zero(dt)}")

    # -- statements --------------------------------------------------------------------------------
    def body(self, stmts: tuple[ir.Stmt, ...], ctx: Ctx, indent: int) -> None:
        start = len(self.lines)
        for s in stmts:
            getattr(self, "_s_" + type(s).__name__)(s, ctx, indent)
        if len(self.lines) == start:
            self.emit(indent, "pass")

    def _s_Assign(self, s: ir.Assign, ctx: Ctx, indent: int) -> None:
        self.emit(indent, f"{ctx.var(s.name)} = {self.expr(s.value, ctx)}")

    def _s_Store(self, s: ir.Store, ctx: Ctx, indent: int) -> None:
        arr, idx = self._index(s.array, s.indices, ctx)
        val = self.operand(s.value, ctx) if not self.boundscheck else self.expr(s.value, ctx)
        if self.boundscheck:
            self.emit(indent, f"rt.bc_store({arr}, ({idx},), {val}, _err, {self.site(s)})")
        elif s.nontemporal and not dtypes.is_complex(s.array.type.dtype):  # type: ignore[union-attr]
            self.emit(indent, f"rt.store_nt({arr}, ({idx},), {val})")
        else:
            self.emit(indent, f"{arr}[{idx}] = {val}")

    def _s_ExprStmt(self, s: ir.ExprStmt, ctx: Ctx, indent: int) -> None:
        self.emit(indent, self.expr(s.value, ctx))

    def _s_If(self, s: ir.If, ctx: Ctx, indent: int) -> None:
        self.emit(indent, f"if {self.expr(s.cond, ctx)}:")
        self.body(s.body, ctx, indent + 1)
        if s.orelse:
            self.emit(indent, "else:")
            self.body(s.orelse, ctx, indent + 1)

    def range_header(self, s: ir.For, ctx: Ctx, indent: int) -> str:
        """Emit temporaries if needed; return ``range(...)`` text (start/stop/step evaluated once)."""
        start, stop, step = (self.expr(x, ctx) for x in (s.start, s.stop, s.step))
        if isinstance(s.step, ir.Const):
            if s.step.value == 0:
                return "range(0)"
            return f"range({start}, {stop})" if s.step.value == 1 else f"range({start}, {stop}, {step})"
        names = [self.tmp(b) for b in ("start", "stop", "step")]
        self.emit(indent, f"{', '.join(names)} = {start}, {stop}, {step}")
        a, b, c = names
        self.emit(indent, f"if {c} == 0:")  # as the interpreter: an error (the loop runs no iteration)
        self.emit(indent + 1, f"rt.zero_step(_err, {self.site(s)})")
        return f"range({a}, {b} if {c} != 0 else {a}, {c} if {c} != 0 else 1)"

    def _s_For(self, s: ir.For, ctx: Ctx, indent: int) -> None:
        header = self.range_header(s, ctx, indent)
        target = ctx.var(s.var)
        if target.isidentifier():
            self.emit(indent, f"for {target} in {header}:")
        else:
            it = self.tmp("it")
            self.emit(indent, f"for {it} in {header}:")
            self.emit(indent + 1, f"{target} = {it}")
        self._loop_body(s.body, ctx, indent + 1)

    def _s_While(self, s: ir.While, ctx: Ctx, indent: int) -> None:
        self.emit(indent, f"while {self.expr(s.cond, ctx)}:")
        self._loop_body(s.body, ctx, indent + 1)

    def _loop_body(self, stmts: tuple[ir.Stmt, ...], ctx: Ctx, indent: int) -> None:
        ctx.loop_depth += 1
        try:
            self.body(stmts, ctx, indent)
        finally:
            ctx.loop_depth -= 1

    def _s_Break(self, s: ir.Break, ctx: Ctx, indent: int) -> None:
        self.emit(indent, "return 2" if ctx.mode == "region" and ctx.loop_depth == 0 else "break")

    def _s_Continue(self, s: ir.Continue, ctx: Ctx, indent: int) -> None:
        self.emit(indent, "return 3" if ctx.mode == "region" and ctx.loop_depth == 0 else "continue")

    def _s_Return(self, s: ir.Return, ctx: Ctx, indent: int) -> None:
        if ctx.mode == "region":
            self.emit(indent, "return 1")
        elif s.value is not None:
            self.emit(indent, f"return {self.expr(s.value, ctx)}")
        else:
            self.emit(indent, "return")

    def _s_Barrier(self, s: ir.Barrier, ctx: Ctx, indent: int) -> None:
        where = f" ({s.loc.file}:{s.loc.line})" if s.loc else ""
        raise CompileError(f"barrier() inside a device function is not supported by the cpu backend{where}; "
                           "call barrier() from the kernel body")

    def _s_ArrayDecl(self, s: ir.ArrayDecl, ctx: Ctx, indent: int) -> None:
        if s.name in ctx.skip:
            return
        t = s.type
        assert t is not None and t.shape is not None
        shape = ", ".join(literal(n, "int64") for n in t.shape)
        self.emit(indent, f"{ctx.var(s.name)} = np.zeros(({shape},), np.{_np_name(t.dtype)})")

    # -- functions ---------------------------------------------------------------------------------
    def func(self, fn: ir.Function) -> None:
        uses_wi = any((isinstance(n, ir.Call) and n.name in WI) or
                      (isinstance(n, ir.CallFunc) and n.func in self.wi_funcs)
                      for s in fn.body for n in ir.walk(s))
        if uses_wi:
            self.wi_funcs.add(fn.name)
        params = ([ITEM_ARGS] if uses_wi else []) + self.params(fn) + self.err_param()
        self.jit(inline=True, params=params, llvm_inline=mathlib.is_math_function(fn.name))
        self.emit(0, f"def {mangle(fn.name, 'f_')}({', '.join(params)}):")
        self.init_locals(fn, 1)
        ctx = Ctx(self.names(fn), ITEM_WI, ITEM_ARGS, mode="func")
        self.body(fn.body, ctx, 1)
        if fn.ret is not None:
            self.emit(1, f"return {zero(fn.ret.dtype)}")
        self.emit(0, "")

    def item_function(self, fn: ir.Function, name: str) -> None:
        """One work-item of ``fn`` as ``name(g0, ..., L2, <params>)``."""
        args = self.params(fn) + self.err_param()
        # Numba-level inlining lets LLVM vectorise straight-line kernels over the prange (vector add is
        # 15x faster); kernels with loops run faster when LLVM inlines them itself (Monte Carlo pi 9%).
        self.jit(inline=not (ir.contains(fn.body, ir.For) or ir.contains(fn.body, ir.While)),
                 params=[ITEM_ARGS, *args])
        self.emit(0, f"def {name}({ITEM_ARGS}, {', '.join(args)}):")
        self.init_locals(fn, 1)
        self.body(fn.body, Ctx(self.names(fn), ITEM_WI, ITEM_ARGS), 1)
        self.emit(0, "")

    def tiered_launch1(self, split: tiering.Split, a: str) -> None:
        """``_launch1`` for a split kernel (see :mod:`cambrian.compiler.tiering`). Where the arrays stored
        to share no memory with the others (checked at launch), blocks of :data:`TIER_BLOCK` work-items,
        each run by ``_tier_block``: one pass runs the fast kernel and counts the work-items the guard
        sends to the full kernel, and a block with any runs the full kernel again. Otherwise (arrays that
        overlap: the full kernel could read the fast pass's results) the full kernel on every work-item,
        as unsplit. ``_tier_block`` is a function of its own, not inlined into the
        ``prange`` loop (Numba's parallel passes on the whole body cost compile time), and LLVM
        vectorises its count (measured: not a bool or int "any of" in a guard pass of its own, nor any
        loop storing through arrays that may alias outside ``prange``'s gufunc)."""
        self.func(split.guard)
        self.item_function(split.fast, "_item_fast")
        call = f"g0, 0, 0, G0, 1, 1, L0, 1, 1, {a}"
        guard = f"{mangle(split.guard.name, 'f_')}({call})"
        names = self.names(split.kernel)
        pairs = [(names.get(w, mangle(w)), names.get(r, mangle(r)))
                 for w in sorted(split.stored) for r in split.arrays if r != w]
        fused = " and ".join(f"rt.disjoint({w}, {r})" for w, r in pairs) or "True"
        self.jit()
        self.emit(0, f"def _tier_block(s, e, G0, L0, {a}):")
        for line in _TIERED_BLOCK.format(guard=guard, call=call).splitlines():
            self.emit(1, line)
        self.emit(0, "")
        # (a function of its own: Numba's parallel passes took minutes over 156 inlined checks)
        self.jit()
        self.emit(0, f"def _tier_disjoint({a}):")
        self.emit(1, f"return {fused}")
        self.emit(0, "")
        self.jit(parallel=True)
        self.emit(0, f"def _launch1(G0, L0, {a}):")
        self.emit(1, f"if _tier_disjoint({a}):")
        self.emit(2, f"for p in prange((G0 + {TIER_BLOCK - 1}) // {TIER_BLOCK}):")
        self.emit(3, f"s = np.int64(p) * {TIER_BLOCK}")
        self.emit(3, f"_tier_block(s, min(s + {TIER_BLOCK}, G0), G0, L0, {a})")
        self.emit(1, "else:")  # the plain one-dimensional launcher
        _, loop, plain, depth = _LAUNCHERS[0]
        for line in loop:
            self.emit(2, line)
        self.emit(depth + 1, f"_item({plain}, {a})")
        self.emit(0, "")

    def item_kernel(self, fn: ir.Function) -> None:
        args = self.params(fn) + self.err_param()
        self.item_function(fn, "_item")
        a = ", ".join(args)
        split = tiering.split(self.module, mathlib.tier_names())
        if split is not None:
            self.tiered_launch1(split, a)
        for nd, (sizes, loop, call, depth) in enumerate(_LAUNCHERS, 1):
            if nd == 1 and split is not None:
                continue
            self.jit(parallel=True)
            self.emit(0, f"def _launch{nd}({sizes}, {a}):")
            for line in loop:
                self.emit(1, line)
            self.emit(depth, f"_item({call}, {a})")
            self.emit(0, "")
        # One work-item (e.g. a reduction's last pass): no thread-pool round trip. Compiled on first use.
        self.jit()
        self.emit(0, f"def _launch1s(L0, {a}):")
        self.emit(1, "_item(0, 0, 0, 1, 1, 1, L0, 1, 1, " + a + ")")
        self.emit(0, "")

    def render(self) -> PySource:
        m = self.module
        group_mode = m.uses_barrier or any(
            isinstance(n, ir.Barrier) or (isinstance(n, ir.ArrayDecl) and n.type.space == "local")
            for s in m.kernel.body for n in ir.walk(s))
        name = m.kernel.py_name or m.kernel.name
        self.emit(0, f"# Generated by cambrian (cpu backend) for kernel {name!a}")
        self.emit(0, f"# IR key {m.key()}")
        self.emit(0, "import math")
        self.emit(0, "import numpy as np")
        self.emit(0, "from numba import njit, prange")
        self.emit(0, f"import {RT_MODULE} as rt")
        self.emit(0, f"import {mathlib.CPU_MODULE} as cm")
        self.emit(0, "")
        self.emit(0, f"_CACHE = {self.cache!r}")
        self.emit(0, "")
        for fn in m.funcs:
            self.func(fn)
        if group_mode:
            from .render_py_group import GroupLowering

            GroupLowering(self, m.kernel).render()
        else:
            self.item_kernel(m.kernel)
        needs_local = group_mode or any(
            isinstance(n, ir.Call) and n.name in LOCAL_WI
            for f in (*m.funcs, m.kernel) for s in f.body for n in ir.walk(s))
        arrays = tuple(i for i, p in enumerate(m.kernel.params) if isinstance(p.type, ir.ArrayT))
        return PySource("\n".join(self.lines) + "\n", group_mode, needs_local, arrays, tuple(self.sites),
                        self.has_err)


def _np_name(dtype: str) -> str:
    return "bool_" if dtype == "bool" else dtypes.name(dtype)


def render(module: ir.Module, *, cache: bool = False) -> PySource:
    """Render ``module`` to Numba-Python source (``cache`` sets ``@njit(cache=...)``)."""
    from .group_passes import inline_barrier_funcs

    module = mathlib.lower_calls(module)  # Cambrian's math functions (CAMBRIAN_MATH)
    return PyRenderer(inline_barrier_funcs(module, refuse_divergent=True), cache).render()
