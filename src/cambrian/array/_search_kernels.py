"""Kernels of the searching and indexing functions, in the kernel language (every backend gets them):
row-wise arg-extremes, a chunked prefix sum, compaction, binary search and gathers/scatters.

The prefix sum is two-level so that it runs in parallel: rows of ``CHUNK`` elements are scanned by one
work-item each, the row totals are scanned (recursively), and each row's offset is added back.
"""

from __future__ import annotations

import math

from ..compiler.lang import get_global_id
from ..kernels import func, kernel
from ._array import Array
from ._dtypes import int64

#: Elements per work-item of the chunked scan.
CHUNK = 2048


@func
def better(v, best, is_max):  # type: ignore[no-untyped-def]
    """``v`` beats ``best`` for argmax (``is_max == 1``) or argmin; the first NaN wins (NumPy)."""
    if math.isnan(best):
        return False
    if math.isnan(v):
        return True
    if is_max == 1:
        return v > best
    return v < best


@kernel
def arg_rows(idx, val, x, is_max):  # type: ignore[no-untyped-def]
    """Per row of the 2-D ``x``: the index of the first extreme (``idx``) and its value (``val``)."""
    r = get_global_id(0)
    n = x.shape[1]
    best = x[r, 0]
    bi = 0
    for j in range(1, n):
        v = x[r, j]
        if better(v, best, is_max):
            best = v
            bi = j
    idx[r] = bi
    val[r] = best


@kernel
def arg_pick(out, val, x, chunk, is_max):  # type: ignore[no-untyped-def]
    """One work-item: ``val`` holds the extreme of each ``chunk`` of the 1-D ``x`` (the last chunk may be
    short); the first chunk holding the best value is searched for its first occurrence."""
    best = val[0]
    r = 0
    for k in range(1, val.shape[0]):
        if better(val[k], best, is_max):
            best = val[k]
            r = k
    lo = r * chunk
    hi = min(lo + chunk, x.shape[0])
    bi = lo
    b = x[lo]
    for i in range(lo + 1, hi):
        if better(x[i], b, is_max):
            b = x[i]
            bi = i
    out[0] = bi


@kernel
def scan_rows(out, x):  # type: ignore[no-untyped-def]
    """Inclusive prefix sums of each row of the 2-D ``x`` (int64 ``out``)."""
    r = get_global_id(0)
    s = 0
    for j in range(x.shape[1]):
        s = s + x[r, j]
        out[r, j] = s


@kernel
def add_row_offsets(out, offsets):  # type: ignore[no-untyped-def]
    """``out[r, j] += offsets[r - 1]`` for rows after the first (``offsets``: inclusive row totals)."""
    g = get_global_id(0)
    n = out.shape[1]
    r = g // n
    if r > 0:
        out[r, g % n] = out[r, g % n] + offsets[r - 1]


@kernel
def count_chunks(counts, mask, chunk):  # type: ignore[no-untyped-def]
    """``counts[r]``: the number of true elements of the 1-D bool ``mask`` in chunk ``r``."""
    r = get_global_id(0)
    lo = r * chunk
    hi = min(lo + chunk, mask.shape[0])
    s = 0
    for i in range(lo, hi):
        s += int64(mask[i])
    counts[r] = s


@kernel
def compact_chunks(out, mask, pos, chunk):  # type: ignore[no-untyped-def]
    """``out[k] = i`` for the true elements ``i`` of ``mask``, in order (``pos``: inclusive prefix sums of
    the chunks' counts). Branch-free: every element is written at the next free slot, which only a true
    element keeps; the loop stops once the chunk's slots are filled (a write past them would land in
    the next chunk's part)."""
    r = get_global_id(0)
    lo = r * chunk
    hi = min(lo + chunk, mask.shape[0])
    k = 0
    if r > 0:
        k = pos[r - 1]
    end = pos[r]
    for i in range(lo, hi):
        if k == end:
            break
        out[k] = i
        k += int64(mask[i])


@kernel
def compact_rows(out, x, mask, pos, chunk):  # type: ignore[no-untyped-def]
    """``out[k, :] = x[i, :]`` for the true elements ``i`` of ``mask``, in order (``x[mask]``; branch-free
    as :func:`compact_chunks`)."""
    r = get_global_id(0)
    lo = r * chunk
    hi = min(lo + chunk, mask.shape[0])
    k = 0
    if r > 0:
        k = pos[r - 1]
    end = pos[r]
    for i in range(lo, hi):
        if k == end:
            break
        for q in range(x.shape[1]):
            out[k, q] = x[i, q]
        k += int64(mask[i])


@func
def before(m, x):  # type: ignore[no-untyped-def]
    """``m`` sorts strictly before ``x`` (NaN sorts last)."""
    return m < x or (math.isnan(x) and not math.isnan(m))


@kernel
def search(out, a, v, right):  # type: ignore[no-untyped-def]
    """First (``right == 0``) or last position in sorted ``a`` where ``v[i]`` can go (NaN sorts last)."""
    i = get_global_id(0)
    x = v[i]
    lo = 0
    hi = a.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        m = a[mid]
        go = before(m, x)
        if right != 0:
            go = not before(x, m)
        if go:
            lo = mid + 1
        else:
            hi = mid
    out[i] = lo


@kernel
def gather(out, x, idx):  # type: ignore[no-untyped-def]
    """``out[p, j, q] = x[p, idx[j], q]`` (negative indices count from the end)."""
    g = get_global_id(0)
    m = out.shape[1]
    post = out.shape[2]
    q = g % post
    j = (g // post) % m
    p = g // (post * m)
    k = idx[j]
    if k < 0:
        k = k + x.shape[1]
    out[p, j, q] = x[p, k, q]


@kernel
def gather_along(out, x, idx):  # type: ignore[no-untyped-def]
    """``out[p, j, q] = x[p, idx[p, j, q], q]`` (``take_along_axis``)."""
    g = get_global_id(0)
    m = out.shape[1]
    post = out.shape[2]
    q = g % post
    j = (g // post) % m
    p = g // (post * m)
    k = idx[p, j, q]
    if k < 0:
        k = k + x.shape[1]
    out[p, j, q] = x[p, k, q]


@kernel
def scatter(out, idx, val):  # type: ignore[no-untyped-def]
    """``out[idx[j], q] = val[j, q]`` (rows of the 2-D ``out``; negative indices from the end)."""
    g = get_global_id(0)
    post = out.shape[1]
    j = g // post
    q = g % post
    k = idx[j]
    if k < 0:
        k = k + out.shape[0]
    out[k, q] = val[j, q]


def inclusive_scan(mask: Array) -> Array:
    """Inclusive int64 prefix sums of the 1-D ``mask`` (bool or integer), on its device."""
    from ._elementwise import FUNCTIONS
    from ._manipulation import reshape

    n = mask.shape[0]
    out = Array._empty((n,), "int64", mask.device)
    if n == 0:
        return out
    rows = max(1, n // CHUNK)
    head = rows * CHUNK if n >= CHUNK else n
    cols = head // rows
    hv = reshape(out[:head], (rows, cols))
    scan_rows[rows](hv, reshape(mask[:head], (rows, cols)))
    if rows > 1:
        totals = inclusive_scan(hv[:, cols - 1])
        add_row_offsets[head](hv, totals)
    if head < n:  # the tail: scanned alone, then offset by the head's total
        tail = Array._empty((1, n - head), "int64", mask.device)
        scan_rows[1](tail, reshape(mask[head:], (1, n - head)))
        FUNCTIONS["add"](reshape(tail, (n - head,)), out[head - 1:head], out=out[head:])
    return out
