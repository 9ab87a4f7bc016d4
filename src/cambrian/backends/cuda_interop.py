"""Zero-copy exchange of CUDA memory with CuPy, PyTorch, Numba and anything speaking the CUDA Array
Interface (version 3) or DLPack.

Export (for ``cb.Array`` on a CUDA device): :func:`cuda_array_interface`, :func:`to_dlpack`,
:func:`dlpack_device`. Import (for ``cb.asarray``): :func:`is_cuda_array` and :func:`from_foreign`.
The dictionary and stride arithmetic is pure Python (tested without a GPU); only pointer wrapping and
stream synchronisation touch CuPy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import dtypes
from .base import byte_extent, contiguous_strides

#: DLPack device types (``DLDeviceType``): CUDA memory and CUDA managed memory.
DL_CUDA, DL_CUDA_MANAGED = 2, 13


class Foreign(NamedTuple):
    """A foreign CUDA array seen without a copy.

    ``buffer`` is a ``cupy.cuda.MemoryPointer`` at the lowest address the array touches (it keeps the
    foreign owner alive), ``byte_offset`` the position of element ``[0, ..., 0]`` from there;
    ``strides`` are in bytes (NumPy convention), ``dtype`` a Cambrian dtype name.
    """

    ordinal: int
    buffer: Any
    byte_offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dtype: str
    readonly: bool = False


class Described(NamedTuple):
    """What an interface dictionary says, before any pointer is wrapped."""

    ptr: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dtype: str
    stream: int | None
    readonly: bool


# ------------------------------------------------------------------------------ pure helpers


c_strides = contiguous_strides  # byte strides of a C-contiguous array


def extent(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> tuple[int, int]:
    """``(low, nbytes)``: bytes below element ``[0, ...]`` (negative strides) and the span touched."""
    if any(n == 0 for n in shape):
        return 0, 0
    lo, hi = byte_extent(tuple(shape), tuple(strides), 0, itemsize)
    return -lo, hi - lo


def interface_dict(ptr: int, shape: Sequence[int], strides: Sequence[int], dtype: str, stream: int | None,
                   readonly: bool = False) -> dict[str, Any]:
    """A ``__cuda_array_interface__`` (v3) dictionary; ``strides`` None for C-contiguous data."""
    shape = tuple(int(n) for n in shape)
    dt = np.dtype(dtype)
    size = math.prod(shape)
    contiguous = tuple(strides) == c_strides(shape, dt.itemsize)
    return {
        "shape": shape,
        "typestr": dt.str,
        "descr": [("", dt.str)],
        "data": (int(ptr) if size else 0, bool(readonly)),
        "strides": None if contiguous or size == 0 else tuple(int(s) for s in strides),
        "version": 3,
        "stream": stream,
    }


def describe_interface(iface: dict[str, Any]) -> Described:
    """Validate a foreign ``__cuda_array_interface__`` dictionary (versions 0-3)."""
    if iface.get("mask") is not None:
        raise TypeError("masked CUDA arrays (__cuda_array_interface__ with a mask) are not supported")
    dt = np.dtype(iface["typestr"])
    name = dtypes.name(dt)  # TypeError for dtypes Cambrian lacks
    shape = tuple(int(n) for n in iface["shape"])
    strides = iface.get("strides")
    strides = c_strides(shape, dt.itemsize) if strides is None else tuple(int(s) for s in strides)
    if len(strides) != len(shape) or any(s % dt.itemsize for s in strides):
        raise TypeError(f"CUDA array strides {strides} are not whole elements of {name}")
    ptr, readonly = iface["data"]
    stream = iface.get("stream")
    if stream == 0:
        raise ValueError("__cuda_array_interface__ stream 0 is not allowed by version 3 of the protocol")
    return Described(int(ptr or 0), shape, strides, name, None if stream is None else int(stream),
                     bool(readonly))


def _interface_of(obj: Any) -> dict[str, Any] | None:
    try:
        iface = obj.__cuda_array_interface__
    except Exception:  # e.g. torch tensors that require grad; then DLPack is tried
        return None
    return iface if isinstance(iface, dict) else None


def _dlpack_device_of(obj: Any) -> tuple[int, int] | None:
    get = getattr(obj, "__dlpack_device__", None)
    if get is None:
        return None
    try:
        kind, ordinal = get()
    except Exception:
        return None
    return int(kind), int(ordinal)


def is_cuda_array(obj: Any) -> bool:
    """True for objects exposing CUDA memory (CuPy, torch CUDA tensors, numba-cuda arrays...)."""
    if isinstance(obj, np.ndarray):
        return False
    if _interface_of(obj) is not None:
        return True
    dev = _dlpack_device_of(obj)
    return dev is not None and dev[0] in (DL_CUDA, DL_CUDA_MANAGED)


# ------------------------------------------------------------------------------ CuPy-backed part


def _backend() -> Any:
    from .cuda import BACKEND

    return BACKEND


def _wait_foreign_stream(state: Any, foreign_stream: int) -> None:
    """Make the device's stream wait for the work queued so far on a foreign stream."""
    runtime = state.cupy.cuda.runtime
    with state.device:
        event = runtime.eventCreateWithFlags(runtime.eventDisableTiming)
        try:
            runtime.eventRecord(event, foreign_stream)
            runtime.streamWaitEvent(state.stream.ptr, event)
        finally:
            runtime.eventDestroy(event)


