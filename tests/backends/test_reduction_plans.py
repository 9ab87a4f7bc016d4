"""Whole-array reductions of device arrays run from a cached plan after the first call (launches
prepared once). Every device: the plan gives the same results as the first call, never serves other
shapes, dtypes or layouts, and keeps no array alive."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from cambrian.array import Array, asarray, asnumpy
from cambrian.reduction import CHUNK_MIN, Reduction
from cambrian.vectorize import MAX_PLANS

from .test_reduction import add, mul, square


def size(device, n: int) -> int:
    return min(n, 50) if device.backend == "interp" else n


def test_second_call_runs_the_plan_with_the_same_result(device):
    n = size(device, 7 * CHUNK_MIN + 3)
    x = (np.arange(n, dtype=np.int64) % 97) - 40
    r = Reduction(add, 0, square)
    first = r(asarray(x, device=device))
    assert len(r._whole) == 1
    y = x[::-1].copy()
    again = r(asarray(y, device=device))  # same device, dtype and shape: the plan
    assert len(r._whole) == 1
    assert isinstance(again, Array) and again.shape == () and again.device == device
    assert again.dtype == first.dtype == np.dtype("int64")
    assert int(first) == int(again) == int((x * x).sum())


def test_plans_are_per_shape_dtype_and_layout(device):
    r = Reduction(add, 0, mul)
    n = 3 * size(device, CHUNK_MIN)
    u = np.arange(n, dtype=np.int64).reshape(3, -1)
    v = (np.arange(n, dtype=np.int32) % 5).reshape(3, -1)
    du, dv = asarray(u, device=device), asarray(v, device=device)
    assert int(r(du, dv)) == int((u * v).sum())
    assert int(r(du, dv)) == int((u * v).sum())
    w = np.arange(n, dtype=np.int64)  # same size, other shape
    assert int(r(asarray(w, device=device), asarray(w, device=device))) == int((w * w).sum())
    f = u.astype(np.float32)  # other dtype
    got = r(asarray(f, device=device), dv)
    assert got.dtype == (f * v).dtype and float(got) == pytest.approx(float((f * v).sum()), rel=1e-6)
    # a strided view (every other column) of the same shape as a cached plan's contiguous input
    wide = asarray(np.arange(2 * n, dtype=np.int64).reshape(3, -1), device=device)
    cols = wide._view(0, u.shape, (wide.strides[0], 2 * wide.itemsize))
    host_cols = asnumpy(wide)[:, ::2]
    assert int(r(cols, dv)) == int((host_cols * v).sum())
    # (int64, int32) 2-D, (int64, int64) 1-D, (float32, int32); the strided input was copied and its
    # contiguous copy ran the first plan: no plan is keyed on a strided layout
    assert len(r._whole) == 3
    # a key: each array's (device, (dtype, ndim, layout), shape), then the dtype argument
    assert all(typekey[2] == "C" for key in r._whole for _, typekey, _ in key[:-1])


def test_plan_keeps_no_input_alive(device):
    r = Reduction(add, 0.0, square)
    x = asarray(np.ones(size(device, 5 * CHUNK_MIN)), device=device) if device.supports_float64 \
        else asarray(np.ones(size(device, 5 * CHUNK_MIN), np.float32), device=device)
    float(r(x))
    float(r(x))
    buffer = weakref.ref(x._buffer)
    del x
    gc.collect()
    assert buffer() is None


def test_plans_per_reduction_are_bounded(device):
    r = Reduction(add, 0)
    sizes = range(1, MAX_PLANS + 9)
    got = [int(r(asarray(np.arange(n, dtype=np.int64), device=device))) for n in sizes]
    assert got == [n * (n - 1) // 2 for n in sizes]
    assert len(r._whole) == MAX_PLANS
    assert int(r(asarray(np.arange(5, dtype=np.int64), device=device))) == 10  # its plan was dropped
