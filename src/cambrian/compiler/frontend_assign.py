"""Assignments of the front end: ``x = v``, ``a[i] = v``, tuple unpacking, ``x: dtype = v``, ``x += v``
and local/private array declarations. A mixin of :class:`~.frontend_stmt.FuncTranslator`."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from ..errors import KernelSyntaxError, KernelTypeError, Loc
from . import frontend_builtins, ir
from .frontend_expr import ShapeRef
from .frontend_resolve import Resolved
from .frontend_types import BINOPS, VOID, Val, cast, check_weak_fits, is_pure


class AssignMixin:
    """Assignment statements; see the module docstring."""

    if TYPE_CHECKING:
        params: dict[str, ir.Type]
        decls: dict[str, ir.ArrayT]
        sources: dict[str, list[Any]]
        annotations: dict[str, str]
        env: dict[str, tuple[ir.Type, str | None]]
        emit: bool
        seen: set[str]
        is_kernel: bool
        block_depth: int

        def __getattr__(self, name: str) -> Any: ...

    def stmt_Assign(self, node: ast.Assign) -> list[ir.Stmt]:
        loc = self.loc(node)
        if isinstance(node.value, ast.Call) and len(node.targets) == 1 and isinstance(node.targets[0],
                                                                                      ast.Name):
            decl = self._maybe_array_decl(node.targets[0].id, node.value, loc)
            if decl is not None:
                return decl
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple):
            return self.unpack(node.targets[0], node.value, loc)
        aliased, value = self.try_alias(node, loc)  # dt = "float32", row = a[i, :], t = (x, y), n = 16
        if aliased is not None:
            return aliased
        value = value or self.expr(node.value)
        if len(node.targets) > 1 and not isinstance(value.expr, (ir.Name, ir.Const)):
            value = self.bind_temp(value, loc) or value
        out: list[ir.Stmt] = []
        for t in node.targets:
            if isinstance(t, ast.Tuple):
                raise KernelSyntaxError("tuple targets in chained assignments are not supported", loc)
            out.extend(self.assign(t, value, loc))
        return out

    def _maybe_array_decl(self, name: str, call: ast.Call, loc: Loc) -> list[ir.Stmt] | None:
        func = call.func  # (``w = z.conjugate()`` is a method call, not a declaration: don't resolve it)
        named = isinstance(func, ast.Name) or (isinstance(func, ast.Attribute) and func.attr in (
            "local_array", "private_array"))
        target = self.resolve(func) if named else None
        if not (isinstance(target, Resolved) and target.kind == "intrinsic"
                and target.name in ("local_array", "private_array")):
            return None
        if target.name == "local_array" and not self.is_kernel:
            raise KernelSyntaxError("local_array() is only allowed in a kernel body (one per work-group); "
                                    "declare it in the kernel and pass it to the device function", loc)
        if name in self.params or name in self.decls or self.sources.get(name):
            raise KernelSyntaxError(f"{name!r} is already a variable; an array variable must be declared "
                                    "once and never reassigned", loc)
        decl = self.array_decl(name, call, target.name, loc)
        self.decls[name] = decl.type  # type: ignore[assignment]
        self.seen.add(name)
        self.env.setdefault(name, (decl.type, None))  # type: ignore[arg-type]
        return [decl]

    def unpack(self, target: ast.Tuple, value_node: ast.expr, loc: Loc) -> list[ir.Stmt]:
        """``a, b = b, a`` (all values first), ``h, w = x.shape`` and constant tuples."""
        n = len(target.elts)
        if isinstance(value_node, ast.Tuple):
            if len(value_node.elts) != n:
                raise KernelTypeError(f"cannot unpack {len(value_node.elts)} values into {n} targets", loc)
            vals = [self.scalar(e, "a value in a tuple assignment") for e in value_node.elts]
            vals = [v if not _needs_temp(k, vals, target.elts) else (self.bind_temp(v, loc) or v)
                    for k, v in enumerate(vals)]
        else:
            r = self.resolve(value_node) if isinstance(value_node, (ast.Name, ast.Attribute)) else None
            if isinstance(r, ShapeRef):
                t = r.array.expr.type
                vals = [Val(ir.Shape(ir.INT64, array=r.array.expr, dim=d, loc=loc))  # type: ignore
                        for d in range(t.ndim)]  # type: ignore[union-attr]
            elif self.tuple_of(r) is not None:
                vals = list(self.tuple_of(r).vals)  # a tuple local, a module tuple, a view's shape
            elif (tv := frontend_builtins.tuple_call(self, value_node)) is not None:
                vals = tv  # m, e = math.frexp(x); f, i = math.modf(x)
            else:
                raise KernelSyntaxError("tuple assignment needs a tuple of values, a.shape or a constant "
                                        "tuple on the right-hand side", loc)
            if len(vals) != n:
                raise KernelTypeError(f"cannot unpack {len(vals)} values into {n} targets", loc)
        out: list[ir.Stmt] = []
        for t, v in zip(target.elts, vals, strict=True):
            out.extend(self.assign(t, v, loc))
        return out

    def assign(self, target: ast.expr, value: Val, loc: Loc) -> list[ir.Stmt]:
        """Assign a value to a Name or an array element."""
        if isinstance(target, ast.Name):
            return self.assign_name(target.id, value, loc)
        if isinstance(target, ast.Subscript):
            arr, idx = self.element_ref(self.expr(target.value), target.slice, self.loc(target))
            return [self.store(arr, idx, value, loc)]
        what = {"Attribute": "attribute stores (x.attr = ...)", "Starred": "starred assignment targets",
                "List": "list assignment targets"}.get(type(target).__name__, type(target).__name__)
        raise KernelSyntaxError(f"{what} are not supported in kernels", self.loc(target))

    def store(self, arr: Val, idx: tuple[ir.Expr, ...], value: Val, loc: Loc) -> ir.Store:
        t = arr.expr.type
        if isinstance(value.expr.type, ir.ArrayT):
            raise KernelTypeError("cannot store an array into an array element", loc)
        if not isinstance(value.expr.type, ir.Scalar):
            raise KernelTypeError(f"cannot store a {value.expr.type} into an array element", loc)
        check_weak_fits(value, t.dtype, loc)  # type: ignore[union-attr]
        return ir.Store(array=arr.expr, indices=idx, value=cast(value, t.dtype, loc), loc=loc)  # type: ignore

    def assign_name(self, name: str, value: Val, loc: Loc) -> list[ir.Stmt]:
        vt = value.expr.type
        if not isinstance(vt, (ir.Scalar, ir.ArrayT)):  # a tuple: only named once (t = (x, y)) or unpacked
            raise KernelTypeError(f"a {vt} cannot be assigned to {name!r} here; name a tuple once "
                                  "(t = (x, y)) or unpack it (x, y = t)", loc)
        if name in self.params or name in self.decls:
            t = self.params.get(name) or self.decls[name]
            if isinstance(t, ir.ArrayT):
                raise KernelSyntaxError(f"cannot assign to the array {name!r}; assign to its elements "
                                        f"({name}[i] = ...)", loc)
            check_weak_fits(value, t.dtype, loc)
            return [ir.Assign(name=name, value=cast(value, t.dtype, loc), loc=loc)]
        if isinstance(vt, ir.ArrayT):
            raise KernelTypeError(f"arrays cannot be assigned to variables ({name} = <{vt}>); use the "
                                  "array directly", loc)
        if vt == VOID:
            raise KernelTypeError("this call does not return a value", loc)
        self.sources.setdefault(name, []).append(value.operand())
        self.seen.add(name)
        if not self.emit:
            return []
        t, _ = self.env[name]
        check_weak_fits(value, t.dtype, loc)  # type: ignore[union-attr]
        return [ir.Assign(name=name, value=cast(value, t.dtype, loc), loc=loc)]  # type: ignore[union-attr]

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> list[ir.Stmt]:
        loc = self.loc(node)
        if not isinstance(node.target, ast.Name):
            raise KernelSyntaxError("annotated assignments need a variable name as target", loc)
        name = node.target.id
        if isinstance(node.value, ast.Call):
            decl = self._maybe_array_decl(name, node.value, loc)
            if decl is not None:
                return decl
        r = self.resolve(node.annotation) if isinstance(node.annotation, (ast.Name, ast.Attribute)) else None
        if not (isinstance(r, Resolved) and r.kind == "dtype"):
            raise KernelTypeError("a variable annotation must be a dtype such as cambrian.float32",
                                  self.loc(node.annotation))
        prev = self.annotations.get(name) or (self.params[name].dtype if name in self.params else None)
        if prev is not None and prev != r.name:  # type: ignore[union-attr]
            raise KernelTypeError(f"{name!r} is declared as {prev}, not {r.name}", loc)
        if name not in self.annotations and name not in self.params:
            self.annotations[name] = r.name
            self.sources.setdefault(name, [])
            self.env[name] = (ir.Scalar(r.name), None)
        if node.value is None:
            return []
        return self.assign_name(name, self.expr(node.value), loc)

    def stmt_AugAssign(self, node: ast.AugAssign) -> list[ir.Stmt]:
        loc = self.loc(node)
        op = BINOPS.get(type(node.op).__name__)
        if op is None:
            raise KernelSyntaxError("the '@=' operator is not supported in kernels", loc)
        t = node.target
        if isinstance(t, ast.Name):
            rhs = self.scalar(node.value, "the right-hand side")
            return self.assign_name(t.id, self.binary(op, self.read_local_or_global(t), rhs, loc), loc)
        if isinstance(t, ast.Subscript):
            arr, idx = self.element_ref(self.expr(t.value), t.slice, self.loc(t))
            idx = tuple(i if is_pure(i) else (self.bind_temp(Val(i), loc) or Val(i)).expr for i in idx)
            old = Val(ir.Index(ir.Scalar(arr.expr.type.dtype), array=arr.expr, indices=idx, loc=loc))  # type: ignore
            rhs = self.scalar(node.value, "the right-hand side")
            return [self.store(arr, idx, self.binary(op, old, rhs, loc), loc)]
        return self.assign(t, Val(ir.Const(ir.INT64, value=0)), loc)  # raises the unsupported-target error

    def read_local_or_global(self, node: ast.Name) -> Val:
        if not self.is_local(node.id):
            raise KernelSyntaxError(f"cannot assign to the global {node.id!r} inside a kernel",
                                    self.loc(node))
        return self.read_local(node.id, node)


def _needs_temp(k: int, vals: list[Val], targets: list[ast.expr]) -> bool:
    """Whether value ``k`` of a tuple assignment must be evaluated into a temporary first: it reads
    something an earlier target writes (or some value has side effects)."""
    e = vals[k].expr
    if isinstance(e, ir.Const):
        return False
    if not all(is_pure(v.expr) for v in vals):
        return True
    written = {t.id for t in targets[:k] if isinstance(t, ast.Name)}
    stores = any(isinstance(t, ast.Subscript) for t in targets[:k])
    return any((isinstance(n, ir.Name) and n.name in written) or (stores and isinstance(n, ir.Index))
               for n in ir.walk(e))
