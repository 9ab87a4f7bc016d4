"""Front end: Python kernels -> typed IR (shape of the IR, inferred types, casts, functions)."""

from __future__ import annotations

import linecache
import math

import numpy as np

import cambrian as cb
from cambrian.compiler import ir
from cambrian.compiler.frontend import infer_return_type, mangle, translate
from cambrian.kernels import func

F32, F64, I32, I64 = (ir.Scalar(d) for d in ("float32", "float64", "int32", "int64"))
SHAPE = (4, 8)
SCALE = 3


def arr(dtype: str, ndim: int = 1, layout: str = "C") -> ir.ArrayT:
    return ir.ArrayT(dtype, ndim, layout=layout)


def nodes(fn: ir.Function, cls: type) -> list:
    return [n for s in fn.body for n in ir.walk(s) if isinstance(n, cls)]


def local_types(m: ir.Module) -> dict[str, str]:
    return {n: t.dtype for n, t in m.kernel.locals}


# ----------------------------------------------------------------------------- basics


def vadd(a, b, c):
    i = cb.get_global_id(0)
    c[i] = a[i] + b[i]


def test_vadd_shape_and_locations():
    m = translate(vadd, (arr("float32"),) * 3)
    k = m.kernel
    assert k.is_kernel and k.ret is None and k.name == "vadd" and k.py_name == "vadd"
    assert [p.name for p in k.params] == ["a", "b", "c"]
    assert local_types(m) == {"i": "int64"}
    assign, store = k.body
    assert isinstance(assign, ir.Assign) and isinstance(assign.value, ir.Call)
    assert assign.value.name == "get_global_id" and assign.value.args[0].value == 0
    assert isinstance(store, ir.Store) and store.value.type == F32 and store.value.op == "add"
    assert store.loc.file == __file__ and store.loc.line == vadd.__code__.co_firstlineno + 2
    assert store.loc.col == 4
    assert not (m.uses_float64 or m.uses_barrier or m.uses_atomics or m.boundscheck)


def test_memoised_and_boundscheck_flag():
    t = (arr("float32"),) * 3
    assert translate(vadd, t) is translate(vadd, t)
    checked = translate(vadd, t, boundscheck=True)
    assert checked.boundscheck and checked is not translate(vadd, t)


def saxpy(a, x, y, out):
    i = cb.get_global_id(0)
    if i < x.shape[0]:
        out[i] = a * x[i] + y[i]


def test_saxpy_float32_scalar_and_int64_index_compare():
    m = translate(saxpy, (F32, arr("float32"), arr("float32"), arr("float32")))
    (cond,) = nodes(m.kernel, ir.If)
    assert isinstance(cond.cond, ir.Compare) and isinstance(cond.cond.right, ir.Shape)
    assert nodes(m.kernel, ir.Store)[0].value.type == F32
    assert not nodes(m.kernel, ir.Cast) and not m.uses_float64


# ----------------------------------------------------------------------------- typing of locals


def weak_acc(x, out):
    acc = 0.0
    for j in range(x.shape[0]):
        acc += x[j]
    s = 0
    s += x[0]
    out[0] = acc * 2.0 + s


def test_weak_literal_accumulators_adopt_strong_type():
    m = translate(weak_acc, (arr("float32"), arr("float32")))
    assert local_types(m) == {"acc": "float32", "j": "int64", "s": "float32"}
    assert not m.uses_float64
    consts = nodes(m.kernel, ir.Const)
    assert any(c.value == 2.0 and c.type == F32 for c in consts)


def int_acc(a, out):
    s = 0
    for j in range(4):
        s += a[j]
    out[0] = s


def test_int_accumulator_takes_int32():
    assert local_types(translate(int_acc, (arr("int32"), arr("int32"))))["s"] == "int32"
    assert local_types(translate(int_acc, (arr("int8"), arr("int8"))))["s"] == "int8"


