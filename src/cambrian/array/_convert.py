"""Data into arrays (the creation functions ``asarray`` and ``from_dlpack``; ``asnumpy``).

* A ``cb.Array`` stays on its device: a new dtype or layout is made there (a device copy), a move to
  another device goes through the host (explicitly asked for with ``device=``).
* Host objects keep their dtype: NumPy data, DLPack producers in host memory (array-api-strict, PyTorch
  CPU tensors) and ``__array__``/buffer-protocol objects. Only Python scalars (also inside nested
  sequences) take the device's default dtypes: float32/complex64 on devices without float64.
* CUDA memory of other libraries (CuPy, PyTorch, numba-cuda) is wrapped without a copy.
* ``from_dlpack`` of host memory is zero-copy on devices whose buffers are host memory (``cpu``, ``interp``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..backends.base import Device, byte_extent
from ..devices import default_device, resolve_device, select_device
from ..errors import DeviceError, PlacementError
from ._array import Array, check_dtype_on

DeviceLike = Device | str | None
_PY_SCALARS = (bool, int, float, complex)
_DL_CPU, _DL_CUDA, _DL_CUDA_HOST, _DL_CUDA_MANAGED = 1, 2, 3, 13


def default_dtype(kind: str, device: Device) -> str:
    """The array API default dtype of a Python scalar kind on ``device`` (float32/complex64 on devices
    without float64)."""
    name = dtypes.weak_default(kind)
    if dtypes.needs_float64(name) and not device.supports_float64:
        return {"float64": "float32", "complex128": "complex64"}[name]
    return name


def dtype_name(dtype: Any) -> str | None:
    """The dtype name of a ``dtype=`` argument (None stays None); TypeError for anything else."""
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


def _check_cast(src: str, dst: str) -> None:
    if dtypes.is_complex(src) and not dtypes.is_complex(dst):
        raise TypeError(f"cannot convert {src} data to {dst}: complex to real conversions are not "
                        "permitted (take the real or imaginary part first)")


def device_copy(x: Array, dtype: str) -> Array:
    """A new C-contiguous array of ``dtype`` on ``x``'s device with ``x``'s elements (cast as NumPy
    casts), made on the device."""
    _check_cast(x.dtype.name, dtype)
    out = Array._empty(x.shape, dtype, x.device)
    if not out.size:
        return out
    if dtype == x.dtype.name and x.c_contiguous:
        x.device.impl.copy(x.device, out._buffer, 0, x._buffer, x.offset, x.nbytes, x.queue)
        return out
    from ..elementwise import copy_into  # NumPy on host memory, a generated kernel elsewhere

    copy_into(x, out=out)
    return out


def _from_array(x: Array, dt: str | None, device: Device | None, copy: bool | None,
                error: type[Exception] = ValueError) -> Array:
    target = x.device if device is None else device
    same = target == x.device and (dt is None or dt == x.dtype.name)
    if same and not copy:
        return x
    if copy is False:
        why = f"to {target}" if target != x.device else f"to {dt}"
        raise error(f"copy=False, but converting a cambrian.Array on {x.device} {why} needs a copy")
    if target == x.device:
        return device_copy(x, dt or x.dtype.name)
    if dt is not None:
        _check_cast(x.dtype.name, dt)
    host = x._read()
    return from_host(host if dt is None else host.astype(dt), target)


def _from_cuda(obj: Any, dt: str | None, device: DeviceLike, copy: bool | None,
               error: type[Exception] = ValueError) -> Array:
    """Wrap CUDA memory of another library (CuPy, PyTorch, numba-cuda) without a copy."""
    from ..backends.cuda_interop import from_foreign

    f = from_foreign(obj)
    wrapped = Array(f.buffer, resolve_device(f"cuda:{f.ordinal}"), f.shape, f.dtype, f.strides, f.byte_offset,
                    capacity=f.buffer.mem.size)
    return _from_array(wrapped, dt, None if device is None else resolve_device(device), copy, error)


def _scan(seq: list[Any] | tuple[Any, ...]) -> tuple[bool, list[Array]]:
    """``(every leaf is a Python scalar, the cb.Array leaves)`` of a nested sequence."""
    plain, arrays, stack = True, [], [seq]
    while stack:
        for v in stack.pop():
            t = type(v)
            if t in _PY_SCALARS:
                continue
            if t is list or t is tuple:
                stack.append(v)
            else:
                plain = False
                if isinstance(v, Array):
                    arrays.append(v)
    return plain, arrays


def _host_object(obj: Any) -> np.ndarray:
    """NumPy data of a host object with its own dtype: DLPack in host memory first (array-api-strict,
    PyTorch CPU tensors: ``np.asarray`` of some of them upcasts), then ``__array__``/buffer protocol."""
    dev = getattr(obj, "__dlpack_device__", None)
    if dev is not None and hasattr(obj, "__dlpack__"):
        try:
            if int(dev()[0]) in (_DL_CPU, _DL_CUDA_HOST):
                return np.from_dlpack(obj)
        except (BufferError, TypeError, RuntimeError):
            pass  # e.g. a torch tensor that requires grad; __array__ may still work
    return np.asarray(obj)


def asarray(obj: Any, /, dtype: Any = None, device: DeviceLike = None, copy: bool | None = None) -> Array:
    """Convert ``obj`` to an Array on ``device``.

    ``obj``: a cambrian.Array (stays on its device unless ``device`` says otherwise), NumPy data,
    DLPack or ``__array__`` objects in host memory (their dtype kept), a CUDA array of CuPy, PyTorch
    or numba-cuda (wrapped without a copy, on its device), a Python scalar, or a nested sequence of
    these (on the device of its cambrian.Array elements). ``copy=True`` always copies; ``None`` copies
    only when needed; ``False`` never does and raises ValueError when a copy is needed (always for
    host data). Python floats become float32 (complex64) on devices without float64.
    """
    dt = dtype_name(dtype)
    if isinstance(obj, Array):
        return _from_array(obj, dt, None if device is None else resolve_device(device), copy)
    plain = isinstance(obj, _PY_SCALARS)
    if isinstance(obj, list | tuple):
        plain, arrays = _scan(obj)
        if arrays and device is None:
            device = arrays[0].device
            if any(a.device != device for a in arrays):
                raise PlacementError(f"asarray: the sequence holds arrays on {device} and on another device; "
                                     "move them to one device first (x.to_device(...))")
    elif not plain and not isinstance(obj, np.ndarray | np.generic):
        from ..backends.cuda_interop import is_cuda_array

        if is_cuda_array(obj):
            return _from_cuda(obj, dt, device, copy)
    target = resolve_device(device)
    if copy is False:
        raise ValueError(f"copy=False, but {type(obj).__name__} data is in host memory and moving it to "
                         f"device {target} needs a copy")
    if plain or isinstance(obj, list | tuple):  # NumPy's rules (OverflowError for 300 as int8, ...)
        host = np.asarray(obj, dtype=dt)
        if dt is None and plain and host.dtype.kind in "fc":
            host = host.astype(default_dtype("float" if host.dtype.kind == "f" else "complex", target))
    else:
        host = np.asarray(obj) if isinstance(obj, np.ndarray | np.generic) else _host_object(obj)
        if dt is not None:
            _check_cast(host.dtype.name, dt)
            host = host.astype(dt, copy=False)
    return from_host(host, target)


def asnumpy(x: Any) -> np.ndarray:
    """A NumPy copy of ``x`` (waits for pending device work); NumPy arrays and other inputs pass
    through ``np.asarray``."""
    return x._read() if isinstance(x, Array) else np.asarray(x)


# ------------------------------------------------------------------------------------------ DLPack
class _Window:
    """``nbytes`` of memory at ``ptr`` as a NumPy uint8 array's buffer; keeps ``owner`` alive."""

    def __init__(self, owner: Any, ptr: int, nbytes: int):
        self.owner = owner
        self.__array_interface__ = {"shape": (nbytes,), "typestr": "|u1", "data": (ptr, False), "version": 3}


