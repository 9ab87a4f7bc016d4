"""``f.reduce(x, axis=0)`` for a ``@cb.vectorize`` function of two arguments: NumPy's ``ufunc.reduce``.

Each reduced axis is folded pairwise by elementwise calls of ``f`` itself: the first half of the axis
with the second (``f(x[:m], x[m:2m])``), an odd last element folded into the first slot, until one
remains, so every step runs on the operands' device as an ordinary vectorized call (``log2(n)``
launches per axis). The combination order is therefore a tree, as in Cambrian's reductions and NumPy's
pairwise sums: ``f`` should be associative. ``axis`` is None (every axis), an int or a tuple;
``initial`` is combined first (``f(initial, r)``); an empty axis gives ``f.identity`` (``@vectorize(
identity=0)``) or raises ValueError as NumPy does without an identity.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from . import dtypes
from .vectorize import Vectorized, copy, is_device_array


def _axes(axis: Any, ndim: int, name: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    items = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for a in items:
        try:
            k = operator.index(a)
        except TypeError:
            raise TypeError(f"{name}.reduce: axis must be None, an int or a tuple of ints, "
                            f"got {axis!r}") from None
        if not -ndim <= k < ndim:
            raise np.exceptions.AxisError(f"{name}.reduce: axis {k} is out of bounds for an array of {ndim} "
                                          "dimensions")
        out.append(k % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}.reduce: duplicate value in axis {axis!r}")
    return tuple(out)


def _part(x: Any, axis: int, index: Any) -> Any:
    return x[(slice(None),) * axis + (index,)]


def _full(shape: tuple[int, ...], value: Any, dtype: str, like: Any) -> Any:
    if isinstance(like, np.ndarray):
        return np.full(shape, value, dtype=dtype)
    from .array import full

    return full(shape, value, dtype=dtype, device=like.device)


def _fold_axis(f: Vectorized, x: Any, axis: int) -> Any:
    n = x.shape[axis]
    if n == 0:
        if f.identity is None:
            raise ValueError(f"zero-size array to reduction operation {f.name} which has no identity; "
                             "pass initial= or make it with @cb.vectorize(identity=...)")
        ret, _ = f.types(x, x)
        return _full(tuple(x.shape[:axis]) + tuple(x.shape[axis + 1:]), f.identity, ret, x)
    if n == 1:
        return copy(_part(x, axis, 0))
    while n > 1:
        m = n // 2
        y = f(_part(x, axis, slice(0, m)), _part(x, axis, slice(m, 2 * m)))
        if n % 2:
            first = _part(y, axis, slice(0, 1))
            f(first, _part(x, axis, slice(2 * m, 2 * m + 1)), out=first)
        x, n = y, m
    return _part(x, axis, 0)


def ufunc_reduce(f: Vectorized, x: Any, axis: Any = 0, dtype: Any = None, out: Any = None,
                 keepdims: bool = False, initial: Any = None) -> Any:
    """``f.reduce(x, axis, dtype, out, keepdims, initial)`` as NumPy's ``ufunc.reduce``."""
    if f.nin != 2:
        raise TypeError(f"{f.name}.reduce needs a function of two arguments ({f.name} takes {f.nin})")
    numpy_in = not is_device_array(x)
    if numpy_in:
        x = np.asarray(x)
    if dtype is not None:
        x = x.astype(dtypes.name(dtype))
    ndim = len(x.shape)
    axes = _axes(axis, ndim, f.name)
    result = x
    for ax in sorted(axes, reverse=True):
        result = _fold_axis(f, result, ax)
    if not axes:
        result = copy(x)
    if initial is not None:
        result = f(np.dtype(dtypes.name(result.dtype)).type(initial), result)
    if keepdims:
        shape = tuple(1 if d in axes else s for d, s in enumerate(x.shape))
        result = result.reshape(shape)
    if out is not None:
        copy(result, out=out)
        return out
    if numpy_in and len(result.shape) == 0:
        return result[()]
    return result
