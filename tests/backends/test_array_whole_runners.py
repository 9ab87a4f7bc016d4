"""Whole-array reductions repeated on arrays of one kind (``array/_whole.py``): the first call takes the
general path and leaves a runner on host-memory devices; the next calls give the same bits, read the
current data, keep no input alive, and arrays of another layout, dtype or shape take the general
path. Every device, with NumPy and with the kernels doing the work."""

from __future__ import annotations

import gc
import weakref
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import _statistical, _whole

from .test_array_statistics import _paths

OPS = ("sum", "prod", "min", "max", "mean", "argmax", "argmin")


def _bits(r: cb.Array) -> tuple[bytes, str, tuple[int, ...], object]:
    return cb.asnumpy(r).tobytes(), r.dtype.name, r.shape, r.device


def _kept(device, x: cb.Array) -> bool:
    """Whether a whole-array call on ``x`` leaves a runner: on host-memory devices with synchronous
    launches (cpu, interp), and on PoCL's CPU device for its host memory while ``cpu``'s path serves it."""
    if device.backend in ("cpu", "interp"):
        return True
    return bool(_statistical.REDUCE_HOST_MAX) and _statistical.is_pocl_cpu(device) and \
        _statistical.host_memory(x)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "bool"])
def test_runner_calls_give_the_general_paths_bits(device, dtype, monkeypatch):
    if dtype == "float64" and not device.supports_float64:
        pytest.skip("no float64 on this device")
    rng = np.random.default_rng(3)
    n = 300_000 if device.backend != "interp" else 3000
    for host_max, reduce_max in _paths(device):
        monkeypatch.setattr(cb.elementwise, "HOST_MATH_MAX", host_max)
        monkeypatch.setattr(_statistical, "REDUCE_HOST_MAX", reduce_max)
        for shape in ((n,), (30, n // 30)):
            a = (rng.standard_normal(shape) * 3).astype(dtype)
            x = cb.asarray(a, device=device)
            for op in OPS:
                got = [_bits(getattr(cb, op)(x)) for _ in range(3)]  # the general path, then the runner
                assert got[0] == got[1] == got[2], (op, shape, host_max, reduce_max)
                assert got[0][3] == device
                want = np.asarray(getattr(np, op)(a) if op != "mean" else a.mean(dtype=got[0][1]))
                value = np.frombuffer(got[0][0], got[0][1])[0]
                if op in ("sum", "prod", "mean") and dtype.startswith("float"):
                    assert value == pytest.approx(want, rel=1e-4 if dtype == "float32" else 1e-10)
                elif op in ("sum", "mean"):
                    assert value == pytest.approx(want, rel=1e-12)
                elif op != "prod":
                    assert value == want, (op, shape)
                kept = _whole._RUNNERS.get(_whole.key(op, x, _statistical.bounds()))
                assert (kept is not None) == _kept(device, x), (op, shape, device)


def test_runners_read_the_current_data_and_other_layouts_take_the_general_path(device):
    n = 200_000 if device.backend != "interp" else 2000
    a = np.random.default_rng(4).standard_normal((4, n // 4)).astype(np.float32)
    x = cb.asarray(a, device=device)
    for _ in range(2):
        assert float(cb.sum(x)) == pytest.approx(a.sum(dtype=np.float64), rel=1e-4)
        assert int(cb.argmax(x)) == int(np.argmax(a))
    x[...] = cb.asarray(-a, device=device)  # new data in the same array
    assert float(cb.sum(x)) == pytest.approx(-a.sum(dtype=np.float64), rel=1e-4)
    assert int(cb.argmax(x)) == int(np.argmin(a)) and float(cb.max(x)) == -a.min()
    t = x.mT  # another layout of the same elements: the general path
    assert float(cb.sum(t)) == pytest.approx(-a.sum(dtype=np.float64), rel=1e-4)
    assert int(cb.argmax(t)) == int(np.argmin(a.T))
    y = cb.asarray(a[:, 1:], device=device)  # another shape
    assert float(cb.max(y)) == a[:, 1:].max()
    z = cb.astype(x, cb.int32)  # another dtype: int64 sums
    assert cb.sum(z).dtype == cb.int64 and int(cb.sum(z)) == int((-a).astype(np.int32).sum(dtype=np.int64))


def test_runners_keep_no_input_alive(device, monkeypatch):
    monkeypatch.setattr(_statistical, "REDUCE_HOST_MAX", 0)  # the kernels
    n = 100_000 if device.backend != "interp" else 1000
    for _ in range(3):
        x = cb.asarray(np.arange(n, dtype=np.float32), device=device)
        assert float(cb.sum(x)) == pytest.approx(n * (n - 1) / 2, rel=1e-5)
        assert float(cb.mean(x)) == pytest.approx((n - 1) / 2, rel=1e-5)
        ref = weakref.ref(x)
        del x
        gc.collect()
        assert ref() is None


def test_threads_share_a_runner(device, monkeypatch):
    monkeypatch.setattr(_statistical, "REDUCE_HOST_MAX", 0)  # the kernels: one scratch array, one lock
    n = 400_000 if device.backend != "interp" else 2000
    arrays = [np.full(n, k + 1, np.float64 if device.supports_float64 else np.float32) for k in range(8)]
    xs = [cb.asarray(a, device=device) for a in arrays]
    float(cb.sum(xs[0]))  # the general path leaves the runner the threads then share

    def total(k: int) -> float:
        return float(cb.sum(xs[k]))

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(total, list(range(8)) * 4))
    assert got == [float(n * (k + 1)) for k in range(8)] * 4


def test_cpu_bind_launches_as_launch_does(device):
    """``Backend.bind``: ``cpu`` binds a 1-D launch and fills the array slots per call; other backends
    decline (None) and keep their general launch."""
    from cambrian.kernels import kernel

    @kernel
    def axpy(out, x, a):  # type: ignore[no-untyped-def]
        i = cb.get_global_id(0)
        out[i] = a * x[i] + 1.0

    x = cb.asarray(np.arange(64, dtype=np.float32), device=device)
    out = cb.empty(64, dtype=cb.float32, device=device)
    prepared, args = axpy[64].prepare(out, x, np.float32(2.0))
    run = device.impl.bind(prepared.program, prepared.gsize, args, (0, 1))
    if device.backend != "cpu":
        assert run is None
        return
    assert run is not None
    mine = np.empty(64, np.float32)
    run(mine, np.full(64, 3.0, np.float32))
    np.testing.assert_array_equal(mine, np.full(64, 7.0, np.float32))
    prepared, args = axpy[1].prepare(out, x, np.float32(2.0))  # one work-item: the calling thread's launcher
    one = device.impl.bind(prepared.program, prepared.gsize, args, (0, 1))
    assert one is not None
    mine[:] = 0.0
    one(mine, np.full(64, 5.0, np.float32))
    assert mine[0] == 11.0 and not mine[1:].any()


def test_results_in_shared_slots_are_independent_arrays(device, monkeypatch):
    """On PoCL's host memory the runners' 0-d results share slots of one buffer (``_whole.scalar``):
    each is its own array (written in place, read by kernels, kept alive across slabs)."""
    monkeypatch.setattr(_statistical, "REDUCE_HOST_MAX", 256)  # cpu's path for PoCL from 256 elements
    n = 5000
    a = np.arange(n, dtype=np.float32)
    x = cb.asarray(a, device=device)
    results = [cb.sum(x) for _ in range(_whole.SLAB_BYTES // 16 + 40)]  # more than one slab
    assert all(r.device == device and r.shape == () for r in results)
    assert {float(r) for r in results} == {float(a.sum(dtype=np.float64))}
    r1, r2 = results[-2], results[-1]
    if device.backend == "opencl" and _kept(device, x):
        assert r1._buffer is r2._buffer and r1.offset != r2.offset  # one slab, two slots
    r1[...] = 5.0  # in place: its own slot only
    assert float(r1) == 5.0 and float(r2) == float(a.sum(dtype=np.float64))
    y = cb.asarray(np.ones(7, np.float32), device=device)
    np.testing.assert_array_equal(cb.asnumpy(cb.add(y, r1)), np.full(7, 6.0, np.float32))
    np.testing.assert_array_equal(cb.asnumpy(cb.multiply(r2, 0.5)), np.float32(a.sum(dtype=np.float64) / 2))


def test_a_full_slab_is_freed_with_its_last_result(device, monkeypatch):
    """A slab leaves the slab table when full; its memory then goes with the last of its results, by
    reference counting alone (no cycle keeps it)."""
    if device.backend != "opencl" or _whole.scalar(device, "float32", 0.0) is None:
        pytest.skip(f"{device} has no slots for 0-d results (not an OpenCL device's host memory)")
    gc.collect()
    gc.disable()
    try:
        first = _whole.scalar(device, "float64", 1.0)
        slab = weakref.ref(first._buffer)
        more = [_whole.scalar(device, "int32", k) for k in range(_whole.SLAB_BYTES // 16)]  # fills it
        assert [int(m) for m in more[:3]] == [0, 1, 2] and float(first) == 1.0
        assert _whole._SLABS[device][0] is not slab()  # a new slab is current
        del more
        assert slab() is not None  # ``first`` still holds it
        del first
        assert slab() is None
    finally:
        gc.enable()


def test_views_at_other_offsets_share_a_runner_and_read_their_own_elements(device, monkeypatch):
    for reduce_max in (_statistical.REDUCE_HOST_MAX, 0):  # NumPy, then the kernels
        monkeypatch.setattr(_statistical, "REDUCE_HOST_MAX", reduce_max)
        a = np.random.default_rng(8).standard_normal(3 * 70_000).astype(np.float32)
        x = cb.asarray(a, device=device)
        for k in range(3):  # the same kind of array (shape, strides) at three offsets, twice each
            part, host = x[k * 70_000:(k + 1) * 70_000], a[k * 70_000:(k + 1) * 70_000]
            for _ in range(2):
                assert float(cb.sum(part)) == pytest.approx(host.sum(dtype=np.float64), rel=1e-4)
                assert int(cb.argmax(part)) == int(np.argmax(host))
                assert float(cb.max(part)) == host.max()
