"""Front-end side of the kernel reliability fixes (issues 19 and 20), no device needed: integer
constant expressions are exact and rejected beyond 64 bits, device function signatures, and the
CUDA C of fmin/fmax compiles with nvcc."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.compiler import ir, render_c
from cambrian.kernels import parse_func_signature

from .nvcc import NVCC, compile_failures

I64 = np.zeros(2, np.int64)
U64 = np.zeros(2, np.uint64)
F64 = np.zeros(2, np.float64)


def _const_of(kern: cb.Kernel, *args: object) -> object:
    """The value stored by a kernel whose body is ``out[0] = <constant>``."""
    (store,) = [s for s in kern.ir(*args).kernel.body if isinstance(s, ir.Store)]
    assert isinstance(store.value, ir.Const), store.value
    return store.value.value


@cb.kernel
def square_overflows(out):
    out[0] = 3037000500 * 3037000500


@cb.kernel
def pow_plus_overflows(out):
    out[0] = 2**70 + 1


@cb.kernel
def neg_overflows(out):
    out[0] = -(2**63) - 1


@cb.kernel
def var_times_big(out, x):
    out[0] = x + 9223372036854775808


@pytest.mark.parametrize(("kern", "text"), [
    (square_overflows, "3037000500 * 3037000500 = 9223372037000250000"),
    (pow_plus_overflows, "2 ** 70 + 1 = 1180591620717411303425"),
    (neg_overflows, "-2 ** 63 - 1 = -9223372036854775809")])
def test_constant_expression_beyond_int64_is_a_type_error(kern: cb.Kernel, text: str) -> None:
    with pytest.raises(cb.KernelTypeError, match="does not fit in int64") as info:
        kern.ir(I64)
    msg = str(info.value)
    assert text in msg and __file__ in msg and "out[0] =" in msg  # names the file and shows the line


def test_operand_beyond_int64_meeting_int64_is_a_type_error() -> None:
    with pytest.raises(cb.KernelTypeError, match="9223372036854775808 out of bounds for int64"):
        var_times_big.ir(I64, 1)


@cb.kernel
def umax_mask(out):
    out[0] = cb.uint64(2**64 - 1)


@cb.kernel
def int64_min(out):
    out[0] = -(2**63)


@cb.kernel
def big_over_big(out):
    out[0] = 2**70 // 2**68


@cb.kernel
def float_of_big(out):
    out[0] = 1.5 * 2**70


def test_constant_expressions_fold_exactly_like_python() -> None:
    assert _const_of(umax_mask, U64) == 2**64 - 1
    assert _const_of(int64_min, I64) == -(2**63)
    assert _const_of(big_over_big, I64) == 4
    assert _const_of(float_of_big, F64) == 1.5 * 2**70


# -- @cb.func signatures -------------------------------------------------------------------------
def test_signature_parsing() -> None:
    assert parse_func_signature("int32(int32, int32)") == ("int32", ("int32", "int32"))
    assert parse_func_signature("void(float32[:], float64[:, ::1], int64)") == \
        (None, (("float32", 1), ("float64", 2), "int64"))
    assert parse_func_signature("f8()") == ("float64", ())


@pytest.mark.parametrize("bad", ["int32(int32", "foo(int32)", "int32(float16)", "int32[:](int32)"])
def test_bad_signature_is_refused_at_the_decorator(bad: str) -> None:
    with pytest.raises(ValueError, match="bad device function signature"):
        cb.func(bad)


def test_several_signatures_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="one signature"):
        cb.func(["int32(int32)", "int64(int64)"])


@cb.func("float32(float32, float32)")
def mix(a, b):
    return a * 0.5 + b


@cb.func("void(int32[:], int64)")
def bump(arr, i):
    arr[i] += 1


@cb.kernel
def wrong_count(out):
    out[0] = mix(1.0)


@cb.kernel
def wrong_array(out):
    bump(out, 0)


@cb.kernel
def declared_types(out, x):
    out[0] = mix(x, 2)


def test_signature_mismatches_are_type_errors() -> None:
    with pytest.raises(cb.KernelTypeError, match="declared with 2 arguments, called with 1"):
        wrong_count.ir(np.zeros(1, np.float32))
    with pytest.raises(cb.KernelTypeError, match=r"argument 1 of 'bump' is declared int32\[:\]"):
        wrong_array.ir(np.zeros(1, np.int64))


def test_signature_casts_arguments_and_result() -> None:
    module = declared_types.ir(np.zeros(1, np.float64), 3)  # int64 x -> float32; result -> float64 store
    (fn,) = module.funcs
    assert [p.type for p in fn.params] == [ir.Scalar("float32"), ir.Scalar("float32")]
    assert fn.ret == ir.Scalar("float32")


# -- CUDA C of fmin/fmax and of the zero-step check compiles --------------------------------------
@cb.kernel
def fminmax(a, b, out):
    i = cb.get_global_id(0)
    out[i] = np.fmin(a[i], b[i]) + np.fmax(a[i], b[i]) + min(a[i], b[i])


@cb.func
def stepped(n, step):
    s = 0
    for j in range(0, n, step):
        s += j
    return s


@cb.kernel
def dynamic_step(out, step):
    i = cb.get_global_id(0)
    for j in range(i, 10, step):
        out[i] += j
    out[i] += stepped(10, step)


def test_dynamic_step_gets_an_error_record() -> None:
    module = dynamic_step.ir(I64, 2)
    assert module.needs_error_record and not module.boundscheck
    src = render_c.render_opencl(module).source
    assert src.count("atomic_cmpxchg") == 2 and "cb_err" in src
    assert not fminmax.ir(F64, F64, F64).needs_error_record


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_fmin_fmax_and_zero_step_cuda_source_compiles(tmp_path) -> None:
    sources = [(f"fminmax_{dt}", render_c.render_cuda(fminmax.ir(*(np.zeros(4, dt),) * 3)))
               for dt in ("float32", "float64", "int32", "uint64")]
    sources.append(("dynamic_step", render_c.render_cuda(dynamic_step.ir(I64, 2))))
    assert "cb_fmin_float32" in sources[0][1] and "atomicCAS" in sources[-1][1]
    assert compile_failures(sources, tmp_path) == []
