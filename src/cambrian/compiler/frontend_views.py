"""Generic-kernel conveniences of the front end: array views, scalar tuples and compile-time values.

A mixin of :class:`~.frontend_stmt.FuncTranslator`. None of the values here reaches the IR: they are
front-end values (:class:`ViewExpr`, :class:`TupleExpr`) that lower to plain IR where they are used.

* **Views**: ``a[i]`` on a 2-d array, ``a[i, :]``, ``a[gid:]``, ``a[2:10:2]`` are views of the base
  array: per base dimension an offset, and a step and a length unless the dimension is fixed by an
  integer index. Indexing a view indexes the base array (``a[i][j]`` is ``a[i, j]``, read and write);
  a view passed to a device function travels as the base array plus int64 offsets, steps and lengths.
  Slice steps are compile-time integers; start and stop may be run-time values (Python's clamping).
* **Tuples of scalars**: ``t = (x, 1.5)``, ``t[k]`` (a constant or a run-time index), ``len(t)``,
  unpacking, ``a.shape`` of a view, and tuple arguments of device functions (one scalar each).
* **Compile-time values** held in locals: ``dt = "float32"``, ``dt = a.dtype``, ``n = 16`` (assigned
  once) usable as dtypes and shapes; branches on compile-time constants are pruned before typing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import dtypes
from ..errors import KernelSyntaxError, KernelTypeError, Loc
from . import ir
from .frontend_ints import _c, _less, _max, _min, _op, _select, _store_counts, range_count
from .frontend_ints import const_truth as const_truth  # re-exported for the statement translator
from .frontend_resolve import Resolved
from .frontend_types import Val, cast, const, unify

Dim = tuple[ir.Expr, ir.Expr | None, ir.Expr | None]  # (offset, step, length); step None: fixed index


@dataclass(frozen=True)
class ViewT:
    """Parameter type of a device function called with a view: the base array type and, per base
    dimension, whether it is mapped to a view dimension (True) or fixed by an index (False)."""

    base: ir.ArrayT
    mapped: tuple[bool, ...]

    def __str__(self) -> str:
        return f"view of {self.base} ({sum(self.mapped)}d)"


@dataclass(frozen=True)
class TupleT:
    """Parameter type of a device function called with a tuple of scalars."""

    elems: tuple[ir.Scalar, ...]

    def __str__(self) -> str:
        return f"tuple({', '.join(map(str, self.elems))})"


@dataclass(frozen=True)
class ViewExpr(ir.Expr):
    """A view of the array ``base`` (front end only); ``type`` is its ArrayT (layout "A")."""

    base: ir.Name | None = None
    dims: tuple[Dim, ...] = ()


@dataclass(frozen=True)
class TupleExpr(ir.Expr):
    """A tuple of scalar values (front end only); ``type`` is a :class:`TupleT`."""

    vals: tuple[Val, ...] = ()


AGGREGATE_TYPES = (ViewT, TupleT)

class ViewMixin:
    """Views, tuples and compile-time locals; see the module docstring."""

    if TYPE_CHECKING:
        params: dict[str, ir.Type]
        temps: dict[str, ir.Type]
        local_names: set[str]
        fdef: ast.FunctionDef

        def __getattr__(self, name: str) -> Any: ...

    # ------------------------------------------------------------------ state

    @property
    def aliases(self) -> dict[str, Any]:
        """Locals that name a compile-time thing: a Resolved dtype/tuple, a view or a tuple value."""
        d = self.__dict__.get("_aliases")
        if d is None:
            d = self.__dict__["_aliases"] = {}
        return d  # type: ignore[no-any-return]

    @property
    def const_locals(self) -> dict[str, Any]:
        """Locals assigned exactly once with a compile-time scalar constant."""
        d = self.__dict__.get("_const_locals")
        if d is None:
            d = self.__dict__["_const_locals"] = {}
        return d  # type: ignore[no-any-return]

    def store_count(self, name: str) -> int:
        counts = self.__dict__.get("_store_counts")
        if counts is None:
            counts = self.__dict__["_store_counts"] = _store_counts(self.fdef)
        return counts.get(name, 0)  # type: ignore[no-any-return]

    def hidden(self, base: str, val: Val, loc: Loc | None) -> tuple[Val, ir.Stmt]:
        """A fresh hidden local holding ``val`` and the statement that assigns it."""
        name = f"_{base}"
        while name in self.params or name in self.local_names or name in self.temps:
            name = "_" + name
        self.temps[name] = val.expr.type
        return Val(ir.Name(val.expr.type, name=name, loc=loc), val.weak), ir.Assign(name=name, value=val.expr,
                                                                                   loc=loc)

    def settle(self, base: str, val: Val, loc: Loc | None, out: list[ir.Stmt]) -> Val:
        """``val`` evaluated now: constants and parameters as they are, anything else into a hidden
        local (its statement appended to ``out``)."""
        e = val.expr
        if isinstance(e, ir.Const) or (isinstance(e, ir.Name) and e.name in self.params
                                       and isinstance(e.type, ir.ArrayT)) or (
                isinstance(e, ir.Name) and e.name in self.const_locals):
            return val
        v, stmt = self.hidden(base, val, loc)
        out.append(stmt)
        return v

    # ------------------------------------------------------------------ parameters

    def expand_params(self) -> None:
        """Replace view and tuple parameters by their parts (base array, int64 offsets/steps/lengths,
        scalars) and alias the Python name to the rebuilt value."""
        if not any(isinstance(t, AGGREGATE_TYPES) for t in self.params.values()):
            return
        flat: dict[str, ir.Type] = {}
        tail: dict[str, ir.Type] = {}  # a kernel's tuple elements: after its other parameters
        for p, t in self.params.items():
            if isinstance(t, ViewT):
                base = ir.Name(t.base, name=f"{p}_base")
                flat[base.name] = t.base
                dims: list[Dim] = []
                for d, m in enumerate(t.mapped):
                    parts = [f"{p}_off{d}"] + ([f"{p}_step{d}", f"{p}_len{d}"] if m else [])
                    for n in parts:
                        flat[n] = ir.INT64
                    names = [ir.Name(ir.INT64, name=n) for n in parts]
                    dims.append((names[0], names[1], names[2]) if m else (names[0], None, None))
                self.aliases[p] = Val(ViewExpr(ir.ArrayT(t.base.dtype, sum(t.mapped), t.base.space),
                                               base=base, dims=tuple(dims)))
            elif isinstance(t, TupleT):
                vals = []
                if self.is_kernel:  # an unused placeholder keeps the positions of the launch arguments
                    flat[f"{p}_tuple"] = ir.INT32
                for k, et in enumerate(t.elems):
                    (tail if self.is_kernel else flat)[f"{p}_{k}"] = et
                    vals.append(Val(ir.Name(et, name=f"{p}_{k}")))
                self.aliases[p] = Val(TupleExpr(t, vals=tuple(vals)))
            else:
                flat[p] = t
        self.params = flat | tail

    def flatten_args(self, args: tuple[ir.Expr, ...]) -> tuple[tuple[ir.Expr, ...], tuple[Any, ...]]:
        """Call arguments with views and tuples spread into their parts, and the callee's argtypes."""
        out: list[ir.Expr] = []
        types: list[Any] = []
        for a in args:
            if isinstance(a, ViewExpr):
                assert a.base is not None
                out.append(a.base)
                for off, step, length in a.dims:
                    out.extend([off] if step is None else [off, step, length])  # type: ignore[list-item]
                types.append(ViewT(a.base.type, tuple(s is not None for _, s, _ in a.dims)))  # type: ignore
            elif isinstance(a, TupleExpr):
                out.extend(v.expr for v in a.vals)
                types.append(a.type)
            else:
                out.append(a)
                types.append(a.type)
        return tuple(out), tuple(types)

    # ------------------------------------------------------------------ assignments of aliases

    def try_alias(self, node: ast.Assign, loc: Loc) -> tuple[list[ir.Stmt] | None, Val | None]:
        """``name = <dtype | 'dtype string' | tuple | view | constant>``: statements when the value is
        an alias (no IR variable), else the translated value for the ordinary assignment (or None)."""
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            return None, None
        name, value = node.targets[0].id, node.value
        alias: Any = None
        val: Val | None = None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            try:
                alias = Resolved("dtype", dtypes.name(value.value))
            except TypeError:
                raise KernelSyntaxError(f"strings are not supported in kernels, except dtype names held in "
                                        f"a variable (dt = 'float32'); {value.value!r} is not a dtype",
                                        loc) from None
        elif isinstance(value, (ast.Name, ast.Attribute)):
            r = self.resolve(value)
            if isinstance(r, Resolved) and (r.kind == "dtype" or (r.kind == "const" and isinstance(r.obj,
                                                                                                tuple))):
                alias = r
            elif isinstance(r, Val) and isinstance(r.expr, (ViewExpr, TupleExpr)):
                alias = r
            elif type(r).__name__ == "ShapeRef":  # shape = a.shape
                alias = Val(self.tuple_of(r))
            elif isinstance(r, Val):
                val = r
        elif isinstance(value, (ast.Subscript, ast.Tuple, ast.Constant, ast.BinOp, ast.UnaryOp)):
            val = self.expr(value)
            if isinstance(val.expr, (ViewExpr, TupleExpr)):
                alias, val = val, None
        if alias is None:
            if val is not None and isinstance(val.expr, ir.Const) and self.store_count(name) == 1:
                self.const_locals[name] = val.expr.value
            return None, val
        if self.store_count(name) != 1 or name in self.params:
            raise KernelSyntaxError(f"{name!r} holds a dtype, a tuple or an array view: it must be assigned "
                                    "exactly once (not a parameter, not reassigned)", loc)
        stmts: list[ir.Stmt] = []
        self.bind_alias(name, alias, loc, stmts)
        return stmts, None

    def bind_alias(self, name: str, alias: Any, loc: Loc, stmts: list[ir.Stmt]) -> None:
        """Make ``name`` denote ``alias``; a view's offsets and a tuple's values are evaluated now
        (into hidden locals, statements appended to ``stmts``), as Python evaluates them once."""
        if isinstance(alias, Val) and isinstance(alias.expr, ViewExpr):
            dims = []
            for d, (off, step, length) in enumerate(alias.expr.dims):
                parts = [self.settle(f"{name}_{k}{d}", Val(e), loc, stmts).expr if e is not None else None
                         for k, e in zip("osn", (off, step, length), strict=True)]
                dims.append(tuple(parts))
            alias = Val(ViewExpr(alias.expr.type, base=alias.expr.base, dims=tuple(dims), loc=loc))  # type: ignore
        elif isinstance(alias, Val) and isinstance(alias.expr, TupleExpr):
            vals = tuple(self.settle(f"{name}_{k}", v, loc, stmts) for k, v in enumerate(alias.expr.vals))
            alias = Val(TupleExpr(alias.expr.type, vals=vals, loc=loc))
        self.aliases[name] = alias

    # ------------------------------------------------------------------ tuples

    def expr_Tuple(self, node: ast.Tuple) -> Val:
        vals = tuple(self.scalar(e, "an element of a tuple") for e in node.elts)
        return Val(TupleExpr(TupleT(tuple(v.expr.type for v in vals)), vals=vals, loc=self.loc(node)))

    def tuple_of(self, r: Any) -> TupleExpr | None:
        """The tuple value of a resolved name (a tuple local, or a module tuple of scalars)."""
        if isinstance(r, Val) and isinstance(r.expr, TupleExpr):
            return r.expr
        if isinstance(r, Resolved) and r.kind == "const" and isinstance(r.obj, tuple):
            vals = tuple(const(x, None) for x in r.obj)
            return TupleExpr(TupleT(tuple(v.expr.type for v in vals)), vals=vals)
        if type(r).__name__ == "ShapeRef":  # a.shape of an array (a view's .shape is a tuple already)
            arr = r.array.expr
            vals = tuple(Val(self.dim_length(arr, d)) for d in range(arr.type.ndim))
            return TupleExpr(TupleT(tuple(ir.INT64 for _ in vals)), vals=vals)
        return None

    def const_shape(self, r: Any) -> tuple[int, ...] | None:
        """The integers of a tuple local made of constants (``shape = (n, 4)``), else None."""
        t = r.expr if isinstance(r, Val) and isinstance(r.expr, TupleExpr) else None
        if t is None:
            return None
        out = []
        for v in t.vals:
            e = v.expr
            value = e.value if isinstance(e, ir.Const) else (
                self.const_locals.get(e.name) if isinstance(e, ir.Name) else None)
            if not isinstance(value, int) or isinstance(value, bool):
                return None
            out.append(value)
        return tuple(out)

    def tuple_item(self, t: TupleExpr, index: ast.expr, loc: Loc) -> Val:
        if isinstance(index, ast.Slice):
            raise KernelSyntaxError("slices of tuples are not supported in kernels", loc)
        k = self.scalar(index, "a tuple index")
        if not dtypes.is_integer(k.dtype):
            raise KernelTypeError(f"tuple indices must be integers, got {k.dtype}", loc)
        n = len(t.vals)
        if isinstance(k.expr, ir.Const):
            i = int(k.expr.value)  # type: ignore[arg-type]
            if not -n <= i < n:
                raise KernelTypeError(f"index {i} out of range for a tuple of {n}", loc)
            return t.vals[i]
        return self.tuple_item_ir(t, cast(k, "int64", loc), loc)

    def tuple_item_ir(self, t: TupleExpr, ki: ir.Expr, loc: Loc) -> Val:
        """``t[ki]`` for an int64 run-time index: a chain of selects over the promoted dtype."""
        exprs, dt, weak = unify(list(t.vals), loc)
        n = len(exprs)
        out = exprs[-1]
        for j in range(n - 2, -1, -1):
            hit = ir.Compare(ir.BOOL, op="eq", left=ki, right=_c(j, loc), loc=loc)
            out = ir.Select(ir.Scalar(dt), cond=hit, a=exprs[j], b=out, loc=loc)
        return Val(out, weak)

    # ------------------------------------------------------------------ views

    def view_dims(self, arr: Val) -> tuple[ir.Name, list[Dim]]:
        """The base array and per-base-dimension mapping of an array value or a view."""
        e = arr.expr
        if isinstance(e, ViewExpr):
            assert e.base is not None
            return e.base, list(e.dims)
        if not isinstance(e, ir.Name) or not isinstance(e.type, ir.ArrayT):
            raise KernelTypeError(f"only arrays can be indexed; got a {e.type} value", e.loc)
        t = e.type
        return e, [(_c(0, e.loc), _c(1, e.loc), self.dim_length(e, d)) for d in range(t.ndim)]

    def dim_length(self, a: ir.Name, d: int) -> ir.Expr:
        t = a.type
        if isinstance(t, ir.ArrayT) and t.shape is not None:
            return _c(t.shape[d], a.loc)
        return ir.Shape(ir.INT64, array=a, dim=d, loc=a.loc)

    def is_view_index(self, arr: Val, index: ast.expr) -> bool:
        """Does ``arr[index]`` make or index a view (a slice, fewer indices than dimensions, a view)?"""
        t = arr.expr.type
        if isinstance(arr.expr, ViewExpr):
            return True
        if not isinstance(t, ir.ArrayT):
            return False
        nodes = index.elts if isinstance(index, ast.Tuple) else [index]
        return any(isinstance(n, ast.Slice) for n in nodes) or len(nodes) < t.ndim

    def view_subscript(self, arr: Val, index: ast.expr, loc: Loc) -> Val:
        """``arr[index]``: an element (``Index`` of the base array) or a narrower view."""
        base, dims = self.subview(arr, index, loc)
        t = base.type
        assert isinstance(t, ir.ArrayT)
        ndim = sum(s is not None for _, s, _ in dims)
        if ndim == 0:
            idx = tuple(o for o, _, _ in dims)
            return Val(ir.Index(ir.Scalar(t.dtype), array=base, indices=idx, loc=loc))
        return Val(ViewExpr(ir.ArrayT(t.dtype, ndim, t.space), base=base, dims=tuple(dims), loc=loc))

    def element_ref(self, arr: Val, index: ast.expr, loc: Loc) -> tuple[Val, tuple[ir.Expr, ...]]:
        """The base array and its indices of the element ``arr[index]`` (a store target)."""
        nodes = index.elts if isinstance(index, ast.Tuple) else [index]
        if any(isinstance(n, ast.Slice) for n in nodes):
            raise KernelSyntaxError("slices are not supported as store targets in kernels; store single "
                                    "elements (a[i, j] = v), in a loop if need be", loc)
        if not isinstance(arr.expr, ViewExpr):
            return arr, self.indices(arr, index, loc)  # exactly ndim indices
        base, dims = self.subview(arr, index, loc)
        if any(s is not None for _, s, _ in dims):
            raise KernelTypeError(f"a {arr.expr.type.ndim}-d view needs exactly {arr.expr.type.ndim} "  # type: ignore
                                  f"indices to store an element, got {len(nodes)}", loc)
        return Val(base), tuple(o for o, _, _ in dims)

    def subview(self, arr: Val, index: ast.expr, loc: Loc) -> tuple[ir.Name, list[Dim]]:
        base, dims = self.view_dims(arr)
        nodes = list(index.elts) if isinstance(index, ast.Tuple) else [index]
        mapped = [d for d, (_, s, _) in enumerate(dims) if s is not None]
        if len(nodes) > len(mapped):
            raise KernelTypeError(f"too many indices: a {len(mapped)}-d array (or view) takes at most "
                                  f"{len(mapped)}, got {len(nodes)}", loc)
        for d, n in zip(mapped, nodes, strict=False):
            off, step, length = dims[d]
            assert step is not None and length is not None
            if isinstance(n, ast.Slice):
                dims[d] = self.slice_dim(off, step, length, n, loc)
            else:
                i = self.index_value(self.scalar(n, "an index"), self.loc(n))
                dims[d] = (_op("add", off, _op("mul", step, i, loc), loc), None, None)
        return base, dims

    def slice_dim(self, off: ir.Expr, step: ir.Expr, length: ir.Expr, s: ast.Slice, loc: Loc) -> Dim:
        """One view dimension sliced by ``start:stop:k`` (Python's rules; ``k`` a constant)."""
        k = 1
        if s.step is not None:
            v = self.scalar(s.step, "a slice step")
            if not (isinstance(v.expr, ir.Const) and dtypes.is_integer(v.dtype)) or v.expr.value == 0:
                raise KernelTypeError("a slice step in a kernel must be a nonzero constant integer "
                                      "(a[::2], a[::-1])", self.loc(s.step))
            k = int(v.expr.value)  # type: ignore[arg-type]

        def bound(node: ast.expr | None, default: ir.Expr, lo: ir.Expr, hi: ir.Expr) -> ir.Expr:
            if node is None:
                return default
            v = self.index_value(self.scalar(node, "a slice bound"), self.loc(node))
            wrapped = _select(_less(v, _c(0, loc), loc), _op("add", v, length, loc), v, loc)
            return _min(_max(wrapped, lo, loc), hi, loc)

        zero, minus1 = _c(0, loc), _c(-1, loc)
        if k > 0:
            start = bound(s.lower, zero, zero, length)
            stop = bound(s.upper, length, zero, length)
        else:
            last = _op("sub", length, _c(1, loc), loc)
            start = bound(s.lower, last, minus1, last)
            stop = bound(s.upper, minus1, minus1, last)
        n = range_count(start, stop, _c(k, loc), loc)
        return (_op("add", off, _op("mul", step, start, loc), loc), _op("mul", step, _c(k, loc), loc), n)

    def view_attr(self, v: ViewExpr, attr: str, loc: Loc) -> Val:
        lengths = [Val(n) for _, s, n in v.dims if s is not None]  # type: ignore[arg-type]
        if attr == "shape":
            return Val(TupleExpr(TupleT(tuple(ir.INT64 for _ in lengths)), vals=tuple(lengths), loc=loc))
        if attr == "ndim":
            return const(len(lengths), loc)
        if attr == "size":
            out = _c(1, loc)
            for n in lengths:
                out = _op("mul", out, n.expr, loc)
            return Val(out)
        if attr == "dtype":
            return Resolved("dtype", v.type.dtype)  # type: ignore[return-value, union-attr]
        raise KernelSyntaxError(f"array attribute {attr!r} is not supported; allowed: shape, ndim, size, "
                                "dtype", loc)

    def is_view(self, a: Val) -> bool:
        return isinstance(a.expr, ViewExpr)

    def base_indices(self, arr: Val, idx: tuple[ir.Expr, ...], loc: Loc) -> tuple[Val, tuple[ir.Expr, ...]]:
        """The base array and its indices of the element ``arr[idx]`` (``idx``: one int64 per dimension
        of ``arr``, a view or an array)."""
        if not isinstance(arr.expr, ViewExpr):
            return arr, idx
        base, dims = self.view_dims(arr)
        it = iter(idx)
        out = tuple(off if step is None else _op("add", off, _op("mul", step, next(it), loc), loc)
                    for off, step, _ in dims)
        return Val(base), out

    def array_len(self, a: Val, loc: Loc) -> Val | None:
        """``len()`` of a view or a tuple (None for a plain array)."""
        if isinstance(a.expr, TupleExpr):
            return const(len(a.expr.vals), loc)
        if isinstance(a.expr, ViewExpr):
            return Val(next(n for _, s, n in a.expr.dims if s is not None))  # type: ignore[arg-type]
        return None
