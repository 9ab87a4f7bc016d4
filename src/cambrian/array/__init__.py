"""The array namespace: :class:`Array` and its creation functions (more chapters of the array API
standard will join as modules named after them)."""

from __future__ import annotations

from ._array import Array
from ._creation import (
    asarray,
    asnumpy,
    empty,
    empty_like,
    full,
    full_like,
    ones,
    ones_like,
    zeros,
    zeros_like,
)

__all__ = ["Array", "asarray", "asnumpy", "empty", "empty_like", "full", "full_like", "ones", "ones_like",
           "zeros", "zeros_like"]
