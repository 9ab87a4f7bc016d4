"""Utility functions (array API chapter): ``all``, ``any`` (reductions of truth values) and ``diff``."""

from __future__ import annotations

import operator
from typing import Any

from ._array import Array
from ._creation import full
from ._elementwise import FUNCTIONS as F
from ._manipulation import _contiguous, concat, reshape
from ._statistical import _host, _kept_shape, _reduce, axes_of

__all__ = ["all", "any", "diff"]


def _nonzero(v):  # type: ignore[no-untyped-def]
    return v != 0


def _least(a, b):  # type: ignore[no-untyped-def]
    return a and b


def _most(a, b):  # type: ignore[no-untyped-def]
    return a or b


_TRUTH: dict[str, Any] = {}


def _truth(x: Any, what: str, axis: Any, keepdims: bool, empty: bool) -> Array:
    if hasattr(x, "__cambrian_trace__"):  # a traced value of @cb.fuse
        return x.__cambrian_trace__(what, (x,), {"axis": axis, "keepdims": keepdims})  # type: ignore[no-any-return]
    if not isinstance(x, Array):
        raise TypeError(f"{what}: x must be a cambrian.Array, got {type(x).__name__}")
    axes = axes_of(x, axis, what)
    if x.size == 0:  # every reduction is empty, or the result is
        return full(_kept_shape(x, axes, keepdims), empty, dtype="bool", device=x.device)
    if len(axes) == x.ndim and x.dtype.name != "bool" and not _host(x, x.size):
        from ..reduction import Reduction  # the truth test fused into the reduction: no bool temporary

        r = _TRUTH.get(what)
        if r is None:
            r = _TRUTH[what] = Reduction(_least if what == "all" else _most, what == "all", map=_nonzero,
                                         dtype="bool", name=what)
        return reshape(r(_contiguous(x)), _kept_shape(x, axes, keepdims))
    b = x if x.dtype.name == "bool" else F["not_equal"](x, 0)
    return _reduce("min" if what == "all" else "max", b, axis, keepdims, None)


def all(x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
    """True where every element along ``axis`` is nonzero (True for an empty reduction)."""
    return _truth(x, "all", axis, keepdims, True)


def any(x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
    """True where some element along ``axis`` is nonzero (False for an empty reduction)."""
    return _truth(x, "any", axis, keepdims, False)


def diff(x: Array, /, *, axis: int = -1, n: int = 1, prepend: Array | None = None,
         append: Array | None = None) -> Array:
    """The ``n``-th discrete difference along ``axis`` (``prepend``/``append`` joined first)."""
    if not isinstance(x, Array):
        raise TypeError(f"diff: x must be a cambrian.Array, got {type(x).__name__}")
    if x.ndim == 0:
        raise ValueError("diff: x must have at least one dimension")
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"diff: n must be non-negative, got {n}")
    (a,) = axes_of(x, axis, "diff")
    parts = [p for p in (prepend, x, append) if p is not None]
    y = concat(parts, axis=a) if len(parts) > 1 else x
    pre = (slice(None),) * a
    for _ in range(n):
        if y.shape[a] == 0:
            break
        sub = F["not_equal"] if y.dtype.name == "bool" else F["subtract"]
        y = sub(y[(*pre, slice(1, None))], y[(*pre, slice(None, -1))])
    return y