def branches(a, out):
    i = cb.get_global_id(0)
    if a[i] > 0:
        v = a[i]
    else:
        v = 1.5
    w: cb.float32 = 1
    out[i] = v + w


def test_unification_across_branches_and_annotations():
    m = translate(branches, (arr("int16"), arr("float64")))
    assert local_types(m)["v"] == "float64"  # int16 and a weak float -> float64
    assert local_types(m)["w"] == "float32"
    m32 = translate(branches, (arr("float32"), arr("float32")))
    assert local_types(m32)["v"] == "float32" and not m32.uses_float64


def widen(a, b, out):
    x = a[0]
    x = b[0]
    out[0] = x


def test_variable_widens_and_earlier_assignment_casts():
    m = translate(widen, (arr("int8"), arr("float32"), arr("float32")))
    assert local_types(m)["x"] == "float32"
    first = m.kernel.body[0]
    assert isinstance(first.value, ir.Cast) and first.value.operand.type == ir.Scalar("int8")


def swap(a, out):
    x = a[0]
    y = a[1]
    x, y = y, x
    out[0] = x
    out[1] = y


def test_tuple_swap_uses_temporaries():
    m = translate(swap, (arr("float32"), arr("float32")))
    names = [s.name for s in m.kernel.body if isinstance(s, ir.Assign)]
    assert names == ["x", "y", "_t0", "x", "y"]  # y's new value (old x) is saved first
    t0 = m.kernel.body[2]
    assert t0.value.name == "x" and m.kernel.body[4].value.name == "_t0"


def shapes(a, out):
    h, w = a.shape
    out[0] = h * w + a.ndim + len(a) + a.size


def test_shape_unpacking_ndim_len_size():
    m = translate(shapes, (arr("float64", 2, "A"), arr("int64")))
    assert local_types(m) == {"h": "int64", "w": "int64"}
    dims = sorted(s.dim for s in nodes(m.kernel, ir.Shape))
    assert dims == [0, 0, 0, 1, 1]  # h, w, len, size = shape0 * shape1
    assert any(isinstance(c, ir.Const) and c.value == 2 for c in nodes(m.kernel, ir.Const))


def chain(a, out):
    i = cb.get_global_id(0)
    out[i] = 0 <= a[i] < 10


def test_chained_compare_binds_middle_operand_once():
    m = translate(chain, (arr("int32"), arr("bool")))
    (logical,) = nodes(m.kernel, ir.Logical)
    assert logical.op == "and"
    assert logical.left.right.name == logical.right.left.name == "_t0"
    assert len(nodes(m.kernel, ir.Index)) == 1  # a[i] evaluated once, into _t0


def loops(a, n):
    for i in range(n, 0, -2):
        a[i] = i
    k = 0
    while k < n:
        k += 1
        if k == 3:
            continue
        if k > 7:
            break


def test_loops_negative_step_while_break_continue():
    m = translate(loops, (arr("int32"), I32))
    loop = m.kernel.body[0]
    assert isinstance(loop, ir.For) and loop.var == "i" and loop.step.value == -2
    assert isinstance(loop.start, ir.Cast) and loop.start.type == I64  # n: int32 -> int64
    assert local_types(m) == {"i": "int64", "k": "int64"}
    assert len(nodes(m.kernel, ir.Break)) == 1 and len(nodes(m.kernel, ir.Continue)) == 1
    store = nodes(m.kernel, ir.Store)[0]
    assert isinstance(store.value, ir.Cast) and store.value.type == I32


def bool_ops(a, out):
    i = cb.get_global_id(0)
    if (a[i] and not a[i + 1]) or i:
        out[i] = a[i] if i > 2 else -a[i]


def test_boolop_converts_to_bool_and_select():
    m = translate(bool_ops, (arr("float32"), arr("float32")))
    logical = nodes(m.kernel, ir.Logical)
    assert {x.op for x in logical} == {"and", "or"}
    ne = [c for c in nodes(m.kernel, ir.Compare) if c.op == "ne"]
    assert len(ne) == 3  # a[i] != 0, a[i+1] != 0, i != 0
    (sel,) = nodes(m.kernel, ir.Select)
    assert sel.type == F32 and sel.cond.type == ir.BOOL


