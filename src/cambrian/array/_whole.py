"""Whole-array reductions repeated on ``cpu`` arrays of one shape, without the general call path.

``sum(x)`` of 10**7 float64 on ``cpu`` is one launch of ~1.9 ms. The general path around it (axes and
dtype rules, the plan's lookup, the launch's conversions, the 0-d result: ~120 Python calls) takes
~0.2 ms more when it runs with caches emptied by the 80 MB stream before it: in a benchmark alternating
with NumPy, in a program reducing data it has just computed. So the first whole-array call of an
operation (``axis=None``, no ``dtype``, no ``keepdims``) on a C-contiguous host-memory array leaves here a
runner for its (operation, device, dtype, shape, strides): the launch bound once
(:meth:`cambrian.backends.base.Backend.bind`) or the NumPy call the general path chose. The next calls
find it with one dictionary lookup (:func:`run`) and do only what depends on the data. On PoCL's
CPU device, whose host-memory arrays take ``cpu``'s path, the runner goes straight to that path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backends.base import Device
from ..backends.opencl_host import host_bytes
from ..vectorize import remember as _remember
from ._array import Array
from ._host import host_memory, into
from ._host import view as host_view

Runner = Callable[[Array], Array | None]
_RUNNERS: dict[tuple[Any, ...], Runner] = {}


def key(op: str, x: Array, bounds: Any) -> tuple[Any, ...]:
    """What a runner depends on: the operation, ``x``'s device, dtype, shape and strides, and the
    caller's path bounds ``bounds`` (module settings the tests change)."""
    return (op, x.device, x.dtype, x.shape, x.strides, bounds)


def run(op: str, x: Any, bounds: Any) -> Array | None:
    """``op`` of all of ``x`` (any object) by the runner kept for its kind of array; None when there
    is none or it declines (then the general path it is)."""
    runner = _RUNNERS.get(key(op, x, bounds)) if x.__class__ is Array else None
    return None if runner is None else runner(x)


def remember(op: str, x: Array, bounds: Any, runner: Runner | None) -> None:
    """Keep ``runner`` for C-contiguous arrays like ``x`` (a runner for a device whose arrays may or may
    not be in host memory checks that itself, and returns None where it cannot serve)."""
    if runner is not None and x.c_contiguous:
        _remember(_RUNNERS, key(op, x, bounds), runner)


def kernel_runner(plan: Any) -> Runner | None:
    """A runner for a one-launch whole-array reduction plan (``reduction._Plan`` with one input; its
    launch bound with the output and the input left to fill); None when the backend cannot bind it."""
    if plan is None or len(plan.launches) != 1:
        return None
    prepared, template = plan.launches[0]
    device = prepared.device
    impl = device.impl
    run = impl.bind(prepared.program, prepared.gsize, template, (0, plan.at))
    if run is None:
        return None
    dt: np.dtype = plan.dtype
    size = dt.itemsize
    together = plan.together

    def reduce(x: Array) -> Array:
        buf = impl.alloc(device, size)
        with together:
            run(buf[:size].view(dt), (x._arg or x.__cambrian_array__()).flat().view)
        return Array._new(buf, device, (), dt, (), size)

    return reduce


def via_cpu(fn: Callable[[Array], Array]) -> Runner:
    """The runner of an array in PoCL's host memory: ``fn`` (the operation) on the ``cpu`` wrapper that the
    first call's ``cpu`` path left on the array (``_seen``), after the queue's pending work; the result's
    value written into a slot of PoCL's host memory (:func:`scalar`). The general path's view of the
    result, new buffer and upload cost ~0.2 ms at cold caches. None (the general path) for an array
    without the wrapper."""

    def reduce(x: Array) -> Array | None:
        seen = getattr(x, "_seen", None)
        if seen is None or seen.device.backend != "cpu" or not host_memory(x):
            return None
        x.queue.synchronize()
        got = fn(seen)
        if got.shape == () and got.c_contiguous:
            n, at = got.dtype.itemsize, got.offset
            raw = got.device.impl.host_view(got.device, got._buffer)[at:at + n]
            out = scalar(x.device, got.dtype, raw.view(got.dtype)[0])
            if out is not None:
                return out
        return into(Array._empty(got.shape, got.dtype.name, x.device), host_view(got))

    return reduce


#: 0-d results of runners on OpenCL devices take 16-byte slots of one buffer of SLAB_BYTES per device
#: (a new PoCL buffer per result cost ~95 us at cold caches); a slab lives while any of its results does.
SLAB_BYTES = 4096
_SLABS: dict[Device, list[Any] | None] = {}  # None: the device's buffers are not host memory
_SLAB_LOCK = threading.Lock()


def scalar(device: Device, dtype: Any, value: Any) -> Array | None:
    """A new 0-d array of ``dtype`` on the OpenCL ``device`` holding ``value``, in the next free slot of
    the device's current slab of Cambrian-owned host memory; None where its buffers are not host memory."""
    dt = np.dtype(dtype)
    with _SLAB_LOCK:
        slab = _SLABS.get(device, [])
        if slab is None:  # (asked before: not host memory)
            return None
        if not slab or slab[1] + 16 > SLAB_BYTES:
            buffer = device.impl.alloc(device, SLAB_BYTES)
            raw = host_bytes(buffer)
            slab = _SLABS[device] = None if raw is None else [buffer, 0, raw]
            if slab is None:
                return None
        buffer, at, raw = slab
        slab[1] = at + 16
    raw[at:at + dt.itemsize].view(dt)[0] = value
    out = Array._new(buffer, device, (), dt, (), SLAB_BYTES)
    out.offset = at
    return out
