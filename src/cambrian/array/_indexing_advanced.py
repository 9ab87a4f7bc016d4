"""Indexing functions and advanced indexing (array API chapter), on the array's device.

* ``take(x, indices, axis=)`` and ``take_along_axis(x, indices, axis=)``: gather kernels.
* ``x[mask]`` (one boolean array indexing the leading dimensions): the mask's nonzero positions
  (a parallel prefix sum and a compaction, ``nonzero``), then a gather. Its size depends on the data:
  one count is read back to size the result.
* ``x[i, int_array, ...]``: integers and integer arrays (broadcast together) on the leading dimensions
  become flat row indices, then a gather.
* ``x[mask] = v`` with a scalar (or 0-d) ``v`` is one ``where`` into ``x``; with an array ``v`` and for
  integer-array keys, a scatter kernel writes the rows (for repeated indices one of the writes wins).

Indices are checked against the bounds (IndexError, as NumPy) with two device reductions; negative
indices count from the end.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .. import dtypes
from . import _search_kernels as K
from ._array import Array
from ._elementwise import FUNCTIONS as F
from ._manipulation import _contiguous, broadcast_arrays, broadcast_to, copy_into, reshape
from ._statistical import _host

__all__ = ["take", "take_along_axis"]


def _int_array(idx: Any, device: Any, what: str) -> Array:
    if not isinstance(idx, Array):
        from ._creation import asarray

        idx = asarray(idx, device=device)
    if idx.device != device:
        from ..errors import PlacementError

        raise PlacementError(f"{what}: indices are on {idx.device}, the array on {device}")
    if not dtypes.is_integer(idx.dtype.name):
        raise IndexError(f"{what}: indices must be integers, got {idx.dtype.name}")
    return idx


def _check_bounds(idx: Array, n: int, what: str) -> None:
    """IndexError unless every index is in ``[-n, n)`` (two reductions, two scalars read back)."""
    if idx.size == 0:
        return
    from ._statistical import max as amax
    from ._statistical import min as amin

    lo, hi = int(amin(idx)), int(amax(idx))
    if lo < -n or hi >= n:
        bad = lo if lo < -n else hi
        raise IndexError(f"{what}: index {bad} is out of bounds for an axis of size {n}")


def _axis(axis: int, ndim: int, what: str) -> int:
    a = operator.index(axis)
    if not -ndim <= a < ndim:
        raise IndexError(f"{what}: axis {a} is out of bounds for an array of {ndim} dimension(s)")
    return a % ndim


def _three(x: Array, a: int) -> Array:
    """Contiguous ``x`` as (before ``a``, along ``a``, after ``a``)."""
    return reshape(_contiguous(x), (math.prod(x.shape[:a]), x.shape[a], math.prod(x.shape[a + 1:])))


def take(x: Array, indices: Any, /, *, axis: int | None = None) -> Array:
    """Elements of ``x`` at ``indices`` (1-D integers) along ``axis`` (optional for 1-D ``x``)."""
    if not isinstance(x, Array):
        raise TypeError(f"take: x must be a cambrian.Array, got {type(x).__name__}")
    idx = _int_array(indices, x.device, "take")
    if axis is None:
        if x.ndim != 1:
            raise ValueError("take: axis is required for arrays of more than one dimension")
        axis = 0
    if idx.ndim != 1:
        raise ValueError(f"take: indices must be 1-D, got {idx.ndim}-D")
    a = _axis(axis, x.ndim, "take")
    n = x.shape[a]
    shape = (*x.shape[:a], idx.shape[0], *x.shape[a + 1:])
    if idx.size and n == 0:
        raise IndexError("take: cannot take from an empty axis")
    _check_bounds(idx, n, "take")
    if _host(x, x.size + idx.size):
        x.queue.synchronize()
        from ._creation import from_host

        host = np.take(x.__cambrian_array__().view, idx.__cambrian_array__().view, axis=a)
        return from_host(host, x.device)
    out = Array._empty(shape, x.dtype.name, x.device)
    if out.size:
        src = _three(x, a)
        K.gather[out.size](reshape(out, (src.shape[0], idx.shape[0], src.shape[2])), src, _contiguous(idx))
    return out


def take_along_axis(x: Array, indices: Array, /, *, axis: int = -1) -> Array:
    """``x``'s elements picked along ``axis`` by ``indices`` (same rank; other axes broadcast)."""
    if not isinstance(x, Array):
        raise TypeError(f"take_along_axis: x must be a cambrian.Array, got {type(x).__name__}")
    idx = _int_array(indices, x.device, "take_along_axis")
    if idx.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices have {idx.ndim} dimensions, x has {x.ndim}")
    a = _axis(axis, x.ndim, "take_along_axis")
    others = np.broadcast_shapes(tuple(1 if k == a else n for k, n in enumerate(x.shape)),
                                 tuple(1 if k == a else n for k, n in enumerate(idx.shape)))
    shape = tuple(idx.shape[a] if k == a else n for k, n in enumerate(others))
    _check_bounds(idx, x.shape[a], "take_along_axis")
    xs = broadcast_to(x, tuple(x.shape[a] if k == a else n for k, n in enumerate(others)))
    out = Array._empty(shape, x.dtype.name, x.device)
    if out.size:
        src = _three(xs, a)
        three = (src.shape[0], shape[a], src.shape[2])
        picks = reshape(_contiguous(broadcast_to(idx, shape)), three)
        K.gather_along[out.size](reshape(out, three), src, picks)
    return out


