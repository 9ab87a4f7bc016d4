"""Statistical and utility functions (sum ... cumulative_prod, all, any, diff, count_nonzero) on every
device against NumPy; on ``cpu`` both NumPy on its memory and Cambrian's reductions/kernels."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian import elementwise
from cambrian.array import _statistical

RNG = np.random.default_rng(7)
A = RNG.random((3, 4, 5))
I8 = RNG.integers(-100, 100, (3, 4)).astype(np.int8)

CASES = {
    "sum_all": (lambda x: cb.sum(x), lambda a: a.sum()),
    "sum_axis": (lambda x: cb.sum(x, axis=1), lambda a: a.sum(1)),
    "sum_axes_keep": (lambda x: cb.sum(x, axis=(0, 2), keepdims=True),
                      lambda a: a.sum((0, 2), keepdims=True)),
    "sum_strided": (lambda x: cb.sum(x.mT, axis=0), lambda a: np.swapaxes(a, -1, -2).sum(0)),
    "sum_dtype": (lambda x: cb.sum(x, axis=2, dtype=cb.float32), lambda a: a.sum(2, dtype=np.float32)),
    "prod": (lambda x: cb.prod(x, axis=-1), lambda a: a.prod(-1)),
    "min": (lambda x: cb.min(x, axis=(1,)), lambda a: a.min(1)),
    "max_all": (lambda x: cb.max(x), lambda a: a.max()),
    "mean": (lambda x: cb.mean(x, axis=0), lambda a: a.mean(0)),
    "var": (lambda x: cb.var(x, axis=(0, 1), correction=1), lambda a: a.var((0, 1), ddof=1)),
    "std": (lambda x: cb.std(x, keepdims=True), lambda a: a.std(keepdims=True)),
    "cumsum": (lambda x: cb.cumulative_sum(x, axis=1), lambda a: np.cumsum(a, 1)),
    "cumprod_initial": (lambda x: cb.cumulative_prod(x, axis=2, include_initial=True),
                        lambda a: np.concatenate([np.ones((3, 4, 1)), np.cumprod(a, 2)], 2)),
    "all": (lambda x: cb.all(x > 0.1, axis=1), lambda a: (a > 0.1).all(1)),
    "any": (lambda x: cb.any(x > 0.9), lambda a: (a > 0.9).any()),
    "count_nonzero": (lambda x: cb.count_nonzero(x > 0.5, axis=(0, 2)),
                      lambda a: np.count_nonzero(a > 0.5, (0, 2))),
    "diff": (lambda x: cb.diff(x, axis=1, n=2), lambda a: np.diff(a, 2, axis=1)),
    "diff_prepend": (lambda x: cb.diff(x, axis=0, prepend=x[:1], append=x[-1:]),
                     lambda a: np.diff(a, axis=0, prepend=a[:1], append=a[-1:])),
}


def _paths(device) -> list[tuple[int, int]]:
    """(HOST_MATH_MAX, REDUCE_HOST_MAX) settings that run each path of ``device`` (cpu and PoCL's CPU
    device: NumPy on their memory, then the kernels)."""
    here = (elementwise.HOST_MATH_MAX, _statistical.REDUCE_HOST_MAX)
    return [here, (0, 0)] if device.backend == "cpu" or elementwise._is_pocl_cpu(device) else [here]


@pytest.mark.parametrize("case", CASES)
def test_against_numpy(device, case, monkeypatch):
    fn, ref = CASES[case]
    for host_max, reduce_max in _paths(device):
        monkeypatch.setattr(elementwise, "HOST_MATH_MAX", host_max)
        monkeypatch.setattr(_statistical, "REDUCE_HOST_MAX", reduce_max)
        got = fn(cb.asarray(A, device=device))
        want = ref(A)
        assert isinstance(got, cb.Array) and got.device == device
        assert got.shape == np.shape(want) and got.dtype == np.asarray(want).dtype
        np.testing.assert_allclose(cb.asnumpy(got), want, rtol=1e-6 if got.dtype == np.float32 else 1e-12)


def test_integer_dtype_rules(device, monkeypatch):
    for host_max, reduce_max in _paths(device):
        monkeypatch.setattr(elementwise, "HOST_MATH_MAX", host_max)
        monkeypatch.setattr(_statistical, "REDUCE_HOST_MAX", reduce_max)
        x = cb.asarray(I8, device=device)
        s = cb.sum(x, axis=0)
        assert s.dtype == cb.int64 and np.array_equal(cb.asnumpy(s), I8.sum(0, dtype=np.int64))
        assert cb.max(x).dtype == cb.int8 and int(cb.max(x)) == I8.max()
        assert cb.mean(x).dtype == cb.float64 and float(cb.mean(x)) == pytest.approx(I8.mean())
        c = cb.cumulative_sum(x[0])
        assert c.dtype == cb.int64 and np.array_equal(cb.asnumpy(c), np.cumsum(I8[0], dtype=np.int64))
        u = cb.asarray(np.array([200, 100], np.uint8), device=device)
        assert cb.sum(u).dtype == cb.uint64 and int(cb.sum(u)) == 300


def test_empty_reductions(device):
    e = cb.asarray(np.zeros((0, 3)), device=device)
    np.testing.assert_array_equal(cb.asnumpy(cb.sum(e, axis=0)), np.zeros(3))
    np.testing.assert_array_equal(cb.asnumpy(cb.prod(e, axis=0)), np.ones(3))
    assert bool(cb.all(e)) and not bool(cb.any(e))
    assert np.isnan(float(cb.mean(e)))
    with pytest.raises(ValueError):
        cb.max(e, axis=0)


def test_bad_input(device):
    x = cb.asarray(A, device=device)
    with pytest.raises(IndexError):
        cb.sum(x, axis=3)
    with pytest.raises(ValueError):
        cb.sum(x, axis=(1, 1))
    with pytest.raises(ValueError):
        cb.cumulative_sum(x)  # axis required for n-d arrays
    with pytest.raises(TypeError):
        cb.max(cb.asarray(A + 1j, device=device))
    with pytest.raises(TypeError):
        cb.mean(A)


def test_monte_carlo_pi_as_the_articles_write_it(device):
    """``hit = count_nonzero(less_equal(add(multiply(x, x), multiply(y, y)), ones))`` on the device."""
    rng = np.random.default_rng(0)
    hx, hy = rng.random(100_000), rng.random(100_000)
    x, y = cb.asarray(hx, device=device), cb.asarray(hy, device=device)
    ones = cb.ones_like(x)
    hit = cb.count_nonzero(cb.less_equal(cb.add(cb.multiply(x, x), cb.multiply(y, y)), ones))
    assert hit.device == device
    assert int(hit) == np.count_nonzero(hx * hx + hy * hy <= 1.0)
    assert abs(4.0 * int(hit) / x.size - np.pi) < 0.05


def test_empty_arrays_of_any_layout(device):
    e = cb.astype(cb.zeros((0, 0), dtype=cb.bool, device=device), cb.uint8)
    assert int(cb.sum(e)) == 0 and cb.sum(e, axis=1).shape == (0,)
    assert e.mT.c_contiguous  # an empty array is contiguous in any layout


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "bool"])
def test_split_extremes_of_large_arrays(device, dtype, monkeypatch):
    """Whole-array min/max/argmin/argmax from EXTREMES_SPLIT_MIN elements on host memory take NumPy's
    loops on parts on the host threads: NumPy's answers (NaN wins, the first index of a tie across
    parts), and the split runs wherever NumPy works on the memory."""
    if dtype == "float64" and not device.supports_float64:
        pytest.skip("no float64 on this device")
    monkeypatch.setattr(_statistical, "EXTREMES_SPLIT_MIN", 1000)
    calls = []
    real = _statistical.in_parts
    monkeypatch.setattr(_statistical, "in_parts", lambda *a, **k: calls.append(1) or real(*a, **k))
    rng = np.random.default_rng(5)
    a = (rng.integers(-50, 50, 5004) if dtype != "bool" else rng.integers(0, 2, 5004)).astype(dtype)
    a[4000] = a[17] = a.max() + (0 if dtype == "bool" else 1)  # the same extreme in two parts
    a[4500] = a[30] = a.min() - (0 if dtype == "bool" else 1)
    layouts = [a]
    if dtype.startswith("float"):
        layouts += [np.where(np.arange(a.size) == 3001, np.nan, a).astype(dtype),  # NaN in a late part
                    np.where(np.arange(a.size) % 1700 == 9, np.nan, a).astype(dtype)]
    for host in layouts:
        for shape in ((host.size,), (12, host.size // 12)):
            x = cb.asarray(host.reshape(shape), device=device)
            for name in ("max", "min", "argmax", "argmin"):
                for keep in (False, True):
                    got = cb.asnumpy(getattr(cb, name)(x, keepdims=keep))
                    want = getattr(np, name)(host.reshape(shape), keepdims=keep)
                    assert got.shape == want.shape and got.dtype == want.dtype, (name, keep, shape)
                    np.testing.assert_array_equal(got, want, err_msg=f"{name} keepdims={keep} {shape}")
    x = cb.asarray(a, device=device)
    assert bool(calls) == _statistical._numpy_here(x, x.size, _statistical.EXTREMES_SCALE)


def test_host_threads_when_pinning_fails(device, monkeypatch):
    """The host threads pin themselves to CPUs; where that fails (a CPU taken away by a container's
    limits) they run unpinned: the split results stay NumPy's, no broken pool."""
    import os

    from cambrian import elementwise_host

    def refuse(*args):  # type: ignore[no-untyped-def]
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "sched_setaffinity", refuse, raising=False)
    monkeypatch.setattr(elementwise_host, "_POOL", None)  # a new pool, whose threads meet the refusal
    monkeypatch.setattr(_statistical, "EXTREMES_SPLIT_MIN", 1000)
    a = np.random.default_rng(9).standard_normal(5000).astype("float32")
    x = cb.asarray(a, device=device)
    assert float(cb.max(x)) == float(a.max()) and int(cb.argmin(x)) == int(a.argmin())
    pool = elementwise_host._POOL
    if pool is not None:
        pool.shutdown()
