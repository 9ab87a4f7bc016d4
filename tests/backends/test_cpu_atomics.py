"""Atomics on the ``cpu`` backend (LLVM atomicrmw / cmpxchg through Numba intrinsics): exact under
real contention (a histogram of 10^6 values into 16 bins on every thread), add/sub/min/max/xchg/cas for
int32, uint32, int64, uint64, float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb

from .test_cpu_support import cpu_device, run, run_both  # noqa: F401

pytestmark = pytest.mark.usefixtures("cpu_device")


def histogram(x, bins):
    i = cb.get_global_id(0)
    cb.atomic_add(bins, x[i], 1)


def test_histogram_exact_under_contention() -> None:
    x = np.random.default_rng(5).integers(0, 16, 10**6).astype(np.int64)
    _, bins = run("cpu", histogram, x.size, x, np.zeros(16, np.int32))
    np.testing.assert_array_equal(bins, np.bincount(x, minlength=16))


def rmw_all(v, acc):
    i = cb.get_global_id(0)
    cb.atomic_add(acc, 0, v[i])
    cb.atomic_sub(acc, 1, v[i])
    cb.atomic_min(acc, 2, v[i])
    cb.atomic_max(acc, 3, v[i])


@pytest.mark.parametrize("dtype", ["int32", "uint32", "int64", "uint64", "float32", "float64"])
def test_add_sub_min_max(dtype: str) -> None:
    n = 20000
    v = (np.arange(n) % 97 + 1).astype(dtype)
    v[1234] = 200
    acc0 = np.array([0, 10**6, 150, 3], dtype)
    _, acc = run("cpu", rmw_all, n, v, acc0)
    total = int(v.astype(np.int64).sum())
    expected = np.array([total, 10**6 - total, 1, 200]).astype(dtype)  # unsigned wraps
    np.testing.assert_array_equal(acc, expected)


def float_minmax_nan(v, acc):
    i = cb.get_global_id(0)
    cb.atomic_min(acc, 0, v[i])
    cb.atomic_max(acc, 1, v[i])


def test_float_min_max_propagate_nan() -> None:
    v = np.linspace(-3, 3, 1000).astype(np.float32)
    v[500] = np.nan
    _, acc = run("cpu", float_minmax_nan, v.size, v, np.zeros(2, np.float32))
    assert np.isnan(acc).all()


def claim(flag, winners, old_values):
    i = cb.get_global_id(0)
    old = cb.atomic_cas(flag, 0, 0, i + 1)
    old_values[i] = old
    if old == 0:
        cb.atomic_add(winners, 0, 1)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint64"])
def test_cas_exactly_one_winner(dtype: str) -> None:
    n = 50000
    flag, winners, old = run("cpu", claim, n, np.zeros(1, dtype), np.zeros(1, np.int64), np.zeros(n, dtype))
    assert winners[0] == 1
    assert flag[0] != 0
    assert np.count_nonzero(old == 0) == 1
    assert (old[old != 0] == flag[0]).all()


def exchange(a, out):
    i = cb.get_global_id(0)
    out[i] = cb.atomic_xchg(a, i % 4, cb.float64(i))


def test_xchg_returns_every_value_once() -> None:
    n = 4000
    a, out = run("cpu", exchange, n, np.full(4, -1.0), np.zeros(n))
    # the old values plus the final contents are a permutation of the initial values and all i
    seen = np.sort(np.concatenate([out, a]))
    initial = np.concatenate([np.full(4, -1.0), np.arange(n, dtype=float)])
    np.testing.assert_array_equal(seen, np.sort(initial))


def atomics_2d(grid, out):
    i = cb.get_global_id(0)
    out[i] = cb.atomic_add(grid, i % 3, i % 2, 1)


def test_2d_atomics_match_interp_totals() -> None:
    got, ref = run_both(atomics_2d, 60, np.zeros((3, 2), np.int32), np.zeros(60, np.int32))
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(np.sort(got[1]), np.sort(ref[1]))
