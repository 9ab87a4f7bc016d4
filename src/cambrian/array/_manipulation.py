"""Manipulation functions (array API chapter): views where the layout allows (``reshape`` of contiguous
data, ``permute_dims``, ``expand_dims``, ``squeeze``, ``flip``, ``broadcast_to``, ``unstack``,
``moveaxis``), one device copy otherwise (``concat``, ``stack``, ``tile``, ``repeat``, ``roll``).

Copies go through ``copy_into``, an elementwise function (generated kernel, or NumPy's ``copyto`` on host
memory) that broadcasts its source to the destination view: ``tile`` and integer ``repeat`` are one
copy each into a view of the result with interleaved axes.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..backends.base import contiguous_strides
from ..elementwise import copy_into
from ..errors import PlacementError
from ._array import Array

__all__ = ["broadcast_arrays", "broadcast_to", "concat", "expand_dims", "flip", "moveaxis",
           "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile", "unstack"]


def _array(x: Any, what: str) -> Array:
    if not isinstance(x, Array):
        raise TypeError(f"{what} must be a cambrian.Array, got {type(x).__name__}")
    return x


def _axis(axis: Any, ndim: int, what: str = "axis") -> int:
    a = operator.index(axis)
    if not -ndim <= a < ndim:
        raise IndexError(f"{what} {a} is out of bounds for an array of {ndim} dimension(s)")
    return a % ndim


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    axes = tuple(_axis(a, ndim) for a in (axis if isinstance(axis, tuple | list) else (axis,)))
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axis in {axis}")
    return axes


def _contiguous(x: Array) -> Array:
    if x.c_contiguous:
        return x
    out = Array._empty(x.shape, x.dtype.name, x.device)
    if x.size:
        copy_into(x, out=out)
    return out


def reshape(x: Array, /, shape: Sequence[int], *, copy: bool | None = None) -> Array:
    """``x`` with a new shape (one dimension may be -1): a view of C-contiguous data, else a copy
    (``copy=False`` then raises ValueError; ``copy=True`` always copies)."""
    x = _array(x, "reshape: x")
    dims = [operator.index(n) for n in ((shape,) if isinstance(shape, int) else shape)]
    if dims.count(-1) > 1 or any(n < -1 for n in dims):
        raise ValueError(f"reshape: bad shape {tuple(dims)}")
    if -1 in dims:
        known = math.prod(n for n in dims if n != -1)
        if known == 0 or x.size % known:
            raise ValueError(f"reshape: cannot reshape an array of size {x.size} into {tuple(dims)}")
        dims[dims.index(-1)] = x.size // known
    if math.prod(dims) != x.size:
        raise ValueError(f"reshape: cannot reshape an array of size {x.size} into shape {tuple(dims)}")
    if not x.c_contiguous and copy is False:
        raise ValueError("reshape: the data is not contiguous, so a reshape needs a copy (copy=False)")
    src = _copy(x) if copy else _contiguous(x)
    return src._view(src.offset, tuple(dims), contiguous_strides(dims, src.itemsize))


def _copy(x: Array) -> Array:
    out = Array._empty(x.shape, x.dtype.name, x.device)
    if x.size:
        copy_into(x, out=out)
    return out


def permute_dims(x: Array, /, axes: tuple[int, ...]) -> Array:
    """The axes of ``x`` permuted (a view)."""
    x = _array(x, "permute_dims: x")
    perm = _axes(tuple(axes), x.ndim) if x.ndim else tuple(axes)
    if sorted(perm) != list(range(x.ndim)):
        raise ValueError(f"permute_dims: axes {tuple(axes)} are not a permutation of {x.ndim} dimensions")
    return x._view(x.offset, tuple(x.shape[a] for a in perm), tuple(x.strides[a] for a in perm))


def moveaxis(x: Array, source: int | tuple[int, ...], destination: int | tuple[int, ...], /) -> Array:
    """Axes ``source`` moved to positions ``destination`` (a view)."""
    x = _array(x, "moveaxis: x")
    src, dst = _axes(source, x.ndim), _axes(destination, x.ndim)
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of axes")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return permute_dims(x, tuple(order))


def expand_dims(x: Array, /, axis: int = 0) -> Array:
    """``x`` with a new axis of size 1 at ``axis`` (``-x.ndim - 1 <= axis <= x.ndim``; a view)."""
    x = _array(x, "expand_dims: x")
    a = _axis(axis, x.ndim + 1)
    return x._view(x.offset, (*x.shape[:a], 1, *x.shape[a:]), (*x.strides[:a], 0, *x.strides[a:]))


def squeeze(x: Array, /, axis: int | tuple[int, ...]) -> Array:
    """``x`` without the size-1 axes ``axis`` (ValueError if one is not of size 1; a view)."""
    x = _array(x, "squeeze: x")
    drop = _axes(axis, x.ndim)
    for a in drop:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} has size {x.shape[a]}, not 1")
    keep = [a for a in range(x.ndim) if a not in drop]
    return x._view(x.offset, tuple(x.shape[a] for a in keep), tuple(x.strides[a] for a in keep))


def flip(x: Array, /, *, axis: int | tuple[int, ...] | None = None) -> Array:
    """``x`` with the order of elements reversed along ``axis`` (all axes when None; a view)."""
    x = _array(x, "flip: x")
    axes = range(x.ndim) if axis is None else _axes(axis, x.ndim)
    offset, strides = x.offset, list(x.strides)
    for a in axes:
        if x.shape[a] > 1:
            offset += (x.shape[a] - 1) * strides[a]
            strides[a] = -strides[a]
    return x._view(offset, x.shape, tuple(strides))


def broadcast_to(x: Array, /, shape: tuple[int, ...]) -> Array:
    """``x`` broadcast to ``shape`` (a read-only-in-spirit view with stride 0 on stretched axes)."""
    x = _array(x, "broadcast_to: x")
    shape = tuple(operator.index(n) for n in shape)
    lead = len(shape) - x.ndim
    if lead < 0 or any(m not in (1, n) for m, n in zip(x.shape, shape[lead:], strict=True)):
        raise ValueError(f"broadcast_to: could not broadcast shape {x.shape} to {shape}")
    strides = (0,) * lead + tuple(0 if m == 1 and n != 1 else s
                                  for m, n, s in zip(x.shape, shape[lead:], x.strides, strict=True))
    return x._view(x.offset, shape, strides)


def broadcast_arrays(*arrays: Array) -> list[Array]:
    """The arrays broadcast against each other (views)."""
    shape = np.broadcast_shapes(*(_array(a, "broadcast_arrays: an argument").shape for a in arrays))
    return [broadcast_to(a, shape) for a in arrays]


def unstack(x: Array, /, *, axis: int = 0) -> tuple[Array, ...]:
    """The slices of ``x`` along ``axis`` (views)."""
    x = _array(x, "unstack: x")
    moved = moveaxis(x, _axis(axis, x.ndim), 0)
    return tuple(moved[i] for i in range(moved.shape[0]))


def _common(arrays: Sequence[Array], what: str) -> tuple[Any, str]:
    if not arrays:
        raise ValueError(f"{what} needs at least one array")
    device = _array(arrays[0], f"{what}: an argument").device
    for a in arrays:
        if _array(a, f"{what}: an argument").device != device:
            raise PlacementError(f"{what}: arrays are on {device} and {a.device}; move them to one device")
    return device, dtypes.result_type(*(a.dtype.name for a in arrays))


def concat(arrays: Sequence[Array], /, *, axis: int | None = 0) -> Array:
    """The arrays joined along an existing ``axis`` (flattened first when None), on their device."""
    arrays = list(arrays)
    device, dt = _common(arrays, "concat")
    if axis is None:
        arrays = [reshape(a, (-1,)) for a in arrays]
        axis = 0
    nd = arrays[0].ndim
    if nd == 0:
        raise ValueError("concat: zero-dimensional arrays cannot be concatenated")
    a0 = _axis(axis, nd)
    for a in arrays:
        if a.ndim != nd or any(m != n for k, (m, n) in enumerate(zip(a.shape, arrays[0].shape, strict=True))
                               if k != a0):
            raise ValueError(f"concat: shapes {arrays[0].shape} and {a.shape} differ off axis {a0}")
    shape = list(arrays[0].shape)
    shape[a0] = sum(a.shape[a0] for a in arrays)
    out = Array._empty(tuple(shape), dt, device)
    start = 0
    for a in arrays:
        n = a.shape[a0]
        if n and a.size:
            copy_into(a, out=out[(slice(None),) * a0 + (slice(start, start + n),)])
        start += n
    return out


def stack(arrays: Sequence[Array], /, *, axis: int = 0) -> Array:
    """The arrays (of one shape) joined along a new ``axis``."""
    arrays = list(arrays)
    _common(arrays, "stack")
    if any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError("stack: all arrays must have the same shape")
    a0 = _axis(axis, arrays[0].ndim + 1)
    return concat([expand_dims(a, axis=a0) for a in arrays], axis=a0)


def _interleaved(out: Array, inner: Sequence[int], reps: Sequence[int], outer_first: bool) -> Array:
    """A view of C-contiguous ``out`` with each axis k split into (reps[k], inner[k]) (tile) or
    (inner[k], reps[k]) (repeat)."""
    shape, strides = [], []
    for n, r, s in zip(inner, reps, out.strides, strict=True):
        pair = [(r, n * s), (n, s)] if outer_first else [(n, r * s), (r, s)]
        for m, st in pair:
            shape.append(m)
            strides.append(st)
    return out._view(out.offset, tuple(shape), tuple(strides))


def tile(x: Array, repetitions: tuple[int, ...], /) -> Array:
    """``x`` repeated ``repetitions[k]`` times along each axis (one device copy)."""
    x = _array(x, "tile: x")
    reps = tuple(operator.index(r) for r in repetitions)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: negative repetitions {reps}")
    nd = max(len(reps), x.ndim)
    reps = (1,) * (nd - len(reps)) + reps
    src = reshape(x, (1,) * (nd - x.ndim) + x.shape) if nd != x.ndim else x
    out = Array._empty(tuple(n * r for n, r in zip(src.shape, reps, strict=True)), x.dtype.name, x.device)
    if out.size:
        view = _interleaved(out, src.shape, reps, outer_first=True)
        copy_into(_spread(src), out=view)
    return out


def _spread(x: Array) -> Array:
    """``x`` with an axis of size 1 before each axis (broadcast against an interleaved view)."""
    return x._view(x.offset, tuple(v for n in x.shape for v in (1, n)),
                   tuple(v for s in x.strides for v in (0, s)))


def repeat(x: Array, repeats: int | Array, /, *, axis: int | None = None) -> Array:
    """Each element of ``x`` repeated ``repeats`` times along ``axis`` (flattened when None).
    ``repeats`` is an int (one device copy) or a 1-D integer array (its values decide the result's
    shape, so they are read to the host: a data-dependent shape)."""
    x = _array(x, "repeat: x")
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    a0 = _axis(axis, x.ndim)
    if isinstance(repeats, Array):
        counts = np.broadcast_to(repeats._read(), (x.shape[a0],))
        if counts.dtype.kind not in "iu" or (counts < 0).any():
            raise ValueError("repeat: repeats must be non-negative integers")
        parts = [x[(slice(None),) * a0 + (i,)] for i in range(x.shape[a0])]
        pieces = [repeat(expand_dims(p, axis=a0), int(c), axis=a0)
                  for p, c in zip(parts, counts, strict=True)]
        return concat(pieces, axis=a0) if pieces else x
    r = operator.index(repeats)
    if r < 0:
        raise ValueError(f"repeat: negative repeats {r}")
    shape = list(x.shape)
    shape[a0] *= r
    out = Array._empty(tuple(shape), x.dtype.name, x.device)
    if out.size:
        reps = [r if k == a0 else 1 for k in range(x.ndim)]
        view = _interleaved(out, x.shape, reps, outer_first=False)
        spread = x._view(x.offset, tuple(v for n in x.shape for v in (n, 1)),
                         tuple(v for s in x.strides for v in (s, 0)))
        copy_into(spread, out=view)
    return out


def roll(x: Array, /, shift: int | tuple[int, ...], *, axis: int | tuple[int, ...] | None = None) -> Array:
    """Elements shifted along ``axis`` (the flattened array when None), wrapping around."""
    x = _array(x, "roll: x")
    if axis is None:
        return reshape(roll(reshape(x, (-1,)), shift, axis=0), x.shape)
    shifts = shift if isinstance(shift, tuple | list) else (shift,)
    axes = axis if isinstance(axis, tuple | list) else (axis,)
    if len(shifts) != len(axes):
        shifts = shifts * len(axes) if len(shifts) == 1 else shifts
        if len(shifts) != len(axes):
            raise ValueError("roll: shift and axis must have the same length")
    out = x
    for s, a in zip(shifts, axes, strict=True):
        a0 = _axis(a, x.ndim)
        n = x.shape[a0]
        k = operator.index(s) % n if n else 0
        if k:
            pre = (slice(None),) * a0
            out = concat([out[(*pre, slice(n - k, n))], out[(*pre, slice(0, n - k))]], axis=a0)
    return out if out is not x else _copy(x)
