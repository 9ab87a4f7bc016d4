"""May NumPy work on an array's memory in place? One answer for every device, and the round trips.

A device's memory is host memory NumPy can use (BLAS, LAPACK, pocketfft) without a copy when

* its backend hands out NumPy views of its buffers (``device.impl.host_view``: ``cpu``, ``interp``), or
* it is an OpenCL CPU device and the buffer is Cambrian-owned host memory (``CL_MEM_USE_HOST_PTR``
  over a block of :mod:`cambrian.backends.opencl_host`: every buffer of such a device).

Pending device work is waited for first (``x.queue.synchronize()`` on asynchronous devices), so NumPy
reads finished data and later launches see what it wrote. :data:`IN_PLACE` = False turns the answer
to "no" everywhere (the tests run the device paths of host-memory devices that way).

:func:`round_trip` is the other side: read an array to the host, run NumPy, write the result back.
Functions that use it on devices without host memory say so in their docstrings and in the README.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..backends.base import Device
from ..backends.opencl_host import host_bytes
from ._array import Array

#: NumPy on host memory where the memory allows it (False: device paths everywhere; for tests).
IN_PLACE = True


def _buffer_view(x: Array) -> np.ndarray | None:
    """The uint8 host memory under ``x``'s buffer, or None when it is not host memory."""
    impl = x.device.impl
    raw = impl.host_view(x.device, x._buffer)
    if raw is None and x.device.backend == "opencl":
        raw = host_bytes(x._buffer)  # Cambrian-owned host memory of an OpenCL CPU device
    return raw


def host_memory(x: Array) -> bool:
    """True when NumPy may work on ``x``'s memory in place (see the module docstring)."""
    if not IN_PLACE:
        return False
    if x.size == 0 or getattr(x._buffer, "cambrian_host", None) is not None:  # (no view made to ask)
        return True
    return x.device.impl.host_view(x.device, x._buffer) is not None


def view(x: Array) -> np.ndarray:
    """A NumPy view of ``x``'s elements (``host_memory(x)`` must hold; no waiting)."""
    if x.size == 0:  # (no memory to share; the strides of some empty views do not fit a NumPy view)
        return np.empty(x.shape, x.dtype)
    arg = x.__cambrian_array__()
    if arg.view is not None:
        return arg.view
    return np.ndarray(x.shape, x.dtype, buffer=_buffer_view(x), offset=x.offset, strides=x.strides)


def numpy_views(*arrays: Array) -> list[np.ndarray] | None:
    """NumPy views of ``arrays`` (one device) when NumPy may work on all of them in place, after the
    device's pending work is done; else None."""
    if not arrays or not all(host_memory(a) for a in arrays):
        return None
    if arrays[0].device.impl.asynchronous:
        arrays[0].queue.synchronize()
    return [view(a) for a in arrays]


def result(host: np.ndarray, device: Device) -> Array:
    """``host`` (a NumPy result) as an Array on ``device``: its memory wrapped where the device's buffers
    are NumPy memory (``cpu``, ``interp``), else copied in."""
    from ._convert import from_host, wrap_host

    check_dtype(device, host.dtype.name)
    if host.dtype.isnative and host.flags.c_contiguous and host.flags.writeable and host.size:
        wrapped = wrap_host(host, device)
        if wrapped is not None:
            return wrapped
    return from_host(host, device)


def into(out: Array, host: np.ndarray) -> Array:
    """Write ``host`` (same shape) into ``out``: in place when ``out`` is host memory, else copied in."""
    if host.size == 0:
        return out
    if host_memory(out):
        if out.device.impl.asynchronous:
            out.queue.synchronize()
        np.copyto(view(out), host, casting="unsafe")
    else:
        out._write(np.ascontiguousarray(host, dtype=out.dtype))
    return out


def check_dtype(device: Device, dtype: str) -> None:
    """UnsupportedFeatureError for float64/complex128 on a device without float64."""
    from ._array import check_dtype_on

    check_dtype_on(device, dtypes.name(dtype))


