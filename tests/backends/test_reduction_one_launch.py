"""Whole-array reductions on CPU devices in one launch (the last work-item to finish reduces the
partials, counted atomically): the documented order, a count that is back at 0 after every launch,
threads reducing different dtypes at once; ``mean`` as ``sum * (1/n)`` in the reduction's last pass;
``argmax``/``argmin`` of a whole array in one launch. Every device."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import asarray, asnumpy
from cambrian.reduction import _COUNTERS, CHUNK_MIN, Reduction
from cambrian.testing import requires

from .test_reduction import add, big, chunk_order_sum


def test_one_launch_follows_the_documented_order_and_resets_its_count(device):
    n = 2 * CHUNK_MIN + 11 if device.backend == "interp" else 37 * CHUNK_MIN + 11  # 2 chunks at least
    x = np.random.default_rng(5).standard_normal(n).astype(np.float32)
    r = Reduction(add, 0.0)
    dx = asarray(x, device=device)
    got = [float(r(dx)) for _ in range(3)]  # the first call and twice its plan
    if device.kind == "cpu":
        (plan,) = r._whole.values()
        assert len(plan.launches) == 1
        assert got == [float(chunk_order_sum(x))] * 3
        counts = [c for (d, _), c in _COUNTERS.items() if d == device]
        assert counts and all(int(asnumpy(c)[0]) == 0 for c in counts)
    assert got[0] == got[1] == got[2] == pytest.approx(float(x.astype(np.float64).sum()), rel=1e-4)


def test_threads_reduce_different_dtypes_at_once(device):
    n = big(device, 300 * CHUNK_MIN + 3)  # (long enough to overlap: one count for all dtypes failed)
    cases = [(np.full(n, k + 1, dtype=dt), dt) for k, dt in
             enumerate(("int64", "float64", "float32", "int32", "float64", "int64"))]
    dev_arrays = [asarray(a, device=device) for a, _ in cases]

    def run(k: int) -> list[float]:
        return [float(cb.sum(dev_arrays[k])) for _ in range(6)]

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(run, range(len(cases))))
    assert got == [[float((k + 1) * n)] * 6 for k in range(len(cases))]


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
def test_mean_is_the_sum_times_the_reciprocal(device, dtype):
    if dtype == "float64":
        requires(device, "float64")
    n = big(device, 23 * CHUNK_MIN + 5)
    x = (np.random.default_rng(6).standard_normal(n) * 100).astype(dtype).reshape(1, -1)
    dx = asarray(x, device=device)
    ft = "float32" if dtype == "float32" or not device.supports_float64 else "float64"
    got = asnumpy(cb.mean(dx))
    total = asnumpy(cb.sum(dx, dtype=ft))
    assert got.dtype == np.dtype(ft) and got.shape == ()
    assert got == total * np.array(1.0 / n, ft)
    assert got == pytest.approx(x.astype(np.float64).mean(), rel=1e-5, abs=1e-3)
    kept = cb.mean(dx, keepdims=True)
    assert kept.shape == (1, 1) and asnumpy(kept)[0, 0] == got
    empty = asnumpy(cb.mean(asarray(np.zeros((0,), dtype), device=device)))
    assert np.isnan(empty)


@pytest.mark.parametrize("dtype", ["float64", "int32", "bool"])
def test_arg_extremes_of_a_whole_array(device, dtype):
    if dtype == "float64":
        requires(device, "float64")
    n = big(device, 21 * CHUNK_MIN + 9)
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(n) * 1000).astype(dtype) if dtype != "bool" else rng.random(n) < 0.5
    if dtype != "bool":  # the extremes tie across chunks: the first one wins
        x[[n // 7, n // 2, n - 3]] = x.max() + 1
        x[[n // 5, n - 1]] = x.min() - 1
    for fn, ref in ((cb.argmax, np.argmax), (cb.argmin, np.argmin)):
        got = fn(asarray(x.reshape(3, -1) if n % 3 == 0 else x, device=device))
        assert got.shape == () and got.dtype == np.dtype("int64")
        assert int(got) == int(ref(x))
    if dtype == "float64":  # the first NaN wins both
        x[[n // 3, n - 2]] = np.nan
        dx = asarray(x, device=device)
        assert int(cb.argmax(dx)) == int(cb.argmin(dx)) == n // 3


@pytest.mark.parametrize("n", [100, 30_001])
def test_scaled_tree_reduction_is_the_sum_times_the_reciprocal(device, n):
    """GPUs' mean: the tree's last pass (one group, or the second launch) multiplies by ``1/n``."""
    requires(device, "local_memory", "float64")
    from cambrian.reduction import _run

    n = big(device, n)
    x = asarray(np.random.default_rng(8).standard_normal(n), device=device)
    sums, means = Reduction(add, 0.0, dtype="float64"), Reduction(add, 0.0, dtype="float64")
    means.scaled = True
    got = []
    for r in (sums, means):
        out = asarray(np.zeros(1), device=device)
        _run(*r._tree([x], out, n, "float64", np.float64(0), device, False))
        got.append(asnumpy(out)[0])
    assert got[1] == got[0] * (1.0 / n)
    assert got[1] == pytest.approx(float(np.mean(asnumpy(x))), rel=1e-12, abs=1e-15)


def test_arg_extreme_plans_keep_no_input_alive(device, monkeypatch):
    import gc
    import weakref

    from cambrian import reduction_ops
    from cambrian.array import _statistical

    monkeypatch.setattr(_statistical, "REDUCE_HOST_MAX", 0)  # the kernels (cpu: NumPy up to 2^27)

    n = big(device, 19 * CHUNK_MIN + 1)
    rng = np.random.default_rng(9)
    for shape in ((n,), (n,), (n + 5,)):  # a plan per shape; the second call runs the first's
        x = rng.standard_normal(shape)
        dx = asarray(x, device=device)
        assert int(cb.argmax(dx)) == int(np.argmax(x)) and int(cb.argmin(dx)) == int(np.argmin(x))
        ref = weakref.ref(dx)
        del dx
        gc.collect()
        assert ref() is None
    if device.kind == "cpu" and device.backend != "interp":
        ours = ((n,), (n + 5,))
        keys = [k for k in reduction_ops._ARG_PLANS if k[1][0][0] == device and k[1][0][2] in ours]
        assert len(keys) == 4  # (max, min) x 2 shapes


def test_small_reductions_run_one_work_item_and_large_ones_stay_parallel(device, monkeypatch):
    """Up to ``SERIAL_MAX`` elements a whole-array reduction is one work-item (same order, same bits);
    its kernel never takes ``cpu``'s serial path by work-item count, even after fast small launches on a
    machine where they fit the serial budget (there a 10**7 sum ran on one thread)."""
    from cambrian.reduction import SERIAL_MAX

    if device.kind != "cpu" or device.backend == "interp":
        pytest.skip(f"{device} has no one-launch chunked reductions to schedule")
    from cambrian.backends import cpu as cpu_backend

    monkeypatch.setattr(cpu_backend, "SERIAL_BUDGET", 1.0)  # every launch "fits": the probe would open
    rng = np.random.default_rng(11)
    r = Reduction(add, 0.0)
    for n in (3 * CHUNK_MIN + 5, SERIAL_MAX, SERIAL_MAX + 1, 40 * CHUNK_MIN + 3):
        x = rng.standard_normal(n).astype(np.float32)
        dx = asarray(x, device=device)
        got = [float(r(dx)) for _ in range(3)]
        assert got == [float(chunk_order_sum(x))] * 3, n
    plans = list(r._whole.values())
    sizes = [p.launches[0][0].gsize[0] for p in plans]
    assert sizes[:2] == [1, 1] and all(g == min(device.compute_units, 256) for g in sizes[2:]), sizes
    if device.backend == "cpu":
        program = plans[-1].launches[0][0].program
        assert program.serial_items == 0 and not program.probe  # the large launches stayed on the pool
