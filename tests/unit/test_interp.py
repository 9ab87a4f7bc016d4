"""The interp backend: contract, execution model (groups, barriers, local memory), atomics, bounds
errors, device functions, control flow and tracing, on hand-built IR."""

from __future__ import annotations

import time

import numpy as np
import pytest

from cambrian.backends import get_backend, interp
from cambrian.backends import interp_build as B
from cambrian.backends.base import ArrayArg
from cambrian.compiler import ir
from cambrian.errors import KernelIndexError, KernelRuntimeError, LaunchError, Loc

BE = interp.BACKEND
DEV = BE.discover()[0]
I64 = "int64"
FILE = "/src/kernels.py"


def at(line: int) -> Loc:
    return Loc(FILE, line)


def assign(name: str, value: ir.Expr, line: int | None = None) -> ir.Assign:
    return ir.Assign(name=name, value=value, loc=at(line) if line else None)


def launch(module: ir.Module, gsize, args, lsize=None) -> None:
    program = BE.compile(DEV, module)
    ev = BE.launch(DEV, DEV.queue, program, gsize, lsize, args)
    assert ev.complete
    ev.wait()


# --------------------------------------------------------------------------- backend contract


def test_discover_and_registry():
    assert get_backend("interp") is BE and BE.name == "interp" and not BE.asynchronous
    assert (DEV.backend, DEV.kind, DEV.ordinal, str(DEV)) == ("interp", "cpu", None, "interp")
    assert DEV.name == "Cambrian reference interpreter" and DEV.vendor == "Cambrian"
    assert DEV.max_work_group_size == 1024 and DEV.compute_units == 1 and DEV.global_memory > 0
    assert DEV.supports_float64 and DEV.supports_atomics and DEV.supports_local_memory
    BE.self_test(DEV)


def test_allocator_roundtrip_and_copy():
    buf = BE.alloc(DEV, 0)
    assert buf.dtype == np.uint8 and buf.size == 1
    buf = BE.alloc(DEV, 64)
    host = np.arange(8, dtype=np.float32)
    BE.write(DEV, buf, 0, host, DEV.queue).wait()
    BE.copy(DEV, buf, 32, buf, 0, 32, DEV.queue).wait()
    out = np.empty(16, np.float32)
    BE.read(DEV, buf, 0, out, DEV.queue)
    assert out.tolist() == [*range(8), *range(8)]
    assert BE.host_view(DEV, buf) is buf


def test_compile_is_memoised_and_source_is_readable():
    module = B.vadd_module("float64")
    assert BE.compile(DEV, module) is BE.compile(DEV, B.vadd_module("float64"))
    text = BE.source(DEV, module)
    assert "def vadd(a: global array(float64, 1d, A)" in text
    assert "i = get_global_id(0)" in text and "c[i] = a[i] + b[i]" in text


def test_vadd_with_array_args_from_buffers_offsets_and_strides():
    n = 6
    buf = BE.alloc(DEV, 4 * 4 * n)
    BE.write(DEV, buf, 0, np.arange(4 * n, dtype=np.int32), DEV.queue)
    a = ArrayArg(buf, 0, (n,), (1,), "int32")  # 0..5
    b = ArrayArg(buf, 4 * n - 1, (n,), (-2,), "int32")  # 23, 21, ..., 13
    c = ArrayArg(buf, n, (n,), (1,), "int32")
    launch(B.vadd_module("int32"), (n,), [a, b, c])
    assert interp.element_view(c).tolist() == [i + 23 - 2 * i for i in range(n)]


def test_vadd_1024_is_fast():
    n = 1024
    a, b, c = np.arange(n, dtype=np.float32), np.ones(n, np.float32), np.zeros(n, np.float32)
    module = B.vadd_module()
    BE.compile(DEV, module)
    start = time.perf_counter()
    launch(module, (n,), [a, b, c])
    assert time.perf_counter() - start < 0.5
    assert np.array_equal(c, a + b)