def wrap_host(a: np.ndarray, device: Device) -> Array | None:
    """An Array on ``device`` over the memory of ``a`` (no copy), or None where that cannot be: a
    device whose buffers are not NumPy host memory, read-only or misaligned data, foreign byte order."""
    if not (device.impl.host_memory and a.flags.writeable and a.flags.aligned and a.dtype.isnative):
        return None
    name = dtypes.name(a.dtype)
    check_dtype_on(device, name)
    size = a.itemsize
    if a.size == 0:
        return Array._empty(a.shape, name, device)  # no elements to share
    if any(s % size for s in a.strides):
        return None
    lo, hi = byte_extent(a.shape, a.strides, 0, size)
    raw = np.asarray(_Window(a, a.ctypes.data + lo, hi - lo))
    return Array(raw, device, a.shape, name, a.strides, -lo, capacity=hi - lo)


def _host_device() -> Device:
    """Where host-memory data lives by default: the default device when its buffers are host memory,
    else ``cpu``, else ``interp``."""
    d = default_device()
    if d.impl.host_memory:
        return d
    try:
        return select_device("cpu,interp")
    except DeviceError:
        return d


def from_dlpack(x: Any, /, *, device: DeviceLike = None, copy: bool | None = None) -> Array:
    """An Array over the data of a DLPack producer ``x`` (``__dlpack__``/``__dlpack_device__``).

    Host memory is wrapped without a copy on host-memory devices (``cpu``, ``interp``; by default the
    default device if it is one, else ``cpu``), CUDA memory on its CUDA device. Other targets
    (``device=``) get a copy. ``copy=True`` always copies; ``copy=False`` raises BufferError when a
    copy would be needed.
    """
    if isinstance(x, Array):
        return _from_array(x, None, None if device is None else resolve_device(device), copy, BufferError)
    get = getattr(x, "__dlpack_device__", None)
    if get is None or not hasattr(x, "__dlpack__"):
        raise TypeError(f"from_dlpack needs an object with __dlpack__ and __dlpack_device__, got "
                        f"{type(x).__name__}")
    kind = int(get()[0])
    if kind in (_DL_CUDA, _DL_CUDA_MANAGED):
        return _from_cuda(x, None, device, copy, BufferError)
    if kind not in (_DL_CPU, _DL_CUDA_HOST):
        raise BufferError(f"from_dlpack: {type(x).__name__} data is on DLPack device type {kind}, which "
                          "Cambrian cannot read (host memory and CUDA are supported)")
    host = np.from_dlpack(x)
    target = _host_device() if device is None else resolve_device(device)
    wrapped = None if copy else wrap_host(host, target)
    if wrapped is not None:
        return wrapped
    if copy is False:
        raise BufferError(f"copy=False, but {type(x).__name__} host data cannot be used in place on "
                          f"{target} (it needs a copy)")
    return from_host(host, target)