# ----------------------------------------------------------------------------- intrinsics, casts


def maths(x, out):
    i = cb.get_global_id(0)
    out[i] = math.sqrt(x[i]) + np.sin(x[i]) + math.floor(x[i]) + min(x[i], 0) + abs(x[i]) * math.pi


def test_math_keeps_float32_and_weak_constants():
    m = translate(maths, (arr("float32"), arr("float32")))
    calls = {c.name: c for c in nodes(m.kernel, ir.Call)}
    assert {"sqrt", "sin", "floor", "min", "abs"} <= set(calls)
    assert all(c.type == F32 for c in calls.values() if c.name != "get_global_id")
    assert calls["min"].args[1] == ir.Const(F32, value=0.0, loc=calls["min"].args[1].loc)
    assert not m.uses_float64
    mi = translate(maths, (arr("int32"), arr("float64")))
    assert {c.type for c in nodes(mi.kernel, ir.Call) if c.name == "sqrt"} == {F64}


def casts(x, out):
    i = cb.get_global_id(0)
    out[i] = cb.float32(x[i]) + np.float32(1) + float(i) + int(x[i])


def test_casts():
    m = translate(casts, (arr("int16"), arr("float64")))
    cast_types = {c.type.dtype for c in nodes(m.kernel, ir.Cast)}
    assert {"float32", "float64", "int64"} <= cast_types


def cplx(z, out):
    i = cb.get_global_id(0)
    w = complex(out[i].real, 2.0) * z[i].conjugate()
    out[i] = w + abs(w) + z[i].imag


def test_complex():
    m = translate(cplx, (arr("complex64"), arr("complex64")))
    assert local_types(m)["w"] == "complex64"
    names = {c.name for c in nodes(m.kernel, ir.Call)}
    assert {"complex", "conjugate", "real", "imag", "abs"} <= names
    assert not m.uses_float64


def tiles(a, out):
    t = cb.local_array(SHAPE, cb.float32)
    p = cb.private_array(SCALE, "int32")
    lx = cb.get_local_id(0)
    t[0, lx] = a[lx]
    p[0] = 1
    cb.barrier()
    cb.atomic_add(out, lx, t[0, lx])
    old = cb.atomic_cas(out, (lx,), 1.0, 2)
    out[0] = old + p[0]


def test_local_private_arrays_barrier_atomics():
    m = translate(tiles, (arr("float32"), arr("float32")))
    decls = {d.name: d.type for d in nodes(m.kernel, ir.ArrayDecl)}
    assert decls["t"] == ir.ArrayT("float32", 2, space="local", layout="C", shape=(4, 8))
    assert decls["p"] == ir.ArrayT("int32", 1, space="private", layout="C", shape=(3,))
    assert m.uses_barrier and m.uses_atomics and len(nodes(m.kernel, ir.Barrier)) == 1
    add, cas = (c for c in nodes(m.kernel, ir.Call) if c.name.startswith("atomic"))
    assert isinstance(add.args[0], ir.Name) and len(add.args) == 3 and add.type == F32
    assert len(cas.args) == 4 and all(a.type == F32 for a in cas.args[1 + 1:])
    assert dict(m.kernel.locals)["t"] == decls["t"]


def atomic2d(h, out):
    cb.atomic_add(h, 1, 2, 1)


def test_atomic_2d_separate_indices():
    m = translate(atomic2d, (arr("int32", 2), arr("int32")))
    (call,) = nodes(m.kernel, ir.Call)
    assert [a.type for a in call.args[1:]] == [I64, I64, I32]


# ----------------------------------------------------------------------------- device functions


@func
def square(x):
    return x * x


