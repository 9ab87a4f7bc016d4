"""Work-group collectives of the front end (issue 19): ``cb.group_reduce_*``, ``cb.group_scan_*``,
``cb.group_broadcast``, ``cb.group_any/all`` and CUDA's ``cb.syncthreads_count/and/or``.

They are lowered here, once for every backend, to ordinary IR: a local scratch array per dtype
(:data:`SCRATCH` elements, declared at the top of the kernel), barriers, and loops in linear
local-id order (``lid = l0 + L0 * (l1 + L1 * l2)``). Work-groups larger than the scratch are handled
in chunks, so any work-group size works. Reductions combine pairs in a tree (log2 steps: ``buf[r] op=
buf[r + st]`` for st = the largest power of two below the chunk's size, then halving); scans read the
values one after the other (O(work-group size) per work-item). The order is the same on every device, so
float results are identical to the interpreter's, bit for bit. As with ``barrier()``, every work-item of
the group must reach the call.

A mixin of :class:`cambrian.compiler.frontend_stmt.FuncTranslator`.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from .. import dtypes
from ..errors import KernelSyntaxError, KernelTypeError, Loc
from . import intrinsics, ir
from .frontend_types import Val, cast, to_bool

#: Elements of the local scratch array of each dtype used by collectives.
SCRATCH = 256
_I64 = ir.INT64


def _c(value: Any, dtype: str = "int64", loc: Loc | None = None) -> ir.Const:
    return ir.Const(ir.Scalar(dtype), value=value, loc=loc)


def _op(op: str, a: ir.Expr, b: ir.Expr, loc: Loc) -> ir.Expr:
    return ir.Binary(a.type, op=op, left=a, right=b, loc=loc)


def _cmp(op: str, a: ir.Expr, b: ir.Expr, loc: Loc) -> ir.Expr:
    return ir.Compare(ir.BOOL, op=op, left=a, right=b, loc=loc)


def _call(name: str, t: ir.Scalar, loc: Loc, *args: ir.Expr) -> ir.Expr:
    return ir.Call(t, name=name, args=args, loc=loc)


def identity(op: str, dtype: str, exclusive: bool = False) -> Any:
    """The value a reduction of nothing gives: -0.0 for float sums (x + -0.0 is x, also for -0.0), 0 for
    an exclusive scan's first item (as OpenCL), the dtype's largest/smallest value for min/max."""
    if op == "add":
        return -0.0 if dtypes.is_float(dtype) and not exclusive else (0.0 if dtypes.is_float(dtype) else 0)
    if dtypes.is_float(dtype):
        return float("inf") if op == "min" else float("-inf")
    info = np.iinfo(dtype)
    return int(info.max) if op == "min" else int(info.min)


class GroupMixin:
    """Lowering of work-group collectives; see the module docstring."""

    def group_call(self, name: str, node: ast.Call, loc: Loc, fname: str) -> Val:
        if not self.is_kernel:  # type: ignore[attr-defined]
            raise KernelSyntaxError(f"{fname}() is a work-group collective: use it in the kernel body, "
                                    "not in a device function (return the value and call it there)", loc)
        if self.cond_depth:  # type: ignore[attr-defined]
            raise KernelSyntaxError(f"{fname}() is a work-group collective that every work-item must reach: "
                                    "it cannot be inside 'and'/'or' or a conditional expression; assign it "
                                    "to a variable first", loc)
        if name in ("group_any", "group_all", "syncthreads_and", "syncthreads_or", "syncthreads_count"):
            (v,) = self.call_args(node, 1, 1, fname)  # type: ignore[attr-defined]
            pred = to_bool(v, loc)
            if name == "syncthreads_count":
                x = ir.Cast(ir.INT32, operand=pred, loc=loc)
                return Val(self._scan(x, "add", "reduce", loc))
            out = self._any_all(pred, name in ("group_all", "syncthreads_and"), loc)
            return Val(out if name.startswith("group") else ir.Cast(ir.INT32, operand=out, loc=loc))
        if name == "group_broadcast":
            vals = self.call_args(node, 2, 4, fname)  # type: ignore[attr-defined]
            return Val(self._broadcast(vals[0], vals[1:], fname, loc))
        (v,) = self.call_args(node, 1, 1, fname)  # type: ignore[attr-defined]
        parts = name.split("_")  # group_reduce_add, group_scan_inclusive_min, ...
        op, kind = parts[-1], parts[2] if parts[1] == "scan" else "reduce"
        dt = "int64" if v.dtype == "bool" else v.dtype
        if dtypes.is_complex(dt) and op != "add":
            raise KernelTypeError(f"{fname}() of complex values is not defined (only the _add forms)", loc)
        return Val(self._scan(cast(v, dt, loc), op, kind, loc))

    def sub_group_call(self, name: str, node: ast.Call, loc: Loc, fname: str) -> Val:
        """A sub-group operation: an intrinsic call (never folded: its value depends on the device)."""
        info = intrinsics.TABLE[name]
        vals = self.call_args(node, *info.nargs, fname)  # type: ignore[attr-defined]
        if len(vals) == 2 and not (dtypes.is_integer(vals[1].dtype) or vals[1].dtype == "bool"):
            raise KernelTypeError(f"the lane of {fname}() must be an integer, got {vals[1].dtype}", loc)
        try:
            params, result = info.typing(tuple(v.dtype for v in vals))
        except intrinsics.IntrinsicTypeError as exc:
            raise KernelTypeError(f"{fname}(): {exc}", loc) from None
        args = tuple(cast(v, p, loc) for v, p in zip(vals, params, strict=True))
        return Val(ir.Call(ir.Scalar(result), name=name, args=args, loc=loc))

    # -- IR building blocks ------------------------------------------------------------------------
    def _gtemp(self, stem: str, t: ir.Type) -> str:
        temps: dict[str, ir.Type] = self.temps  # type: ignore[attr-defined]
        name = f"_g{stem}{len(temps)}"
        while name in self.params or name in self.local_names:  # type: ignore[attr-defined]
            name = "_" + name
        temps[name] = t
        return name

    def _set(self, stem: str, value: ir.Expr, loc: Loc) -> ir.Name:
        name = self._gtemp(stem, value.type)
        self.pre.append(ir.Assign(name=name, value=value, loc=loc))  # type: ignore[attr-defined]
        return ir.Name(value.type, name=name, loc=loc)

    def _scratch(self, dtype: str, loc: Loc) -> ir.Name:
        """The kernel's local scratch array of ``dtype`` (declared by :meth:`with_group_scratch`)."""
        scratch: dict[str, str] = self.__dict__.setdefault("group_scratch", {})
        t = ir.ArrayT(dtype, 1, space="local", layout="C", shape=(SCRATCH,))
        if scratch.get(dtype) not in self.temps:  # type: ignore[attr-defined]  # (temps restart per pass)
            scratch[dtype] = self._gtemp(f"buf_{dtype}_", t)
        return ir.Name(t, name=scratch[dtype], loc=loc)

    def with_group_scratch(self, body: tuple[ir.Stmt, ...]) -> tuple[ir.Stmt, ...]:
        """``body`` preceded by the declarations of the scratch arrays it uses."""
        scratch: dict[str, str] = self.__dict__.pop("group_scratch", {})
        decls = tuple(ir.ArrayDecl(name=n, type=ir.ArrayT(d, 1, space="local", layout="C", shape=(SCRATCH,)),
                                   loc=self.loc(self.fdef))  # type: ignore[attr-defined]
                      for d, n in scratch.items())
        return decls + body

    def _lid_size(self, loc: Loc) -> tuple[ir.Expr, ir.Expr]:
        """The linear local id and the work-group size (int64)."""
        lid = [_call("get_local_id", _I64, loc, _c(d, loc=loc)) for d in range(3)]
        size = [_call("get_local_size", _I64, loc, _c(d, loc=loc)) for d in range(3)]
        flat = _op("add", lid[0], _op("mul", size[0], _op("add", lid[1], _op("mul", size[1], lid[2], loc),
                                                              loc), loc), loc)
        n = _op("mul", _op("mul", size[0], size[1], loc), size[2], loc)
        return flat, n

    # -- the collectives ---------------------------------------------------------------------------
    def _scan(self, x: ir.Expr, op: str, kind: str, loc: Loc) -> ir.Name:
        """Reduce (``kind`` "reduce") or scan ("inclusive"/"exclusive") of ``x`` over the work-group."""
        assert isinstance(x.type, ir.Scalar)
        dt = x.type.dtype
        pre: list[ir.Stmt] = self.pre  # type: ignore[attr-defined]
        v = self._set("v", x, loc)  # each item's value, evaluated before the first barrier
        lid, n = self._lid_size(loc)
        lid = self._set("lid", lid, loc)
        acc = self._set("acc", _c(identity(op, dt, kind == "exclusive"), dt, loc), loc)
        buf = self._scratch(dt, loc)
        base = self._gtemp("b", _I64)
        k = self._gtemp("k", _I64)
        b = ir.Name(_I64, name=base, loc=loc)
        rel = _op("sub", lid, b, loc)
        chunk = _call("min", _I64, loc, _c(SCRATCH, loc=loc), _op("sub", n, b, loc))
        if kind == "reduce":
            stop = chunk
        else:  # items of this chunk before this work-item (and itself when inclusive)
            upto = _op("add", rel, _c(1, loc=loc), loc) if kind == "inclusive" else rel
            stop = _call("max", _I64, loc, _c(0, loc=loc), _call("min", _I64, loc, chunk, upto))
        item = ir.Index(x.type, array=buf, indices=(ir.Name(_I64, name=k, loc=loc),), loc=loc)
        combine = _op("add", acc, item, loc) if op == "add" else _call(op, x.type, loc, acc, item)
        mine = ir.Logical(ir.BOOL, op="and", left=_cmp("ge", rel, _c(0, loc=loc), loc),
                          right=_cmp("lt", rel, _c(SCRATCH, loc=loc), loc), loc=loc)
        body: tuple[ir.Stmt, ...] = (
            ir.Barrier(loc=loc),
            ir.If(cond=mine, body=(ir.Store(array=buf, indices=(rel,), value=v, loc=loc),), loc=loc),
            ir.Barrier(loc=loc),
        )
        if kind == "reduce":
            body += self._tree(buf, rel, chunk, op, x.type, loc)
            stop = _c(1, loc=loc)  # the tree left the chunk's result in buf[0]
        body += (ir.For(var=k, start=_c(0, loc=loc), stop=stop, step=_c(1, loc=loc),
                        body=(ir.Assign(name=acc.name, value=combine, loc=loc),), loc=loc),)
        pre.append(ir.For(var=base, start=_c(0, loc=loc), stop=n, step=_c(SCRATCH, loc=loc), body=body,
                          loc=loc))
        return acc

    def _tree(self, buf: ir.Name, rel: ir.Expr, chunk: ir.Expr, op: str, t: ir.Scalar,
              loc: Loc) -> tuple[ir.Stmt, ...]:
        """Reduce ``buf[0:chunk]`` into ``buf[0]`` in log2 steps: ``buf[r] = buf[r] op buf[r + st]`` for
        ``st`` = the largest power of two below ``chunk``, then halves (a fixed order on every device)."""
        st = ir.Name(_I64, name=self._gtemp("st", _I64), loc=loc)
        one = _c(1, loc=loc)
        other = ir.Index(t, array=buf, indices=(_op("add", rel, st, loc),), loc=loc)
        mine = ir.Index(t, array=buf, indices=(rel,), loc=loc)
        combine = _op("add", mine, other, loc) if op == "add" else _call(op, t, loc, mine, other)
        active = ir.Logical(ir.BOOL, op="and", left=_cmp("ge", rel, _c(0, loc=loc), loc), right=ir.Logical(
            ir.BOOL, op="and", left=_cmp("lt", rel, st, loc),
            right=_cmp("lt", _op("add", rel, st, loc), chunk, loc), loc=loc), loc=loc)
        return (
            ir.Assign(name=st.name, value=one, loc=loc),
            ir.While(cond=_cmp("lt", st, chunk, loc),
                     body=(ir.Assign(name=st.name, value=_op("lshift", st, one, loc), loc=loc),), loc=loc),
            ir.Assign(name=st.name, value=_op("rshift", st, one, loc), loc=loc),
            ir.While(cond=_cmp("gt", st, _c(0, loc=loc), loc), body=(
                ir.If(cond=active, body=(ir.Store(array=buf, indices=(rel,), value=combine, loc=loc),),
                      loc=loc),
                ir.Barrier(loc=loc),
                ir.Assign(name=st.name, value=_op("rshift", st, one, loc), loc=loc),
            ), loc=loc),
        )

    def _broadcast(self, x: Val, ids: list[Val], fname: str, loc: Loc) -> ir.Name:
        for i in ids:
            if not dtypes.is_integer(i.dtype):
                raise KernelTypeError(f"the local id of {fname}() must be an integer, got {i.dtype}", loc)
        dt = x.dtype
        v = self._set("v", x.expr, loc)
        lid, _ = self._lid_size(loc)
        size = [_call("get_local_size", _I64, loc, _c(d, loc=loc)) for d in range(2)]
        src = [cast(i, "int64", loc) for i in ids] + [_c(0, loc=loc)] * (3 - len(ids))
        flat = _op("add", src[0], _op("mul", size[0], _op("add", src[1], _op("mul", size[1], src[2], loc),
                                                              loc), loc), loc)
        buf = self._scratch(dt, loc)
        at0 = (_c(0, loc=loc),)
        out = self._gtemp("r", ir.Scalar(dt))
        self.pre.extend((  # type: ignore[attr-defined]
            ir.Barrier(loc=loc),
            ir.If(cond=_cmp("eq", lid, flat, loc), body=(ir.Store(array=buf, indices=at0, value=v, loc=loc),),
                  loc=loc),
            ir.Barrier(loc=loc),
            ir.Assign(name=out, value=ir.Index(ir.Scalar(dt), array=buf, indices=at0, loc=loc), loc=loc),
        ))
        return ir.Name(ir.Scalar(dt), name=out, loc=loc)

    def _any_all(self, pred: ir.Expr, is_all: bool, loc: Loc) -> ir.Expr:
        p = self._set("p", pred, loc)
        lid, _ = self._lid_size(loc)
        buf = self._scratch("int32", loc)
        at0 = (_c(0, loc=loc),)
        start, hit = (1, 0) if is_all else (0, 1)
        cond = ir.Unary(ir.BOOL, op="not", operand=p, loc=loc) if is_all else p
        out = self._gtemp("r", ir.BOOL)
        self.pre.extend((  # type: ignore[attr-defined]
            ir.Barrier(loc=loc),
            ir.If(cond=_cmp("eq", lid, _c(0, loc=loc), loc),
                  body=(ir.Store(array=buf, indices=at0, value=_c(start, "int32", loc), loc=loc),), loc=loc),
            ir.Barrier(loc=loc),
            ir.If(cond=cond, body=(ir.Store(array=buf, indices=at0, value=_c(hit, "int32", loc), loc=loc),),
                  loc=loc),
            ir.Barrier(loc=loc),
            ir.Assign(name=out, value=_cmp("ne", ir.Index(ir.INT32, array=buf, indices=at0, loc=loc),
                                           _c(0, "int32", loc), loc), loc=loc),
        ))
        return ir.Name(ir.BOOL, name=out, loc=loc)