# -- x[key] with array keys ------------------------------------------------------------------------
def is_advanced(key: Any) -> bool:
    """True when ``key`` holds an array, list or boolean index (not basic indexing)."""
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, list | np.ndarray | bool | np.bool_)
               or (isinstance(k, Array) and (k.ndim or k.dtype.name == "bool")) for k in keys)


def _normalize(x: Array, key: Any) -> tuple[Any, ...]:
    keys = list(key) if isinstance(key, tuple) else [key]
    out = []
    for k in keys:
        if isinstance(k, list | np.ndarray | bool | np.bool_):
            from ._creation import asarray

            k = asarray(k, device=x.device)
        out.append(k)
    while out and (out[-1] is Ellipsis or (isinstance(out[-1], slice) and out[-1] == slice(None))):
        out.pop()  # trailing full slices select everything anyway
    return tuple(out)


def _rows(x: Array, key: tuple[Any, ...]) -> tuple[Array, tuple[int, ...], int]:
    """Flat row indices (an int64 array of the key's result shape) into ``x`` reshaped to
    (rows of the indexed dimensions, rest), and the number of indexed dimensions."""
    if len(key) == 1 and isinstance(key[0], Array) and key[0].dtype.name == "bool":
        mask = key[0]
        k = mask.ndim
        if mask.shape != x.shape[:k]:
            raise IndexError(f"boolean index of shape {mask.shape} does not match the array's leading "
                             f"dimensions {x.shape[:k]}")
        from ._searching import nonzero

        (flat,) = nonzero(reshape(_contiguous(mask), (-1,))) if k else (None,)
        if flat is None:
            raise IndexError("a 0-d boolean index is not supported (use x[None] or an empty slice)")
        return flat, (flat.shape[0],), k
    if any(not isinstance(k, Array | int | np.integer) or isinstance(k, bool) or
           (isinstance(k, Array) and k.dtype.name == "bool") for k in key):
        raise IndexError("advanced indexing supports one boolean array, or integers and integer arrays on "
                         "the leading dimensions (no slices, None or ... between them); use take() or "
                         "basic indexing for the rest")
    if len(key) > x.ndim:
        raise IndexError(f"too many indices: the array has {x.ndim} dimension(s) but {len(key)} were indexed")
    from ._searching import where

    arrays = broadcast_arrays(*(_int_array(k, x.device, "index") for k in key if isinstance(k, Array)))
    shape = arrays[0].shape
    flat: Any = None
    it = iter(arrays)
    for d, k in enumerate(key):
        n = x.shape[d]
        idx = next(it) if isinstance(k, Array) else operator.index(k)
        if isinstance(idx, int):
            if not -n <= idx < n:
                raise IndexError(f"index {idx} is out of bounds for axis {d} with size {n}")
            idx %= n
        else:
            _check_bounds(idx, n, f"index at axis {d}")
            idx = where(F["less"](idx, 0), F["add"](_int64(idx), n), _int64(idx))
        if flat is None:
            flat = idx
        else:
            scaled = flat * n if isinstance(flat, int) else F["multiply"](flat, n)
            flat = scaled + idx if isinstance(scaled, int) and isinstance(idx, int) else F["add"](scaled, idx)
    out = Array._empty(shape, "int64", x.device)
    if out.size:
        copy_into(flat, out=out)  # broadcast (an integer-only position is a scalar) and int64
    return reshape(out, (-1,)), shape, len(key)


