"""Array creation (array API "Creation Functions"): asarray, empty, zeros, ones, full, *_like; asnumpy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..backends.base import Device
from ..devices import resolve_device
from ._array import Array, check_dtype_on

DeviceLike = Device | str | None
ShapeLike = int | Sequence[int]

__all__ = ["asarray", "asnumpy", "empty", "empty_like", "full", "full_like", "ones", "ones_like",
           "zeros", "zeros_like"]


def _shape(shape: ShapeLike) -> tuple[int, ...]:
    try:
        dims = (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(n) for n in shape)
    except TypeError:
        raise TypeError(f"a shape is an int or a sequence of ints, got {shape!r}") from None
    if any(n < 0 for n in dims):
        raise ValueError(f"negative dimension in shape {dims}")
    return dims


def default_dtype(kind: str, device: Device) -> str:
    """The array API default dtype of a Python scalar kind on ``device`` (float32/complex64 on devices
    without float64)."""
    name = dtypes.weak_default(kind)
    if dtypes.needs_float64(name) and not device.supports_float64:
        return {"float64": "float32", "complex128": "complex64"}[name]
    return name


def _dtype(dtype: Any) -> str | None:
    return None if dtype is None else dtypes.name(dtype)


def from_host(host: np.ndarray, device: Device) -> Array:
    """A new Array on ``device`` holding a copy of ``host`` (any layout, supported dtype)."""
    name = dtypes.name(host.dtype)
    check_dtype_on(device, name)
    host = np.asarray(host, dtype=np.dtype(name), order="C")  # native byte order, C-contiguous
    out = Array._empty(host.shape, name, device)
    if host.size:
        out._write(host)
    return out


def _from_array(x: Array, dtype: str | None, device: Device | None, copy: bool | None) -> Array:
    target = x.device if device is None else device
    same = target == x.device and (dtype is None or dtype == x.dtype.name)
    if same and not copy:
        return x
    if copy is False:
        why = f"to {target}" if target != x.device else f"to {dtype}"
        raise ValueError(f"copy=False, but converting a cambrian.Array on {x.device} {why} needs a copy")
    if same and x.c_contiguous:
        out = Array._empty(x.shape, x.dtype.name, target)
        if x.nbytes:
            target.impl.copy(target, out._buffer, 0, x._buffer, x.offset, x.nbytes, target.queue)
        return out
    host = x._read()
    return from_host(host if dtype is None else host.astype(dtype), target)


def _from_cuda(obj: Any, dt: str | None, device: DeviceLike, copy: bool | None) -> Array:
    """Wrap CUDA memory of another library (CuPy, PyTorch, numba-cuda) without a copy."""
    from ..backends.cuda_interop import from_foreign

    f = from_foreign(obj)
    wrapped = Array(f.buffer, resolve_device(f"cuda:{f.ordinal}"), f.shape, f.dtype, f.strides, f.byte_offset,
                    capacity=f.buffer.mem.size)
    return _from_array(wrapped, dt, None if device is None else resolve_device(device), copy)


def asarray(obj: Any, dtype: Any = None, device: DeviceLike = None, copy: bool | None = None) -> Array:
    """Convert ``obj`` (a cambrian.Array, NumPy array, nested sequence, scalar, or a CUDA array of CuPy,
    PyTorch or numba-cuda -- wrapped without a copy) to an Array on ``device`` (default: the current
    default device; for an Array or a CUDA array, its own device).

    ``copy=True`` always copies; ``copy=None`` copies only when needed; ``copy=False`` never copies and
    raises ValueError when a copy would be needed (always for host data, which must move to a device).
    Python floats become float32 (complex64) on devices without float64; float64 NumPy data there
    raises UnsupportedFeatureError.
    """
    dt = _dtype(dtype)
    if isinstance(obj, Array):
        return _from_array(obj, dt, None if device is None else resolve_device(device), copy)
    if not isinstance(obj, np.ndarray | list | tuple | int | float | complex | bool | np.generic):
        from ..backends.cuda_interop import is_cuda_array

        if is_cuda_array(obj):
            return _from_cuda(obj, dt, device, copy)
    target = resolve_device(device)
    if copy is False:
        raise ValueError(f"copy=False, but {type(obj).__name__} data is in host memory and moving it to "
                         f"device {target} needs a copy")
    host = np.asarray(obj, dtype=dt)
    if dt is None and not isinstance(obj, np.ndarray | np.generic) and host.dtype.kind in "fc":
        host = host.astype(default_dtype("float" if host.dtype.kind == "f" else "complex", target),
                           copy=False)
    return from_host(host, target)


def asnumpy(x: Any) -> np.ndarray:
    """A NumPy copy of ``x`` (waits for pending device work); NumPy arrays and other inputs pass
    through ``np.asarray``."""
    return x._read() if isinstance(x, Array) else np.asarray(x)


def _fill_dtype(value: Any, device: Device) -> str:
    kind = dtypes.weak_kind(value)
    return default_dtype(kind, device) if kind else dtypes.name(np.asarray(value).dtype)


def full(shape: ShapeLike, fill_value: Any, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """A new array of ``shape`` filled with ``fill_value`` (dtype inferred from it when None)."""
    target = resolve_device(device)
    dt = _dtype(dtype) or _fill_dtype(fill_value, target)
    check_dtype_on(target, dt)
    return from_host(np.full(_shape(shape), fill_value, dtype=dt), target)


def empty(shape: ShapeLike, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """A new uninitialised array (default dtype: the device's default floating dtype)."""
    target = resolve_device(device)
    return Array._empty(_shape(shape), _dtype(dtype) or default_dtype("float", target), target)


def zeros(shape: ShapeLike, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """A new array of zeros (default dtype: the device's default floating dtype)."""
    target = resolve_device(device)
    return full(shape, 0, dtype=_dtype(dtype) or default_dtype("float", target), device=target)


def ones(shape: ShapeLike, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """A new array of ones (default dtype: the device's default floating dtype)."""
    target = resolve_device(device)
    return full(shape, 1, dtype=_dtype(dtype) or default_dtype("float", target), device=target)


def _like(x: Array, dtype: Any, device: DeviceLike) -> dict[str, Any]:
    return {"dtype": x.dtype.name if dtype is None else dtype,
            "device": x.device if device is None else device}


def empty_like(x: Array, /, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """A new uninitialised array with the shape (and by default dtype and device) of ``x``."""
    return empty(x.shape, **_like(x, dtype, device))


def zeros_like(x: Array, /, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """Zeros with the shape (and by default dtype and device) of ``x``."""
    return zeros(x.shape, **_like(x, dtype, device))


def ones_like(x: Array, /, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """Ones with the shape (and by default dtype and device) of ``x``."""
    return ones(x.shape, **_like(x, dtype, device))


def full_like(x: Array, /, fill_value: Any, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """``fill_value`` everywhere, with the shape (and by default dtype and device) of ``x``."""
    return full(x.shape, fill_value, **_like(x, dtype, device))
