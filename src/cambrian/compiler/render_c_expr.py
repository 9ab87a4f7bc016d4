"""Expressions of the C renderer: one ``e_<Node>`` method per IR expression class.

Every compound expression comes back wrapped in parentheses, so operands never need more. Signed
``+ - *`` are computed in the unsigned type and cast back (wrapping without C's UB); narrow integer
results are cast back to their type; everything that would evaluate an operand twice is a helper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import dtypes
from ..errors import Loc
from . import intrinsics, ir, render_c_group
from .render_c_dialect import mangle

if TYPE_CHECKING:
    from .render_c import Site

_ARITH = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "and": "&", "or": "|", "xor": "^"}
_INT_HELPER = {"floordiv": "fdiv", "mod": "mod", "pow": "pow", "lshift": "shl", "rshift": "shr"}
_BOOL_OPS = {"and": "&", "or": "|", "xor": "^", "add": "|", "mul": "&"}
_CMP = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
_COMPLEX_OPS = {"add": "add", "sub": "sub", "mul": "mul", "truediv": "div"}
_ATOMIC_DTYPES = ("int32", "uint32", "int64", "uint64", "float32", "float64")


def _dt(e: ir.Expr | None) -> str:
    assert e is not None and isinstance(e.type, ir.Scalar), e
    return e.type.dtype


class ExprMixin:
    """Mixed into ``render_c._Emitter``; relies on its ``r``, ``t``, ``lit``, ``need``, ``module``..."""

    r: Any
    module: ir.Module
    fn: ir.Function | None
    arrays: dict[str, ir.ArrayT]
    sites: list[Site]
    int64_atomics: bool

    if TYPE_CHECKING:
        def t(self, dtype: str) -> str: ...
        def lit(self, value: object, dtype: str) -> str: ...
        def need(self, kind: str, dtype: str = "", space: str = "") -> str: ...
        def hidden(self) -> list[tuple[str, str]]: ...
        def array_params(self, name: str, t: ir.ArrayT) -> list[tuple[str, str]]: ...

    def ex(self, e: ir.Expr | None) -> str:
        assert e is not None
        return getattr(self, "e_" + type(e).__name__)(e)

    def e_Const(self, e: ir.Const) -> str:
        return self.lit(e.value, _dt(e))

    def e_Name(self, e: ir.Name) -> str:
        return mangle(e.name)

    def e_Unary(self, e: ir.Unary) -> str:
        d, a = _dt(e), self.ex(e.operand)
        if e.op == "pos":
            return a
        if e.op == "not" or (e.op == "invert" and d == "bool"):
            return f"(!{a})"
        if e.op == "invert":
            return f"(({self.t(d)})(~{a}))"
        if dtypes.is_complex(d):
            return f"{self.need('neg', d)}({a})"
        if dtypes.is_integer(d):
            return f"(({self.t(d)})(0 - ({self.r.utype(d)}){a}))"
        return f"(-{a})"

    def e_Binary(self, e: ir.Binary) -> str:
        d, op = _dt(e), e.op
        a, b = self.ex(e.left), self.ex(e.right)
        if dtypes.is_complex(d):
            if op not in _COMPLEX_OPS:
                raise ValueError(f"operator {op} is not defined on {d}")
            return f"{self.need(_COMPLEX_OPS[op], d)}({a}, {b})"
        if d == "bool":
            if op not in _BOOL_OPS:
                raise ValueError(f"operator {op} is not defined on bool")
            return f"({a} {_BOOL_OPS[op]} {b})"
        if dtypes.is_float(d):
            if op in ("floordiv", "mod"):
                return f"{self.need(_INT_HELPER[op], d)}({a}, {b})"
            if op == "pow":
                return f"{self.r.math_fn('pow', d)}({a}, {b})"
            return f"({a} {_ARITH[op]} {b})"
        if op in _INT_HELPER:
            return f"{self.need(_INT_HELPER[op], d)}({a}, {b})"
        T, U = self.t(d), self.r.utype(d)
        narrow = dtypes.itemsize(d) < 4
        if op in ("add", "sub", "mul") and (narrow or dtypes.kind(d) == "int"):
            return f"(({T})(({U}){a} {_ARITH[op]} ({U}){b}))"
        if op == "truediv":
            raise ValueError("integer truediv must be cast to float by the front end")
        return f"(({T})({a} {_ARITH[op]} {b}))" if narrow else f"({a} {_ARITH[op]} {b})"

    def e_Compare(self, e: ir.Compare) -> str:
        d, a, b = _dt(e.left), self.ex(e.left), self.ex(e.right)
        if dtypes.is_complex(d):
            if e.op not in ("eq", "ne"):
                raise ValueError(f"comparison {e.op} is not defined on {d}")
            eq = f"{self.need('eq', d)}({a}, {b})"
            return eq if e.op == "eq" else f"(!{eq})"
        return f"({a} {_CMP[e.op]} {b})"

    def e_Logical(self, e: ir.Logical) -> str:
        return f"({self.ex(e.left)} {'&&' if e.op == 'and' else '||'} {self.ex(e.right)})"

    def e_Select(self, e: ir.Select) -> str:
        return f"({self.ex(e.cond)} ? {self.ex(e.a)} : {self.ex(e.b)})"

    def e_Cast(self, e: ir.Cast) -> str:
        src, dst, x = _dt(e.operand), _dt(e), self.ex(e.operand)
        if src == dst:
            return x
        if dst == "bool":
            return f"{self.need('ctest', src)}({x})" if dtypes.is_complex(src) else f"({x} != 0)"
        if dtypes.is_complex(dst):
            real = self.t(dtypes.real_of(dst))
            if dtypes.is_complex(src):
                return f"{self.need('c2c', dst)}({x})"
            return f"{self.need('make', dst)}(({real}){x}, {self.lit(0.0, dtypes.real_of(dst))})"
        if dtypes.is_complex(src):
            return f"(({self.t(dst)}){x}.re)"
        return f"(({self.t(dst)}){x})"

    # --- arrays ----------------------------------------------------------------------------
    def element(self, arr: ir.Name | None, indices: tuple[ir.Expr, ...], loc: Loc | None) -> str:
        """``v_a[linear index]`` (with bounds checks when the module asks for them)."""
        assert arr is not None and isinstance(arr.type, ir.ArrayT)
        t, v = arr.type, mangle(arr.name)
        if t.space == "global":
            sizes = [f"n{k}{v[1:]}" for k in range(t.ndim)]
        else:
            sizes = [self.lit(n, "int64") for n in (t.shape or ())]
        idx = [self.ex(i) for i in indices]
        if self.module.boundscheck:
            idx = [self.checked(i, n, arr, k, loc) for k, (i, n) in enumerate(zip(idx, sizes, strict=True))]
        if t.space == "global" and t.layout != "C":
            lin = " + ".join(f"{i} * s{k}{v[1:]}" for k, i in enumerate(idx))
        else:
            lin = idx[0] if idx else "0"
            for i, n in zip(idx[1:], sizes[1:], strict=True):
                lin = f"({lin}) * {n} + {i}"
        if t.space == "global":
            lin = f"o{v[1:]} + {lin}" if idx else f"o{v[1:]}"
        return f"{v}[{lin}]"

    def checked(self, index: str, size: str, arr: ir.Name, axis: int, loc: Loc | None) -> str:
        from .render_c import Site

        t = arr.type
        assert isinstance(t, ir.ArrayT)
        shape = None if t.space == "global" else t.shape
        self.sites.append(Site(arr.name, axis, loc.file if loc else "", loc.line if loc else 0, shape))
        L = "int64"
        site, line = self.lit(len(self.sites) - 1, L), self.lit(loc.line if loc else 0, L)
        return f"{self.need('chk')}({index}, {size}, {site}, {line}, cb_err)"

    def e_Index(self, e: ir.Index) -> str:
        el = self.element(e.array, e.indices, e.loc)
        return f"({el} != 0)" if _dt(e) == "bool" else el

    def e_Shape(self, e: ir.Shape) -> str:
        assert e.array is not None and isinstance(e.array.type, ir.ArrayT)
        t = e.array.type
        if t.space == "global":
            return f"n{e.dim}{mangle(e.array.name)[1:]}"
        return self.lit((t.shape or ())[e.dim], "int64")

    # --- calls -----------------------------------------------------------------------------
    def e_CallFunc(self, e: ir.CallFunc) -> str:
        callee = next(f for f in self.module.funcs if f.name == e.func)
        args: list[str] = []
        for p, a in zip(callee.params, e.args, strict=True):
            if isinstance(p.type, ir.ArrayT):
                args += self.array_args(a, p.type)
            else:
                args.append(self.ex(a))
        args += [nm for _, nm in self.hidden()]
        return f"{mangle(callee.name, 'f')}({', '.join(args)})"

    def array_args(self, a: ir.Expr, want: ir.ArrayT) -> list[str]:
        assert isinstance(a, ir.Name) and isinstance(a.type, ir.ArrayT)
        have, v = a.type, mangle(a.name)
        if want.space != "global":
            return [v]
        out = [v, f"o{v[1:]}"] + [f"n{k}{v[1:]}" for k in range(have.ndim)]
        if want.layout == "C":
            return out
        if have.layout != "C":
            return out + [f"s{k}{v[1:]}" for k in range(have.ndim)]
        sizes = [f"n{k}{v[1:]}" for k in range(have.ndim)]  # C-contiguous strides from the shape
        return out + [" * ".join(sizes[k + 1:]) or self.lit(1, "int64") for k in range(have.ndim)]

    def e_Call(self, e: ir.Call) -> str:
        it = intrinsics.lookup(e.name)
        if it is None:
            raise ValueError(f"unknown intrinsic {e.name!r}")
        return getattr(self, "c_" + it.category)(e)

    def c_workitem(self, e: ir.Call) -> str:
        dim = e.args[0]
        assert isinstance(dim, ir.Const)
        d = int(dim.value)  # type: ignore[arg-type]
        return self.r.workitem[e.name].format(d=d, x="xyz"[d])

    def c_subgroup(self, e: ir.Call) -> str:
        return render_c_group.render(self, e)

    def c_math(self, e: ir.Call) -> str:
        if self.r.dialect == "opencl" and len(e.args) == 1 and dtypes.is_float(_dt(e.args[0])):
            # PoCL 3.1 (LLVM 15) folds exp/floor/... of a constant NaN to nothing (the store is dropped):
            # a NaN never reaches the library function.
            return f"{self.need('nan', _dt(e), self.r.math_fn(e.name, _dt(e)))}({self.ex(e.args[0])})"
        return f"{self.r.math_fn(e.name, _dt(e))}({', '.join(self.ex(a) for a in e.args)})"

    def c_bits(self, e: ir.Call) -> str:
        x, src, out = self.ex(e.args[0]), _dt(e.args[0]), _dt(e)
        if e.name == "float_as_int":
            return f"(({self.t(out)}){self.r.to_bits(src, x)})"
        return self.r.from_bits(out, f"(({self.r.bits_type(out)}){x})")

    def c_predicate(self, e: ir.Call) -> str:
        d, x = _dt(e.args[0]), self.ex(e.args[0])
        if self.r.dialect == "opencl":
            return f"({e.name}({x}) != 0)"
        return f"{self.need(e.name, d)}({x})"

    def c_builtin(self, e: ir.Call) -> str:
        d = _dt(e.args[0])
        args = [self.ex(a) for a in e.args]
        if e.name == "abs":
            if dtypes.is_complex(d):
                return f"{self.need('cabs', d)}({args[0]})"
            if dtypes.is_float(d):
                return f"{self.r.math_fn('fabs', d)}({args[0]})"
            if d == "bool":
                return f"(({self.t('int64')}){args[0]})"
            return args[0] if dtypes.kind(d) == "uint" else f"{self.need('abs', d)}({args[0]})"
        fn = self.need(e.name, _dt(e))
        out = args[0]
        for a in args[1:]:
            out = f"{fn}({out}, {a})"
        return out

    def c_complex(self, e: ir.Call) -> str:
        d = _dt(e)
        args = [self.ex(a) for a in e.args]
        if e.name == "complex":
            real = dtypes.real_of(d)
            im = args[1] if len(args) > 1 else self.lit(0.0, real)
            return f"{self.need('make', d)}({args[0]}, {im})"
        src = _dt(e.args[0])
        if not dtypes.is_complex(src):
            return self.lit(0, d) if e.name == "imag" else args[0]
        if e.name == "conjugate":
            return f"{self.need('conj', src)}({args[0]})"
        return f"{args[0]}.{'re' if e.name == 'real' else 'im'}"

    def c_atomic(self, e: ir.Call) -> str:
        arr = e.args[0]
        assert isinstance(arr, ir.Name) and isinstance(arr.type, ir.ArrayT)
        t = arr.type
        dt, space = t.dtype, t.space
        if dt not in _ATOMIC_DTYPES:
            raise ValueError(f"atomics on {dt} arrays are not supported (use {', '.join(_ATOMIC_DTYPES)})")
        if space == "private":
            raise ValueError("atomics on private arrays are not supported")
        ptr = f"&{self.element(arr, e.args[1:1 + t.ndim], e.loc)}"
        vals = [self.ex(a) for a in e.args[1 + t.ndim:]]
        wide = dtypes.itemsize(dt) == 8
        self.int64_atomics |= wide
        op = e.name[len("atomic_"):]
        builtin = self.r.atomic_int[e.name][wide]
        q, B = self.r.ptr_qual(space), self.r.bits_type(dt)
        if dtypes.is_float(dt):
            if op in ("xchg", "cas"):  # on the integer bits
                bits = ", ".join(self.r.to_bits(dt, v) for v in vals)
                return self.r.from_bits(dt, f"{builtin}(({q}{B}*){ptr}, {bits})")
            if self.r.dialect == "cuda" and op in ("add", "sub"):
                return f"atomicAdd({ptr}, {vals[0] if op == 'add' else f'(-{vals[0]})'})"
            return f"{self.need('atomic_' + op, dt, space)}({ptr}, {vals[0]})"
        if op in ("inc", "dec"):
            if self.r.dialect == "cuda" and dt == "uint32":
                return f"atomic{op.capitalize()}({ptr}, {vals[0]})"
            return f"{self.need('atomic_' + op, dt, space)}({ptr}, {vals[0]})"
        if self.r.dialect == "cuda" and dt == "int64" and op not in ("min", "max"):
            ull = self.r.ctype("uint64")
            cast = [f"({ull}){v}" for v in vals]
            if op == "sub":
                builtin, cast = "atomicAdd", [f"(0ULL - ({ull}){vals[0]})"]
            return f"(({self.t(dt)}){builtin}(({ull}*){ptr}, {', '.join(cast)}))"
        if self.r.dialect == "cuda" and op == "sub" and wide:
            return f"atomicAdd({ptr}, (0ULL - {vals[0]}))"
        return f"{builtin}({ptr}, {', '.join(vals)})"
