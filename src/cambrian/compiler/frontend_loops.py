"""``for`` loops beyond ``range()``: ``enumerate``, ``zip``, tuples and 1-d arrays or views.

A mixin of :class:`~.frontend_stmt.FuncTranslator`. Every such loop lowers to one counted loop
``for _k in range(n)`` (``n`` the length of the shortest iterable, computed once before the loop)
whose body first assigns the targets from ``_k``: a range gives ``start + _k * step``, a tuple its
``_k``-th element, an array or view ``a[_k]``, ``enumerate`` a pair and ``zip`` one value per
iterable; targets may be nested tuples (``for i, (x, y) in enumerate(zip(a, b))``).
"""

from __future__ import annotations

import ast
import builtins
from typing import TYPE_CHECKING, Any

from .. import dtypes
from ..errors import KernelSyntaxError, KernelTypeError, Loc
from . import ir
from .frontend_ints import _c, _min, _op, range_count
from .frontend_resolve import Resolved
from .frontend_types import Val, cast
from .frontend_views import TupleExpr, ViewExpr


class LoopMixin:
    """Generic ``for`` loops; see the module docstring."""

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> Any: ...

    def for_generic(self, node: ast.For) -> list[ir.Stmt]:
        loc = self.loc(node)
        pre: list[ir.Stmt] = []
        it = self._iterable(node.iter, pre)
        n = self.settle("n", Val(it[0]), loc, pre).expr
        k, stmt = self.hidden("k", Val(_c(0, loc)), loc)
        del stmt  # the counter is the loop variable itself
        body_pre: list[ir.Stmt] = []
        self._bind(node.target, it, k.expr, body_pre, loc)
        body = self.nested(node.body, loop=True)
        assert isinstance(k.expr, ir.Name)
        return [*pre, ir.For(var=k.expr.name, start=_c(0, loc), stop=n, step=_c(1, loc),
                             body=(*body_pre, *body), loc=loc)]

    # An iterable is (count, kind, data): ("range", (start, step)), ("tuple", TupleExpr),
    # ("array", Val), ("enumerate", (start, inner)), ("zip", [inner, ...]).

    def _iterable(self, node: ast.expr, pre: list[ir.Stmt]) -> tuple[ir.Expr, str, Any]:
        loc = self.loc(node)
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            f = node.func
            if isinstance(f, ast.Name) and f.id in ("enumerate", "zip") and not self.is_local(f.id) and \
                    self.pyfunc.__globals__.get(f.id, getattr(builtins, f.id)) is getattr(builtins, f.id):
                name: str | None = f.id
            else:
                r = self.resolve(f)
                name = r.name if isinstance(r, Resolved) and r.kind == "builtin" else None
            if name == "range":
                return self._range(node, pre)
            if name == "enumerate":
                if not 1 <= len(node.args) <= 2 or (node.keywords and node.keywords[0].arg != "start"):
                    raise KernelTypeError("enumerate() takes an iterable and an optional start", loc)
                inner = self._iterable(node.args[0], pre)
                start_node = node.args[1] if len(node.args) == 2 else (
                    node.keywords[0].value if node.keywords else None)
                start = _c(0, loc) if start_node is None else \
                    self._int64(start_node, "the start of enumerate()")
                start = self.settle("es", Val(start), loc, pre).expr
                return inner[0], "enumerate", (start, inner)
            if name == "zip":
                if not node.args or any(k.arg != "strict" for k in node.keywords):
                    raise KernelTypeError("zip() in a kernel takes one or more iterables by position (and "
                                          "strict=, which is not checked)", loc)
                inners = [self._iterable(a, pre) for a in node.args]
                count = inners[0][0]
                for other in inners[1:]:
                    count = _min(count, other[0], loc)
                return count, "zip", inners
        r = self.resolve(node) if isinstance(node, (ast.Name, ast.Attribute)) else self.expr(node)
        t = self.tuple_of(r)
        if t is not None:
            return _c(len(t.vals), loc), "tuple", t
        if isinstance(r, Val) and isinstance(r.expr.type, ir.ArrayT):
            if isinstance(r.expr, ViewExpr):  # the length of its first dimension
                length = next(d[2] for d in r.expr.dims if d[1] is not None)
                return length, "array", r  # type: ignore[return-value]
            return self.dim_length(r.expr, 0), "array", r
        raise KernelSyntaxError(f"'for' loops iterate over range(), enumerate(), zip(), tuples and 1-d "
                                f"arrays; got iteration over '{ast.unparse(node)}'", loc)

    def _int64(self, node: ast.expr, what: str) -> ir.Expr:
        v = self.scalar(node, what)
        if not (dtypes.is_integer(v.dtype) or v.dtype == "bool"):
            raise KernelTypeError(f"{what} must be an integer, got {v.dtype}", self.loc(node))
        return cast(v, "int64", self.loc(node))

    def _range(self, node: ast.Call, pre: list[ir.Stmt]) -> tuple[ir.Expr, str, Any]:
        loc = self.loc(node)
        if node.keywords or not 1 <= len(node.args) <= 3:
            raise KernelTypeError(f"range() takes 1 to 3 positional arguments ({len(node.args)} given)", loc)
        exprs = [self.settle("r", Val(self._int64(a, "a range() argument")), loc, pre).expr
                 for a in node.args]
        zero, one = _c(0, loc), _c(1, loc)
        start, stop, step = {1: (zero, *exprs, one), 2: (*exprs, one), 3: tuple(exprs)}[len(exprs)]
        if isinstance(step, ir.Const) and step.value == 0:
            raise KernelTypeError("range() step must not be zero", self.loc(node.args[2]))
        return range_count(start, stop, step, loc), "range", (start, step)

    def _element(self, it: tuple[ir.Expr, str, Any], k: ir.Expr, loc: Loc) -> Any:
        """The value of iterable ``it`` at counter ``k``: a Val, or a list for enumerate/zip."""
        _, kind, data = it
        if kind == "range":
            start, step = data
            return Val(_op("add", start, _op("mul", k, step, loc), loc))
        if kind == "tuple":
            return self.tuple_item_ir(data, k, loc)
        if kind == "array":
            arr: Val = data
            base, dims = self.view_dims(arr)
            d = next(j for j, (_, s, _) in enumerate(dims) if s is not None)
            off, step, _ = dims[d]
            dims[d] = (_op("add", off, _op("mul", step, k, loc), loc), None, None)  # type: ignore[arg-type]
            t = base.type
            ndim = sum(s is not None for _, s, _ in dims)
            if ndim:  # the rows of an n-d array are views
                return Val(ViewExpr(ir.ArrayT(t.dtype, ndim, t.space), base=base, dims=tuple(dims),  # type: ignore
                                    loc=loc))
            return Val(ir.Index(ir.Scalar(t.dtype), array=base,  # type: ignore[union-attr]
                                indices=tuple(o for o, _, _ in dims), loc=loc))
        if kind == "enumerate":
            start, inner = data
            return [Val(_op("add", start, k, loc)), self._element(inner, k, loc)]
        return [self._element(i, k, loc) for i in data]

    def _bind(self, target: ast.expr, it: tuple[ir.Expr, str, Any], k: ir.Expr, out: list[ir.Stmt],
              loc: Loc) -> None:
        self._assign_value(target, self._element(it, k, loc), out, loc)

    def _assign_value(self, target: ast.expr, value: Any, out: list[ir.Stmt], loc: Loc) -> None:
        if isinstance(target, ast.Tuple):
            items = value if isinstance(value, list) else None
            if items is None and isinstance(value, Val) and isinstance(value.expr, TupleExpr):
                items = list(value.expr.vals)
            if items is None or len(items) != len(target.elts):
                raise KernelTypeError(f"cannot unpack {'a scalar' if items is None else len(items)} "
                                      f"into {len(target.elts)} targets", self.loc(target))
            for t, v in zip(target.elts, items, strict=True):
                self._assign_value(t, v, out, loc)
            return
        if isinstance(value, list):
            raise KernelTypeError(f"this loop yields {len(value)} values; unpack them "
                                  f"({', '.join('xyzw'[:len(value)])} = ...)", self.loc(target))
        if not isinstance(target, ast.Name):
            raise KernelSyntaxError("a loop target must be a name or a tuple of names", self.loc(target))
        if target.id in self.params:
            raise KernelSyntaxError(f"the loop variable {target.id!r} is a parameter; use another name", loc)
        if isinstance(value.expr, (ViewExpr, TupleExpr)):  # a row of an n-d array, a tuple element
            if self.store_count(target.id) != 1:
                raise KernelSyntaxError(f"{target.id!r} holds an array view or a tuple: it must not be "
                                        "assigned elsewhere", loc)
            self.bind_alias(target.id, value, loc, out)
            return
        out.extend(self.assign_name(target.id, value, loc))