def from_foreign(obj: Any) -> Foreign:
    """View a foreign CUDA array without copying; its pending work is ordered before Cambrian's work on
    that device's stream. Raises TypeError for objects that aren't CUDA arrays."""
    backend = _backend()
    cupy = backend.cupy()
    iface = _interface_of(obj)
    if iface is None:
        dev = _dlpack_device_of(obj)
        if dev is None or dev[0] not in (DL_CUDA, DL_CUDA_MANAGED):
            raise TypeError(f"{type(obj).__name__} is not a CUDA array (no __cuda_array_interface__ "
                            "and no CUDA __dlpack_device__)")
        state = backend.state(dev[1])
        with state.device, state.stream:  # the producer syncs its work onto our stream
            arr = cupy.from_dlpack(obj)
        iface = arr.__cuda_array_interface__
        owner: Any = arr
        d = describe_interface(iface)
        d = d._replace(stream=None)
    else:
        owner = obj
        d = describe_interface(iface)
    itemsize = np.dtype(d.dtype).itemsize
    low, nbytes = extent(d.shape, d.strides, itemsize)
    if nbytes == 0 or d.ptr == 0:
        ordinal = cupy.cuda.runtime.getDevice()
        state = backend.state(ordinal)
        with state.device:
            return Foreign(ordinal, cupy.cuda.alloc(1), 0, d.shape, d.strides, d.dtype, d.readonly)
    ordinal = int(cupy.cuda.runtime.pointerGetAttributes(d.ptr).device)
    state = backend.state(ordinal)
    if d.stream is not None:
        _wait_foreign_stream(state, d.stream)
    mem = cupy.cuda.UnownedMemory(d.ptr - low, nbytes, owner, ordinal)
    return Foreign(ordinal, cupy.cuda.MemoryPointer(mem, 0), low, d.shape, d.strides, d.dtype, d.readonly)


def cuda_array_interface(device: Any, buffer: Any, byte_offset: int, shape: Sequence[int],
                         strides: Sequence[int], dtype: str, readonly: bool = False) -> dict[str, Any]:
    """``__cuda_array_interface__`` of an array on a CUDA ``device`` (strides in bytes); its ``stream``
    is the device's stream, on which consumers must synchronise (protocol version 3)."""
    return interface_dict(int(buffer.ptr) + byte_offset, shape, strides, dtype, device.handle.stream.ptr,
                          readonly)


def dlpack_device(device: Any) -> tuple[int, int]:
    """``__dlpack_device__`` of an array on a CUDA device."""
    return DL_CUDA, int(device.ordinal)


def to_dlpack(device: Any, buffer: Any, byte_offset: int, shape: Sequence[int], strides: Sequence[int],
              dtype: str, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
              copy: Any = None) -> Any:
    """``__dlpack__``: a DLPack capsule of a CuPy view of the memory (no copy); the consumer's
    ``stream`` is made to wait for the work queued on the device's stream."""
    st = device.handle
    cupy = st.cupy
    ptr = buffer + byte_offset if byte_offset else buffer
    view = cupy.ndarray(tuple(shape), np.dtype(dtype), memptr=ptr, strides=tuple(strides))
    kwargs = {"stream": stream}
    if max_version is not None:
        kwargs["max_version"] = max_version
    if dl_device is not None:
        kwargs["dl_device"] = dl_device
    if copy is not None:
        kwargs["copy"] = copy
    with st.device, st.stream:  # CuPy syncs its *current* stream with the consumer's stream
        return view.__dlpack__(**kwargs)