def _int64(a: Array) -> Array:
    if a.dtype.name == "int64":
        return a
    out = Array._empty(a.shape, "int64", a.device)
    if out.size:
        copy_into(a, out=out)
    return out


def getitem(x: Array, key: Any) -> Array:
    """``x[key]`` for boolean-mask and integer-array keys (see the module docstring)."""
    key = _normalize(x, key)
    if len(key) == 1 and isinstance(key[0], Array) and key[0].dtype.name == "bool" and key[0].ndim == 0:
        from ._manipulation import _copy, expand_dims

        chosen = bool(key[0])  # x[True] is x[None] (a copy), x[False] an empty selection, as NumPy
        if chosen:
            return _copy(expand_dims(x, axis=0))
        return Array._empty((0, *x.shape), x.dtype.name, x.device)
    mask = key[0] if len(key) == 1 and isinstance(key[0], Array) and key[0].dtype.name == "bool" else None
    if mask is not None and mask.shape == x.shape[:mask.ndim] and not _host(x, x.size):
        from ._searching import compact  # x[mask]: the selected rows written in one pass, no index array

        rest = x.shape[mask.ndim:]
        rows = reshape(_contiguous(x), (math.prod(x.shape[:mask.ndim]), math.prod(rest)))
        out = compact(reshape(_contiguous(mask), (-1,)), rows)
        return reshape(out, (out.shape[0], *rest))
    flat, shape, k = _rows(x, key)
    rest = x.shape[k:]
    rows = reshape(_contiguous(x), (math.prod(x.shape[:k]), *rest)) if x.ndim else x
    out = take(rows, flat, axis=0)
    return reshape(out, (*shape, *rest))


def setitem(x: Array, key: Any, value: Any) -> None:
    """``x[key] = value`` for boolean-mask and integer-array keys (see the module docstring)."""
    from ._searching import _where as where

    key = _normalize(x, key)
    scalar = not isinstance(value, Array | np.ndarray | list | tuple) or (isinstance(value, Array)
                                                                        and not value.ndim)
    if scalar and len(key) == 1 and isinstance(key[0], Array) and key[0].dtype.name == "bool":
        mask = key[0]
        if mask.shape != x.shape[:mask.ndim]:
            raise IndexError(f"boolean index of shape {mask.shape} does not match the array's leading "
                             f"dimensions {x.shape[:mask.ndim]}")
        m = reshape(mask, mask.shape + (1,) * (x.ndim - mask.ndim)) if mask.ndim else mask
        v = value if isinstance(value, Array) else np.asarray(value, dtype=x.dtype).item()
        where(m, v, x, out=x)
        return
    flat, shape, k = _rows(x, key)
    rest = x.shape[k:]
    target = x if x.c_contiguous else _contiguous(x)
    rows = reshape(target, (math.prod(x.shape[:k]), math.prod(rest)))
    if not isinstance(value, Array):
        from ._creation import asarray

        value = asarray(np.asarray(value, dtype=x.dtype), device=x.device)
    vals = Array._empty((flat.shape[0], rows.shape[1]), x.dtype.name, x.device)
    if vals.size:
        copy_into(broadcast_to(value, (*shape, *rest)), out=reshape(vals, (*shape, *rest)))
        K.scatter[vals.size](rows, flat, vals)
    if target is not x:
        copy_into(target, out=x)
