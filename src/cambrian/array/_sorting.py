"""Sorting functions (array API chapter): ``sort`` and ``argsort`` with ``axis``, ``descending`` and
``stable`` (the default, True: equal elements keep their order, also when descending; the kernels are
always stable, NumPy sorts faster where stability cannot show or is not asked for).

Order: NumPy's. NaNs sort last (first when descending: the exact reverse), ``-0.0`` equals ``0.0``,
complex numbers lexicographically by (real, imag) after NumPy's NaN classes (``R+Rj < R+nanj <
nan+Rj < nan+nanj``), ``False < True``.

Where it runs:

* devices whose memory is host memory with synchronous launches (``cpu``, ``interp``): NumPy's stable
  sort works on the device's memory in place (a vendor library on the device it belongs to), while
  ``SORT_HOST`` is true; a 1-D ``sort`` of ``SORT_SPLIT_MIN`` elements or more sorts one part per host
  thread and merges them; PoCL's CPU device takes that path on its buffers' host memory;
* every other device (OpenCL, CUDA): a merge sort written as Cambrian kernels over the rows of the
  sorted axis (moved last, contiguous): one launch sorts blocks of ``_BLOCK`` elements by insertion,
  then one launch per merge pass doubles the sorted runs; each work-item of a pass writes ``tile``
  outputs after finding its start on the merge path by binary search. Two compiled kernels per dtype,
  generic over sizes and direction; stability comes from the merge rule (left run first on ties).
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from ..compiler.lang import get_global_id
from ..elementwise_host import threaded
from ..kernels import func, kernel
from ._array import Array
from ._convert import from_host
from ._host import cpu_path
from ._manipulation import _copy, permute_dims, reshape
from ._statistical import _as_rows

__all__ = ["argsort", "sort"]

#: NumPy sorts on host-memory devices with synchronous launches (``cpu``, ``interp``) while true;
#: tests switch it off to run the kernels there.
SORT_HOST = True
_BLOCK = 32  # elements each work-item sorts by insertion in the first launch
#: 1-D sorts of this many elements or more on host memory sort one part per host thread, then merge
#: them (10**7 float64: 419-513 ms against np.sort's 672-832, measured alternately; the merge ~85 ms)
SORT_SPLIT_MIN = 1 << 20


def _sort_part(x: np.ndarray, out: np.ndarray, kind: str | None) -> None:
    """``out`` = ``x`` sorted (one part of a split sort)."""
    out[...] = x
    out.sort(kind=kind)


@func
def _asc(a, b):  # type: ignore[no-untyped-def]
    # a < b in NumPy's order: no NaN, then R+nanj, nan+Rj, nan+nanj (reals: NaN last), each
    # class lexicographic by (real, imag)
    ar = a.real
    br = b.real
    ai = a.imag
    bi = b.imag
    ca = 0
    cb = 0
    if ar != ar:
        ca = 2
    if ai != ai:
        ca += 1
    if br != br:
        cb = 2
    if bi != bi:
        cb += 1
    if ca != cb:
        return ca < cb
    if ar < br:
        return True
    if br < ar:
        return False
    return ai < bi


@func
def _before(a, b, desc):  # type: ignore[no-untyped-def]
    # a strictly before b in the sorted order
    if desc != 0:
        return _asc(b, a)
    return _asc(a, b)


@kernel
def _block_sort(keys, idx, track, block, desc):  # type: ignore[no-untyped-def]
    g = get_global_id(0)
    n = keys.shape[1]
    nb = (n + block - 1) // block
    r = g // nb
    s = (g % nb) * block
    e = min(s + block, n)
    if track != 0:
        for i in range(s, e):
            idx[r, i] = i
    for i in range(s + 1, e):
        v = keys[r, i]
        w = i
        j = i - 1
        while j >= s:
            u = keys[r, j]
            if not _before(v, u, desc):
                break
            keys[r, j + 1] = u
            if track != 0:
                idx[r, j + 1] = idx[r, j]
            j -= 1
        if j + 1 != i:
            keys[r, j + 1] = v
            if track != 0:
                idx[r, j + 1] = w


@kernel
def _merge(dk, di, sk, si, track, width, tile, desc):  # type: ignore[no-untyped-def]
    g = get_global_id(0)
    n = sk.shape[1]
    nt = (n + tile - 1) // tile
    r = g // nt
    o = (g % nt) * tile
    s = (o // (2 * width)) * (2 * width)
    m = min(s + width, n)
    e = min(s + 2 * width, n)
    k = o - s
    lo = max(0, k - (e - m))
    hi = min(k, m - s)
    while lo < hi:  # the merge path: how many of the first k outputs come from the left run
        mid = (lo + hi) // 2
        if _before(sk[r, m + k - mid - 1], sk[r, s + mid], desc):
            hi = mid
        else:
            lo = mid + 1
    i = s + lo
    j = m + k - lo
    vi = sk[r, min(i, m - 1)]  # the heads of both runs, kept in registers
    vj = sk[r, min(j, e - 1)]
    for p in range(o, min(o + tile, e)):
        right = i >= m
        if not right and j < e:
            right = _before(vj, vi, desc)
        if right:
            dk[r, p] = vj
            if track != 0:
                di[r, p] = si[r, j]
            j += 1
            if j < e:
                vj = sk[r, j]
        else:
            dk[r, p] = vi
            if track != 0:
                di[r, p] = si[r, i]
            i += 1
            if i < m:
                vi = sk[r, i]


def _host(x: Array) -> bool:
    impl = x.device.impl
    return SORT_HOST and impl.host_memory and not impl.asynchronous


def retype(x: Array, dtype: str) -> Array:
    """The same memory as another dtype of the same item size (bool <-> uint8)."""
    return Array(x._buffer, x.device, x.shape, dtype, x.strides, x.offset, x._capacity)


def sort_rows(rows: Array, descending: bool, track: bool) -> tuple[Array, Array | None]:
    """Stable sort of each row of a C-contiguous 2-D array on its device with kernels: (sorted copy,
    the original column of each element as int64, when ``track``)."""
    if rows.dtype.name == "bool":
        keys, perm = sort_rows(retype(rows, "uint8"), descending, track)
        return retype(keys, "bool"), perm
    nrows, n = rows.shape
    dev = rows.device
    keys = Array._empty(rows.shape, rows.dtype.name, dev)
    if keys.size == 0:
        return keys, (Array._empty(rows.shape, "int64", dev) if track else None)
    dev.impl.copy(dev, keys._buffer, 0, rows._buffer, rows.offset, rows.nbytes, rows.queue)
    dummy = Array._empty((1, 1), "int64", dev)
    idx = Array._empty(rows.shape, "int64", dev) if track else dummy
    t, d = int(track), int(descending)
    _block_sort[nrows * -(-n // _BLOCK)](keys, idx, t, _BLOCK, d)
    if n <= _BLOCK:
        return keys, (idx if track else None)
    tile = 32 if dev.kind == "gpu" else 512
    k2 = Array._empty(rows.shape, rows.dtype.name, dev)
    i2 = Array._empty(rows.shape, "int64", dev) if track else dummy
    width = _BLOCK
    while width < n:
        tile_w = min(tile, 2 * width)  # a tile never straddles two pairs of runs
        _merge[nrows * -(-n // tile_w)](k2, i2, keys, idx, t, width, tile_w, d)
        keys, k2, idx, i2 = k2, keys, i2, idx
        width *= 2
    return keys, (idx if track else None)


def _axis(x: Array, axis: int, what: str) -> int | None:
    if not isinstance(x, Array):
        raise TypeError(f"{what}: x must be a cambrian.Array, got {type(x).__name__}")
    a = operator.index(axis)
    if x.ndim == 0:
        if a not in (0, -1):
            raise IndexError(f"{what}: axis {a} is out of bounds for a 0-d array")
        return None
    if not -x.ndim <= a < x.ndim:
        raise IndexError(f"{what}: axis {a} is out of bounds for an array of {x.ndim} dimension(s)")
    return a % x.ndim


def _visible(view: np.ndarray, stable: bool, arg: bool) -> bool:
    """Whether stability can show: in indices, or in values only by the order of -0.0 and 0.0 (else
    NumPy's faster default sort, a SIMD quicksort, serves)."""
    return stable and (arg or (view.dtype.kind in "fc" and bool((view == 0).any())))


def _np_sort(view: np.ndarray, axis: int, descending: bool, arg: bool, stable: bool = True) -> np.ndarray:
    f = np.argsort if arg else np.sort
    visible = _visible(view, stable, arg)
    kind = "stable" if visible else None
    if not descending:
        return f(view, axis=axis, kind=kind)
    if not visible:
        return np.flip(f(view, axis=axis, kind=kind), axis)
    # stable descending: the reverse of the stable ascending order of the reversed axis
    r = np.flip(f(np.flip(view, axis), axis=axis, kind=kind), axis)
    return view.shape[axis] - 1 - r if arg else r


def _sort(x: Array, axis: int, descending: bool, stable: bool, arg: bool, what: str) -> Array:
    a = _axis(x, axis, what)
    if a is None:  # a 0-d array is its own sort; its only index is 0
        return from_host(np.zeros((), "int64"), x.device) if arg else _copy(x)
    if x.size == 0:
        return Array._empty(x.shape, "int64" if arg else x.dtype.name, x.device)
    if _host(x):
        x.queue.synchronize()
        view = x.__cambrian_array__().view
        out = Array._empty(x.shape, "int64" if arg else x.dtype.name, x.device)
        ov = out.__cambrian_array__().view
        if arg or descending:
            np.copyto(ov, _np_sort(view, a, descending, arg, stable))
        elif x.ndim == 1 and x.size >= SORT_SPLIT_MIN:  # parts on the host threads, then one merge
            kind = "stable" if _visible(view, stable, False) else None
            threaded(functools.partial(_sort_part, kind=kind), [view], ov)
            ov.sort(kind="stable")  # (a merge: the stable sort finds the sorted runs)
        else:  # in place in the result's memory
            np.copyto(ov, view)
            ov.sort(axis=a, kind="stable" if _visible(view, stable, False) else None)
        return out
    if SORT_HOST and not arg and x.ndim == 1 and x.size >= SORT_SPLIT_MIN:  # PoCL's CPU device: cpu's path
        got = cpu_path(lambda seen: _sort(seen, axis, descending, stable, arg, what), x)
        if got is not None:
            return got
    keys, perm = sort_rows(_as_rows(x, (a,)), descending, arg)
    res = perm if arg else keys
    assert res is not None
    moved = (*(n for k, n in enumerate(x.shape) if k != a), x.shape[a])
    order = list(range(x.ndim - 1))
    order.insert(a, x.ndim - 1)
    return permute_dims(reshape(res, moved), tuple(order))


def sort(x: Array, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> Array:
    """A sorted copy of ``x`` along ``axis`` (NaNs last, first when ``descending``; ``stable``: equal
    values keep their order, which only the signs of zeros can show)."""
    return _sort(x, axis, descending, stable, False, "sort")


def argsort(x: Array, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> Array:
    """The int64 indices along ``axis`` that sort ``x`` (``stable``: ties keep their order, also when
    ``descending``; with ``stable=False`` their order is unspecified)."""
    return _sort(x, axis, descending, stable, True, "argsort")
