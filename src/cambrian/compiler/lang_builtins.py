"""Builtins of the kernel language written in the kernel language itself (every backend gets them).

The front end (:mod:`.frontend_builtins`) lowers ``cb.popc/clz/ffs`` and ``math.frexp`` to calls of
these device functions; they are plain Python functions translated like any ``@cambrian.func``. The
bit functions take the operand zero-extended to uint64 and return int32 (CUDA's ``__popc``,
``__clz``, ``__ffs`` and their ``ll`` forms).
"""

from __future__ import annotations

import math

import numpy as np


def popc64(u):  # type: ignore[no-untyped-def]
    """Number of set bits of a uint64 (SWAR)."""
    u = u - ((u >> 1) & 0x5555555555555555)
    u = (u & 0x3333333333333333) + ((u >> 2) & 0x3333333333333333)
    u = (u + (u >> 4)) & 0x0F0F0F0F0F0F0F0F
    return np.int32((u * 0x0101010101010101) >> 56)


def clz64(u):  # type: ignore[no-untyped-def]
    """Leading zero bits of a uint64 (64 for 0)."""
    if u == 0:
        return np.int32(64)
    n = np.int32(0)
    if (u >> 32) == 0:
        n += 32
        u = u << 32
    if (u >> 48) == 0:
        n += 16
        u = u << 16
    if (u >> 56) == 0:
        n += 8
        u = u << 8
    if (u >> 60) == 0:
        n += 4
        u = u << 4
    if (u >> 62) == 0:
        n += 2
        u = u << 2
    if (u >> 63) == 0:
        n += 1
    return n


def ffs64(u):  # type: ignore[no-untyped-def]
    """1-based position of the least significant set bit of a uint64 (0 for 0)."""
    if u == 0:
        return np.int32(0)
    v = (u & (0 - u)) - 1  # the bits below the lowest set bit
    v = v - ((v >> 1) & 0x5555555555555555)
    v = (v & 0x3333333333333333) + ((v >> 2) & 0x3333333333333333)
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0F
    return np.int32((v * 0x0101010101010101) >> 56) + 1


def frexp_exp(x):  # type: ignore[no-untyped-def]
    """The exponent ``e`` of ``math.frexp(x)`` (0 for 0, inf and NaN); the mantissa is ldexp(x, -e)."""
    if x == 0 or not math.isfinite(x):
        return np.int32(0)
    e = np.int32(math.floor(math.log2(abs(x)))) + 1
    m = abs(math.ldexp(x, -e))
    if m >= 1.0:  # log2 rounded up just below a power of two
        e += 1
    elif m < 0.5:
        e -= 1
    return e


__all__ = ["clz64", "ffs64", "frexp_exp", "popc64"]
