"""Work-group lowering of kernels with ``barrier()`` or local arrays (part of ``render_py``).

As PoCL does on CPUs: ``_launchg`` runs ``prange`` over work-groups; ``_group`` runs the kernel body
split at barriers into *regions*, each a loop over the group's work-items calling ``_r<k>`` (one
function per region, inlined, so ``return`` and loops inside a region just work). Everything a
barrier separates is therefore ordered.

* ``if``/``for``/``while`` statements that contain a barrier are work-group uniform (OpenCL requires
  it): their condition or bounds are evaluated once per group with work-item 0's values, and the body
  is lowered recursively. Loop variables of such ``for`` loops are group scalars.
* Scalar locals used in more than one region (or in a uniform condition, or possibly read before
  written in their only region) become per-item arrays ``s_<name>[li]`` of length local size; the
  others stay region-local scalars. Private arrays used in several regions get a per-item slab.
* Local arrays are allocated (zero-filled, like the interpreter) once per group.
* A region returns a status: 0 done, 1 the work-item returned (it skips the rest of the kernel),
  2/3 ``break``/``continue`` of the enclosing uniform loop (taken by the group after the region).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import CompileError
from . import ir
from .render_py import ITEM_ARGS, PyRenderer, _np_name, _scalar_locals
from .render_py_expr import Ctx, literal, mangle, zero

REGION_WI = {"get_global_id": "g{d}", "get_local_id": "l{d}", "get_group_id": "gr{d}",
             "get_global_size": "G{d}", "get_local_size": "L{d}", "get_num_groups": "(G{d} // L{d})"}
UNIFORM_WI = {"get_global_id": "(gr{d} * L{d})", "get_local_id": "(0)", "get_group_id": "gr{d}",
              "get_global_size": "G{d}", "get_local_size": "L{d}", "get_num_groups": "(G{d} // L{d})"}
UNIFORM_ARGS = "gr0 * L0, gr1 * L1, gr2 * L2, G0, G1, G2, L0, L1, L2"
GROUP_ARGS = "gr0, gr1, gr2, G0, G1, G2, L0, L1, L2"
REGION_PREFIX = f"li, l0, l1, l2, {GROUP_ARGS}"
FLAG = {"break": "_brk", "continue": "_cnt"}


@dataclass
class Region:
    k: int
    stmts: list[ir.Stmt]
    loop: int | None  # id of the innermost enclosing uniform loop
    refs: set[str] = field(default_factory=set)


@dataclass
class GIf:
    stmt: ir.If
    then: list[object]
    orelse: list[object]


@dataclass
class GLoop:
    stmt: ir.For | ir.While
    lid: int
    body: list[object]


def refs(stmts: list[ir.Stmt] | tuple[ir.Stmt, ...] | list[ir.Expr]) -> set[str]:
    """Every variable or array name read or written in ``stmts`` (statements or expressions)."""
    out: set[str] = set()
    for s in stmts:
        for n in ir.walk(s):
            if isinstance(n, ir.Name):
                out.add(n.name)
            elif isinstance(n, (ir.Assign, ir.ArrayDecl)):
                out.add(n.name)
            elif isinstance(n, ir.For):
                out.add(n.var)
    return out


def escapes(stmts: list[ir.Stmt] | tuple[ir.Stmt, ...]) -> set[str]:
    """Kinds of ``break``/``continue`` that leave ``stmts`` (not enclosed by a loop inside them)."""
    out: set[str] = set()
    for s in stmts:
        if isinstance(s, ir.Break):
            out.add("break")
        elif isinstance(s, ir.Continue):
            out.add("continue")
        elif isinstance(s, ir.If):
            out |= escapes(s.body) | escapes(s.orelse)
    return out


class GroupLowering:
    """Emits ``_r<k>``, ``_group`` and ``_launchg`` for one kernel into a :class:`PyRenderer`."""

    def __init__(self, r: PyRenderer, fn: ir.Function):
        self.r, self.fn = r, fn
        self.regions: list[Region] = []
        self.local_decls: list[ir.ArrayDecl] = []
        self.group_scalars: set[str] = set()
        self.uniform_refs: set[str] = set()
        self.loop_flags: dict[int, set[str]] = {}
        self._nloops = 0
        self.tree = self.split(list(fn.body), None)
        self.classify()

    # -- analysis ----------------------------------------------------------------------------------
    def split(self, stmts: list[ir.Stmt], loop: int | None) -> list[object]:
        items: list[object] = []
        pending: list[ir.Stmt] = []

        def flush() -> None:
            if pending:
                self.regions.append(Region(len(self.regions), list(pending), loop, refs(pending)))
                items.append(self.regions[-1])
                pending.clear()

        for s in stmts:
            if isinstance(s, ir.Barrier):
                flush()
            elif isinstance(s, ir.ArrayDecl) and s.type is not None and s.type.space == "local":
                self.local_decls.append(s)
            elif not ir.contains((s,), ir.Barrier):
                pending.append(s)
            elif isinstance(s, ir.If):
                flush()
                self.uniform_refs |= refs([s.cond])
                items.append(GIf(s, self.split(list(s.body), loop), self.split(list(s.orelse), loop)))
            elif isinstance(s, (ir.For, ir.While)):
                flush()
                lid = self._nloops = self._nloops + 1
                self.loop_flags[lid] = set()
                if isinstance(s, ir.For):
                    self.group_scalars.add(s.var)
                    self.uniform_refs |= refs([s.start, s.stop, s.step])
                else:
                    self.uniform_refs |= refs([s.cond])
                items.append(GLoop(s, lid, self.split(list(s.body), lid)))
            else:
                raise CompileError(f"barrier() inside {type(s).__name__} is not supported")
        flush()
        return items

    def _defined_first(self, name: str, region: Region) -> bool:
        stmts = region.stmts
        for i, s in enumerate(stmts):
            if name not in refs([s]):
                continue
            if isinstance(s, ir.Assign):
                return s.name == name and name not in refs([s.value])
            if isinstance(s, ir.For):
                return (s.var == name and name not in refs([s.start, s.stop, s.step])
                        and name not in refs(stmts[i + 1:]))
            return False
        return False

    def classify(self) -> None:
        fn = self.fn
        self.params = [p.name for p in fn.params]
        self.local_arrays = {d.name for d in self.local_decls}
        assigned = {n.name for r in self.regions for s in r.stmts for n in ir.walk(s)
                    if isinstance(n, ir.Assign)} | {n.var for r in self.regions for s in r.stmts
                                                    for n in ir.walk(s) if isinstance(n, ir.For)}
        bad = self.group_scalars & assigned
        if bad:
            raise CompileError(f"the loop variable {sorted(bad)[0]!r} of a loop containing barrier() "
                               "is assigned inside the loop; this is not supported")
        self.state: dict[str, str] = {}
        self.slabs: dict[str, ir.ArrayT] = {}
        for name, dt in _scalar_locals(fn):
            if name in self.group_scalars:
                continue
            users = [r for r in self.regions if name in r.refs]
            if name in self.uniform_refs or len(users) > 1 or (
                    users and not self._defined_first(name, users[0])):
                self.state[name] = dt
        for r in self.regions:
            for s in r.stmts:
                for n in ir.walk(s):
                    if isinstance(n, ir.ArrayDecl) and n.type is not None and n.type.space == "private":
                        if sum(n.name in q.refs for q in self.regions) > 1 or n.name in self.uniform_refs:
                            self.slabs[n.name] = n.type
        for r in self.regions:
            self.loop_flags.setdefault(r.loop or 0, set()).update(escapes(r.stmts))

    # -- emission ----------------------------------------------------------------------------------
    def region_args(self, region: Region) -> list[str]:
        """Names passed to ``_r<k>`` (besides the work-item prefix), in a fixed order."""
        shared = [*self.params, *sorted(self.state), *sorted(self.group_scalars),
                  *sorted(self.local_arrays), *sorted(self.slabs)]
        return [n for n in shared if n in region.refs]

    def _param_name(self, n: str) -> str:
        return mangle(n, "s_") if n in self.state else mangle(n)

    def emit_region(self, region: Region) -> None:
        r = self.r
        args = self.region_args(region)
        params = [REGION_PREFIX, *(self._param_name(n) for n in args), *r.err_param()]
        r.jit(inline=True, params=params)
        r.emit(0, f"def _r{region.k}({', '.join(params)}):")
        for d in range(3):
            r.emit(1, f"g{d} = gr{d} * L{d} + l{d}")
        names = r.names(self.fn) | {n: f"{mangle(n, 's_')}[li]" for n in self.state}
        own = {n for n, _ in _scalar_locals(self.fn)} - set(self.state) - self.group_scalars
        r.init_locals(self.fn, 1, own & region.refs)
        ctx = Ctx(names, REGION_WI, ITEM_ARGS, mode="region",
                  skip=frozenset(self.local_arrays | set(self.slabs)))
        r.body(tuple(region.stmts), ctx, 1)
        r.emit(1, "return 0")
        r.emit(0, "")

    def uniform_ctx(self) -> Ctx:
        names = self.r.names(self.fn) | {n: f"{mangle(n, 's_')}[0]" for n in self.state}
        names |= {n: f"{mangle(n, 'sl_')}[0]" for n in self.slabs}
        return Ctx(names, UNIFORM_WI, UNIFORM_ARGS, mode="uniform")

    def emit_call(self, region: Region, indent: int) -> None:
        r = self.r
        args = [f"{mangle(n, 'sl_')}[li]" if n in self.slabs else self._param_name(n)
                for n in self.region_args(region)]
        call = f"_r{region.k}({', '.join([REGION_PREFIX, *args, *r.err_param()])})"
        status = {1: "done[li] = True"} if ir.contains(tuple(region.stmts), ir.Return) else {}
        esc = escapes(region.stmts)
        for code, kind in ((2, "break"), (3, "continue")):
            if kind in esc:
                status[code] = f"{FLAG[kind]}{region.loop} = True"
        r.emit(indent, "li = 0")
        r.emit(indent, "for l2 in range(L2):")
        r.emit(indent + 1, "for l1 in range(L1):")
        r.emit(indent + 2, "for l0 in range(L0):")
        i = indent + 3
        if self.has_return:
            r.emit(i, "if not done[li]:")
            i += 1
        if status:
            r.emit(i, f"st = {call}")
            for n, (code, action) in enumerate(sorted(status.items())):
                r.emit(i, f"{'if' if n == 0 else 'elif'} st == {code}:")
                r.emit(i + 1, action)
        else:
            r.emit(i, call)
        r.emit(indent + 3, "li += 1")
        for kind in ("break", "continue"):
            if kind in esc:
                r.emit(indent, f"if {FLAG[kind]}{region.loop}:")
                r.emit(indent + 1, kind)

    def emit_items(self, items: list[object], indent: int) -> None:
        if not items:
            self.r.emit(indent, "pass")
        ctx = self.uniform_ctx()
        for item in items:
            if isinstance(item, Region):
                self.emit_call(item, indent)
            elif isinstance(item, GIf):
                self.r.emit(indent, f"if {self.r.expr(item.stmt.cond, ctx)}:")
                self.emit_items(item.then, indent + 1)
                if item.orelse:
                    self.r.emit(indent, "else:")
                    self.emit_items(item.orelse, indent + 1)
            else:
                assert isinstance(item, GLoop)
                s = item.stmt
                if isinstance(s, ir.For):
                    self.r.emit(indent, f"for {mangle(s.var)} in {self.r.range_header(s, ctx, indent)}:")
                else:
                    self.r.emit(indent, f"while {self.r.expr(s.cond, ctx)}:")
                for kind in sorted(self.loop_flags.get(item.lid, ())):
                    self.r.emit(indent + 1, f"{FLAG[kind]}{item.lid} = False")
                self.emit_items(item.body, indent + 1)

    def render(self) -> None:
        r = self.r
        self.has_return = any(ir.contains(tuple(g.stmts), ir.Return) for g in self.regions)
        for region in self.regions:
            self.emit_region(region)
        params = [*r.params(self.fn), *r.err_param()]
        r.jit()
        r.emit(0, f"def _group({GROUP_ARGS}, {', '.join(params)}):")
        r.emit(1, "LS = L0 * L1 * L2")
        for d in self.local_decls:
            r.emit(1, f"{mangle(d.name)} = np.zeros({_shape(d.type.shape)}, np.{_np_name(d.type.dtype)})")
        for n, dt in sorted(self.state.items()):
            r.emit(1, f"{mangle(n, 's_')} = np.zeros(LS, np.{_np_name(dt)})")
        for n, t in sorted(self.slabs.items()):
            r.emit(1, f"{mangle(n, 'sl_')} = np.zeros({_shape(('LS', *t.shape))}, np.{_np_name(t.dtype)})")
        dtype_of = dict(_scalar_locals(self.fn))
        for n in sorted(self.group_scalars):
            r.emit(1, f"{mangle(n)} = {zero(dtype_of.get(n, 'int64'))}")
        if self.has_return:
            r.emit(1, "done = np.zeros(LS, np.bool_)")
        for lid, kinds in sorted(self.loop_flags.items()):
            for kind in sorted(kinds):
                r.emit(1, f"{FLAG[kind]}{lid} = False")
        self.emit_items(self.tree, 1)
        r.emit(0, "")
        a = ", ".join(params)
        r.jit(parallel=True)
        r.emit(0, f"def _launchg(G0, G1, G2, L0, L1, L2, {a}):")
        r.emit(1, "n0 = G0 // L0")
        r.emit(1, "n1 = G1 // L1")
        r.emit(1, "for p in prange(n0 * n1 * (G2 // L2)):")
        r.emit(2, "t = np.int64(p)")
        r.emit(2, f"_group(t % n0, (t // n0) % n1, t // (n0 * n1), G0, G1, G2, L0, L1, L2, {a})")
        r.emit(0, "")


def _shape(shape: tuple[object, ...]) -> str:
    return "(" + ", ".join(s if isinstance(s, str) else literal(s, "int64") for s in shape) + ",)"
