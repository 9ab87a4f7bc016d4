"""Calls of the front end: intrinsics, casts, device functions, atomics, work-item queries, arrays.

A mixin of :class:`cambrian.compiler.frontend_stmt.FuncTranslator`.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import Any

from .. import dtypes
from ..errors import KernelSyntaxError, KernelTypeError, Loc
from . import frontend_builtins, intrinsics, ir
from .frontend_expr import ShapeRef
from .frontend_resolve import Resolved, describe
from .frontend_types import VOID, Val, cast, check_weak_fits, const, fit_int, fold_math, weak_kind_of_dtype

ATOMIC_DTYPES = ("int32", "uint32", "int64", "uint64", "float32", "float64")
_ARRAY_FORMS = ("local_array", "private_array")
_ALLOWED = ("allowed: intrinsics (cambrian.get_global_id, math.sqrt, ...), abs/min/max, dtype casts "
            "(cambrian.float32(x), int(x)) and @cambrian.func device functions")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class CallMixin:
    """Call visitors; see the module docstring."""

    def call(self, node: ast.Call, stmt: bool = False) -> Any:
        """Translate a call; with ``stmt`` the call is an expression statement and may return a
        list of statements (``barrier()``) or a void device function call."""
        loc = self.loc(node)
        fname = _callee_name(node.func)
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise KernelSyntaxError(f"*args in calls are not supported in kernels (call of {fname})",
                                        self.loc(a))
        if isinstance(node.func, ast.Attribute):
            base = self.resolve(node.func.value) if isinstance(node.func.value, (ast.Name, ast.Attribute)) \
                else self.expr(node.func.value)
            if isinstance(base, Val):
                return self.method_call(base, node, loc)
        target = self.resolve(node.func) if isinstance(node.func, (ast.Name, ast.Attribute)) else None
        if isinstance(target, (Val, ShapeRef)):
            raise KernelTypeError(f"'{fname}' is not callable (it is a local value)", loc)
        if target is None:
            raise KernelSyntaxError("only named functions can be called in kernels", loc)
        kwargs = {k.arg: k.value for k in node.keywords}
        if None in kwargs:
            raise KernelSyntaxError(f"**kwargs in calls are not supported in kernels (call of {fname})",
                                    loc)
        if kwargs and not (target.kind == "intrinsic" and target.name in _ARRAY_FORMS
                           and set(kwargs) <= {"dtype", "shape"}) and target.name != "print":
            raise KernelSyntaxError(f"keyword arguments are not supported in the call of {fname} "
                                    f"(got {', '.join(map(str, kwargs))}=...); pass them by position",
                                    loc)
        kind = target.kind
        if kind == "intrinsic":
            return self.intrinsic_call(target.name, node, loc, stmt, fname)
        if kind == "dtype":
            self.folding = True  # cb.uint64(2**64 - 1): a constant expression meets its dtype here
            (v,) = self.call_args(node, 1, 1, fname)
            self.folding = False
            return Val(cast(fit_int(v, target.name, loc), target.name, loc))
        if kind == "func":
            return self.device_call(target.obj, node, loc, stmt)
        if kind == "builtin":
            if target.name == "len":
                (a,) = self.call_args(node, 1, 1, fname, scalars=False)
                n = self.array_len(a, loc)  # a view or a tuple
                if n is not None:
                    return n
                t = a.expr.type
                if not isinstance(t, ir.ArrayT) or t.ndim == 0:
                    raise KernelTypeError(f"len() needs an array with at least 1 dimension, got {t}", loc)
                return Val(ir.Shape(ir.INT64, array=a.expr, dim=0, loc=loc))
            raise KernelSyntaxError("range() can only be used as the iterable of a 'for' loop", loc)
        raise KernelTypeError(f"calling {describe(target.obj) if target.obj is not None else fname} is "
                              f"not supported in kernels; {_ALLOWED}", loc)

    def call_args(self, node: ast.Call, lo: int, hi: int, fname: str, scalars: bool = True) -> list[Val]:
        n = len(node.args)
        if n < lo or (hi >= 0 and n > hi):
            want = _plural(lo, "argument") if lo == hi else (
                f"{lo} to {hi} arguments" if hi >= 0 else f"at least {_plural(lo, 'argument')}")
            raise KernelTypeError(f"{fname}() takes {want} ({n} given)", self.loc(node))
        return [self.scalar(a, f"the argument of {fname}()") if scalars else self.expr(a)
                for a in node.args]

    # ------------------------------------------------------------------ intrinsics

    def intrinsic_call(self, name: str, node: ast.Call, loc: Loc, stmt: bool, fname: str) -> Any:
        if name == "barrier":
            self.call_args(node, 0, 0, fname)
            if not stmt:
                raise KernelSyntaxError("barrier() is a statement and has no value", loc)
            return [ir.Barrier(loc=loc)]
        if name == "store_nontemporal":
            return self.store_nontemporal(node, loc, stmt)
        if name in _ARRAY_FORMS:
            raise KernelSyntaxError(f"{name}() must be assigned to a variable: "
                                    f"buf = {name}(shape, dtype)", loc)
        if name == "range":
            raise KernelSyntaxError("range() can only be used as the iterable of a 'for' loop", loc)
        if name in intrinsics.GROUP_FORMS:
            return self.group_call(name, node, loc, fname)
        if name in frontend_builtins.HANDLED:
            return frontend_builtins.lower_call(self, name, node, loc, stmt, fname)
        info = intrinsics.lookup(name)
        if info is None:
            raise KernelSyntaxError(f"unknown kernel intrinsic {name!r}", loc)
        if info.category == "subgroup":
            return self.sub_group_call(name, node, loc, fname)
        if info.category == "atomic":
            return self.atomic_call(name, node, loc)
        if info.category == "workitem":
            self.call_args(node, 1, 1, fname)
            d = self.const_int(node.args[0], f"the dimension of {name}()")
            if d not in (0, 1, 2):
                raise KernelTypeError(f"the dimension of {name}() must be 0, 1 or 2, got {d}", loc)
            return Val(ir.Call(ir.INT64, name=name, args=(ir.Const(ir.INT64, value=d, loc=loc),), loc=loc))
        vals = self.call_args(node, *info.nargs, fname)
        if name == "complex" and len(vals) == 1:
            return Val(cast(vals[0], "complex128", loc), "complex" if vals[0].weak else None)
        if name in ("real", "imag"):
            return self.real_imag(name, vals[0], loc)
        if name == "conjugate" and not dtypes.is_complex(vals[0].dtype):
            return vals[0]
        return self.typed_intrinsic(name, vals, loc)

    def typed_intrinsic(self, name: str, vals: list[Val], loc: Loc) -> Val:
        """Type an intrinsic call with its typing rule; weak arguments adopt the strong dtypes."""
        strong = [v.dtype for v in vals if not v.weak]
        arg_dtypes = tuple(dtypes.result_type(*strong, ("weak", v.weak)) if v.weak and strong else v.dtype
                           for v in vals)
        if name == "abs" and arg_dtypes[0] == "bool":
            arg_dtypes = ("int64",)
        try:
            params, result = intrinsics.lookup(name).typing(arg_dtypes)  # type: ignore[union-attr]
        except intrinsics.IntrinsicTypeError as exc:
            raise KernelTypeError(f"{name}(): {exc} (argument types: {', '.join(arg_dtypes)})", loc) from None
        for v, p in zip(vals, params, strict=True):
            check_weak_fits(v, p, loc)
        args = tuple(cast(v, p, loc) for v, p in zip(vals, params, strict=True))
        weak = weak_kind_of_dtype(result) if all(v.weak for v in vals) else None
        folded = fold_math(name, args, result, loc) if weak else None
        if folded is not None:
            return Val(folded, weak)
        return Val(ir.Call(ir.Scalar(result), name=name, args=args, loc=loc), weak)

    def method_call(self, base: Val, node: ast.Call, loc: Loc) -> Val:
        attr = node.func.attr  # type: ignore[attr-defined]
        if attr != "conjugate" or isinstance(base.expr.type, ir.ArrayT):
            raise KernelSyntaxError(f"method {attr!r} of a {base.expr.type} value is not supported in "
                                    "kernels; allowed: z.conjugate()", loc)
        if node.args or node.keywords:
            raise KernelTypeError("conjugate() takes no arguments", loc)
        if not dtypes.is_complex(base.dtype):
            return base
        return Val(ir.Call(base.expr.type, name="conjugate", args=(base.expr,), loc=loc), base.weak)

    # ------------------------------------------------------------------ atomics

    def store_nontemporal(self, node: ast.Call, loc: Loc, stmt: bool) -> list[ir.Stmt]:
        """``store_nontemporal(a, i, j, v)`` (or ``(a, (i, j), v)``): the store ``a[i, j] = v``, marked."""
        if not stmt:
            raise KernelSyntaxError("store_nontemporal() is a statement and has no value", loc)
        if len(node.args) < 3:
            raise KernelTypeError("store_nontemporal() takes the array, its indices and the value: "
                                  "store_nontemporal(a, i, value)", loc)
        arr = self.expr(node.args[0])
        index = node.args[1:-1]
        sub = index[0] if len(index) == 1 else ast.copy_location(ast.Tuple(elts=list(index), ctx=ast.Load()),
                                                                 index[0])
        ref, idx = self.element_ref(arr, sub, self.loc(node.args[1]))
        store = self.store(ref, idx, self.scalar(node.args[-1], "the value of store_nontemporal()"), loc)
        return [dataclasses.replace(store, nontemporal=True)]

    def atomic_call(self, name: str, node: ast.Call, loc: Loc) -> Val:
        n_values = 2 if name == "atomic_cas" else 1
        if not node.args:
            raise KernelTypeError(f"{name}() needs an array, its indices and a value", loc)
        arr = self.expr(node.args[0])
        t = arr.expr.type
        if not isinstance(t, ir.ArrayT) or not (isinstance(arr.expr, ir.Name) or self.is_view(arr)):
            raise KernelTypeError(f"the first argument of {name}() must be an array, got {t}",
                                  self.loc(node.args[0]))
        rest = node.args[1:]
        if rest and isinstance(rest[0], ast.Tuple):
            idx_nodes, value_nodes = list(rest[0].elts), rest[1:]
        else:
            idx_nodes, value_nodes = rest[:t.ndim], rest[t.ndim:]
        if len(idx_nodes) != t.ndim or len(value_nodes) != n_values:
            vals = "expected, value" if n_values == 2 else "value"
            raise KernelTypeError(f"{name}() on a {t.ndim}-d array takes the array, "
                                  f"{_plural(t.ndim, 'index')} and {vals}: "
                                  f"{name}(a, {', '.join(['i', 'j', 'k'][:t.ndim] or ['...'])}, {vals})",
                                  loc)
        if t.dtype not in ATOMIC_DTYPES:
            raise KernelTypeError(f"{name}() on {t.dtype} arrays is not supported; atomics need "
                                  f"{', '.join(ATOMIC_DTYPES)} elements", loc)
        idx = tuple(self.index_value(self.scalar(n, "an index"), self.loc(n)) for n in idx_nodes)
        vals = [self.scalar(n, f"the value of {name}()") for n in value_nodes]
        try:
            params, result = intrinsics.lookup(name).typing((t.dtype, *(v.dtype for v in vals)))  # type: ignore
        except intrinsics.IntrinsicTypeError as exc:
            raise KernelTypeError(f"{name}(): {exc}", loc) from None
        for v in vals:
            check_weak_fits(v, t.dtype, loc)
        args = tuple(cast(v, p, loc) for v, p in zip(vals, params[1:], strict=True))
        arr, idx = self.base_indices(arr, idx, loc)  # an element of a view is one of its base array
        return Val(ir.Call(ir.Scalar(result), name=name, args=(arr.expr, *idx, *args), loc=loc))

    # ------------------------------------------------------------------ local and private arrays

    def array_decl(self, name: str, node: ast.Call, form: str, loc: Loc) -> ir.ArrayDecl:
        """``name = local_array(shape, dtype)`` / ``private_array(...)``."""
        kw = {k.arg: k.value for k in node.keywords}
        args = list(node.args) + [kw[k] for k in ("shape", "dtype") if k in kw]
        if len(args) != 2:
            raise KernelTypeError(f"{form}() takes a shape and a dtype: {form}((16, 16), cambrian.float32)",
                                  loc)
        shape_node, dtype_node = args
        elts = shape_node.elts if isinstance(shape_node, ast.Tuple) else None
        if elts is None:
            r = self.resolve(shape_node) if isinstance(shape_node, (ast.Name, ast.Attribute)) else None
            if isinstance(r, Resolved) and r.kind == "const" and isinstance(r.obj, tuple):
                shape = r.obj
            elif self.const_shape(r) is not None:  # shape = (n, 4) held in a local
                shape = self.const_shape(r)
            else:
                shape = (self.const_int(shape_node, f"the shape of {form}()"),)
        else:
            shape = tuple(self.const_int(e, f"the shape of {form}()") for e in elts)
        if not shape or any(s <= 0 for s in shape):
            raise KernelTypeError(f"the shape of {form}() must be positive constant integers, got {shape}",
                                  self.loc(shape_node))
        dtype = self.dtype_arg(dtype_node, form)
        space = "local" if form == "local_array" else "private"
        return ir.ArrayDecl(name=name, type=ir.ArrayT(dtype, len(shape), space=space, layout="C",
                                                      shape=shape), loc=loc)

    def dtype_arg(self, node: ast.expr, form: str) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                return dtypes.name(node.value)
            except TypeError as exc:
                raise KernelTypeError(str(exc), self.loc(node)) from None
        r = self.resolve(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if isinstance(r, Resolved) and r.kind == "dtype":
            return r.name
        raise KernelTypeError(f"the dtype of {form}() must be a dtype such as cambrian.float32, "
                              "numpy.int32 or 'float64'", self.loc(node))

    # ------------------------------------------------------------------ device functions

    def device_call(self, pyfunc: Any, node: ast.Call, loc: Loc, stmt: bool) -> Val:
        vals = [self.expr(a) for a in node.args]
        overload = getattr(pyfunc, "__cambrian_overload__", None)
        if overload is not None:  # e.g. cb.exp: the Python function for these argument dtypes
            pyfunc = overload(tuple(("weak", v.weak) if v.weak else v.expr.type.dtype for v in vals))
        sig = getattr(pyfunc, "__cambrian_signature__", None)
        args = tuple(v.expr for v in vals) if sig is None else self._declared_args(pyfunc, sig[1], vals, loc)
        args, argtypes = self.flatten_args(args)  # views and tuples travel as their parts
        fn = self.module.device_function(pyfunc, argtypes, loc)
        self.note_callee(fn.name)
        if fn.ret is None and not stmt:
            raise KernelTypeError(f"device function {pyfunc.__qualname__!r} does not return a value", loc)
        out = Val(ir.CallFunc(fn.ret or VOID, func=fn.name, args=args, loc=loc))
        if sig is not None and fn.ret is not None:
            if sig[0] is None:
                raise KernelTypeError(f"device function {pyfunc.__qualname__!r} is declared void but "
                                      "returns a value", loc)
            out = Val(cast(out, sig[0], loc))
        return out

    def _declared_args(self, pyfunc: Any, params: tuple[Any, ...], vals: list[Val],
                       loc: Loc) -> tuple[ir.Expr, ...]:
        """Arguments of a call of a device function with a signature: scalars cast to the declared
        dtypes (as Numba converts them), arrays checked against the declared dtype and ndim."""
        name = pyfunc.__qualname__
        if len(params) != len(vals):
            declared = _plural(len(params), "argument")
            raise KernelTypeError(f"device function {name!r} is declared with {declared}, called with "
                                  f"{len(vals)}", loc)
        out = []
        for k, (p, v) in enumerate(zip(params, vals, strict=True)):
            t = v.expr.type
            if isinstance(p, tuple):
                if not isinstance(t, ir.ArrayT) or (t.dtype, t.ndim) != p:
                    want = f"{p[0]}[{', '.join(':' * p[1])}]"
                    raise KernelTypeError(f"argument {k + 1} of {name!r} is declared {want}, got {t}", loc)
                out.append(v.expr)
            elif isinstance(t, ir.ArrayT):
                raise KernelTypeError(f"argument {k + 1} of {name!r} is declared {p}, got an array", loc)
            else:
                check_weak_fits(v, p, loc)
                out.append(cast(v, p, loc))
        return tuple(out)


def _callee_name(func: ast.expr) -> str:
    try:
        return ast.unparse(func)
    except Exception:  # pragma: no cover - unparse handles every expression
        return "this function"


__all__ = ["ATOMIC_DTYPES", "CallMixin", "const"]
