"""NumPy views of an array's memory (DLPack exports, the library's own host views) keep that memory
out of the pools while they live: the array may die first, and new arrays of the same size must not be
given its block (they were: NumPy collapses a view's base chain past the buffer object, so the block
went back to the pool while the view still read it; threads then saw each other's results). Also:
threads using the host paths of several devices at once get their own results."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

import cambrian as cb
from cambrian import elementwise_host
from cambrian.array import _host
from cambrian.testing import all_devices

N = 1 << 17  # pooled sizes on every host-memory device


def _churn(x):  # type: ignore[no-untyped-def]
    """New arrays of x's size and dtype, written, so a freed block of that size is reused and overwritten."""
    ys = [cb.multiply(x, float(k + 5)) for k in range(4)]
    for y in ys:
        y.synchronize()
    return ys


def test_host_view_outlives_its_array(device):
    x = cb.asarray(np.arange(N, dtype=np.float32), device=device)
    if not _host.host_memory(x):
        pytest.skip(f"{device}: its memory is not host memory (no NumPy view to keep)")
    v = _host.view(cb.multiply(x, 2.0))  # the array dies here; its view stays
    want = np.arange(N, dtype=np.float32) * 2
    gc.collect()
    keep = _churn(x)
    np.testing.assert_array_equal(v, want)
    del keep


def test_dlpack_export_outlives_its_array(device):
    x = cb.asarray(np.arange(N, dtype=np.float32), device=device)
    if not _host.host_memory(x):
        pytest.skip(f"{device}: NumPy cannot import device memory through DLPack")
    a = np.from_dlpack(cb.multiply(x, 3.0))
    gc.collect()
    keep = _churn(x)
    np.testing.assert_array_equal(a, np.arange(N, dtype=np.float32) * 3)
    del keep


def test_threads_on_host_paths_of_every_device():
    """Four threads sort, reduce and compute on every device's arrays at once (large enough for the
    host threads' splits and PoCL's cpu path): every result is the one its thread asked for."""
    a = np.random.default_rng(4).standard_normal(1 << 21).astype(np.float32)
    xs = [cb.asarray(a, device=d) for d in all_devices()]
    want_sorted, want_exp = np.sort(a), np.exp(a)
    errors: list[str] = []

    def work(k: int) -> None:
        try:
            for i in range(6):
                x = xs[(k + i) % len(xs)]
                np.testing.assert_array_equal(cb.asnumpy(cb.sort(x)), want_sorted)
                np.testing.assert_allclose(cb.asnumpy(cb.exp(x)), want_exp, rtol=1e-6)
                o = cb.empty_like(x)
                cb.multiply(x, 2.0, out=o)
                np.testing.assert_array_equal(cb.asnumpy(o), a * 2)
                assert float(cb.max(x)) == float(a.max())
        except Exception as exc:  # reported below, with the device
            errors.append(f"thread {k}: {exc!r}"[:300])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    assert not errors, errors


def test_host_device_set_up_by_threads_at_once(monkeypatch):
    """The host devices (``cpu``/``interp``) chosen by many threads at once: one answer, no crash."""
    monkeypatch.setattr(elementwise_host, "_HOSTS", [])
    start = threading.Barrier(8)
    got: list[object] = []

    def ask() -> None:
        start.wait()
        got.append(elementwise_host.host_device(False))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8 and len(set(map(id, got))) == 1 and len(elementwise_host._HOSTS) == 2
