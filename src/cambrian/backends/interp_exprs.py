"""Expression handlers of the interpreter's closure compiler: ``EXPR[node class](compiler, node)``
returns ``f(frame) -> value`` (a NumPy scalar of the node's dtype, or an ndarray for array names)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import dtypes
from ..compiler import intrinsics, ir
from . import interp_ops as ops

if TYPE_CHECKING:
    from .interp_eval import FunctionCompiler

Fn = Callable[[list], Any]

#: work-item intrinsic -> (WorkItem attribute, value beyond the launch's dimensions)
WORKITEM = {"get_global_id": ("gid", 0), "get_local_id": ("lid", 0), "get_group_id": ("grp", 0),
            "get_global_size": ("gsize", 1), "get_local_size": ("lsize", 1),
            "get_num_groups": ("ngroups", 1)}


def _dtype(e: ir.Expr) -> str:
    assert isinstance(e.type, ir.Scalar)
    return e.type.dtype


def _const(c: FunctionCompiler, e: ir.Const) -> Fn:
    value = ops.const(_dtype(e), e.value)
    return lambda f: value


def _name(c: FunctionCompiler, e: ir.Name) -> Fn:
    slot = c.slot(e.name, e)
    return lambda f: f[slot]


def _unary(c: FunctionCompiler, e: ir.Unary) -> Fn:
    assert e.operand is not None
    op, x = ops.unary_fn(e.op, _dtype(e.operand)), c.expr(e.operand)
    return lambda f: op(x(f))


def _binary(c: FunctionCompiler, e: ir.Binary) -> Fn:
    assert e.left is not None and e.right is not None
    src, a, b = _dtype(e.left), c.expr(e.left), c.expr(e.right)
    if e.op == "truediv" and src in dtypes.INTEGER + dtypes.BOOL:  # never emitted: NumPy's float64 rule
        to_f, div, to_out = ops.cast_fn(src, "float64"), ops.binary_fn("truediv", "float64"), \
            ops.cast_fn("float64", _dtype(e))
        return lambda f: to_out(div(to_f(a(f)), to_f(b(f))))
    op = ops.binary_fn(e.op, src)
    return lambda f: op(a(f), b(f))


def _compare(c: FunctionCompiler, e: ir.Compare) -> Fn:
    assert e.left is not None and e.right is not None
    op, a, b = ops.compare_fn(e.op, _dtype(e.left)), c.expr(e.left), c.expr(e.right)
    return lambda f: op(a(f), b(f))


def _logical(c: FunctionCompiler, e: ir.Logical) -> Fn:
    assert e.left is not None and e.right is not None
    a, b = c.expr(e.left), c.expr(e.right)
    t, fa = ops.TRUE, ops.FALSE
    if e.op == "and":
        return lambda f: t if (a(f) and b(f)) else fa
    return lambda f: t if (a(f) or b(f)) else fa


def _select(c: FunctionCompiler, e: ir.Select) -> Fn:
    assert e.cond is not None and e.a is not None and e.b is not None
    cond, a, b = c.expr(e.cond), c.expr(e.a), c.expr(e.b)
    return lambda f: a(f) if cond(f) else b(f)


def _cast(c: FunctionCompiler, e: ir.Cast) -> Fn:
    assert e.operand is not None
    conv, x = ops.cast_fn(_dtype(e.operand), _dtype(e)), c.expr(e.operand)
    return lambda f: conv(x(f))


def _index(c: FunctionCompiler, e: ir.Index) -> Fn:
    assert e.array is not None
    access = c.access(e, e.array, e.indices)

    def load(f: list) -> Any:
        arr, i = access(f)
        return arr[i]

    return load


def _shape(c: FunctionCompiler, e: ir.Shape) -> Fn:
    assert e.array is not None
    slot, dim, int64 = c.slot(e.array.name, e.array), e.dim, ops.scalar_type("int64")
    return lambda f: int64(f[slot].shape[dim])


def _workitem(c: FunctionCompiler, e: ir.Call) -> Fn:
    attr, beyond = WORKITEM[e.name]
    beyond_v = ops.const("int64", beyond)
    arg = e.args[0]
    if isinstance(arg, ir.Const):
        d = int(arg.value)
        if not 0 <= d < 3:
            return lambda f: beyond_v
        return lambda f: getattr(f[0], attr)[d]
    dim = c.expr(arg)

    def dynamic(f: list) -> Any:
        d = int(dim(f))
        return getattr(f[0], attr)[d] if 0 <= d < 3 else beyond_v

    return dynamic


def _atomic(c: FunctionCompiler, e: ir.Call) -> Fn:
    array = e.args[0]
    if not isinstance(array, ir.Name) or not isinstance(array.type, ir.ArrayT):
        raise c.fail(f"{e.name} needs an array as first argument", e)
    ndim, elem = array.type.ndim, array.type.dtype
    access = c.access(e, array, e.args[1:1 + ndim])
    values = tuple(c.expr(v) for v in e.args[1 + ndim:])
    if e.name == "atomic_cas":
        expected, new, same = values[0], values[1], ops.cas_equal(elem)

        def cas(f: list) -> Any:
            arr, i = access(f)
            old, exp, val = arr[i], expected(f), new(f)
            if same(old, exp):
                arr[i] = val
            return old

        return cas
    update, (value,) = ops.atomic_update(e.name, elem), values

    def rmw(f: list) -> Any:  # single-threaded: a plain read-modify-write is atomic
        arr, i = access(f)
        old = arr[i]
        arr[i] = update(old, value(f))
        return old

    return rmw


def _call(c: FunctionCompiler, e: ir.Call) -> Fn:
    if e.name in WORKITEM:
        return _workitem(c, e)
    spec = intrinsics.lookup(e.name)
    if spec is not None and spec.category == "atomic":
        return _atomic(c, e)
    fn = ops.intrinsic_fn(e.name, tuple(_dtype(a) for a in e.args), _dtype(e))
    args = tuple(c.expr(a) for a in e.args)
    if len(args) == 1:
        (x,) = args
        return lambda f: fn(x(f))
    if len(args) == 2:
        x, y = args
        return lambda f: fn(x(f), y(f))
    return lambda f: fn(*(a(f) for a in args))


def _call_func(c: FunctionCompiler, e: ir.CallFunc) -> Fn:
    funcs, name = c.funcs, e.func
    if name not in funcs:
        raise c.fail(f"call of unknown device function {name!r}", e)
    args = tuple(c.expr(a) for a in e.args)
    missing = c.runtime_error(f"device function {name!r} ended without returning a value",
                              e.loc or c.loc)

    def call(f: list) -> Any:
        callee = funcs[name]
        frame = callee.template.copy()
        frame[0] = f[0]
        for k, a in enumerate(args, 2):
            frame[k] = a(f)
        callee.body(frame)
        r = frame[1]
        if r is None and callee.fn.ret is not None:
            raise missing(f)
        return r

    return call


EXPR: dict[type, Callable[[FunctionCompiler, Any], Fn]] = {
    ir.Const: _const, ir.Name: _name, ir.Unary: _unary, ir.Binary: _binary, ir.Compare: _compare,
    ir.Logical: _logical, ir.Select: _select, ir.Cast: _cast, ir.Index: _index, ir.Shape: _shape,
    ir.Call: _call, ir.CallFunc: _call_func,
}
