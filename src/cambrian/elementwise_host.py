"""Host-side helpers of :mod:`cambrian.elementwise`: NumPy's loops split over threads, which OpenCL devices
are PoCL's CPU device (where ``cpu_path_on_pocl`` was measured), and the host device that serves them."""

from __future__ import annotations

import contextlib
import math
import os
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from .backends.base import Device

if TYPE_CHECKING:  # imported on the first threaded call (concurrent.futures: ~3 ms of import cambrian)
    from concurrent.futures import ThreadPoolExecutor

_POCL: dict[Device, bool] = {}
_HOSTS: list[Device | None] = []
_HOSTS_LOCK = threading.Lock()


def is_pocl_cpu(device: Device) -> bool:
    """PoCL's CPU device (where ``cpu_path_on_pocl`` was measured)."""
    got = _POCL.get(device)
    if got is None:
        got = _POCL[device] = (device.backend == "opencl" and device.kind == "cpu"
                               and "Portable Computing Language" in (device.platform or ""))
    return got


def host_device(kernel: bool) -> Device | None:
    """The device whose path runs a call on PoCL's host memory: ``cpu``; where it is absent, ``interp``
    (NumPy's loops) unless the call's ``cpu`` path is a kernel (``kernel``: then PoCL's kernel runs)."""
    if not _HOSTS:
        from .devices import select_device
        from .errors import DeviceError

        found: list[Device | None] = []
        for name in ("cpu", "interp"):
            try:
                found.append(select_device(name))
            except DeviceError:
                found.append(None)
        with _HOSTS_LOCK:  # (threads may get here together: one list of two)
            if not _HOSTS:
                _HOSTS.extend(found)
    cpu, interp = _HOSTS
    return cpu if cpu is not None else None if kernel else interp


#: Host-path arrays of at least this many elements are split over threads.
SPLIT = 1 << 16
_POOL: ThreadPoolExecutor | None = None


def _forget_pool() -> None:
    """In a forked child: the parent's pool threads do not exist there (its tasks would wait forever)."""
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _cpus() -> list[int]:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def _pool() -> tuple[ThreadPoolExecutor | None, int]:
    """The host threads' pool (None on one CPU) and its size. Each thread keeps to one CPU: left free,
    the scheduler often woke both on the CPU of the calling thread, and a split of float64 ``log`` of
    10**7 then took the one-thread time (8.7 ms against 5.2) in 10-17 of 60 calls here; pinned, 3-6 of 60."""
    global _POOL
    cpus = _cpus()
    workers = min(len(cpus), 8)
    if workers > 1 and _POOL is None:
        import itertools
        from concurrent.futures import ThreadPoolExecutor

        order = itertools.count()

        def pin() -> None:  # (a CPU taken away since, e.g. by a container's limits: the thread stays free)
            with contextlib.suppress(AttributeError, OSError):
                os.sched_setaffinity(0, {cpus[next(order) % workers]})

        _POOL = ThreadPoolExecutor(workers, thread_name_prefix="cambrian-host", initializer=pin)
    return (_POOL if workers > 1 else None), workers


def in_parts(fn: Any, flat: np.ndarray, per_thread: int = 2) -> list[tuple[int, Any]]:
    """``(offset, fn(part))`` for contiguous parts of the 1-D ``flat``, in order, ``per_thread`` parts per
    host thread run on the pool (a thread the OS holds back leaves its later parts to the others)."""
    pool, workers = _pool()
    count = 1 if pool is None else min(workers * per_thread, flat.shape[0]) or 1
    step = max(-(-flat.shape[0] // count), 1)
    offsets = range(0, max(flat.shape[0], 1), step)
    if pool is None:
        return [(lo, fn(flat[lo:lo + step])) for lo in offsets]
    futures = [(lo, pool.submit(fn, flat[lo:lo + step])) for lo in offsets]
    return [(lo, f.result()) for lo, f in futures]


def threaded(ufunc: Any, ins: list[Any], target: np.ndarray) -> None:
    """``ufunc(*ins, out=target)`` in chunks of the first axis, one per thread of the pinned pool
    (:func:`_pool`; NumPy releases the GIL)."""
    pool, workers = _pool()
    if pool is None:
        ufunc(*ins, out=target)
        return
    n = target.shape[0]
    step = math.ceil(n / workers)
    full = [np.broadcast_to(a, target.shape) if isinstance(a, np.ndarray) else a for a in ins]

    def part(lo: int) -> None:
        sl = slice(lo, lo + step)
        with np.errstate(all="ignore"):
            ufunc(*(a[sl] if isinstance(a, np.ndarray) else a for a in full), out=target[sl])

    for f in [pool.submit(part, lo) for lo in range(0, n, step)]:
        f.result()