@func
def clamp(x, lo, hi):
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


@func
def write(out, i, v):
    out[i] = v


def uses_funcs(a, b, out):
    i = cb.get_global_id(0)
    out[i] = square(a[i]) + square(b[i]) + clamp(a[i], 0, 1)
    write(out, i, 1)


def test_device_functions_specialised_and_callees_first():
    m = translate(uses_funcs, (arr("float32"), arr("int32"), arr("float64")))
    by_py = {}
    for f in m.funcs:
        by_py.setdefault(f.py_name, []).append(f)
    sq = {f.params[0].type.dtype: f for f in by_py["square"]}
    assert set(sq) == {"float32", "int32"} and sq["int32"].ret == I32 and sq["float32"].ret == F32
    names = [f.name for f in m.funcs]
    assert len(set(names)) == len(names)
    assert all(mangle(n) == n for n in names)
    (cl,) = by_py["clamp"]
    # literal arguments take their default dtype (int64): float32 and int64 returns promote to float64
    assert [p.type for p in cl.params] == [F32, I64, I64] and cl.ret == F64
    (wr,) = by_py["write"]
    assert wr.ret is None
    stmt = next(s for s in m.kernel.body if isinstance(s, ir.ExprStmt))
    assert isinstance(stmt.value, ir.CallFunc) and stmt.value.func == wr.name


@func
def outer(x):
    return square(x) + 1


def nested(a):
    a[0] = outer(a[0])


def test_nested_device_functions_callee_first():
    m = translate(nested, (arr("float32"),))
    assert [f.py_name for f in m.funcs] == ["square", "outer"]


def test_infer_return_type():
    assert infer_return_type(square, (I32,)) == I32
    assert infer_return_type(clamp, (F32, F32, F32)) == F32
    assert infer_return_type(clamp, (I32, ir.Scalar("int8"), ir.Scalar("int8"))) == I32
    # uint8 / int -> float64 (NumPy true division of integers), joined with float32 -> float64
    assert infer_return_type(lambda_free, (ir.Scalar("uint8"), F32)) == F64
    assert infer_return_type(lambda_free, (F32, ir.Scalar("int8"))) == F32


def lambda_free(a, b):
    return a / 1 if a > 0 else b


def _factory(k):
    @func
    def scaled(x):
        return x * k

    return scaled


s2, s3 = _factory(2), _factory(3)


def two_closures(a):
    a[0] = s2(a[0]) + s3(a[0])


def test_mangling_of_same_qualname_closures():
    m = translate(two_closures, (arr("int32"),))
    names = [f.name for f in m.funcs]
    assert len(names) == 2 and len(set(names)) == 2
    consts = sorted(n.value for f in m.funcs for n in nodes(f, ir.Const))
    assert consts == [2, 3]


def test_mangle():
    assert mangle("f.<locals>.g") == "f_locals__g" or mangle("f.<locals>.g").isidentifier()
    for text in ("kernel", "int", "3d", "héllo", "a.b"):
        out = mangle(text)
        assert out.isidentifier() and out.isascii() and out not in ("kernel", "int")


def test_generated_function_from_linecache():
    src = "def gen(a):\n    a[0] = a[0] * 2\n"
    fname = "<cambrian-test-generated>"
    linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
    ns: dict = {}
    exec(compile(src, fname, "exec"), ns)
    m = translate(ns["gen"], (arr("int16"),))
    (store,) = m.kernel.body
    assert store.loc.file == fname and store.loc.line == 2 and store.value.type == ir.Scalar("int16")


class Holder:
    @staticmethod
    def method_kernel(a):
        a[0] = 1


def test_indented_source_maps_real_lines_and_columns():
    m = translate(Holder.method_kernel, (arr("float32"),))
    (store,) = m.kernel.body
    assert store.loc.line == Holder.method_kernel.__code__.co_firstlineno + 2
    assert store.loc.col == 8
    assert m.kernel.name.isidentifier()
