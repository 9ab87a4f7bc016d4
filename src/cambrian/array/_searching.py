"""Searching functions (array API chapter): ``where``, ``count_nonzero`` so far.

``where(condition, x1, x2)`` is elementwise: one more :class:`~cambrian.elementwise.Elementwise`, whose
scalar definition is a select; inside kernels ``cb.where(c, a, b)`` is that select.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..elementwise import Elementwise

__all__ = ["count_nonzero", "where"]


def select(c, a, b):  # type: ignore[no-untyped-def]
    return a if c else b


def _np_where(c: Any, a: Any, b: Any, out: np.ndarray) -> None:
    """NumPy's where written into ``out`` (the host path's ufunc-like call)."""
    np.copyto(out, np.where(c, a, b), casting="unsafe")


#: ``where(condition, x1, x2)``: ``x1`` where ``condition`` is true, else ``x2`` (broadcast; the result
#: dtype is that of ``x1`` and ``x2`` promoted; Python scalars are weak).
where = Elementwise("where", select, _np_where, rule="same", group="any",
                    doc="Elements of ``x1`` where ``condition`` is true, else of ``x2`` (broadcasting).")


def count_nonzero(x: Any, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Any:
    """The number of nonzero elements along ``axis`` (int64), on the array's device."""
    from ._array import Array
    from ._elementwise import FUNCTIONS
    from ._statistical import sum as total

    if not isinstance(x, Array):
        raise TypeError(f"count_nonzero: x must be a cambrian.Array, got {type(x).__name__}")
    return total(FUNCTIONS["not_equal"](x, 0), axis=axis, keepdims=keepdims, dtype="int64")