def test_launch_errors():
    a = np.zeros(8, np.float32)
    module = B.vadd_module()
    with pytest.raises(LaunchError, match="takes 3 arguments"):
        launch(module, (8,), [a, a])
    with pytest.raises(LaunchError, match="not a multiple"):
        launch(module, (8,), [a, a, a], (3,))
    with pytest.raises(LaunchError, match="exceeds"):
        launch(module, (2048,), [a, a, a], (2048,))
    with pytest.raises(LaunchError, match="float32 array"):
        launch(module, (8,), [a, a, np.zeros(8)])


def test_default_local_size():
    assert interp.default_local_size((1000,)) == (50,)
    assert interp.default_local_size((128, 3)) == (64, 1)
    assert interp.default_local_size((7, 5, 2)) == (7, 1, 1)
    assert interp.default_local_size((0,)) == (1,)


# --------------------------------------------------------------------------- work-items and groups

WORKITEM_FNS = ("get_global_id", "get_local_id", "get_group_id", "get_global_size", "get_local_size",
                "get_num_groups")


def test_workitem_ids_2d_and_beyond_launch_dims():
    out = B.array("out", I64, 4)
    x, y = B.name("x", I64), B.name("y", I64)
    body = [assign("x", B.workitem("get_global_id", 0)), assign("y", B.workitem("get_global_id", 1))]
    for k, fname in enumerate(WORKITEM_FNS):
        for d in range(4):
            body.append(B.store(out, (x, y, B.i64(k), B.i64(d)), B.workitem(fname, d)))
    res = np.full((4, 6, 6, 4), -1, np.int64)
    launch(B.module("ids", (out,), tuple(body), (x, y)), (4, 6), [res], (2, 3))
    gx, gy = np.meshgrid(np.arange(4), np.arange(6), indexing="ij")
    assert np.array_equal(res[:, :, 0, 0], gx) and np.array_equal(res[:, :, 0, 1], gy)
    assert np.array_equal(res[:, :, 1, 0], gx % 2) and np.array_equal(res[:, :, 1, 1], gy % 3)
    assert np.array_equal(res[:, :, 2, 0], gx // 2) and np.array_equal(res[:, :, 2, 1], gy // 3)
    assert (res[:, :, 3, :3] == [4, 6, 1]).all() and (res[:, :, 4, :3] == [2, 3, 1]).all()
    assert (res[:, :, 5, :3] == [2, 2, 1]).all()
    assert (res[:, :, 0:3, 2:] == 0).all() and (res[:, :, 3:, 3] == 1).all()


def _local_reverse_module() -> ir.Module:
    a, out = B.array("a", "float32"), B.array("out", "float32")
    tmp = B.array("tmp", "float32", space="local", shape=(8,))
    g, li, n = B.name("g", I64), B.name("l", I64), B.name("n", I64)
    body = (
        ir.ArrayDecl(name="tmp", type=tmp.type),
        assign("g", B.workitem()), assign("l", B.workitem("get_local_id")),
        assign("n", B.workitem("get_local_size")),
        B.store(tmp, li, B.load(a, g)),
        ir.Barrier(loc=at(5)),
        B.store(out, g, B.load(tmp, B.binary("sub", B.binary("sub", n, B.i64(1)), li))),
    )
    return B.module("reverse", (a, out), body, (g, li, n))


def test_barrier_and_local_memory_reverse_each_group():
    a, out = np.arange(32, dtype=np.float32), np.zeros(32, np.float32)
    launch(_local_reverse_module(), (32,), [a, out], (8,))
    assert np.array_equal(out, a.reshape(4, 8)[:, ::-1].ravel())


def _reduction_module(with_divergence: bool = False) -> ir.Module:
    a, out = B.array("a", "float64"), B.array("out", "float64")
    tmp = B.array("tmp", "float64", space="local", shape=(16,))
    li, s = B.name("l", I64), B.name("s", I64)
    cond = B.compare("lt", li, s)
    update = B.store(tmp, li, B.binary("add", B.load(tmp, li), B.load(tmp, B.binary("add", li, s))))
    loop_body = (ir.If(cond=cond, body=(update, ir.Barrier(loc=at(9))) if with_divergence else (update,)),
                 ir.Barrier(loc=at(10)), assign("s", B.binary("floordiv", s, B.i64(2))))
    body = (
        ir.ArrayDecl(name="tmp", type=tmp.type),
        assign("l", B.workitem("get_local_id")),
        B.store(tmp, li, B.load(a, B.workitem())),
        ir.Barrier(loc=at(4)),
        assign("s", B.binary("floordiv", B.workitem("get_local_size"), B.i64(2))),
        ir.While(cond=B.compare("gt", s, B.i64(0)), body=loop_body),
        ir.If(cond=B.compare("eq", li, B.i64(0)),
              body=(B.store(out, B.workitem("get_group_id"), B.load(tmp, B.i64(0))),)),
    )
    return B.module("reduce", (a, out), body, (li, s))


def test_local_memory_tree_reduction():
    a, out = np.arange(64, dtype=np.float64), np.zeros(4)
    launch(_reduction_module(), (64,), [a, out], (16,))
    assert out.tolist() == a.reshape(4, 16).sum(axis=1).tolist()


def test_barrier_divergence_different_barriers():
    a, out = np.arange(16, dtype=np.float64), np.zeros(1)
    with pytest.raises(KernelRuntimeError, match=r"barrier divergence in kernel 'reduce'.*kernels.py:1[0-9]"):
        launch(_reduction_module(with_divergence=True), (16,), [a, out], (16,))


def test_barrier_divergence_item_finishes_early():
    li = B.name("l", I64)
    body = (assign("l", B.workitem("get_local_id")),
            ir.If(cond=B.compare("ge", li, B.i64(2)), body=(ir.Return(),)),
            ir.Barrier(loc=at(3)))
    with pytest.raises(KernelRuntimeError, match=r"local id \(2,\) finished.*kernels.py:3"):
        launch(B.module("early", (), body, (li,)), (4,), [], (4,))


def test_private_arrays_are_per_item():
    out = B.array("out", I64)
    p = B.array("p", I64, space="private", shape=(2,))
    g = B.name("g", I64)
    body = (ir.ArrayDecl(name="p", type=p.type), assign("g", B.workitem()),
            B.store(p, B.i64(1), B.binary("add", B.load(p, B.i64(1)), g)),
            B.store(out, g, B.load(p, B.i64(1))))
    res = np.zeros(5, np.int64)
    launch(B.module("priv", (out,), body, (g,)), (5,), [res], (5,))
    assert res.tolist() == [0, 1, 2, 3, 4]


# --------------------------------------------------------------------------- atomics


def _atomic_module(fname: str, dtype: str, nvalues: int = 1) -> ir.Module:
    """``old[i] = fname(target, idx[i], v[i], ...)``."""
    target, idx, old = B.array("target", dtype), B.array("idx", I64), B.array("old", dtype)
    vals = tuple(B.array(f"v{k}", dtype) for k in range(nvalues))
    i = B.name("i", I64)
    call = B.call(fname, dtype, target, B.load(idx, i), *(B.load(v, i) for v in vals))
    body = (assign("i", B.workitem()), B.store(old, i, call))
    return B.module(fname, (target, idx, old, *vals), body, (i,))


def test_atomic_add_histogram():
    data = np.random.default_rng(0).integers(0, 10, 200)
    hist, old = np.zeros(10, np.int32), np.zeros(200, np.int32)
    launch(_atomic_module("atomic_add", "int32"), (200,), [hist, data, old, np.ones(200, np.int32)])
    assert np.array_equal(hist, np.bincount(data, minlength=10))
    for b in range(10):  # the old values of one bin are 0, 1, 2, ... in launch order
        assert old[data == b].tolist() == list(range(int((data == b).sum())))


@pytest.mark.parametrize("fname,start,values,final", [
    ("atomic_sub", 10, [1, 2, 3], 4),
    ("atomic_min", 5, [7, 2, 9], 2),
    ("atomic_max", 5, [7, 2, 9], 9),
    ("atomic_xchg", 5, [7, 2, 9], 9),
])
@pytest.mark.parametrize("dtype", ["int32", "uint64", "float32", "float64"])
def test_atomic_read_modify_write_returns_old(fname, start, values, final, dtype):
    target, old = np.array([start], dtype), np.zeros(3, dtype)
    launch(_atomic_module(fname, dtype), (3,), [target, np.zeros(3, np.int64), old, np.array(values, dtype)])
    assert target[0] == final
    assert old[0] == start and old.dtype == np.dtype(dtype)


def test_atomic_wraps_and_float_min_propagates_nan():
    t = np.array([2**31 - 1], np.int32)
    launch(_atomic_module("atomic_add", "int32"), (1,), [t, np.zeros(1, np.int64), np.zeros(1, np.int32),
                                                        np.ones(1, np.int32)])
    assert t[0] == -(2**31)
    f = np.array([1.0])
    launch(_atomic_module("atomic_min", "float64"), (1,), [f, np.zeros(1, np.int64), np.zeros(1),
                                                          np.array([np.nan])])
    assert np.isnan(f[0])


def test_atomic_cas():
    target, old = np.array([0, 5], np.int64), np.zeros(3, np.int64)
    idx = np.array([0, 0, 1], np.int64)
    expected, value = np.array([0, 0, 4], np.int64), np.array([7, 8, 9], np.int64)
    launch(_atomic_module("atomic_cas", "int64", 2), (3,), [target, idx, old, expected, value])
    assert target.tolist() == [7, 5] and old.tolist() == [0, 7, 5]
    ft, fold = np.array([-0.0, np.nan], np.float32), np.zeros(2, np.float32)
    launch(_atomic_module("atomic_cas", "float32", 2), (2,),  # bitwise compare: -0.0 != 0.0, nan == nan
           [ft, np.arange(2), fold, np.array([0.0, np.nan], np.float32), np.array([1, 2], np.float32)])
    assert ft.tolist()[1] == 2.0 and np.signbit(ft[0])


# --------------------------------------------------------------------------- bounds errors


def test_out_of_bounds_load_names_kernel_line_index_shape():
    a, out = B.array("a", "float32"), B.array("out", "float32")
    i = B.name("i", I64)
    body = (assign("i", B.workitem(), 1),
            B.store(out, i, B.load(a, B.binary("add", i, B.i64(1)), loc=at(2)), loc=at(2)))
    module = B.module("shift", (a, out), body, (i,))
    with pytest.raises(IndexError) as err:
        launch(module, (4,), [np.zeros(4, np.float32), np.zeros(4, np.float32)])
    msg = str(err.value)
    assert isinstance(err.value, KernelIndexError) and isinstance(err.value, IndexError)
    for part in ("'shift'", f"{FILE}:2", "index 4 out of bounds for axis 0", "array 'a'", "shape (4,)",
                 "global id (3,)"):
        assert part in msg


def test_negative_and_2d_indices_are_out_of_bounds():
    m = B.array("m", "int32", 2)
    i = B.name("i", I64)
    body = (assign("i", B.workitem()),
            B.store(m, (B.binary("sub", i, B.i64(1)), B.i64(0)), B.const(1, "int32"), loc=at(7)))
    res = np.zeros((3, 2), np.int32)
    with pytest.raises(IndexError, match=r"index -1 out of bounds for axis 0 with size 3 of array 'm' "
                                         r"\(shape \(3, 2\)\)"):
        launch(B.module("neg", (m,), body, (i,)), (3,), [res])
    assert not res.any()  # item 0 failed before any store
    body2 = (assign("i", B.workitem()), B.store(m, (B.i64(0), B.binary("add", i, B.i64(1))),
                                                B.const(1, "int32"), loc=at(8)))
    with pytest.raises(IndexError, match=r"index 2 out of bounds for axis 1 .*kernels.py:8"):
        launch(B.module("col", (m,), body2, (i,)), (2,), [res])


def test_short_circuit_and_select_skip_the_other_side():
    a, out = B.array("a", "int32"), B.array("out", "int32")
    i = B.name("i", I64)
    oob = B.load(a, B.i64(100))
    in_range = B.compare("lt", i, B.i64(3))
    body = (assign("i", B.workitem()),
            B.store(out, i, ir.Select(ir.Scalar("int32"), cond=in_range, a=B.load(a, i),
                                      b=B.const(-1, "int32"))),
            ir.If(cond=ir.Logical(ir.BOOL, op="and", left=B.compare("gt", i, B.i64(9)),
                                  right=B.compare("eq", oob, B.const(0, "int32"))),
                  body=(ir.Return(),)),
            ir.If(cond=ir.Logical(ir.BOOL, op="or", left=B.compare("ge", i, B.i64(0)),
                                  right=B.compare("eq", oob, B.const(0, "int32"))),
                  body=(B.store(a, i, B.const(7, "int32")),)))
    av, res = np.arange(4, dtype=np.int32), np.zeros(4, np.int32)
    launch(B.module("sc", (a, out), body, (i,)), (4,), [av, res])
    assert res.tolist() == [0, 1, 2, -1] and av.tolist() == [7] * 4


# --------------------------------------------------------------------------- functions, control flow


def _factorial() -> ir.Function:
    n = B.name("n", I64)
    rec = ir.CallFunc(ir.INT64, func="fact_i64", args=(B.binary("sub", n, B.i64(1)),))
    body = (ir.If(cond=B.compare("le", n, B.i64(1)), body=(ir.Return(value=B.i64(1)),)),
            ir.Return(value=B.binary("mul", n, rec)))
    return B.function("fact_i64", (n,), body, ret=I64)


def test_recursive_device_function():
    out, i = B.array("out", I64), B.name("i", I64)
    body = (assign("i", B.workitem()),
            B.store(out, i, ir.CallFunc(ir.INT64, func="fact_i64", args=(i,))))
    res = np.zeros(8, np.int64)
    launch(B.module("facts", (out,), body, (i,), funcs=(_factorial(),)), (8,), [res])
    assert res.tolist() == [1, 1, 2, 6, 24, 120, 720, 5040]


def test_device_function_without_return_value_raises():
    x = B.name("x", I64)
    f = B.function("noret", (x,), (ir.If(cond=B.compare("gt", x, B.i64(0)), body=(ir.Return(value=x),)),),
                   ret=I64)
    out = B.array("out", I64)
    body = (B.store(out, B.workitem(), ir.CallFunc(ir.INT64, func="noret", args=(B.i64(-1),), loc=at(4))),)
    with pytest.raises(KernelRuntimeError, match=r"'noret' ended without returning.*kernels.py:4"):
        launch(B.module("callnoret", (out,), body, funcs=(f,)), (1,), [np.zeros(1, np.int64)])


def test_for_while_break_continue():
    """``for k in range(10, -1, -3)``: skip k == 7, stop at k == 1; then a while loop counting down."""
    out, k, acc = B.array("out", I64), B.name("k", I64), B.name("acc", I64)
    loop = ir.For(var="k", start=B.i64(10), stop=B.i64(-1), step=B.i64(-3), body=(
        ir.If(cond=B.compare("eq", k, B.i64(7)), body=(ir.Continue(),)),
        ir.If(cond=B.compare("eq", k, B.i64(1)), body=(ir.Break(),)),
        assign("acc", B.binary("add", B.binary("mul", acc, B.i64(100)), k))))
    wloop = ir.While(cond=B.const(True, "bool"), body=(
        ir.If(cond=B.compare("le", k, B.i64(-3)), body=(ir.Break(),)),
        assign("k", B.binary("sub", k, B.i64(1)))))
    body = (assign("acc", B.i64(0)), loop, B.store(out, B.i64(0), acc), wloop, B.store(out, B.i64(1), k))
    res = np.zeros(2, np.int64)
    launch(B.module("loops", (out,), body, (k, acc)), (1,), [res])
    assert res.tolist() == [1004, -3]


def test_zero_range_step_raises():
    loop = ir.For(var="k", start=B.i64(0), stop=B.i64(3), step=B.i64(0), body=(), loc=at(12))
    with pytest.raises(KernelRuntimeError, match=r"step is zero in kernel 'zs'.*kernels.py:12"):
        launch(B.module("zs", (), (loop,), (B.name("k", I64),)), (1,), [])


def test_shape_and_scalar_params():
    m, out, s = B.array("m", "float32", 2), B.array("out", I64), B.name("s", "int8")
    body = (B.store(out, B.i64(0), ir.Shape(ir.INT64, array=m, dim=1)),
            B.store(out, B.i64(1), B.cast(B.binary("add", s, B.const(100, "int8")), I64)))
    res = np.zeros(2, np.int64)
    launch(B.module("shp", (m, out, s), body), (1,), [np.zeros((2, 5), np.float32), res, np.int8(100)])
    assert res.tolist() == [5, -56]


# --------------------------------------------------------------------------- tracing


def test_trace_reports_each_statement_with_locals():
    a, out = B.array("a", I64), B.array("out", I64)
    i, t = B.name("i", I64), B.name("t", I64)
    body = (assign("i", B.workitem(), 1), assign("t", B.binary("mul", B.load(a, i), B.i64(2)), 2),
            B.store(out, i, t, loc=at(3)))
    module = B.module("twice", (a, out), body, (i, t))
    events: list[interp.TraceEvent] = []
    res = np.zeros(3, np.int64)
    with interp.trace(events.append):
        launch(module, (3,), [np.array([5, 6, 7]), res])
    assert res.tolist() == [10, 12, 14] and len(events) == 9
    assert [e.loc.line for e in events[:3]] == [1, 2, 3]
    last = events[-1]
    assert (last.kernel, last.function, last.global_id, last.local_id) == ("twice", "twice", (2,), (2,))
    assert last.locals["i"] == 2 and last.locals["t"] == 14 and "out" in last.locals
    events.clear()
    launch(module, (3,), [np.array([5, 6, 7]), res])  # outside the context: no tracing
    assert events == []


def test_trace_inside_device_functions_and_barrier_kernels():
    events: list[interp.TraceEvent] = []
    out, i = B.array("out", I64), B.name("i", I64)
    body = (assign("i", B.workitem()), ir.Barrier(),
            B.store(out, i, ir.CallFunc(ir.INT64, func="fact_i64", args=(B.i64(3),))))
    res = np.zeros(2, np.int64)
    with interp.trace(events.append):
        launch(B.module("tr", (out,), body, (i,), funcs=(_factorial(),)), (2,), [res], (2,))
    assert res.tolist() == [6, 6]
    assert {e.function for e in events} == {"tr", "fact_i64"}
    assert [e.global_id for e in events[:4]] == [(0,), (0,), (1,), (1,)]  # round-robin to the barrier


def test_barrier_in_device_function_is_inlined_into_the_kernel():
    f = B.function("sync", (), (ir.Barrier(),))
    body = (ir.ExprStmt(value=ir.CallFunc(ir.BOOL, func="sync")),)
    program = BE.compile(DEV, B.module("callsync", (), body, funcs=(f,)))
    assert program.module.funcs == () and isinstance(program.module.kernel.body[0], ir.Barrier)


def test_integer_truediv_gives_float64_like_numpy():
    x, y, out = B.array("x", "int32"), B.array("y", "int32"), B.array("out", "float64")
    i = B.name("i", I64)
    div = ir.Binary(ir.FLOAT64, op="truediv", left=B.load(x, i), right=B.load(y, i))
    res = np.zeros(3)
    launch(B.module("tdiv", (x, y, out), (assign("i", B.workitem()), B.store(out, i, div)), (i,)), (3,),
           [np.array([1, -7, 1], np.int32), np.array([3, 2, 0], np.int32), res])
    assert res.tolist() == [1 / 3, -3.5, np.inf]


def test_array_arg_flat_view_is_memoized_and_needs_c_order():
    buf = np.arange(12, dtype=np.int32)
    a = ArrayArg(buf, 0, (3, 4), (4, 1), "int32", view=buf.reshape(3, 4))
    f = a.flat()
    assert f is a.flat() and f.shape == (12,) and f.strides == (1,) and f.typekey == ("int32", 1, "C")
    assert f.view.tolist() == list(range(12))
    one = ArrayArg(buf, 2, (5,), (1,), "int32")
    assert one.flat() is one
    with pytest.raises(ValueError, match="C-contiguous"):
        ArrayArg(buf, 0, (3, 4), (1, 3), "int32").flat()
