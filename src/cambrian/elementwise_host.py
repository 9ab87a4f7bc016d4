"""NumPy's loops on device memory for :mod:`cambrian.elementwise`'s host path: the split over threads, and
which OpenCL devices are PoCL's CPU device (where ``numpy_on_pocl`` was measured)."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from .backends.base import Device

if TYPE_CHECKING:  # imported on the first threaded call (concurrent.futures: ~3 ms of import cambrian)
    from concurrent.futures import ThreadPoolExecutor

_POCL: dict[Device, bool] = {}


def is_pocl_cpu(device: Device) -> bool:
    """PoCL's CPU device (where ``numpy_on_pocl`` was measured)."""
    got = _POCL.get(device)
    if got is None:
        got = _POCL[device] = (device.backend == "opencl" and device.kind == "cpu"
                               and "Portable Computing Language" in (device.platform or ""))
    return got


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
