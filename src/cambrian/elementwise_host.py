"""Host-side helpers of :mod:`cambrian.elementwise`: NumPy's loops split over threads, which OpenCL devices
are PoCL's CPU device (where ``cpu_path_on_pocl`` was measured), and the host device that serves them."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from .backends.base import Device

if TYPE_CHECKING:  # imported on the first threaded call (concurrent.futures: ~3 ms of import cambrian)
    from concurrent.futures import ThreadPoolExecutor

_POCL: dict[Device, bool] = {}
_HOSTS: list[Device | None] = []


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

        for name in ("cpu", "interp"):
            try:
                _HOSTS.append(select_device(name))
            except DeviceError:
                _HOSTS.append(None)
    cpu, interp = _HOSTS
    return cpu if cpu is not None else None if kernel else interp


#: Host-path arrays of at least this many elements are split over threads.
SPLIT = 1 << 16
_POOL: ThreadPoolExecutor | None = None


def threaded(ufunc: Any, ins: list[Any], target: np.ndarray) -> None:
    """``ufunc(*ins, out=target)`` in chunks of the first axis, one per thread (NumPy releases the GIL)."""
    global _POOL
    workers = min(os.cpu_count() or 1, 8)
    if workers == 1:
        ufunc(*ins, out=target)
        return
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(workers, thread_name_prefix="cambrian-host")
    n = target.shape[0]
    step = math.ceil(n / workers)
    full = [np.broadcast_to(a, target.shape) if isinstance(a, np.ndarray) else a for a in ins]

    def part(lo: int) -> None:
        sl = slice(lo, lo + step)
        with np.errstate(all="ignore"):
            ufunc(*(a[sl] if isinstance(a, np.ndarray) else a for a in full), out=target[sl])

    for f in [_POOL.submit(part, lo) for lo in range(0, n, step)]:
        f.result()
