"""Regression tests of issue 20 for errors, on every device: one out-of-memory error class (#17), clear
errors for unsupported argument types (#17), valid programs no longer rejected by intermediate type
inference (#14) and kernels with many parameters (#15)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import cambrian as cb
from cambrian.testing import requires
from cambrian.vectorize import kernel_namespace, make_function


# -- #20.17: one documented out-of-memory error; clear errors for bad arguments ----------------------
def test_out_of_memory_is_one_error_class_on_every_device(device) -> None:
    with pytest.raises(cb.OutOfMemoryError, match=f"cannot allocate {2**50} bytes on {device}") as info:
        cb.empty(2**50, dtype="uint8", device=device)
    assert isinstance(info.value, MemoryError) and isinstance(info.value, cb.CambrianError)
    assert isinstance(info.value, cb.DeviceError)  # what opencl raised before: still caught
    if device.max_alloc_size:  # above CL_DEVICE_MAX_MEM_ALLOC_SIZE (opencl accepted some before)
        with pytest.raises(MemoryError, match="largest allocation"):
            cb.empty(device.max_alloc_size + 1, dtype="uint8", device=device)


@cb.kernel
def copy_kernel(a, b):
    i = cb.get_global_id(0)
    b[i] = a[i]


@pytest.mark.parametrize("dtype", ["float16", "object", "U3", "datetime64[s]"])
def test_unsupported_numpy_arguments_name_the_argument(device, dtype: str) -> None:
    a = np.zeros(2, dtype)
    words = f"argument 'a' .*{re.escape(np.dtype(dtype).name)}"
    with cb.using(device), pytest.raises(cb.KernelTypeError, match=words):
        copy_kernel[2](a, np.zeros(2))


@cb.vectorize
def plus_one(x):
    return x + 1


@pytest.mark.parametrize("operand", ["abc", b"x", None, {"a": 1}])  # lists/tuples are operands (asarray)
def test_vectorize_rejects_operands_that_are_not_arrays_or_numbers(device, operand) -> None:
    with cb.using(device), pytest.raises(TypeError, match=f"unsupported type {type(operand).__name__}"):
        plus_one(operand)


@pytest.mark.parametrize("shape", ["3", b"3", 2.5, None])
def test_creation_rejects_shapes_that_are_not_integers(device, shape) -> None:
    for make in (cb.empty, cb.zeros, cb.ones):
        with pytest.raises(TypeError):
            make(shape, device=device)


# -- #20.14: only the fixpoint's types may produce type errors ----------------------------------------
@cb.func
def negated(x):
    return -x


@cb.kernel
def widened_later(a, out):
    i = cb.get_global_id(0)
    w = a[i] > 0  # bool at first; float64 once the loop's assignment is seen
    u = a[i] * 2.0
    for _ in range(2):
        v = w
        out[i] = -v + negated(v)  # an intermediate pass saw a bool here (and specialised negated on it)
        w = u


def test_a_local_that_widens_later_is_not_rejected(device) -> None:
    a = np.array([0.5, 2.0, -1.0, 0.0])
    out = np.zeros(4)
    with cb.using(device):
        widened_later[4](a, out)
    np.testing.assert_array_equal(out, -4.0 * a)


@cb.kernel
def really_bool(a, out):
    i = cb.get_global_id(0)
    v = a[i] > 0
    out[i] = -v


def test_a_real_type_error_is_still_reported_at_its_line(device) -> None:
    with cb.using(device), pytest.raises(cb.KernelTypeError, match="unary '-' on a bool value") as info:
        really_bool[2](np.ones(2), np.zeros(2))
    assert f"line {really_bool.py_func.__code__.co_firstlineno + 4}" in str(info.value)


# -- #20.15: kernels and device functions with many parameters ----------------------------------------
def _many_params_program(n: int, barrier: bool):
    """A kernel of ``n`` array parameters calling a device function of ``n`` parameters (that reads
    a work-item id), optionally with a barrier (group mode on cpu)."""
    params = ", ".join(f"a{k}" for k in range(n))
    body = "\n".join([
        "@cb.func", f"def total({params}):", "    w = cb.get_global_id(0)",
        f"    return w + {' + '.join(f'a{k}' for k in range(n))}", "",
        "@cb.kernel", f"def many(out, {params}):", "    i = cb.get_global_id(0)",
        *(["    cb.barrier()"] if barrier else []),
        f"    out[i] = total({', '.join(f'a{k}[i]' for k in range(n))})", ""])
    return make_function(body, "many", "test-many", kernel_namespace())


@pytest.mark.parametrize(("n", "barrier"), [(24, False), (40, False), (33, True)])
def test_kernels_and_device_functions_with_many_parameters(device, n: int, barrier: bool) -> None:
    if barrier:
        requires(device, "local_memory")
    kern = _many_params_program(n, barrier)
    arrays = [np.full(8, k, np.int64) for k in range(n)]
    out = np.zeros(8, np.int64)
    with cb.using(device):
        kern[8, 4](out, *arrays) if barrier else kern[8](out, *arrays)
    np.testing.assert_array_equal(out, np.arange(8) + sum(range(n)))
