"""Expressions of the front end: Python AST expression -> typed :class:`Val` (IR + weakness).

A mixin of :class:`cambrian.compiler.frontend_stmt.FuncTranslator`; it relies on the translator's
``loc``, ``read_local``, ``is_local``, ``lookup_global``, ``bind_temp`` and ``call`` methods.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from .. import dtypes
from ..errors import KernelSyntaxError, KernelTypeError, Loc
from . import ir
from .frontend_resolve import Resolved, describe, module_attr
from .frontend_types import (
    BINOPS,
    BITWISE,
    CMPOPS,
    SYMBOL,
    Val,
    cast,
    const,
    fit_int,
    fold_binary,
    fold_unary,
    is_big_int,
    is_pure,
    promote,
    settle_int,
    to_bool,
    unify,
)
from .frontend_views import ViewExpr, const_truth

#: Expression constructs outside the kernel language, with the name used in the error message.
UNSUPPORTED_EXPR = {
    "Lambda": "lambda expressions", "ListComp": "list comprehensions", "SetComp": "set comprehensions",
    "DictComp": "dict comprehensions", "GeneratorExp": "generator expressions", "JoinedStr": "f-strings",
    "FormattedValue": "f-strings", "Dict": "dict displays", "Set": "set displays", "List": "lists",
    "Starred": "starred expressions (*args)", "Await": "'await'", "Yield": "'yield'",
    "YieldFrom": "'yield from'", "NamedExpr": "assignment expressions (:=)", "Slice": "slices",
}


class ShapeRef:
    """The value of ``a.shape``: only indexable with a constant or unpackable."""

    def __init__(self, array: Val):
        self.array = array


class ExprMixin:
    """Expression visitors; see the module docstring."""

    if TYPE_CHECKING:  # provided by the translator and the call mixin
        def loc(self, node: ast.AST) -> Loc: ...
        def read_local(self, name: str, node: ast.AST) -> Val: ...
        def is_local(self, name: str) -> bool: ...
        def lookup_global(self, name: str, node: ast.AST) -> Resolved: ...
        def bind_temp(self, val: Val, loc: Loc) -> Val | None: ...
        def call(self, node: ast.Call, stmt: bool = False) -> Any: ...
    cond_depth: int
    folding: bool = False  # the expression being translated is an operand of + - * ... (may fold)

    # ------------------------------------------------------------------ dispatch

    def expr(self, node: ast.expr) -> Val:
        """Translate an expression to a scalar or array value."""
        kind = type(node).__name__
        if kind in UNSUPPORTED_EXPR:
            raise KernelSyntaxError(f"{UNSUPPORTED_EXPR[kind]} are not supported in kernels"
                                    if not UNSUPPORTED_EXPR[kind].startswith("'")
                                    else f"{UNSUPPORTED_EXPR[kind]} is not supported in kernels",
                                    self.loc(node))
        method = getattr(self, f"expr_{kind}", None)
        if method is None:
            raise KernelSyntaxError(f"{kind} expressions are not supported in kernels", self.loc(node))
        # Integer constant expressions fold exactly (as Python computes them); only the operands of
        # an operator may leave 64 bits, the value of a whole constant expression must not.
        folding, self.folding = self.folding, False
        try:
            v = method(node)
        finally:
            self.folding = folding
        if not folding and is_big_int(v):
            v = settle_int(v, self.loc(node), ast.unparse(node) if kind != "Constant" else None)
        return v

    def scalar(self, node: ast.expr, what: str = "this operand") -> Val:
        """An expression that must be a scalar."""
        v = self.expr(node)
        if isinstance(v.expr.type, ir.ArrayT):
            raise KernelTypeError(f"{what} must be a scalar, got a {v.expr.type}; index the array "
                                  "(a[i]) to get an element", self.loc(node))
        if not isinstance(v.expr.type, ir.Scalar):
            raise KernelTypeError(f"{what} must be a scalar, got a {v.expr.type}; index it (t[0]) or "
                                  "unpack it (x, y = t)", self.loc(node))
        return v

    def expr_Constant(self, node: ast.Constant) -> Val:
        value = node.value
        if isinstance(value, (bool, int, float, complex)):
            if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64 \
                    and not self.folding:
                raise KernelTypeError(f"integer literal {value} does not fit in 64 bits", self.loc(node))
            return const(value, self.loc(node))  # a uint64 from [2**63, 2**64) once settled (expr())
        what = {str: "strings", bytes: "bytes literals"}.get(type(value), f"the constant {value!r}")
        raise KernelSyntaxError(f"{what} are not supported in kernels" if what.endswith("s")
                                else f"{what} is not supported in kernels", self.loc(node))

    # ------------------------------------------------------------------ names and attributes

    def resolve(self, node: ast.expr) -> Val | Resolved | ShapeRef:
        """A Name or Attribute chain: a local value, ``a.shape``, or a resolved Python object."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:  # a local naming a dtype, a tuple or an array view
                return self.aliases[node.id]  # type: ignore[no-any-return]
            if self.is_local(node.id):
                return self.read_local(node.id, node)
            return self.lookup_global(node.id, node)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value) if isinstance(node.value, (ast.Name, ast.Attribute)) \
                else self.expr(node.value)
            if isinstance(base, Val):
                return self.value_attr(base, node)
            if isinstance(base, ShapeRef):
                raise KernelSyntaxError(f"'shape' has no attribute {node.attr!r}", self.loc(node))
            if base.kind == "dtype" and node.attr == "type":  # a.dtype.type(x) casts like a.dtype(x)
                return base
            if base.kind == "module":
                found = module_attr(base.obj, node.attr)
                if found is None:
                    raise KernelSyntaxError(f"module {base.obj.__name__!r} has no attribute "
                                            f"{node.attr!r}", self.loc(node))
                return found
            raise KernelSyntaxError(
                f"attribute access on {describe(base.obj) if base.kind == 'other' else base.kind} is not "
                "supported in kernels; allowed: module attributes (math.pi, cb.float32) and "
                "a.shape/a.ndim/a.size/z.real/z.imag", self.loc(node))
        return self.expr(node)

    def value_of(self, r: Val | Resolved | ShapeRef, node: ast.expr) -> Val:
        """A resolved name used as a value."""
        if isinstance(r, Val):
            return r
        loc = self.loc(node)
        if isinstance(r, ShapeRef):
            raise KernelSyntaxError("a.shape can only be indexed with a constant (a.shape[0]) or "
                                    "unpacked (h, w = a.shape)", loc)
        t = self.tuple_of(r)
        if t is not None:
            return Val(t)
        if r.kind == "const" and not isinstance(r.obj, tuple):
            obj = r.obj
            if hasattr(obj, "dtype"):  # a NumPy scalar: a strong constant of its dtype
                return const(obj.item(), loc, obj.dtype.name)
            return const(obj, loc)
        what = {"intrinsic": f"the function {r.name!r}", "dtype": f"the dtype {r.name!r}",
                "func": "a device function", "builtin": f"the builtin {r.name!r}",
                "module": f"module {getattr(r.obj, '__name__', '?')!r}",
                "const": "a tuple constant"}.get(r.kind) or describe(r.obj)
        raise KernelTypeError(f"{what} cannot be used as a value here; kernels compute with scalars "
                              "of bool, int, uint, float and complex dtypes and with arrays", loc)

    def expr_Name(self, node: ast.Name) -> Val:
        return self.value_of(self.resolve(node), node)

    def expr_Attribute(self, node: ast.Attribute) -> Val:
        return self.value_of(self.resolve(node), node)

    def value_attr(self, base: Val, node: ast.Attribute) -> Val | ShapeRef:
        """``a.shape``, ``a.ndim``, ``a.size``, ``z.real``, ``z.imag`` on a local value."""
        loc, attr, t = self.loc(node), node.attr, base.expr.type
        if attr == "dtype" and isinstance(t, (ir.ArrayT, ir.Scalar)):
            return Resolved("dtype", t.dtype)  # type: ignore[return-value]
        if isinstance(base.expr, ViewExpr):
            return self.view_attr(base.expr, attr, loc)
        if isinstance(t, ir.ArrayT):
            if attr == "shape":
                return ShapeRef(base)
            if attr == "ndim":
                return const(t.ndim, loc)
            if attr == "size":
                out: Val = const(1, loc, "int64")
                for d in range(t.ndim):
                    s = Val(ir.Shape(ir.INT64, array=base.expr, dim=d, loc=loc))  # type: ignore[arg-type]
                    out = s if d == 0 else Val(ir.Binary(ir.INT64, op="mul", left=out.expr, right=s.expr,
                                                         loc=loc))
                return out
            raise KernelSyntaxError(f"array attribute {attr!r} is not supported; allowed: shape, ndim, "
                                    "size", loc)
        if attr in ("real", "imag"):
            return self.real_imag(attr, base, loc)
        raise KernelSyntaxError(f"attribute {attr!r} of a {t} value is not supported; allowed: real, "
                                "imag", loc)

    def real_imag(self, attr: str, v: Val, loc: Loc) -> Val:
        if not dtypes.is_complex(v.dtype):
            return v if attr == "real" else Val(cast(const(0, loc), v.dtype), v.weak)
        rt = dtypes.real_of(v.dtype)
        return Val(ir.Call(ir.Scalar(rt), name=attr, args=(v.expr,), loc=loc),
                   "float" if v.weak else None)

    # ------------------------------------------------------------------ subscripts

    def const_int(self, node: ast.expr, what: str) -> int:
        """A compile-time integer (a literal, a module constant or a constant expression)."""
        v = self.expr(node)
        e = v.expr
        if isinstance(e, ir.Name) and e.name in self.const_locals:  # n = 16 (assigned once)
            e = ir.Const(e.type, value=self.const_locals[e.name], loc=e.loc)
        if not (isinstance(e, ir.Const) and isinstance(e.value, int) and not isinstance(e.value, bool)):
            if isinstance(e, ir.Name) and e.name not in self.params:
                raise KernelTypeError(f"{what} must be known at compile time; the local {e.name!r} is "
                                      "not a constant (assign it once with an integer constant: n = 16, "
                                      "or use a module-level constant)", self.loc(node))
            if isinstance(e, ir.Name):  # a parameter: its value is only known at the launch
                raise KernelTypeError(f"{what} must be known at compile time; {e.name!r} is a parameter, a "
                                      "run-time value (use a literal, a module-level constant or a local "
                                      "assigned once with a constant)", self.loc(node))
            raise KernelTypeError(f"{what} must be a constant integer (a literal, a module constant or a "
                                  "local assigned once with a constant)", self.loc(node))
        return int(e.value)

    def expr_Subscript(self, node: ast.Subscript) -> Val:
        loc = self.loc(node)
        base = self.resolve(node.value) if isinstance(node.value, (ast.Name, ast.Attribute)) \
            else self.expr(node.value)
        if isinstance(base, ShapeRef):
            t = base.array.expr.type
            k = self.const_int(node.slice, "the index of a.shape[...]")
            if not -t.ndim <= k < t.ndim:  # type: ignore[union-attr]
                raise KernelTypeError(f"a.shape[{k}] is out of range for a {t}", loc)
            return Val(ir.Shape(ir.INT64, array=base.array.expr, dim=k % t.ndim, loc=loc))  # type: ignore
        tup = self.tuple_of(base) if not isinstance(base, ShapeRef) else None
        if tup is not None:
            return self.tuple_item(tup, node.slice, loc)
        arr = self.value_of(base, node.value)
        if self.is_view_index(arr, node.slice):  # a[i, :], a[gid:], a[i][j]: views of the base array
            return self.view_subscript(arr, node.slice, loc)
        indices = self.indices(arr, node.slice, loc)
        t = arr.expr.type
        return Val(ir.Index(ir.Scalar(t.dtype), array=arr.expr, indices=indices, loc=loc))  # type: ignore

    def indices(self, arr: Val, index: ast.expr, loc: Loc) -> tuple[ir.Expr, ...]:
        """The int64 index expressions of ``arr[index]`` (exactly ``ndim`` of them)."""
        t = arr.expr.type
        if not isinstance(t, ir.ArrayT) or not isinstance(arr.expr, ir.Name):
            raise KernelTypeError(f"only arrays can be indexed; got a {t} value", loc)
        nodes = list(index.elts) if isinstance(index, ast.Tuple) else [index]
        if any(isinstance(n, ast.Slice) for n in nodes):
            raise KernelSyntaxError("slices are not supported in kernels; index single elements "
                                    "(a[i, j])", loc)
        if len(nodes) != t.ndim:
            raise KernelTypeError(f"a {t.ndim}-d array needs exactly {t.ndim} indices, got {len(nodes)}",
                                  loc)
        return tuple(self.index_value(self.scalar(n, "an index"), self.loc(n)) for n in nodes)

    def index_value(self, v: Val, loc: Loc) -> ir.Expr:
        if not dtypes.is_integer(v.dtype):
            raise KernelTypeError(f"array indices must be integers, got {v.dtype}", loc)
        return cast(v, "int64", loc)

    # ------------------------------------------------------------------ operators

    def expr_BinOp(self, node: ast.BinOp) -> Val:
        name = type(node.op).__name__
        if name not in BINOPS:
            raise KernelSyntaxError("the '@' (matrix multiply) operator is not supported in kernels",
                                    self.loc(node))
        self.folding = True
        left = self.scalar(node.left, "an operand")
        self.folding = True
        right = self.scalar(node.right, "an operand")
        self.folding = False
        return self.binary(BINOPS[name], left, right, self.loc(node))

    def binary(self, op: str, a: Val, b: Val, loc: Loc) -> Val:
        """``a op b`` with NEP 50 promotion and the kernel language's type rules."""
        a, b = (_weak_bool_as_int(v) if op not in BITWISE[:3] else v for v in (a, b))
        dt, weak = promote([a, b], loc, check=op != "truediv")
        sym = SYMBOL[op]
        kind = dtypes.kind(dt)
        if op in BITWISE and kind in ("float", "complex"):
            raise KernelTypeError(f"operator '{sym}' is not supported for {dt} operands; bitwise "
                                  "operators need integer or bool operands", loc)
        if op in ("lshift", "rshift") and kind == "bool":
            raise KernelTypeError(f"operator '{sym}' is not supported for bool operands; cast to an "
                                  "integer type first", loc)
        if kind == "complex" and op == "pow":
            from .frontend_builtins import complex_pow

            return complex_pow(self, a, b, dt, loc)
        if kind == "complex" and op in ("floordiv", "mod"):
            raise KernelTypeError(f"operator '{sym}' is not supported for complex operands", loc)
        if kind == "bool" and op not in BITWISE and op != "truediv":
            raise KernelTypeError(f"arithmetic operator '{sym}' on bool values is not supported; cast "
                                  "to an integer type first (int32(b))", loc)
        if op == "truediv" and kind in ("bool", "int", "uint"):
            dt = "float64"
            weak = "float" if weak else None
        if weak:
            folded = fold_binary(op, a, b, dt, weak, loc)
            if folded is not None:
                return folded
        if is_big_int(a) or is_big_int(b):  # an exact constant that was not folded: must fit dt
            a, b = fit_int(a, dt, loc), fit_int(b, dt, loc)
        return Val(ir.Binary(ir.Scalar(dt), op=op, left=cast(a, dt, loc), right=cast(b, dt, loc),
                             loc=loc), weak)

    def compare(self, op: str, a: Val, b: Val, loc: Loc) -> Val:
        dt, weak = promote([a, b], loc)
        if dtypes.is_complex(dt) and op not in ("eq", "ne"):
            raise KernelTypeError(f"operator '{SYMBOL[op]}' is not supported for complex operands; "
                                  "complex numbers only compare with == and !=", loc)
        return Val(ir.Compare(ir.BOOL, op=op, left=cast(a, dt, loc), right=cast(b, dt, loc), loc=loc),
                   "bool" if weak else None)

    def expr_Compare(self, node: ast.Compare) -> Val:
        loc = self.loc(node)
        names = [type(o).__name__ for o in node.ops]
        for n in names:
            if n not in CMPOPS:
                what = {"Is": "is", "IsNot": "is not", "In": "in", "NotIn": "not in"}.get(n, n)
                raise KernelSyntaxError(f"the '{what}' operator is not supported in kernels; allowed: "
                                        "< <= > >= == !=", loc)
        left = self.scalar(node.left, "an operand")
        result: Val | None = None
        for k, (n, right_node) in enumerate(zip(names, node.comparators, strict=True)):
            if k >= 1:
                self.cond_depth += 1
            try:
                right = self.scalar(right_node, "an operand")
                if k < len(names) - 1:
                    right = self._reusable(right, first=(k == 0), loc=self.loc(right_node))
                cmp = self.compare(CMPOPS[n], left, right, loc)
            finally:
                if k >= 1:
                    self.cond_depth -= 1
            result = cmp if result is None else Val(
                ir.Logical(ir.BOOL, op="and", left=result.expr, right=cmp.expr, loc=loc))
            left = right
        assert result is not None
        return result

    def _reusable(self, v: Val, first: bool, loc: Loc) -> Val:
        """A value used twice by a comparison chain: evaluated once (a temporary) where possible."""
        if isinstance(v.expr, (ir.Name, ir.Const)):
            return v
        if first:
            bound = self.bind_temp(v, loc)
            if bound is not None:
                return bound
        if is_pure(v.expr):
            return v
        raise KernelSyntaxError("a chained comparison whose middle operand calls a function is not "
                                "supported here; assign the operand to a variable first", loc)

    def expr_BoolOp(self, node: ast.BoolOp) -> Val:
        op = "and" if isinstance(node.op, ast.And) else "or"
        out = to_bool(self.scalar(node.values[0], "an operand"), self.loc(node.values[0]))
        self.cond_depth += 1
        try:
            for v in node.values[1:]:
                right = to_bool(self.scalar(v, "an operand"), self.loc(v))
                out = ir.Logical(ir.BOOL, op=op, left=out, right=right, loc=self.loc(node))
        finally:
            self.cond_depth -= 1
        return Val(out)

    def expr_UnaryOp(self, node: ast.UnaryOp) -> Val:
        loc = self.loc(node)
        self.folding = not isinstance(node.op, ast.Not)
        v = self.scalar(node.operand, "an operand")
        self.folding = False
        if isinstance(node.op, ast.Not):
            return Val(ir.Unary(ir.BOOL, op="not", operand=to_bool(v, loc), loc=loc))
        op = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert"}[type(node.op)]
        if op != "invert":
            v = _weak_bool_as_int(v)
        kind = dtypes.kind(v.dtype)
        if kind == "bool" and op != "invert":
            raise KernelTypeError(f"unary '{'-' if op == 'neg' else '+'}' on a bool value is not "
                                  "supported; cast to an integer type first", loc)
        if op == "invert" and kind in ("float", "complex"):
            raise KernelTypeError(f"operator '~' is not supported for {v.dtype} operands; it needs an "
                                  "integer or bool operand", loc)
        folded = fold_unary(op, v, loc)
        if folded is not None:
            return folded
        v = settle_int(v, loc, ast.unparse(node.operand))
        return Val(ir.Unary(v.expr.type, op=op, operand=v.expr, loc=loc), v.weak)

    def expr_IfExp(self, node: ast.IfExp) -> Val:
        loc = self.loc(node)
        cond = to_bool(self.scalar(node.test, "the condition"), self.loc(node.test))
        known = const_truth(cond, self.const_locals)
        if known is not None:  # a compile-time constant: only the live branch is typed
            return self.scalar(node.body if known else node.orelse, "a branch of the if-expression")
        self.cond_depth += 1
        try:
            a = self.scalar(node.body, "a branch of the if-expression")
            b = self.scalar(node.orelse, "a branch of the if-expression")
        finally:
            self.cond_depth -= 1
        (ea, eb), dt, weak = unify([a, b], loc)
        return Val(ir.Select(ir.Scalar(dt), cond=cond, a=ea, b=eb, loc=loc), weak)

    def expr_Call(self, node: ast.Call) -> Val:
        return self.call(node)


def _weak_bool_as_int(v: Val) -> Val:
    """A weak Python bool in arithmetic acts as a Python int (``True + 1 == 2``)."""
    if v.weak != "bool":
        return v
    e = v.expr
    if isinstance(e, ir.Const):
        return const(int(bool(e.value)), e.loc)
    return Val(cast(v, "int64"), "int")
