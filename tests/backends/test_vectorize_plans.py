"""Vectorized calls on device arrays run from a cached plan after the first call (the launch is
prepared once). Every device: the plan gives NumPy's results for new data and scalar values, never
serves other shapes, dtypes, layouts or scalar types, and keeps no array alive."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from cambrian.array import Array, asarray, asnumpy
from cambrian.vectorize import MAX_PLANS, Vectorized


def axpy(a, x, y):
    return a * x + y


def size(device, n: int = 1000) -> int:
    return 7 if device.backend == "interp" else n


def test_second_call_runs_the_plan_with_new_data_and_scalars(device):
    n = size(device)
    v = Vectorized(axpy)
    x, y = np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64) % 7
    dx, dy = asarray(x, device=device), asarray(y, device=device)
    assert np.array_equal(asnumpy(v(2, dx, dy)), 2 * x + y)
    assert len(v._plans) == 1
    again = v(-3, dy, dx)  # same types and shapes, other data and scalar value: the plan
    assert len(v._plans) == 1
    assert isinstance(again, Array) and again.device == device and again.dtype == np.dtype("int64")
    assert np.array_equal(asnumpy(again), -3 * y + x)
    out = asarray(np.zeros(n, dtype=np.int64), device=device)
    assert v(5, dx, dx, out=out) is out  # out= is another plan, written in place
    assert v(7, dy, dy, out=out) is out and len(v._plans) == 2
    assert np.array_equal(asnumpy(out), 7 * y + y)


def test_plans_are_per_scalar_type_dtype_shape_and_layout(device):
    n = 12 if device.backend == "interp" else 600
    v = Vectorized(axpy)
    x = np.arange(n, dtype=np.int32).reshape(3, -1)
    dx = asarray(x, device=device)
    assert asnumpy(v(2, dx, dx)).dtype == np.int32
    got = v(2.5, dx, dx)  # a Python float: float64 result (NEP 50), another plan
    assert got.dtype == np.dtype("float64") and np.array_equal(asnumpy(got), 2.5 * x + x)
    row = asarray(x[0].astype(np.float32), device=device)  # broadcast along the first axis
    got = v(np.float32(2), dx, row)
    assert got.dtype == np.dtype("float64") and got.shape == x.shape  # int32 with float32: float64
    assert np.array_equal(asnumpy(got), 2 * x + x[0].astype(np.float32))
    wide = asarray(np.arange(2 * n, dtype=np.int32).reshape(3, -1), device=device)
    cols = wide._view(0, x.shape, (wide.strides[0], 2 * wide.itemsize))  # strided, same shape as dx
    assert np.array_equal(asnumpy(v(2, cols, dx)), 2 * asnumpy(wide)[:, ::2] + x)
    assert np.array_equal(asnumpy(v(3, cols, dx)), 3 * asnumpy(wide)[:, ::2] + x)
    assert len(v._plans) == 4


def test_numpy_operands_are_not_planned(device):
    v = Vectorized(axpy)
    x = np.arange(size(device), dtype=np.float64)
    for _ in range(2):
        assert np.array_equal(v(2.0, x, x), 3 * x)
        assert np.array_equal(asnumpy(v(2.0, asarray(x, device=device), x)), 3 * x)
    assert v._plans == {}


def test_plan_checks_each_scalar_value(device):
    v = Vectorized(axpy)
    dx = asarray(np.arange(size(device), dtype=np.int8), device=device)
    v(1, dx, dx)
    with pytest.raises(OverflowError):
        v(300, dx, dx)  # a Python int that int8 cannot hold, as on the first call


def test_plans_keep_no_array_alive(device):
    v = Vectorized(axpy)
    dx = asarray(np.ones(size(device)), device=device)
    out = v(1.0, dx, dx)
    v(2.0, dx, dx, out=out)
    refs = [weakref.ref(dx), weakref.ref(out)]
    del dx, out
    gc.collect()
    assert all(r() is None for r in refs)


def test_plans_are_bounded(device):
    v = Vectorized(axpy)
    for n in range(1, MAX_PLANS + 9):
        dx = asarray(np.arange(n, dtype=np.int64), device=device)
        assert np.array_equal(asnumpy(v(2, dx, dx)), 3 * np.arange(n))
    assert len(v._plans) == MAX_PLANS
