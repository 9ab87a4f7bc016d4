"""OpenCL CPU devices: buffers over Cambrian-owned host memory (backends/opencl_host.py) outlive the
commands enqueued on them, even when their arrays are dropped right after an asynchronous launch."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import asnumpy, empty, zeros
from cambrian.backends.opencl_host import aligned_host_memory
from cambrian.devices import devices
from cambrian.kernels import kernel


@pytest.fixture(scope="module")
def cpu_cl():
    found = [d for d in devices("opencl") if d.kind == "cpu" and d.handle.host_unified_memory]
    if not found:
        pytest.skip("no OpenCL CPU device with host-unified memory")
    return found[0]


@kernel
def slow_fill(out, rounds):
    i = cb.get_global_id(0)
    v = 0.0
    for _k in range(rounds):
        v = v * 0.5 + 1.0
    out[i] = v


def test_dropped_buffer_memory_waits_for_the_queue(cpu_cl):
    queue = cpu_cl.impl.create_queue(cpu_cl)
    host = queue.cambrian_host
    out = empty((1 << 14,), dtype="float64", device=cpu_cl)
    slow_fill[1 << 14](out, 2)  # compile outside the timed part
    queue.synchronize()
    memory = weakref.ref(out._buffer.hostbuf.base)
    slow_fill[1 << 14](out, 20_000)  # runs long enough to still be running below
    del out
    gc.collect()
    assert memory() is not None, "host memory freed while a kernel was still writing it"
    assert host.waiting >= 1
    queue.synchronize()
    gc.collect()
    assert host.waiting == 0
    # completed: the block is reused by the next buffer of its size (the pool), not held by the dead one
    assert memory() is None or host.free_bytes >= (1 << 14) * 8
    again = empty((1 << 14,), dtype="float64", device=cpu_cl)
    assert memory() is None or again._buffer.hostbuf.base is memory()


def test_temporaries_in_a_loop_stay_correct(cpu_cl):
    total = zeros((10_000,), dtype="float64", device=cpu_cl)
    for k in range(50):  # each iteration drops an array whose kernel may still be queued
        tmp = empty((10_000,), dtype="float64", device=cpu_cl)
        slow_fill[10_000](tmp, k)
        add_into[10_000](total, tmp)
    expected = sum(2.0 - 2.0 ** (1 - k) for k in range(50))
    np.testing.assert_allclose(asnumpy(total), np.full(10_000, expected))


@kernel
def add_into(acc, x):
    i = cb.get_global_id(0)
    acc[i] += x[i]


@pytest.mark.parametrize("nbytes, align", [(1, 4096), (100_000, 4096), (5 << 20, 2 << 20)])
def test_aligned_host_memory(nbytes, align):
    mem = aligned_host_memory(nbytes)
    assert mem.nbytes == nbytes and mem.ctypes.data % align == 0


def test_buffers_use_host_memory(cpu_cl):
    """Every buffer of an OpenCL CPU device is Cambrian-owned host memory (DLPack, NumPy in place)."""
    queue = cpu_cl.impl.create_queue(cpu_cl)
    for n in (1, 1000, 1 << 14):
        x = empty((n,), dtype="float64", device=cpu_cl)
        assert x._buffer.cambrian_host is queue.cambrian_host
        assert x._buffer.hostbuf.nbytes >= n * 8
