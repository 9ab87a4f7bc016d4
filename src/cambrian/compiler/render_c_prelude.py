"""C helper functions for :mod:`render_c`: one generator per helper kind, written once for both C dialects.

Each generator takes the dialect (a :class:`~cambrian.compiler.render_c.CRenderer`), a dtype name and an
address space, and returns ``(code, deps)``: the C text of a ``static inline`` function named
``cb_<kind>_<dtype>[_<space>]`` and the helpers it needs first (``(kind, dtype, space)`` triples).
Formulas follow ``docs/semantics.md``: floor division and modulo (zero divisor -> 0, ``MIN // -1`` wraps),
out-of-range shifts, integer power, NaN-propagating min/max, CPython complex division, float atomics
through compare-and-swap loops on the integer bits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import dtypes

if TYPE_CHECKING:
    from .render_c import CRenderer

Dep = tuple[str, str, str]
Gen = Callable[["CRenderer", str, str], tuple[str, list[Dep]]]


def helper_name(kind: str, dtype: str, space: str = "") -> str:
    return f"cb_{kind}_{dtype}" + (f"_{space}" if space else "")


def _int_fdiv(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    T, U = r.ctype(dt), r.utype(dt)
    if dtypes.kind(dt) == "uint":
        body = f"return b == 0 ? ({T})0 : ({T})(a / b);"
    else:
        body = (f"if (b == 0) return 0;\n  if (b == -1) return ({T})(0 - ({U})a);\n"
                f"  {T} q = ({T})(a / b);\n"
                f"  if ((a % b != 0) && ((a < 0) != (b < 0))) q = ({T})(q - 1);\n  return q;")
    return f"{r.inline} {T} {helper_name('fdiv', dt)}({T} a, {T} b) {{\n  {body}\n}}", []


def _int_mod(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    T = r.ctype(dt)
    if dtypes.kind(dt) == "uint":
        body = f"return b == 0 ? ({T})0 : ({T})(a % b);"
    else:
        body = (f"if (b == 0 || b == -1) return 0;\n  {T} m = ({T})(a % b);\n"
                f"  if (m != 0 && ((m < 0) != (b < 0))) m = ({T})(m + b);\n  return m;")
    return f"{r.inline} {T} {helper_name('mod', dt)}({T} a, {T} b) {{\n  {body}\n}}", []


def _nan_result(r: CRenderer, dt: str) -> str:
    """The NaN of a float ``//`` or ``%`` (docs/semantics.md): a NaN operand's sign (``a`` first), else
    the sign bit set (x86's default NaN, as NumPy there); a quiet NaN whatever the hardware makes."""
    nan, minus = r.literal(float("nan"), dt), r.literal(-1.0, dt)
    return f"{r.math_fn('copysign', dt)}({nan}, a != a ? a : (b != b ? b : {minus}))"


def _float_fdiv(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    T, lit = r.ctype(dt), r.literal
    fmod, floor, copysign = (r.math_fn(n, dt) for n in ("fmod", "floor", "copysign"))
    nan = _nan_result(r, dt)
    code = f"""{r.inline} {T} {helper_name('fdiv', dt)}({T} a, {T} b) {{
  {T} mod = {fmod}(a, b);
  if (b == 0) {{ {T} q = a / b; return q != q ? {nan} : q; }}
  if (mod != mod) return {nan};
  {T} div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= {lit(1.0, dt)};
  if (div == 0) return {copysign}({lit(0.0, dt)}, a / b);
  {T} fd = {floor}(div);
  if (div - fd > {lit(0.5, dt)}) fd += {lit(1.0, dt)};
  return fd;
}}"""
    return code, []


def _float_mod(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    T = r.ctype(dt)
    fmod, copysign = r.math_fn("fmod", dt), r.math_fn("copysign", dt)
    code = f"""{r.inline} {T} {helper_name('mod', dt)}({T} a, {T} b) {{
  {T} mod = {fmod}(a, b);
  if (mod != mod) return {_nan_result(r, dt)};
  if (mod == 0) return {copysign}({r.literal(0.0, dt)}, b);
  if ((b < 0) != (mod < 0)) mod += b;
  return mod;
}}"""
    return code, []


def _fdiv(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    return (_float_fdiv if dtypes.is_float(dt) else _int_fdiv)(r, dt, space)


def _mod(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    return (_float_mod if dtypes.is_float(dt) else _int_mod)(r, dt, space)


def _shift(left: bool) -> Gen:
    def gen(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
        T, U, bits = r.ctype(dt), r.utype(dt), 8 * dtypes.itemsize(dt)
        signed = dtypes.kind(dt) == "int"
        out_of_range = f"(b < 0 || b >= {bits})" if signed else f"(b >= {bits})"
        if left:
            expr = f"{out_of_range} ? ({T})0 : ({T})(({U})a << b)"
        else:
            low = f"(a < 0 ? ({T})-1 : ({T})0)" if signed else f"({T})0"
            expr = f"{out_of_range} ? {low} : ({T})(a >> b)"
        name = helper_name("shl" if left else "shr", dt)
        return f"{r.inline} {T} {name}({T} a, {T} b) {{ return {expr}; }}", []

    return gen


def _int_pow(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    T, U = r.ctype(dt), r.utype(dt)
    neg = ("if (b < 0) { if (a == 1) return 1; if (a == -1) return (b & 1) ? -1 : 1; return 0; }\n  "
           if dtypes.kind(dt) == "int" else "")
    code = f"""{r.inline} {T} {helper_name('pow', dt)}({T} a, {T} b) {{
  {neg}{U} acc = 1, x = ({U})a;
  while (b > 0) {{ if (b & 1) acc *= x; x *= x; b = ({T})(b >> 1); }}
  return ({T})acc;
}}"""
    return code, []


def _minmax(op: str, ignore_nan: bool = False) -> Gen:
    def gen(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
        T = r.ctype(dt)
        name = helper_name(("f" if ignore_nan else "") + ("min" if op == "<" else "max"), dt)
        if dt == "bool":
            expr = "a && b" if op == "<" else "a || b"
        elif dtypes.is_float(dt) and ignore_nan:  # np.fmin/np.fmax: a NaN b gives a, NaN a gives b
            expr = f"(b != b || a {op} b) ? a : b"
        elif dtypes.is_float(dt):  # np.minimum/np.maximum: NaN in a wins, else a if strictly better
            expr = f"(a != a) ? a : ((a {op} b) ? a : b)"
        else:
            expr = f"(a {op} b) ? a : b"
        return f"{r.inline} {T} {name}({T} a, {T} b) {{ return {expr}; }}", []

    return gen


def _int_abs(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    T, U = r.ctype(dt), r.utype(dt)
    return (f"{r.inline} {T} {helper_name('abs', dt)}({T} a) "
            f"{{ return ({T})(a < 0 ? (0 - ({U})a) : ({U})a); }}"), []


def _predicate(kind: str) -> Gen:
    exprs = {"isnan": "x != x", "isinf": "x == {inf} || x == -{inf}", "isfinite": "x - x == 0"}

    def gen(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
        expr = exprs[kind].format(inf=r.literal(float("inf"), dt))
        return f"{r.inline} bool {helper_name(kind, dt)}({r.ctype(dt)} x) {{ return {expr}; }}", []

    return gen


# ----------------------------------------------------------------------------------------- complex


def _ctype_def(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    return f"typedef struct {{ {r.ctype(dtypes.real_of(dt))} re, im; }} {r.ctype(dt)};", []


def _cmake(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    C, R = r.ctype(dt), r.ctype(dtypes.real_of(dt))
    return (f"{r.inline} {C} {helper_name('make', dt)}({R} re, {R} im) "
            f"{{ {C} z; z.re = re; z.im = im; return z; }}"), [("ctype", dt, "")]


_CBIN = {
    "add": "a.re + b.re, a.im + b.im",
    "sub": "a.re - b.re, a.im - b.im",
    "mul": "a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re",
}


def _cbinary(kind: str) -> Gen:
    def gen(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
        C, mk = r.ctype(dt), helper_name("make", dt)
        return (f"{r.inline} {C} {helper_name(kind, dt)}({C} a, {C} b) {{ return {mk}({_CBIN[kind]}); }}",
                [("make", dt, "")])

    return gen


def _cdiv(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    C, R, mk = r.ctype(dt), r.ctype(dtypes.real_of(dt)), helper_name("make", dt)
    fabs, nan = r.math_fn("fabs", dtypes.real_of(dt)), r.literal(float("nan"), dtypes.real_of(dt))
    code = f"""{r.inline} {C} {helper_name('div', dt)}({C} a, {C} b) {{
  {R} abr = {fabs}(b.re), abi = {fabs}(b.im);
  if (abr >= abi) {{
    if (abr == 0) return {mk}(a.re / abr, a.im / abr);
    {R} ratio = b.im / b.re, denom = b.re + b.im * ratio;
    return {mk}((a.re + a.im * ratio) / denom, (a.im - a.re * ratio) / denom);
  }}
  if (abi >= abr) {{
    {R} ratio = b.re / b.im, denom = b.re * ratio + b.im;
    return {mk}((a.re * ratio + a.im) / denom, (a.im * ratio - a.re) / denom);
  }}
  return {mk}({nan}, {nan});
}}"""
    return code, [("make", dt, "")]


def _cunary(kind: str) -> Gen:
    def gen(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
        C, R, mk = r.ctype(dt), r.ctype(dtypes.real_of(dt)), helper_name("make", dt)
        table = {
            "neg": (C, f"{mk}(-a.re, -a.im)"),
            "conj": (C, f"{mk}(a.re, -a.im)"),
            "cabs": (R, f"{r.math_fn('hypot', dtypes.real_of(dt))}(a.re, a.im)"),
            "ctest": ("bool", "a.re != 0 || a.im != 0"),
        }
        ret, expr = table[kind]
        return f"{r.inline} {ret} {helper_name(kind, dt)}({C} a) {{ return {expr}; }}", [("make", dt, "")]

    return gen


def _c2c(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    src = "complex64" if dt == "complex128" else "complex128"
    C, R = r.ctype(dt), r.ctype(dtypes.real_of(dt))
    code = (f"{r.inline} {C} {helper_name('c2c', dt)}({r.ctype(src)} a) "
            f"{{ return {helper_name('make', dt)}(({R})a.re, ({R})a.im); }}")
    return code, [("make", dt, ""), ("ctype", src, "")]


def _ceq(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    C = r.ctype(dt)
    return (f"{r.inline} bool {helper_name('eq', dt)}({C} a, {C} b) "
            f"{{ return a.re == b.re && a.im == b.im; }}"), [("ctype", dt, "")]


# ----------------------------------------------------------------------------------------- atomics


def _atomic_cas_loop(op: str) -> Gen:
    """Float read-modify-write through a compare-and-swap loop on the integer bits."""

    def gen(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
        T, B = r.ctype(dt), r.bits_type(dt)
        q = r.ptr_qual(space)
        combine = {"add": "a + v", "sub": "a - v", "min": f"{helper_name('min', dt)}(a, v)",
                   "max": f"{helper_name('max', dt)}(a, v)"}[op]
        deps: list[Dep] = [(op, dt, "")] if op in ("min", "max") else []
        cas = r.cas_call(dt, f"({q}{B}*)p", "assumed", f"{r.to_bits(dt, 'n')}")
        code = f"""{r.inline} {T} {helper_name('atomic_' + op, dt, space)}({q}{T}* p, {T} v) {{
  {B} old = *({q}{B}*)p, assumed;
  do {{
    assumed = old;
    {T} a = {r.from_bits(dt, 'assumed')};
    {T} n = {combine};
    old = {cas};
  }} while (old != assumed);
  return {r.from_bits(dt, 'old')};
}}"""
        return code, deps

    return gen


def _atomic_wrap(inc: bool) -> Gen:
    """CUDA's atomicInc/atomicDec on any integer dtype through a compare-and-swap loop on the bits."""

    def gen(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
        T, B = r.ctype(dt), r.bits_type(dt)
        q = r.ptr_qual(space)
        new = "(a >= v) ? ({T})0 : ({T})(({B})a + 1)" if inc else "(a == 0 || a > v) ? v : ({T})(({B})a - 1)"
        op = "inc" if inc else "dec"
        cas = r.cas_call(dt, f"({q}{B}*)p", "assumed", f"({B})n")
        code = f"""{r.inline} {T} {helper_name('atomic_' + op, dt, space)}({q}{T}* p, {T} v) {{
  {B} old = *({q}{B}*)p, assumed;
  do {{
    assumed = old;
    {T} a = ({T})assumed;
    {T} n = {new.format(T=T, B=B)};
    old = {cas};
  }} while (old != assumed);
  return ({T})old;
}}"""
        return code, []

    return gen


def _nan_guard(r: CRenderer, dt: str, fn: str) -> tuple[str, list[Dep]]:
    """``fn(x)`` returning a NaN ``x`` itself (``space`` carries the C function name): OpenCL only."""
    T = r.ctype(dt)
    return f"{r.inline} {T} {helper_name('nan', dt, fn)}({T} x) {{ return x != x ? x : {fn}(x); }}", []


def _bounds_check(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    L = r.ctype("int64")
    q = r.ptr_qual("global")
    flag_cas = r.cas_call("int32", f"({q}int*)err", "0", "1")
    code = f"""{r.inline} {L} cb_chk({L} i, {L} n, {L} site, {L} line, {q}{L}* err) {{
  if (i >= 0 && i < n) return i;
  if ({flag_cas} == 0) {{ err[1] = line; err[2] = site; err[3] = i; err[4] = n; }}
  return 0;
}}"""
    return code, []


def _store_nt(r: CRenderer, dt: str, space: str) -> tuple[str, list[Dep]]:
    """``CB_STORE_NT(element, value)``: clang's non-temporal store where the compiler has it (PoCL,
    and the clang-based OpenCL compilers of Intel and AMD), a plain store elsewhere."""
    return "\n".join(("#if defined(__clang__) && defined(__has_builtin)",
                      "#if __has_builtin(__builtin_nontemporal_store)",
                      "#define CB_STORE_NT(p, v) __builtin_nontemporal_store((v), &(p))",
                      "#endif", "#endif", "#ifndef CB_STORE_NT",
                      "#define CB_STORE_NT(p, v) ((p) = (v))", "#endif")), []


#: kind -> generator. ``render_c`` asks for ``(kind, dtype, space)`` and gets ``helper_name(...)``.
GENERATORS: dict[str, Gen] = {
    "fdiv": _fdiv, "mod": _mod, "shl": _shift(True), "shr": _shift(False), "pow": _int_pow,
    "min": _minmax("<"), "max": _minmax(">"), "fmin": _minmax("<", True), "fmax": _minmax(">", True),
    "abs": _int_abs,
    "isnan": _predicate("isnan"), "isinf": _predicate("isinf"), "isfinite": _predicate("isfinite"),
    "ctype": _ctype_def, "make": _cmake, "add": _cbinary("add"), "sub": _cbinary("sub"),
    "mul": _cbinary("mul"), "div": _cdiv, "neg": _cunary("neg"), "conj": _cunary("conj"),
    "cabs": _cunary("cabs"), "ctest": _cunary("ctest"), "eq": _ceq, "c2c": _c2c,
    "atomic_add": _atomic_cas_loop("add"), "atomic_sub": _atomic_cas_loop("sub"),
    "atomic_min": _atomic_cas_loop("min"), "atomic_max": _atomic_cas_loop("max"),
    "atomic_inc": _atomic_wrap(True), "atomic_dec": _atomic_wrap(False),
    "chk": _bounds_check, "nan": _nan_guard, "store_nt": _store_nt,
}


class Helpers:
    """Collects the helper functions one render needs, each once, dependencies first."""

    def __init__(self, r: CRenderer):
        self.r = r
        self.code: dict[str, str] = {}

    def need(self, kind: str, dtype: str = "", space: str = "") -> str:
        name = {"chk": "cb_chk", "store_nt": "CB_STORE_NT"}.get(kind) or helper_name(kind, dtype, space)
        if kind == "ctype":
            name = f"typedef:{dtype}"
        if name not in self.code:
            code, deps = GENERATORS[kind](self.r, dtype, space)
            for dep in deps:
                self.need(*dep)
            self.code.setdefault(name, code)
        return name

    def text(self) -> str:
        return "\n\n".join(self.code.values())
