"""CuPy's libraries (cuBLAS, cuSOLVER, cuFFT) on the memory of arrays on CUDA devices.

Arrays go to CuPy without a copy (``cupy.asarray`` over ``__cuda_array_interface__``), the work is
enqueued on Cambrian's own stream of the device (``device.queue.native``, a ``cupy.cuda.Stream``), and
CuPy's results are wrapped back as Arrays on the same device without a copy. Only CuPy's documented
API is used: ``cupy.cuda.Device``, ``with stream:``, ``cupy.asarray``, ``cupy.linalg``, ``cupy.fft``
and ``cupyx.errstate(linalg="raise")`` (so a singular matrix raises instead of giving NaN).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from ..backends.base import Device
from ._array import Array

#: Use CuPy's libraries on CUDA devices (False: the kernel paths and host round trips, as elsewhere).
USE_CUPY = True


def cupy_for(device: Device) -> Any | None:
    """The ``cupy`` module when ``device`` is a CUDA device and CuPy's libraries can be used, else None."""
    if not USE_CUPY or device.backend != "cuda":
        return None
    try:
        import cupy
    except Exception:  # CUDA without CuPy: the kernel paths
        return None
    from ..backends.cuda import check_not_forked

    check_not_forked()  # (CuPy's own calls would meet the driver's error first)
    return cupy


def _errstate(cupy: Any) -> Any:
    try:
        import cupyx

        return cupyx.errstate(linalg="raise")
    except Exception:  # an older CuPy: NaN results instead of LinAlgError
        return contextlib.nullcontext()


def run(cupy: Any, fn: Callable[..., Any], *arrays: Any) -> Any:
    """``fn(cupy, *cupy_arrays)`` on the arrays' device and stream; its CuPy result (an array or a
    tuple of arrays) wrapped as Arrays without a copy. Non-Array arguments pass through unchanged."""
    from ._convert import asarray

    device = next(a.device for a in arrays if isinstance(a, Array))
    with cupy.cuda.Device(device.ordinal), device.queue.native, _errstate(cupy):
        ins = [cupy.asarray(a) if isinstance(a, Array) else a for a in arrays]
        out = fn(cupy, *ins)
    if isinstance(out, tuple):
        return tuple(asarray(o) for o in out)
    return asarray(out)
