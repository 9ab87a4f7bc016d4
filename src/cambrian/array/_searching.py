"""Searching functions (array API chapter): ``where`` so far (the rest arrives with part 2).

``where(condition, x1, x2)`` is elementwise: one more :class:`~cambrian.elementwise.Elementwise`, whose
scalar definition is a select; inside kernels ``cb.where(c, a, b)`` is that select.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..elementwise import Elementwise

__all__ = ["where"]


def select(c, a, b):  # type: ignore[no-untyped-def]
    return a if c else b


def _np_where(c: Any, a: Any, b: Any, out: np.ndarray) -> None:
    """NumPy's where written into ``out`` (the host path's ufunc-like call)."""
    np.copyto(out, np.where(c, a, b), casting="unsafe")


#: ``where(condition, x1, x2)``: ``x1`` where ``condition`` is true, else ``x2`` (broadcast; the result
#: dtype is that of ``x1`` and ``x2`` promoted; Python scalars are weak).
where = Elementwise("where", select, _np_where, rule="same", group="any",
                    doc="Elements of ``x1`` where ``condition`` is true, else of ``x2`` (broadcasting).")
