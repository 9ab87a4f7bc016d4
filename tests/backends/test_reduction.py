"""Reductions on every device: whole-array and along an axis, maps, sum/prod/min/max dtypes, both
algorithms (CPU chunks and work-group tree) on every device, the documented summation order."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cambrian.array import Array, asarray, asnumpy
from cambrian.devices import using
from cambrian.reduction import CHUNK_MIN, MAX_CHUNKS, Reduction, _run, reduction, tree_group_size
from cambrian.reduction_ops import max as cb_max
from cambrian.reduction_ops import min as cb_min
from cambrian.reduction_ops import prod as cb_prod
from cambrian.reduction_ops import sum as cb_sum
from cambrian.reduction_source import LANES
from cambrian.testing import requires


def add(a, b):
    return a + b


def square(v):
    return v * v


def mul(u, v):
    return u * v


def big(device, n: int) -> int:
    return min(n, 40) if device.backend == "interp" else n


total = reduction(add, identity=0)
sumsq = reduction(add, identity=0.0, map=square)
dot = reduction(add, identity=0.0, map=mul)


@reduction(identity=-math.inf, map=abs)
def maxabs(a, b):
    return max(a, b)


def test_total_int_exact_and_0d_on_device(device):
    n = big(device, 100_003)
    x = np.arange(n, dtype=np.int64) * 7 - 5
    r = total(asarray(x, device=device))
    assert isinstance(r, Array) and r.shape == () and r.device == device
    assert int(r) == int(x.sum())


def test_sumsq_dot_maxabs(device):
    requires(device, "float64")
    n = big(device, 50_001)
    u = np.random.default_rng(1).standard_normal(n)
    v = np.random.default_rng(2).standard_normal(n)
    du, dv = asarray(u, device=device), asarray(v, device=device)
    assert float(sumsq(du)) == pytest.approx(np.dot(u, u), rel=1e-12)
    assert float(dot(du, dv)) == pytest.approx(np.dot(u, v), rel=1e-9, abs=1e-9)
    assert float(maxabs(du)) == np.abs(u).max()


def test_numpy_input_gives_numpy_scalar(device):
    x = np.arange(10, dtype=np.int32)
    with using(device):
        r = total(x)
    assert isinstance(r, np.generic) and r == 45


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_along_axis(device, axis):
    x = np.arange(4 * 5, dtype=np.int32).reshape(4, 5) - 7
    r = total(asarray(x, device=device), axis=axis)
    np.testing.assert_array_equal(asnumpy(r), x.sum(axis=axis, dtype=np.int32))


def test_along_middle_axis_3d_with_map(device):
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) / 8
    r = sumsq(asarray(x, device=device), axis=1)
    assert r.dtype == np.float32
    np.testing.assert_allclose(asnumpy(r), (x * x).sum(axis=1), rtol=1e-6)


def test_sum_dtypes_follow_array_api(device):
    for dt, acc in [("int8", "int64"), ("uint8", "uint64"), ("bool", "int64"),
                    ("float32", "float32")]:
        x = (np.arange(1, 30) % 3).astype(dt)
        r = cb_sum(asarray(x, device=device))
        assert r.dtype == np.dtype(acc), dt
        assert asnumpy(r) == x.sum(dtype=acc)
    x = np.full(40, 100, np.int8)
    assert int(cb_sum(asarray(x, device=device))) == 4000  # no int8 wrap: int64 accumulation


def test_prod_min_max(device):
    x = np.array([3, -2, 7, 1, -9, 4], np.int32)
    dx = asarray(x, device=device)
    assert int(cb_prod(dx)) == int(np.prod(x, dtype=np.int64))
    assert int(cb_min(dx)) == -9 and int(cb_max(dx)) == 7
    f = np.array([1.5, np.nan, -3.0], np.float32)
    assert math.isnan(float(cb_max(asarray(f, device=device))))
    m = np.arange(12, dtype=np.int16).reshape(3, 4)
    np.testing.assert_array_equal(asnumpy(cb_max(asarray(m, device=device), axis=0)), m.max(axis=0))
    with pytest.raises(ValueError, match="empty"):
        cb_min(asarray(np.zeros(0, np.float32), device=device))
    assert int(cb_sum(asarray(np.zeros(0, np.int32), device=device))) == 0


def test_argmin_by_complex_packing(device):
    requires(device, "float64")

    def pack(v, i):
        return complex(v, i)

    def pick(a, b):
        if a.real < b.real or (a.real == b.real and a.imag < b.imag):
            return a
        return b

    argmin = reduction(pick, identity=complex(math.inf, 0), map=pack, with_index=True)
    x = np.array([4.0, 2.5, 9.0, 2.5, 7.0])
    r = complex(argmin(asarray(x, device=device)))
    assert (r.real, int(r.imag)) == (2.5, 1)


def chunk_order_sum(x: np.ndarray) -> np.floating:
    """The documented CPU summation order, in NumPy scalars."""
    n = x.size
    nchunks = max(1, min(math.ceil(n / CHUNK_MIN), MAX_CHUNKS))
    chunk = math.ceil(math.ceil(max(n, 1) / nchunks) / LANES) * LANES

    def lanes(v):
        acc = [v.dtype.type(0)] * LANES
        full = len(v) // LANES * LANES
        for i in range(full):
            acc[i % LANES] = acc[i % LANES] + v[i]
        tail = v.dtype.type(0)
        for i in range(full, len(v)):
            tail = tail + v[i]
        total = acc[0]
        for k in range(1, LANES):
            total = total + acc[k]
        return total + tail

    parts = [lanes(x[s:s + chunk]) for s in range(0, n, chunk)]
    return parts[0] if len(parts) == 1 else lanes(np.array(parts, dtype=x.dtype))


def test_cpu_devices_follow_documented_order(device):
    if device.kind != "cpu":
        pytest.skip("the chunked order applies to CPU devices")
    n = big(device, 3 * CHUNK_MIN + 5)
    x = np.random.default_rng(3).standard_normal(n).astype(np.float32)
    assert cb_sum(asarray(x, device=device)).__float__() == float(chunk_order_sum(x))


@pytest.mark.parametrize("algorithm", ["chunks", "tree"])
def test_both_algorithms_on_every_device(device, algorithm):
    if algorithm == "tree":
        requires(device, "local_memory")
    n = big(device, 300_001)
    x = (np.arange(n, dtype=np.int64) % 1000) - 300
    r = Reduction(add, 0, square)
    out = asarray(np.zeros(1, np.int64), device=device)
    passes = r._chunked if algorithm == "chunks" else r._tree
    _run(*passes([asarray(x, device=device)], out, n, "int64", np.int64(0), device, False))
    assert int(asnumpy(out)[0]) == int((x * x).sum())
    assert tree_group_size(device) & (tree_group_size(device) - 1) == 0


@pytest.mark.parametrize("group", [1, 3, 16])
def test_chunk_workers_do_not_change_the_result(device, group, monkeypatch):
    """Chunks are claimed by a device-dependent number of work-items (one per compute unit); the
    order, hence the float result, is the same for every number."""
    import sys

    red = sys.modules["cambrian.reduction"]  # the package's `reduction` attribute is the function
    requires(device, "float64")
    n = big(device, 49 * CHUNK_MIN + 7)
    x = asarray(np.random.default_rng(4).standard_normal(n), device=device)
    r = Reduction(add, 0.0, square)
    monkeypatch.setattr(red, "workers", lambda device, nchunks, n: 1)
    one = float(r(x)) if device.kind == "cpu" else None
    monkeypatch.setattr(red, "workers", lambda device, nchunks, n: group)
    out = asarray(np.zeros(1), device=device)
    red._run(*r._chunked([x], out, n, "float64", np.float64(0), device, False))
    got = float(asnumpy(out)[0])
    if one is not None:
        assert got == one
    assert got == pytest.approx(float(np.sum(asnumpy(x) ** 2)), rel=1e-12)


def test_threads_share_the_scratch_without_mixing_passes(device):
    """Two passes of one reduction stay together on the device queue when threads reduce at once."""
    from concurrent.futures import ThreadPoolExecutor

    n = big(device, 20 * CHUNK_MIN)
    arrays = [np.full(n, k, dtype=np.int64) for k in range(8)]
    dev_arrays = [asarray(a, device=device) for a in arrays]

    def run(k: int) -> int:
        return sum(int(total(dev_arrays[k])) for _ in range(5))

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(run, range(8)))
    assert got == [5 * k * n for k in range(8)]
