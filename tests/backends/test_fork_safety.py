"""A process forked (``multiprocessing`` "fork") after Cambrian ran never hangs and never dies: on ``cpu``
(whose Numba pool is GNU OpenMP, not fork-safe) launches run their serial twins there with one
warning, NumPy's host threads are made anew; OpenCL (whose driver threads stay in the parent) and CUDA
(no fork after initialisation) raise a CambrianError naming the way out. Compared with the parent's
results on every device."""

from __future__ import annotations

import multiprocessing
import warnings

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import _statistical
from cambrian.errors import CambrianError

N = 1 << 21  # above the split of min/max and the pool's launch threshold


def _compute(x):  # type: ignore[no-untyped-def]
    return [float(cb.sum(x)), float(cb.max(x)), cb.asnumpy(cb.log(cb.abs(x) + 1.0))[:: N // 64]]


_INHERITED: list[object] = []  # the parent's array, inherited by the forked child (not pickled)


def _child():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            got = _compute(_INHERITED[0])
        except CambrianError as exc:
            return "error", str(exc), []
    return "ok", got, [str(w.message) for w in seen]


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork() on this OS")
def test_forked_child_after_launches(device, monkeypatch):
    monkeypatch.setattr(_statistical, "EXTREMES_SPLIT_MIN", 1 << 20)
    dtype = "float64" if device.supports_float64 else "float32"
    x = cb.asarray(np.random.default_rng(3).standard_normal(N).astype(dtype), device=device)
    want = _compute(x)  # the parent has launched (pool, host threads) before the fork
    _INHERITED[:] = [x]
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            kind, got, seen = pool.apply_async(_child).get(timeout=120)
    finally:
        _INHERITED.clear()
    if device.backend in ("opencl", "cuda"):
        assert kind == "error" and "spawn" in got, got
        return
    assert kind == "ok", got
    assert got[:2] == want[:2]
    np.testing.assert_array_equal(got[2], want[2])
    if device.backend == "cpu":
        assert any("fork" in m for m in seen), seen
