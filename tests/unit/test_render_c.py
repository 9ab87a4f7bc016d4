"""The C renderer without a device: spellings of every intrinsic, the checked literal function,
identifier mangling, and patterns in the generated OpenCL C and CUDA C."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from cambrian.compiler import intrinsics, ir
from cambrian.compiler.render_c import CUDA, OPENCL, mangle, render_cuda, render_opencl

I64, F32, F64 = ir.INT64, ir.Scalar("float32"), ir.FLOAT64


@pytest.mark.parametrize("r", [OPENCL, CUDA], ids=["opencl", "cuda"])
def test_every_intrinsic_is_spelled(r):
    missing = [n for n in intrinsics.TABLE if not r.spellings.get(n)]
    assert not missing


@pytest.mark.parametrize(("value", "dtype", "cl", "cu"), [
    (1.5, "float32", "0x1.8p+0f", "0x1.8p+0f"),
    (0.1, "float64", "0x1.999999999999ap-4", "0x1.999999999999ap-4"),
    (-0.0, "float64", "(-0x0p+0)", "(-0x0p+0)"),
    (math.inf, "float32", "INFINITY", "__int_as_float(0x7f800000)"),
    (-math.inf, "float64", "(-((double)INFINITY))", "(-__longlong_as_double(0x7ff0000000000000LL))"),
    (math.nan, "float32", "as_float(0x7fc00000U)", "__int_as_float(0x7fc00000)"),
    (-(2**63), "int64", "(-9223372036854775807L - 1L)", "(-9223372036854775807LL - 1LL)"),
    (2**64 - 1, "uint64", "18446744073709551615UL", "18446744073709551615ULL"),
    (-(2**31), "int32", "(-2147483647 - 1)", "(-2147483647 - 1)"),
    (200, "uint8", "((uchar)200)", "((unsigned char)200)"),
    (True, "bool", "true", "true"),
    (1 - 2j, "complex64", "cb_make_complex64(0x1p+0f, (-0x1p+1f))", "cb_make_complex64(0x1p+0f, (-0x1p+1f))"),
])
def test_literals_are_exact(value, dtype, cl, cu):
    assert OPENCL.literal(value, dtype) == cl
    assert CUDA.literal(value, dtype) == cu


def test_float32_literal_rounds_to_nearest_float32():
    text = OPENCL.literal(0.1, "float32")
    assert float.fromhex(text.rstrip("f")) == float(np.float32(0.1))


@pytest.mark.parametrize(("value", "dtype"), [
    (128, "int8"), (-1, "uint32"), (2**64, "uint64"), (1.5, "int32"), ("1); evil(", "int32"),
    ("0", "float32"), (2, "bool"), (1, "void")])
def test_bad_literals_are_refused(value, dtype):
    with pytest.raises(ValueError):
        OPENCL.literal(value, dtype)


def test_mangle_is_safe_and_injective():
    names = ["a", "a_b", "ab", "x41", "é", "ñame", "_", "A"]
    out = [mangle(n) for n in names]
    assert len(set(out)) == len(out)
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", m) for m in out)


def _module(body, params, locals_=(), **kw):
    fn = ir.Function("k", params, None, body, locals=locals_, is_kernel=True, py_name="k")
    return ir.Module(fn, **kw)


def _gid():
    return ir.Call(I64, name="get_global_id", args=(ir.Const(ir.INT32, value=0),))


def _binop_module(dtype, op, layout="C"):
    t = ir.Scalar(dtype)
    arr = ir.ArrayT(dtype, 1, layout=layout)
    a, i = ir.Name(arr, name="a"), ir.Name(I64, name="i")
    x = ir.Index(t, array=a, indices=(i,))
    body = (ir.Assign(name="i", value=_gid()),
            ir.Store(array=a, indices=(i,), value=ir.Binary(t, op=op, left=x, right=x)))
    return _module(body, (ir.Param("a", arr),), (("i", I64),))


def test_opencl_preamble_and_helpers_only_when_used():
    src = render_opencl(_binop_module("float32", "add")).source
    assert src.startswith("#pragma OPENCL FP_CONTRACT OFF")
    assert "cl_khr_fp64" not in src and "cb_" not in src and "s0_a" not in src
    assert "__kernel void k_k(__global float* restrict v_a, long o_a, long n0_a)" in src
    src64 = render_opencl(_binop_module("float64", "floordiv", layout="A")).source
    assert "#pragma OPENCL EXTENSION cl_khr_fp64 : enable" in src64
    assert "static inline double cb_fdiv_float64(double a, double b)" in src64 and "s0_a" in src64


@pytest.mark.parametrize(("dtype", "pattern"), [
    ("int32", "((int)((uint)v_a[o_a + v_i] + (uint)v_a[o_a + v_i]))"),
    ("int8", "((char)((uint)v_a[o_a + v_i] + (uint)v_a[o_a + v_i]))"),
    ("uint64", "(v_a[o_a + v_i] + v_a[o_a + v_i])"),
])
def test_signed_and_narrow_arithmetic_wraps_through_unsigned(dtype, pattern):
    assert pattern in render_opencl(_binop_module(dtype, "add")).source


def test_cuda_dialect_attributes():
    src = render_cuda(_binop_module("int64", "mod"))
    assert 'extern "C" __global__ void k_k(long long* __restrict__ v_a' in src
    assert "static __device__ __forceinline__ long long cb_mod_int64" in src
    assert "long long cb_gs0, long long cb_gs1, long long cb_gs2" in src
    assert "#pragma" not in src and "#include" not in src


def test_bounds_checked_access_and_local_arrays():
    arr = ir.ArrayT("float32", 2, layout="C")
    loc_t = ir.ArrayT("float32", 2, space="local", layout="C", shape=(4, 8))
    a, t, i = ir.Name(arr, name="a"), ir.Name(loc_t, name="tile"), ir.Name(I64, name="i")
    body = (ir.Assign(name="i", value=_gid()),
            ir.Store(array=t, indices=(i, i), value=ir.Index(F32, array=a, indices=(i, i))),
            ir.Barrier())
    m = _module(body, (ir.Param("a", arr),), (("i", I64), ("tile", loc_t)), boundscheck=True)
    r = render_opencl(m)
    assert "__local float v_tile[32];" in r.source
    assert "barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);" in r.source
    assert "__global long* cb_err" in r.source and r.source.count("cb_chk(") == 5  # 4 uses + definition
    assert [(s.array, s.axis, s.shape) for s in r.sites] == [
        ("a", 0, None), ("a", 1, None), ("tile", 0, (4, 8)), ("tile", 1, (4, 8))]
    cu = render_cuda(m)
    assert "__shared__ float v_tile[32];" in cu and "__syncthreads();" in cu
