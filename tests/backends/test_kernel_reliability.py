"""Regression tests of the kernel layer's reliability defects (issues 19 and 20), on every device:
two's-complement wrapping observed by comparisons, aliased and big-endian NumPy arguments, bool
scalar arguments, device function signatures, fmin/fmax, zero range steps, atomics with NaN."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import cambrian as cb
from cambrian.testing import requires

INT_DTYPES = ("int8", "int16", "int32", "int64")


def _np(fn, *args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args)


# -- #20.1: signed + - * wrap (cpu: Numba's `nsw` made overflow undefined) ----------------------------
@cb.kernel
def wrap_then_compare(a, b, out):
    i = cb.get_global_id(0)
    s = a[i] + b[i]
    d = a[i] - b[i]
    p = a[i] * b[i]
    out[i, 0] = 1 if s < a[i] else 0
    out[i, 1] = 1 if d > a[i] else 0
    out[i, 2] = 1 if p < 0 else 0
    out[i, 3] = s % 7
    out[i, 4] = s // 7
    out[i, 5] = 100 % s
    out[i, 6] = -a[i] - b[i]
    out[i, 7] = a[i] * b[i] * a[i] - b[i]
    out[i, 8] = a[i] ** 3


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_signed_overflow_wraps_and_compares_as_wrapped(device, dtype: str) -> None:
    info = np.iinfo(dtype)
    a = np.array([info.max, info.min, info.max // 2 + 1, -3, info.max - 1, 12345 % info.max], dtype)
    b = np.array([1, 1, 4, info.min, info.max, -(12345 % info.max)], dtype)
    out = np.zeros((a.size, 9), dtype)
    with cb.using(device):
        wrap_then_compare[a.size](a, b, out)
    s, d, p = _np(np.add, a, b), _np(np.subtract, a, b), _np(np.multiply, a, b)
    safe = np.where(s == 0, 1, s)
    want = np.stack([s < a, d > a, p < 0, s % 7, s // 7,
                     np.where(s == 0, 0, _np(np.remainder, np.array(100, dtype), safe)),
                     _np(np.subtract, _np(np.negative, a), b),
                     _np(np.subtract, _np(np.multiply, p, a), b), _np(np.power, a, np.array(3, dtype))],
                    axis=1).astype(dtype)
    np.testing.assert_array_equal(out, want)


@cb.kernel
def max_plus_one(a, out):
    i = cb.get_global_id(0)
    s = a[i] + 1
    out[i] = s < a[i]


def test_int64_max_plus_one_is_less(device) -> None:
    a = np.array([2**63 - 1, 0], np.int64)
    out = np.zeros(2, np.bool_)
    with cb.using(device):
        max_plus_one[2](a, out)
    assert out.tolist() == [True, False]


# -- #20.3 / #19: one NumPy array for two parameters ------------------------------------------------
@cb.func
def twice(x):
    return x * 2


@cb.kernel
def read_then_write(idx, out):
    i = cb.get_global_id(0)
    out[i] = twice(idx[i]) + 100


@cb.kernel
def write_both(a, b):
    i = cb.get_global_id(0)
    if i % 2 == 0:
        a[i] = -1
    else:
        b[i] = -2


@cb.kernel
def shift_copy(dst, src):
    i = cb.get_global_id(0)
    dst[i] = src[i] + 1


def test_aliased_numpy_argument_keeps_the_writes(device) -> None:
    a = np.arange(6, dtype=np.int32)
    with cb.using(device):
        read_then_write[6](a, a)
    np.testing.assert_array_equal(a, np.arange(6) * 2 + 100)


def test_aliased_numpy_argument_written_through_both_parameters(device) -> None:
    a = np.arange(6, dtype=np.int64)
    with cb.using(device):
        write_both[6](a, a)
    np.testing.assert_array_equal(a, [-1, -2] * 3)


def test_overlapping_views_share_one_copy(device) -> None:
    a = np.arange(10, dtype=np.float32)
    keep = a.copy()
    with cb.using(device):
        shift_copy[4](a[5:9], a[1:5])
    keep[5:9] = keep[1:5] + 1
    np.testing.assert_array_equal(a, keep)
    b = np.arange(8, dtype=np.int32)
    with cb.using(device):
        shift_copy[4](b[::-2], b[::2])  # interleaved, one reversed: elements outside are untouched
    np.testing.assert_array_equal(b, [0, 7, 2, 5, 4, 3, 6, 1])


# -- #20.2: big-endian NumPy arguments -----------------------------------------------------------
@cb.kernel
def add_half(a, out):
    i = cb.get_global_id(0)
    out[i] = a[i] + 1.5


@pytest.mark.parametrize("order", [">", "<"])
def test_non_native_byte_order_in_and_out(device, order: str) -> None:
    a = np.arange(5, dtype=order + "f8") * 2
    out = np.zeros(5, order + "f8")
    with cb.using(device):
        add_half[5](a, out)
    assert out.dtype.str == order + "f8"
    np.testing.assert_array_equal(out, np.arange(5) * 2 + 1.5)
    np.testing.assert_array_equal(a, np.arange(5) * 2)


def test_big_endian_aliased_and_strided(device) -> None:
    a = np.arange(8, dtype=">i4")
    with cb.using(device):
        write_both[8](a, a)
    np.testing.assert_array_equal(a, [-1, -2] * 4)
    b = np.arange(12, dtype=">i8")
    with cb.using(device):
        shift_copy[6](b[1::2], b[::2])
    np.testing.assert_array_equal(b, np.repeat(np.arange(0, 12, 2), 2) + np.tile([0, 1], 6))


# -- #19 / #20.16: bool scalar arguments ---------------------------------------------------------
@cb.kernel
def pick(out, flag):
    i = cb.get_global_id(0)
    if flag:
        out[i] = 1
    else:
        out[i] = 2


@pytest.mark.parametrize("flag", [True, False, np.bool_(True)])
def test_bool_scalar_argument(device, flag) -> None:
    out = np.zeros(3, np.int32)
    with cb.using(device):
        pick[3](out, flag)
    assert out.tolist() == [1 if flag else 2] * 3


# -- #19: device function signatures -----------------------------------------------------------
@cb.func("int32(int32, int32)")
def add32(a, b):
    return a + b


@cb.func(signature="void(float32[:], int64, float32)")
def put(arr, i, v):
    arr[i] = v


@cb.kernel
def call_declared(a, b, out, f):
    i = cb.get_global_id(0)
    out[i] = add32(a[i], b[i])
    put(f, i, a[i] * 1.5)


def test_device_function_signature_casts_as_declared(device) -> None:
    a = np.array([2**31 - 1, 5, -3], np.int64)
    b = np.array([1, 2, 3], np.int64)
    out = np.zeros(3, np.int64)
    f = np.zeros(3, np.float32)
    with cb.using(device):
        call_declared[3](a, b, out, f)
    np.testing.assert_array_equal(out, [-(2**31), 7, 0])  # int32 arithmetic wraps
    np.testing.assert_array_equal(f, np.float32(a * 1.5))
    assert add32(2, 3) == 5  # called from Python it is the Python function


# -- #20.7: numpy.fmin / numpy.fmax ignore NaN -----------------------------------------------------
@cb.kernel
def fmin_fmax(a, b, out):
    i = cb.get_global_id(0)
    out[i, 0] = np.fmin(a[i], b[i])
    out[i, 1] = np.fmax(a[i], b[i])
    out[i, 2] = np.minimum(a[i], b[i])
    out[i, 3] = np.fmax(a[i], 0.5)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "uint8"])
def test_fmin_fmax_ignore_nan_as_numpy(device, dtype: str) -> None:
    if dtype == "float64":
        requires(device, "float64")
    vals = [np.nan, 1.0, -1.0, np.inf, -np.inf, 2.0] if dtype.startswith("float") else [0, 1, 7, 3]
    a, b = (x.ravel().astype(dtype) for x in np.meshgrid(vals, vals))
    out = np.zeros((a.size, 4), dtype if dtype.startswith("float") else "float64")
    with cb.using(device):
        fmin_fmax[a.size](a, b, out)
    want = np.stack([np.fmin(a, b), np.fmax(a, b), np.minimum(a, b), np.fmax(a, 0.5)], axis=1)
    want = want.astype(out.dtype)
    np.testing.assert_array_equal(out, want)  # (NaN == NaN here)


# -- #20.8: a run-time zero range() step raises KernelRuntimeError everywhere ----------------------
@cb.kernel
def strided_sum(out, step):
    i = cb.get_global_id(0)
    s = 0
    for j in range(0, 10, step):
        s += j
    out[i] = s


@cb.func
def sum_by(n, step):
    s = 0
    for j in range(n, 0, step):
        s += j
    return s


@cb.kernel
def strided_sum_func(out, step):
    out[cb.get_global_id(0)] = sum_by(10, step)


def test_zero_range_step_at_run_time_raises(device) -> None:
    out = np.zeros(3, np.int64)
    with cb.using(device):
        strided_sum[3](out, 3)
        np.testing.assert_array_equal(out, [18] * 3)
        with pytest.raises(cb.KernelRuntimeError, match=r"range\(\) step is zero in kernel 'strided_sum'"):
            strided_sum[3](out, 0)
        strided_sum_func[3](out, -4)
        np.testing.assert_array_equal(out, [10 + 6 + 2] * 3)
        with pytest.raises(cb.KernelRuntimeError, match=r"range\(\) step is zero .*test_kernel_reliability"):
            strided_sum_func[3](out, 0)
        strided_sum[3](out, 2)  # the error does not stick
        np.testing.assert_array_equal(out, [20] * 3)


# -- #19: atomic_min / atomic_max with NaN propagate NaN, like min/max and numpy.minimum -----------
@cb.kernel
def atomic_nan(h, v, old):
    i = cb.get_global_id(0)
    old[i, 0] = cb.atomic_min(h, i, 0, v[i])
    old[i, 1] = cb.atomic_max(h, i, 1, v[i])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_atomic_min_max_propagate_nan(device, dtype: str) -> None:
    requires(device, "atomics")
    if dtype == "float64":
        requires(device, "float64")
    h0 = np.array([[1.0, 1.0], [np.nan, np.nan], [np.nan, np.nan], [2.0, 2.0], [0.0, 0.0]], dtype)
    v = np.array([np.nan, 5.0, np.nan, -1.0, -0.0], dtype)
    h, old = h0.copy(), np.zeros((5, 2), dtype)
    with cb.using(device):
        atomic_nan[5](h, v, old)
    np.testing.assert_array_equal(old, h0)  # the old values are returned
    np.testing.assert_array_equal(h[:, 0], np.minimum(h0[:, 0], v))
    np.testing.assert_array_equal(h[:, 1], np.maximum(h0[:, 1], v))
    assert np.signbit(h[4]).tolist() == [True, True]  # a tie stores the new value (-0.0)
