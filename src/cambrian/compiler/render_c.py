"""IR -> C source in two dialects (OpenCL C and CUDA C), which differ only in the attributes of
:class:`~cambrian.compiler.render_c_dialect.CRenderer` subclasses.

Conventions of the generated code (the backends rely on them):

* The kernel is ``k_<name>``; device functions ``f_<name>``; variables ``v_<name>`` (see ``mangle``).
* A global array parameter ``a`` becomes ``T* a, long o_a, long n0_a.. [, long s0_a..]``: element
  offset, shape, and element strides (strides omitted for layout ``"C"``). bool elements are bytes;
  bool scalar parameters are passed as ``uchar``.
* With ``module.needs_error_record`` (bounds checks, or a ``range()`` step known only at run time) a
  trailing ``long* cb_err`` (8 longs, zeroed) receives, from the first error, ``[flag, line, site,
  index, size]``: flag 1 a failing access (``Rendered.sites[site]`` names the array and axis), flag 2
  a zero ``range()`` step (the loop runs no iteration; the site's array is empty).
* CUDA kernels also take ``long long cb_gs0, cb_gs1, cb_gs2`` (the global size), last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import dtypes
from . import ir, mathlib
from .render_c_dialect import CRenderer, CUDARenderer, OpenCLRenderer, mangle
from .render_c_expr import ExprMixin
from .render_c_prelude import Helpers

__all__ = ["CRenderer", "CUDARenderer", "OpenCLRenderer", "Rendered", "Site", "mangle", "render_cuda",
           "render_cuda_info", "render_opencl", "render_with"]


@dataclass(frozen=True)
class Site:
    """One bounds-checked access: array (Python name), axis, source file and line; ``shape`` is the
    static shape of local and private arrays (None for arguments)."""

    array: str
    axis: int
    file: str
    line: int
    shape: tuple[int, ...] | None = None


@dataclass
class Rendered:
    """A rendered module: source text, kernel symbol and bounds-check sites."""

    source: str
    kernel_name: str
    sites: list[Site] = field(default_factory=list)


class _Emitter(ExprMixin):
    """One render of one module (holds the per-render state)."""

    def __init__(self, r: CRenderer, module: ir.Module):
        self.r = r
        self.module = module
        self.helpers = Helpers(r)
        self.sites: list[Site] = []
        self.fp64 = False
        self.int64_atomics = False
        self.tmp = 0
        self.fn: ir.Function | None = None
        self.arrays: dict[str, ir.ArrayT] = {}
        self.lines: list[str] = []
        self.depth = 0

    # --- types -----------------------------------------------------------------------------
    def t(self, dtype: str) -> str:
        if dtypes.needs_float64(dtype):
            self.fp64 = True
        if dtypes.is_complex(dtype):
            self.helpers.need("ctype", dtype)
        return self.r.ctype(dtype)

    def st(self, dtype: str) -> str:
        self.t(dtype)
        return self.r.storage_type(dtype)

    def lit(self, value: object, dtype: str) -> str:
        self.t(dtype)
        if dtypes.is_complex(dtype):
            self.helpers.need("make", dtype)
        return self.r.literal(value, dtype)

    def need(self, kind: str, dtype: str = "", space: str = "") -> str:
        self.t(dtype) if dtype else None
        return self.helpers.need(kind, dtype, space)

    def new_tmp(self, stem: str) -> str:
        self.tmp += 1
        return f"cb_{stem}{self.tmp}"

    # --- output ----------------------------------------------------------------------------
    def emit(self, text: str) -> None:
        self.lines.append("  " * self.depth + text)

    def run(self) -> Rendered:
        funcs = [self.function(f) for f in (*self.module.funcs, self.module.kernel)]
        head = []
        if self.r.dialect == "opencl":
            head.append("#pragma OPENCL FP_CONTRACT OFF")
            if self.fp64:
                head.append("#pragma OPENCL EXTENSION cl_khr_fp64 : enable")
            if self.int64_atomics:
                head += ["#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable",
                         "#pragma OPENCL EXTENSION cl_khr_int64_extended_atomics : enable"]
        parts = ["\n".join(head), self.helpers.text(), *funcs]
        return Rendered("\n\n".join(p for p in parts if p) + "\n", self.kname, self.sites)

    @property
    def kname(self) -> str:
        return mangle(self.module.kernel.name, "k")

    # --- functions -------------------------------------------------------------------------
    def array_params(self, name: str, t: ir.ArrayT) -> list[tuple[str, str]]:
        """(C type, C name) of the parameters an array expands to."""
        v = mangle(name)
        L = self.t("int64")
        ptr = f"{self.r.space_qual(t.space)}{self.st(t.dtype)}* {self.r.restrict} {v}"
        if t.space != "global":
            return [("", ptr)]
        out = [("", ptr), (L, "o" + v[1:])]
        out += [(L, f"n{k}{v[1:]}") for k in range(t.ndim)]
        if t.layout != "C":
            out += [(L, f"s{k}{v[1:]}") for k in range(t.ndim)]
        return out

    def hidden(self) -> list[tuple[str, str]]:
        out = []
        if self.module.needs_error_record:
            out.append((f"{self.r.space_qual('global')}{self.t('int64')}*", "cb_err"))
        return out + list(self.r.hidden_params)

    def function(self, fn: ir.Function) -> str:
        self.fn, self.lines, self.depth = fn, [], 1
        self.arrays = {n: t for n, t in (*fn.locals, *((p.name, p.type) for p in fn.params))
                       if isinstance(t, ir.ArrayT)}
        params: list[str] = []
        for p in fn.params:
            if isinstance(p.type, ir.ArrayT):
                params += [f"{ct} {nm}".strip() for ct, nm in self.array_params(p.name, p.type)]
            elif fn.is_kernel and p.type.dtype == "bool":
                params.append(f"{self.r.ctype('uint8')} {mangle(p.name)}")
            else:
                params.append(f"{self.t(p.type.dtype)} {mangle(p.name)}")
        params += [f"{ct} {nm}" for ct, nm in self.hidden()]
        if fn.is_kernel:
            head = f"{self.r.kernel_prefix} {self.kname}({', '.join(params)})"
        else:
            ret = self.t(fn.ret.dtype) if fn.ret is not None else "void"
            head = f"{self.r.func_prefix} {ret} {mangle(fn.name, 'f')}({', '.join(params)})"
        self.declarations(fn)
        self.block(fn.body)
        return head + " {\n" + "\n".join(self.lines) + "\n}"

    def declarations(self, fn: ir.Function) -> None:
        names = {p.name for p in fn.params}
        if fn.is_kernel and isinstance(self.r, CUDARenderer):
            conds = " || ".join(f"{self.r.workitem['get_global_id'].format(x=x)} >= cb_gs{d}"
                                for d, x in enumerate("xyz"))
            self.emit(f"if ({conds}) return;")
        for name, t in fn.locals:
            if name in names:
                continue
            if isinstance(t, ir.ArrayT):
                self.declare_array(name, t)
            else:
                self.emit(f"{self.t(t.dtype)} {mangle(name)} = {self.lit(0, t.dtype)};")

    # --- statements ------------------------------------------------------------------------
    def block(self, body: tuple[ir.Stmt, ...]) -> None:
        for s in body:
            getattr(self, "s_" + type(s).__name__)(s)

    def nested(self, body: tuple[ir.Stmt, ...]) -> None:
        self.depth += 1
        self.block(body)
        self.depth -= 1

    def s_Assign(self, s: ir.Assign) -> None:
        self.emit(f"{mangle(s.name)} = {self.ex(s.value)};")

    def s_Store(self, s: ir.Store) -> None:
        assert s.array is not None and s.value is not None
        value = self.ex(s.value)
        if s.array.type.dtype == "bool":  # type: ignore[union-attr]
            value = f"({self.r.ctype('uint8')})({value})"
        element = self.element(s.array, s.indices, s.loc)
        t = s.array.type
        if (s.nontemporal and self.r.dialect == "opencl" and t.space == "global"  # type: ignore[union-attr]
                and not dtypes.is_complex(t.dtype)):  # type: ignore[union-attr]
            self.need("store_nt")
            self.emit(f"CB_STORE_NT({element}, {value});")
        else:
            self.emit(f"{element} = {value};")

    def s_If(self, s: ir.If) -> None:
        self.emit(f"if ({_bare(self.ex(s.cond))}) {{")
        self.nested(s.body)
        if s.orelse:
            self.emit("} else {")
            self.nested(s.orelse)
        self.emit("}")

    def s_For(self, s: ir.For) -> None:
        L = self.t("int64")
        i = self.new_tmp("i")
        start, stop, step = (self.ex(e) for e in (s.start, s.stop, s.step))
        self.emit("{")
        self.depth += 1
        if not isinstance(s.stop, ir.Const):
            self.emit(f"{L} {i}_stop = {stop};")
            stop = f"{i}_stop"
        if isinstance(s.step, ir.Const):
            step_v = int(s.step.value)  # type: ignore[arg-type]
            cond = f"{i} < {stop}" if step_v > 0 else (f"{i} > {stop}" if step_v < 0 else "0")
        else:
            self.emit(f"{L} {i}_step = {step};")
            step = f"{i}_step"
            self.zero_step_check(step, s)
            cond = f"({step} > 0) ? ({i} < {stop}) : ({step} < 0 && {i} > {stop})"
        self.emit(f"for ({L} {i} = {start}; {cond}; {i} += {step}) {{")
        self.depth += 1
        self.emit(f"{mangle(s.var)} = {i};")
        self.block(s.body)
        self.depth -= 1
        self.emit("}")
        self.depth -= 1
        self.emit("}")

    def zero_step_check(self, step: str, s: ir.For) -> None:
        """A zero step records flag 2 (as the interpreter raises); the loop then runs no iteration."""
        loc = s.loc
        self.sites.append(Site("", -1, loc.file if loc else "", loc.line if loc else 0))
        q = self.r.ptr_qual("global")
        flag = self.r.cas_call("int32", f"({q}int*)cb_err", "0", "2")
        site, line = self.lit(len(self.sites) - 1, "int64"), self.lit(loc.line if loc else 0, "int64")
        self.emit(f"if ({step} == 0 && {flag} == 0) {{ cb_err[1] = {line}; cb_err[2] = {site}; }}")

    def s_While(self, s: ir.While) -> None:
        self.emit(f"while ({_bare(self.ex(s.cond))}) {{")
        self.nested(s.body)
        self.emit("}")

    def s_Break(self, s: ir.Break) -> None:
        self.emit("break;")

    def s_Continue(self, s: ir.Continue) -> None:
        self.emit("continue;")

    def s_Return(self, s: ir.Return) -> None:
        self.emit("return;" if s.value is None else f"return {self.ex(s.value)};")

    def s_ExprStmt(self, s: ir.ExprStmt) -> None:
        self.emit(f"(void)({self.ex(s.value)});")

    def s_Barrier(self, s: ir.Barrier) -> None:
        self.emit(self.r.barrier)

    def s_ArrayDecl(self, s: ir.ArrayDecl) -> None:
        """Arrays are declared at the top of the function (from ``locals``); declare late ones here."""
        assert s.type is not None
        if s.name not in self.arrays:
            self.arrays[s.name] = s.type
            self.declare_array(s.name, s.type)

    def declare_array(self, name: str, t: ir.ArrayT) -> None:
        size = 1
        for n in t.shape or ():
            size *= n
        qual = self.r.local_decl if t.space == "local" else ""
        self.emit(f"{qual}{self.st(t.dtype)} {mangle(name)}[{max(size, 1)}];")


def render_with(r: CRenderer, module: ir.Module, float64: bool = True) -> Rendered:
    """Render ``module`` with dialect ``r`` (math calls lowered to Cambrian's own, see :mod:`.mathlib`;
    ``float64``: the device has float64, which some float32 functions compute in)."""
    return _Emitter(r, mathlib.branch_tiers(mathlib.lower_calls(module, float64))).run()


OPENCL = OpenCLRenderer()
CUDA = CUDARenderer()


def render_opencl(module: ir.Module, float64: bool = True) -> Rendered:
    """OpenCL C for ``module`` with the kernel symbol and bounds-check sites (``float64``: the device
    supports it)."""
    return render_with(OPENCL, module, float64)


def render_cuda(module: ir.Module) -> str:
    """CUDA C source for ``module`` (compiles with NVRTC; see module docstring for the arguments)."""
    return render_with(CUDA, module).source


def render_cuda_info(module: ir.Module) -> Rendered:
    """Like :func:`render_cuda`, with the kernel symbol and the bounds-check sites."""
    return render_with(CUDA, module)


def _bare(cond: str) -> str:
    """``cond`` without one enclosing pair of parentheses (``if ((a == b))`` makes clang, hence PoCL,
    print "equality comparison with extraneous parentheses" on the user's stderr)."""
    if not (cond.startswith("(") and cond.endswith(")")):
        return cond
    depth = 0
    for i, ch in enumerate(cond):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(cond) - 1:
            return cond  # the first parenthesis closes early: "(a) && (b)"
    return cond[1:-1]
