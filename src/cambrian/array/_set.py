"""Set functions (array API chapter): ``unique_all``, ``unique_counts``, ``unique_inverse``,
``unique_values``, returning the standard's namedtuples. Uniques come out sorted (NumPy's order).

Equality is the standard's value equality: every NaN is distinct (its own unique value, count 1), and
``-0.0`` and ``0.0`` are one value (the first in sorted order is kept).

On ``cpu``/``interp`` (host memory, synchronous launches; :data:`cambrian.array._sorting.SORT_HOST`)
NumPy's ``unique`` (``equal_nan=False``) works on the device's memory. Elsewhere, on the device with
kernels: a stable sort of the flattened array (:func:`~cambrian.array._sorting.sort_rows`, with the
permutation when indices are asked for), then a compaction by chunks: each work-item counts the
boundaries ``s[i] != s[i-1]`` of its chunk, one work-item scans those counts (the number of uniques is
the one value read back to the host, to size the results), and each work-item writes its chunk's
uniques, start positions and inverse indices; a last launch turns starts into counts and first indices.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..compiler.lang import get_global_id
from ..kernels import kernel
from ._array import Array
from ._convert import from_host
from ._manipulation import reshape
from ._sorting import _host, retype, sort_rows

__all__ = ["unique_all", "unique_counts", "unique_inverse", "unique_values"]


class UniqueAllResult(NamedTuple):
    values: Array
    indices: Array
    inverse_indices: Array
    counts: Array


class UniqueCountsResult(NamedTuple):
    values: Array
    counts: Array


class UniqueInverseResult(NamedTuple):
    values: Array
    inverse_indices: Array


@kernel
def _count_starts(c, s, chunk):  # type: ignore[no-untyped-def]
    g = get_global_id(0)
    n = s.shape[1]
    t = 0
    for i in range(g * chunk, min(g * chunk + chunk, n)):
        if i == 0 or s[0, i] != s[0, i - 1]:
            t += 1
    c[g] = t


@kernel
def _exclusive_scan(c):  # type: ignore[no-untyped-def]
    # c[:-1] holds counts: becomes their exclusive prefix sums, c[-1] the total
    t = 0
    for k in range(c.shape[0] - 1):
        v = c[k]
        c[k] = t
        t += v
    c[c.shape[0] - 1] = t


@kernel
def _scatter(values, starts, inv, s, p, c, chunk, track):  # type: ignore[no-untyped-def]
    g = get_global_id(0)
    n = s.shape[1]
    k = c[g]
    for i in range(g * chunk, min(g * chunk + chunk, n)):
        if i == 0 or s[0, i] != s[0, i - 1]:
            values[k] = s[0, i]
            starts[k] = i
            k += 1
        if track != 0:
            inv[p[0, i]] = k - 1


@kernel
def _finish(counts, indices, starts, p, n, track):  # type: ignore[no-untyped-def]
    k = get_global_id(0)
    st = starts[k]
    nxt = n
    if k + 1 < starts.shape[0]:
        nxt = starts[k + 1]
    counts[k] = nxt - st
    if track != 0:
        indices[k] = p[0, st]
    else:
        indices[k] = st


def _unique(x: Array, what: str, inverse: bool, first: bool) -> tuple[Array, Array, Array, Array]:
    """(values, first indices, inverse indices shaped like ``x``, counts); the parts not asked for
    (``inverse``, ``first``) may be placeholders."""
    if not isinstance(x, Array):
        raise TypeError(f"{what}: x must be a cambrian.Array, got {type(x).__name__}")
    dev = x.device
    if _host(x):
        x.queue.synchronize()
        got = np.unique(x.__cambrian_array__().view.reshape(-1), return_index=first, return_inverse=inverse,
                        return_counts=True, equal_nan=False)  # a stable sort only for first indices
        v, c = got[0], got[-1]
        i = got[1] if first else c
        inv = got[2 if first else 1].reshape(x.shape) if inverse else c
        return (from_host(v, dev), from_host(i.astype("int64"), dev), from_host(inv.astype("int64"), dev),
                from_host(c.astype("int64"), dev))
    flat = reshape(x, (1, x.size))
    if x.dtype.name == "bool":
        flat = retype(flat, "uint8")
    n = x.size
    track = inverse or first
    s, p = sort_rows(flat, False, track)
    dummy = Array._empty((1, 1), "int64", dev)
    chunk = 256 if dev.kind == "gpu" else 4096
    nchunks = -(-n // chunk)
    c = Array._empty((nchunks + 1,), "int64", dev)
    if n:
        _count_starts[nchunks](c, s, chunk)
    _exclusive_scan[1](c)
    k = int(c[nchunks])  # the one value read back: the number of uniques sizes the results
    values = Array._empty((k,), s.dtype.name, dev)
    starts = Array._empty((k,), "int64", dev)
    inv = Array._empty((n,), "int64", dev) if inverse else Array._empty((1,), "int64", dev)
    if n:
        _scatter[nchunks](values, starts, inv, s, p if p is not None else dummy, c, chunk, int(track))
    counts = Array._empty((k,), "int64", dev)
    indices = Array._empty((k,), "int64", dev)
    if k:
        _finish[k](counts, indices, starts, p if p is not None else dummy, n, int(track))
    if x.dtype.name == "bool":
        values = retype(values, "bool")
    return values, indices, reshape(inv, x.shape) if inverse else inv, counts


def unique_all(x: Array, /) -> UniqueAllResult:
    """The sorted unique elements of ``x`` (flattened), the index of each one's first occurrence,
    the indices into them that rebuild ``x`` (shaped like ``x``) and their counts (all int64)."""
    return UniqueAllResult(*_unique(x, "unique_all", True, True))


def unique_counts(x: Array, /) -> UniqueCountsResult:
    """The sorted unique elements of ``x`` (flattened) and how often each occurs (int64)."""
    v, _, _, c = _unique(x, "unique_counts", False, False)
    return UniqueCountsResult(v, c)


def unique_inverse(x: Array, /) -> UniqueInverseResult:
    """The sorted unique elements of ``x`` (flattened) and the int64 indices into them that rebuild
    ``x`` (shaped like ``x``)."""
    v, _, inv, _ = _unique(x, "unique_inverse", True, False)
    return UniqueInverseResult(v, inv)


def unique_values(x: Array, /) -> Array:
    """The sorted unique elements of ``x`` (flattened; every NaN is its own element)."""
    return _unique(x, "unique_values", False, False)[0]
