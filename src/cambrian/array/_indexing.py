"""Indexing (the array API standard's chapter): basic indexing gives views, ``x[key] = value`` writes
through them on the array's device.

Keys are integers (negative from the end), slices (any step), ``...`` and ``None`` (a new axis of size
1), alone or in a tuple; an integer index drops its axis (all integers: a 0-d view). Integer-array and
boolean-mask indexing are not supported and raise ``IndexError`` saying so.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..errors import PlacementError

_SUPPORTED = "integers, slices (`:`), ellipsis (`...`) and None (basic indexing)"


def basic_index(shape: tuple[int, ...], strides: tuple[int, ...], offset: int,
                key: Any) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """``(byte offset, shape, byte strides)`` of the view ``key`` selects from an array of ``shape``
    and byte ``strides`` starting at byte ``offset``."""
    keys = key if isinstance(key, tuple) else (key,)
    ellipses = sum(k is Ellipsis for k in keys)
    if ellipses > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    indexed = sum(k is not None and k is not Ellipsis for k in keys)
    if indexed > len(shape):
        raise IndexError(f"too many indices: the array has {len(shape)} dimension(s) but {indexed} "
                         f"were indexed")
    if not ellipses:
        keys = (*keys, Ellipsis)
    out_shape: list[int] = []
    out_strides: list[int] = []
    dim = 0
    for k in keys:
        if k is Ellipsis:
            rest = len(shape) - indexed
            out_shape += shape[dim:dim + rest]
            out_strides += strides[dim:dim + rest]
            dim += rest
        elif k is None:
            out_shape.append(1)
            out_strides.append(0)
        elif isinstance(k, slice):
            start, stop, step = k.indices(shape[dim])
            n = len(range(start, stop, step))
            if n:
                offset += start * strides[dim]
            out_shape.append(n)
            out_strides.append(step * strides[dim])
            dim += 1
        else:
            i = _integer(k, dim)
            n = shape[dim]
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis {dim} with size {n}")
            offset += (i % n) * strides[dim]
            dim += 1
    return offset, tuple(out_shape), tuple(out_strides)


def _integer(k: Any, dim: int) -> int:
    if isinstance(k, (bool, np.bool_)):
        raise IndexError(f"boolean index at axis {dim}: only {_SUPPORTED} are supported")
    try:
        return operator.index(k)
    except TypeError:
        what = "an array" if hasattr(k, "shape") else type(k).__name__
        raise IndexError(f"index at axis {dim} is {what}: only {_SUPPORTED} are supported "
                         "(integer-array and boolean-mask indexing are not)") from None


def assign(target: Any, value: Any) -> None:
    """Write ``value`` (a scalar, NumPy data or a ``cb.Array`` on the same device), broadcast to
    ``target``'s shape and cast to its dtype (as NumPy does), into the view ``target``."""
    from ..elementwise import copy_into
    from ._array import Array
    from ._creation import asarray
    from ._manipulation import broadcast_to

    if isinstance(value, Array):
        if value.device != target.device:
            raise PlacementError(f"cannot assign an array on {value.device} into one on {target.device}; "
                                 f"move it with x.to_device({str(target.device)!r})")
        src = broadcast_to(value, target.shape)
    else:  # host data goes to the device at its own size, then broadcasts there
        src = broadcast_to(asarray(np.asarray(value, dtype=target.dtype), device=target.device), target.shape)
    if target.size:
        copy_into(src, out=target)  # overlap-safe (x[1:] = x[:-1] reads the old values first)