def round_trip(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn`` on NumPy views (where :func:`host_memory` allows) or copies of the Arrays among ``args``
    (other arguments pass unchanged); its NumPy result (an array or a tuple of arrays) back on the
    arrays' device. Used by the factorizations on every device whose memory NumPy cannot reach (the
    README names them)."""
    arrays = [a for a in args if isinstance(a, Array)]
    device = arrays[0].device
    if device.impl.asynchronous and any(host_memory(a) for a in arrays):
        arrays[0].queue.synchronize()
    views = [view(a) for a in arrays if host_memory(a)]  # the rest (driver-owned buffers) is read
    hosts = iter([view(a) if host_memory(a) else a._read() for a in arrays])
    out = fn(*(next(hosts) if isinstance(a, Array) else a for a in args))

    def back(o: Any) -> Array:
        o = np.asarray(o)
        if any(np.may_share_memory(o, v) for v in views):
            o = o.copy()  # never hand out an alias of an operand's memory as a new result
        return result(o, device)

    return tuple(back(o) for o in out) if isinstance(out, tuple) else back(out)


def seen_on(device: Device, items: list[Any]) -> list[Any] | None:
    """``items`` with each Array's host memory wrapped as an array on the host-memory ``device`` (nothing
    copied; no waiting) and other items unchanged; None when an Array's memory cannot be wrapped. The
    wrapper is kept on the array (``_seen``: it dies with it) for the next call: making one took 40-100 us
    right after a large launch (cold caches), a tenth of a PoCL reduction's gap to NumPy's time."""
    from ._convert import wrap_host

    out = []
    for a in items:
        if isinstance(a, Array):
            seen = getattr(a, "_seen", None)
            if seen is None or seen.device is not device:
                if not host_memory(a) or (seen := wrap_host(view(a), device)) is None:
                    return None
                a._seen = seen
            a = seen
        out.append(a)
    return out


def cpu_path(fn: Callable[[Array], Array], x: Array) -> Array | None:
    """``fn`` run on ``x`` seen as a ``cpu`` array, where ``x`` is in the host memory of PoCL's CPU device
    (after the queue's pending work: ``cpu``'s kernels and NumPy use both of its cores better); its
    result copied to a new array on ``x``'s device. None (nothing done) elsewhere, or without ``cpu``."""
    if x.device.backend != "opencl":  # (the common case first: no imports, no lookups)
        return None
    from ..elementwise_host import host_device, is_pocl_cpu

    if not (is_pocl_cpu(x.device) and host_memory(x)) or (cpu := host_device(True)) is None:
        return None
    x.queue.synchronize()
    seen = seen_on(cpu, [x])
    if seen is None:
        return None
    got = view(fn(seen[0]))
    return into(Array._empty(got.shape, dtypes.NP_NAMES[got.dtype], x.device), got)


def libraries(device: Device) -> str:
    """Which library serves ``cambrian.linalg``/``cambrian.fft``/``matmul`` on ``device`` (for
    ``cambrian info`` and the README)."""
    from . import _cuda_libs

    lapack = "NumPy (BLAS, LAPACK, pocketfft) in place"
    kernels = ("Cambrian kernels (tiled matmul, radix-2/DFT/Bluestein FFT, norms...) and a host round "
               "trip for the factorizations")
    if device.backend == "cuda":
        return "CuPy (cuBLAS, cuSOLVER, cuFFT)" if _cuda_libs.cupy_for(device) is not None else kernels
    if device.impl.host_memory:
        return lapack
    if device.backend == "opencl" and getattr(device.queue, "cambrian_host", None) is not None:
        from ..backends.opencl_host import HOST_MEMORY_MIN

        return f"{lapack} on buffers of {HOST_MEMORY_MIN} bytes and more; smaller: {kernels}" \
            if HOST_MEMORY_MIN > 1 else lapack
    return kernels
