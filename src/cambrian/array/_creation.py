"""Array creation (array API "Creation Functions"): arange, asarray, empty, empty_like, eye, from_dlpack,
full, full_like, linspace, meshgrid, ones, ones_like, tril, triu, zeros, zeros_like; and asnumpy.

Every function takes ``device=`` (default: the current default device; ``*_like``, ``tril``/``triu``
and ``meshgrid``: their input's device) and makes its result there: a Cambrian kernel per function
(``_creation_kernels``), or NumPy writing in place on devices whose buffers are host memory. Default
dtypes follow the device: float32/complex64 where it has no float64. Conversions are in ``_convert``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..devices import resolve_device
from ..errors import PlacementError
from . import _creation_kernels as K
from ._array import Array
from ._convert import (
    DeviceLike,
    asarray,
    asnumpy,
    default_dtype,
    device_copy,
    dtype_name,
    from_dlpack,
    from_host,  # noqa: F401 (imported from here by other modules)
)

ShapeLike = int | Sequence[int]

__all__ = ["arange", "asarray", "asnumpy", "empty", "empty_like", "eye", "from_dlpack", "full", "full_like",
           "linspace", "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like"]


def _shape(shape: ShapeLike) -> tuple[int, ...]:
    """A shape from an int or a sequence of ints (a string is neither: TypeError)."""
    try:
        dims = (operator.index(shape),)  # type: ignore[arg-type]
    except TypeError:
        if isinstance(shape, str | bytes) or not isinstance(shape, Sequence | np.ndarray):
            raise TypeError(f"a shape is an int or a sequence of ints, got {shape!r}") from None
        try:
            dims = tuple(operator.index(n) for n in shape)
        except TypeError:
            raise TypeError(f"a shape is an int or a sequence of ints, got {shape!r}") from None
    if any(n < 0 for n in dims):
        raise ValueError(f"negative dimension in shape {dims}")
    return dims


def _index(value: Any, what: str) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer, got {value!r}") from None


def _fill(out: Array, value: Any) -> Array:
    """Write ``value`` (cast to ``out``'s dtype as NumPy casts) into every element of ``out``."""
    v = K.scalar(value, out.dtype.name)
    if out.size:
        view = K.host_view(out)
        if view is not None:
            view.fill(v)
        elif not (K.HOST_NUMPY and _driver_fill(out, v)):
            K.launch(K.fill, out, v)
    return out


def _driver_fill(out: Array, v: np.generic) -> bool:
    """Fill new C-contiguous ``out`` with the driver's buffer fill where its backend has one (OpenCL:
    no fill kernel to load); False when it has none. ``v`` has ``out``'s item size (bool: uint8)."""
    fill = getattr(out.device.impl, "fill", None)
    return fill is not None and v.itemsize == out.itemsize and fill(
        out.device, out._buffer, out.offset, out.nbytes, v, out.queue) is not None


def _fill_dtype(value: Any, device: Any) -> str:
    kind = None if isinstance(value, np.generic) else dtypes.weak_kind(value)  # np.float64 is a float
    return default_dtype(kind, device) if kind else dtypes.name(np.asarray(value).dtype)


def full(shape: ShapeLike, fill_value: Any, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """A new array of ``shape`` filled with ``fill_value`` (dtype inferred from it when None: Python
    scalars take the device's defaults)."""
    target = resolve_device(device)
    dt = dtype_name(dtype) or _fill_dtype(fill_value, target)
    K.scalar(fill_value, dt)  # a bad value fails before anything is allocated
    return _fill(Array._empty(_shape(shape), dt, target), fill_value)


def empty(shape: ShapeLike, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """A new uninitialised array (default dtype: the device's default floating dtype)."""
    target = resolve_device(device)
    return Array._empty(_shape(shape), dtype_name(dtype) or default_dtype("float", target), target)


def zeros(shape: ShapeLike, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """A new array of zeros (default dtype: the device's default floating dtype)."""
    return _fill(empty(shape, dtype=dtype, device=device), 0)


def ones(shape: ShapeLike, *, dtype: Any = None, device: DeviceLike = None) -> Array:
    """A new array of ones (default dtype: the device's default floating dtype)."""
    return _fill(empty(shape, dtype=dtype, device=device), 1)


def _like(x: Any, dtype: Any, device: DeviceLike) -> dict[str, Any]:
    return {"dtype": x.dtype if dtype is None else dtype, "device": x.device if device is None else device}


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


# --------------------------------------------------------------------------------- ranges, grids
def _real(value: Any, what: str) -> int | float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"arange: {what} must be a real number (int or float), got {value!r}")
    return value.item() if isinstance(value, np.generic) else value


def arange(start: int | float, /, stop: int | float | None = None, step: int | float = 1, *,
           dtype: Any = None, device: DeviceLike = None) -> Array:
    """Evenly spaced values in ``[start, stop)`` (``arange(n)``: ``[0, n)``), as NumPy computes them:
    ``start + i * delta`` in the result dtype, ``delta`` the difference of the first two elements.
    Default dtype: the default integer if all arguments are ints, else the default floating dtype."""
    if stop is None:
        start, stop = 0, start
    start, stop, step = _real(start, "start"), _real(stop, "stop"), _real(step, "step")
    target = resolve_device(device)
    if dtype is None:
        dt = default_dtype("int" if all(isinstance(v, int) for v in (start, stop, step)) else "float", target)
    else:
        dt = dtype_name(dtype)
        if dt == "bool" or dtypes.is_complex(dt):
            raise TypeError(f"arange needs a real numeric dtype, got {dt}")
    if step == 0:
        raise ValueError("arange: step must not be zero")
    try:
        n = max(math.ceil((stop - start) / step), 0)  # as NumPy: on the Python numbers
    except (OverflowError, ValueError):
        raise ValueError(f"arange({start}, {stop}, {step}): the length is not finite") from None
    first = np.empty(2, dt)
    first[0] = start  # NumPy's conversions (OverflowError for ints out of range)
    if n > 1:
        first[1] = start + step
    out = Array._empty((n,), dt, target)
    if n:
        view = K.host_view(out)
        if view is not None:
            view[...] = np.arange(start, stop, step, dtype=dt)
        else:
            with np.errstate(all="ignore"):
                delta = first[1:] - first[:1]
            K.launch(K.arange, out, first[0], first[1], delta[0])
    return out


def eye(n_rows: int, n_cols: int | None = None, /, *, k: int = 0, dtype: Any = None,
        device: DeviceLike = None) -> Array:
    """A ``n_rows x n_cols`` array with ones on the ``k``-th diagonal and zeros elsewhere."""
    rows = _index(n_rows, "eye: n_rows")
    cols = rows if n_cols is None else _index(n_cols, "eye: n_cols")
    k = _index(k, "eye: k")
    target = resolve_device(device)
    out = empty((rows, cols), dtype=dtype, device=target)
    dt = out.dtype.name
    if out.size:
        view = K.host_view(out)
        if view is not None:
            view.fill(0)
            count = min(rows, cols - k) if k >= 0 else min(rows + k, cols)
            begin = k if k >= 0 else -k * cols
            if count > 0:
                view.reshape(-1)[begin:begin + count * (cols + 1):cols + 1] = 1
        else:
            K.launch(K.eye, out, np.int64(cols), np.int64(min(max(k, -rows - 1), cols + 1)),
                     K.scalar(1, dt), K.scalar(0, dt))
    return out


def linspace(start: int | float | complex, stop: int | float | complex, /, num: int, *, dtype: Any = None,
             device: DeviceLike = None, endpoint: bool = True) -> Array:
    """``num`` evenly spaced values from ``start`` to ``stop`` (included when ``endpoint``), as NumPy
    computes them: ``start + i * step`` in float64 (complex128) arithmetic, float32 (complex64) on
    devices without float64, then cast to ``dtype`` (default: the device's default floating dtype,
    complex when ``start`` or ``stop`` is)."""
    num = _index(num, "linspace: num")
    if num < 0:
        raise ValueError(f"linspace: num must be non-negative, got {num}")
    for v in (start, stop):
        if isinstance(v, bool | np.bool_) or not isinstance(v, int | float | complex | np.number):
            raise TypeError(f"linspace: start and stop must be numbers, got {v!r}")
    target = resolve_device(device)
    cplx = any(isinstance(v, complex | np.complexfloating) for v in (start, stop))
    compute = default_dtype("complex" if cplx else "float", target)
    dt = dtype_name(dtype) or compute
    if not (dtypes.is_float(dt) or dtypes.is_complex(dt)) or (cplx and not dtypes.is_complex(dt)):
        need = "a complex dtype, as start or stop is complex" if cplx else "a floating dtype"
        raise TypeError(f"linspace needs {need}, got {dt}")
    out = Array._empty((num,), dt, target)
    if not num:
        return out
    view = K.host_view(out)
    if view is not None:
        view[...] = np.linspace(start, stop, num, endpoint=endpoint, dtype=dt)
        return out
    ctype, rtype = np.dtype(compute).type, np.dtype(dtypes.real_of(compute)).type
    first, last = ctype(start), ctype(stop)
    div = num - 1 if endpoint else num
    with np.errstate(all="ignore"):
        step = delta = last - first
        if div > 0:
            step = delta / rtype(div)
    scaled = div > 0 and step == 0  # NumPy's path for a step that underflows: (i / div) * delta
    kern = K.linspace if target.supports_float64 else K.linspace32
    K.launch(kern, out, first, delta if scaled else step, rtype(div), np.int64(scaled),
             np.int64(num - 1 if endpoint and num > 1 else -1), last)
    return out


def meshgrid(*arrays: Array, indexing: str = "xy") -> list[Array]:
    """Coordinate grids from 1-D arrays (same dtype and device): ``indexing="xy"`` (Cartesian: the
    first two output axes swapped) or ``"ij"`` (matrix). Each output is a new array."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    for a in arrays:
        if not isinstance(a, Array):
            raise TypeError(f"meshgrid takes cambrian.Array arguments, got {type(a).__name__}")
        if a.ndim != 1:
            raise ValueError(f"meshgrid takes 1-D arrays, got one of shape {a.shape}")
        if a.dtype != arrays[0].dtype:
            raise ValueError(f"meshgrid: arrays of one dtype, got {arrays[0].dtype} and {a.dtype}")
        if a.device != arrays[0].device:
            raise PlacementError(f"meshgrid: arrays on {arrays[0].device} and {a.device}; move one with "
                                 f"x.to_device({str(arrays[0].device)!r})")
    axes = list(range(len(arrays)))
    if indexing == "xy" and len(arrays) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(arrays)
    for a, axis in zip(arrays, axes, strict=True):
        shape[axis] = a.shape[0]
    outs = []
    for a, axis in zip(arrays, axes, strict=True):
        out = Array._empty(tuple(shape), a.dtype.name, a.device)
        if out.size:
            views = K.host_views(out, a)
            if views is not None:
                view, src = views
                view[...] = src.reshape([-1 if d == axis else 1 for d in range(len(shape))])
            else:
                x = a if a.c_contiguous else device_copy(a, a.dtype.name)
                K.launch(K.grid, out, x, np.int64(math.prod(shape[axis + 1:])), np.int64(shape[axis]))
        outs.append(out)
    return outs


def _tri(x: Array, k: int, lower: bool) -> Array:
    name = "tril" if lower else "triu"
    if not isinstance(x, Array):
        raise TypeError(f"{name} takes a cambrian.Array, got {type(x).__name__}")
    if x.ndim < 2:
        raise ValueError(f"{name} needs an array of at least 2 dimensions, got shape {x.shape}")
    k = _index(k, f"{name}: k")
    rows, cols = x.shape[-2:]
    k = min(max(k, -rows - 1), cols + 1)  # the same result, and an int64
    out = Array._empty(x.shape, x.dtype.name, x.device)
    if out.size:
        views = K.host_views(out, x)
        if views is not None:
            view, src = views
            view[...] = (np.tril if lower else np.triu)(src, k)
        else:
            K.launch(K.tri, out, x if x.c_contiguous else device_copy(x, x.dtype.name), np.int64(rows),
                     np.int64(cols), np.int64(k), np.int64(lower), K.scalar(0, x.dtype.name))
    return out


def tril(x: Array, /, *, k: int = 0) -> Array:
    """The lower triangle of each matrix of ``x`` (the last two axes): elements above the ``k``-th
    diagonal become zero. A new array on ``x``'s device."""
    return _tri(x, k, True)


def triu(x: Array, /, *, k: int = 0) -> Array:
    """The upper triangle of each matrix of ``x`` (the last two axes): elements below the ``k``-th
    diagonal become zero. A new array on ``x``'s device."""
    return _tri(x, k, False)
