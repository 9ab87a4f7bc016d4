"""Searching functions (array API chapter): ``argmax``, ``argmin``, ``count_nonzero``, ``nonzero``,
``searchsorted``, ``where``.

``where(condition, x1, x2)`` is elementwise: one more :class:`~cambrian.elementwise.Elementwise`, whose
scalar definition is a select; inside kernels ``cb.where(c, a, b)`` is that select. The others run the
kernels of ``_search_kernels.py`` on the array's device; on host-memory devices with synchronous
launches NumPy works in place for small arrays (``_statistical._host``). ``nonzero`` has a
data-dependent shape: it reads one count back to size its result.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..elementwise import Elementwise

__all__ = ["argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where"]


def select(c, a, b):  # type: ignore[no-untyped-def]
    return a if c else b


def _np_where(c: Any, a: Any, b: Any, out: np.ndarray) -> None:
    """NumPy's where written into ``out`` (the host path's ufunc-like call; no temporary)."""
    c = np.asarray(c)
    if c.dtype != np.bool_:
        c = c.astype(np.bool_)
    np.copyto(out, b, casting="unsafe")
    np.copyto(out, a, casting="unsafe", where=c)


_where = Elementwise("where", select, _np_where, rule="same", group="any", kernel_on_host=True, stream=True,
                     doc="Elements of ``x1`` where ``condition`` is true, else of ``x2`` (broadcasting).")


def where(condition: Any, x1: Any, x2: Any, /) -> Any:
    """Elements of ``x1`` where ``condition`` is true, else of ``x2`` (broadcast together; the result
    dtype is ``x1``'s and ``x2``'s promoted, Python scalars weak), on the operands' device. Inside
    kernels, a select."""
    return _where(condition, x1, x2)


# one object for array code and kernels: the front end and cb.fuse see the elementwise function
where.__cambrian_func__ = True  # type: ignore[attr-defined]
where.py_func = select  # type: ignore[attr-defined]
where.__cambrian_overload__ = _where.__cambrian_overload__  # type: ignore[attr-defined]
where.elementwise = _where  # type: ignore[attr-defined]


def count_nonzero(x: Any, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Any:
    """The number of nonzero elements along ``axis`` (int64), on the array's device."""
    from ._array import Array
    from ._elementwise import FUNCTIONS
    from ._statistical import sum as total

    if hasattr(x, "__cambrian_trace__"):  # a traced value of @cb.fuse
        return x.__cambrian_trace__("count_nonzero", (x,), {"axis": axis, "keepdims": keepdims})
    if not isinstance(x, Array):
        raise TypeError(f"count_nonzero: x must be a cambrian.Array, got {type(x).__name__}")
    return total(FUNCTIONS["not_equal"](x, 0), axis=axis, keepdims=keepdims, dtype="int64")


_STATISTICAL: list[Any] = []


def _statistical() -> Any:
    """The ``_statistical`` module (imported on first use, then kept: small calls stay cheap)."""
    if not _STATISTICAL:
        from . import _statistical as module

        _STATISTICAL.append(module)
    return _STATISTICAL[0]


def _arg(x: Any, axis: int | None, keepdims: bool, is_max: int) -> Any:
    S = _statistical()
    what = "argmax" if is_max else "argmin"
    whole = axis is None and not keepdims and getattr(x, "ndim", 0)
    if whole and (r := S._whole.run(what, x, S.bounds())) is not None:
        return r
    if not isinstance(x, S.Array):
        raise TypeError(f"{what}: x must be a cambrian.Array, got {type(x).__name__}")
    if dtypes.is_complex(dtypes.NP_NAMES[x.dtype]):
        raise TypeError(f"{what} of complex numbers is not defined")
    axes = S.axes_of(x, axis, what) if axis is not None else tuple(range(x.ndim))
    if x.size == 0:
        raise ValueError(f"{what} of an empty sequence")
    shape = S._kept_shape(x, axes, keepdims)
    if S._numpy_here(x, x.size, S.EXTREMES_SCALE):
        if whole:
            run = S._numpy_runner(what, "int64")
            S._whole.remember(what, x, S.bounds(), run)
            return run(x)
        x.queue.synchronize()
        fn = np.argmax if is_max else np.argmin
        host = S.np_whole(fn, S._np_view(x), True) if axis is None else fn(S._np_view(x), axis=axis,
                                                                            keepdims=keepdims)
        return S._host_result(host, "int64", shape, x.device)
    got = S._on_cpu(lambda seen: _arg(seen, axis, keepdims, is_max), x)
    if got is not None:
        if whole:
            again = S._whole.via_cpu(lambda seen: _arg(seen, None, False, is_max))
            S._whole.remember(what, x, S.bounds(), again)
        return got
    from . import _search_kernels as K
    from ._array import Array
    from ._manipulation import _contiguous, reshape
    from ._statistical import _as_rows

    if axis is None and x.size >= 2 * K.CHUNK and x.device.kind == "cpu":  # in one launch
        from ..reduction_ops import arg_of_all, arg_plan

        r = arg_of_all(_contiguous(x), "max" if is_max else "min")
        if whole:
            S._whole.remember(what, x, S.bounds(), S._whole.kernel_runner(arg_plan(x, what[3:])))
        return r if r.shape == shape else reshape(r, shape)
    if axis is None and x.size >= 2 * K.CHUNK:  # each chunk's extreme (one vectorized pass), then the
        from ..reduction_ops import chunk_partials  # first occurrence of the best in its chunk

        flat = reshape(_contiguous(x), (-1,))
        chunk = 4 * K.CHUNK
        nchunks = -(-flat.size // chunk)
        kern, ident = chunk_partials("max" if is_max else "min", x.dtype.name)
        best = Array._empty((nchunks,), x.dtype.name, x.device)
        kern[nchunks](best, flat, flat.size, chunk, ident)
        out = Array._empty((1,), "int64", x.device)
        K.arg_pick[1](out, best, flat, chunk, is_max)
        return reshape(out, shape)
    rows = _as_rows(x, axes)
    idx = Array._empty((rows.shape[0],), "int64", x.device)
    val = Array._empty((rows.shape[0],), x.dtype.name, x.device)
    K.arg_rows[rows.shape[0]](idx, val, rows, is_max)
    return reshape(idx, shape)


def argmax(x: Any, /, *, axis: int | None = None, keepdims: bool = False) -> Any:
    """Index of the first maximum along ``axis`` (of the flattened array when None); NaN wins."""
    return _arg(x, axis, keepdims, 1)


def argmin(x: Any, /, *, axis: int | None = None, keepdims: bool = False) -> Any:
    """Index of the first minimum along ``axis`` (of the flattened array when None); NaN wins."""
    return _arg(x, axis, keepdims, 0)


def nonzero(x: Any, /) -> tuple[Any, ...]:
    """Indices of the nonzero elements, one int64 array per dimension (row-major order). The result's
    size depends on the data: one count is read back to the host to allocate it."""
    from ._array import Array
    from ._creation import from_host
    from ._elementwise import FUNCTIONS as F
    from ._manipulation import _contiguous, reshape
    from ._statistical import _host

    if not isinstance(x, Array):
        raise TypeError(f"nonzero: x must be a cambrian.Array, got {type(x).__name__}")
    if x.ndim == 0:
        raise ValueError("nonzero of a 0-d array is not defined (use x[None])")
    if _host(x, x.size):
        x.queue.synchronize()
        return tuple(from_host(i.astype(np.int64), x.device) for i in np.nonzero(x.__cambrian_array__().view))
    flat = compact(reshape(_contiguous(x if x.dtype.name == "bool" else F["not_equal"](x, 0)), (-1,)))
    out = []
    for d in range(x.ndim):  # unravel the flat indices on the device
        stride = int(np.prod(x.shape[d + 1:], dtype=np.int64))
        q = F["floor_divide"](flat, stride) if stride != 1 else flat
        out.append(F["remainder"](q, x.shape[d]) if d else q)
    return tuple(out)


def compact(mask: Any, rows: Any = None) -> Any:
    """The indices of the true elements of the 1-D bool ``mask`` (int64), or, given the 2-D ``rows``, those
    rows (``rows[mask]``), in order. Chunks of ``CHUNK`` elements count their elements in parallel, the
    counts are prefix-summed, and each chunk writes its part; one count is read back to size the result."""
    from . import _search_kernels as K
    from ._array import Array

    n = mask.shape[0]
    nchunks = max(1, -(-n // K.CHUNK))
    counts = Array._empty((nchunks,), "int64", mask.device)
    K.count_chunks[nchunks](counts, mask, K.CHUNK)
    pos = K.inclusive_scan(counts)
    total = int(pos[-1])
    if rows is None:
        out = Array._empty((total,), "int64", mask.device)
        if total:
            K.compact_chunks[nchunks](out, mask, pos, K.CHUNK)
        return out
    out = Array._empty((total, rows.shape[1]), rows.dtype.name, mask.device)
    if out.size:
        K.compact_rows[nchunks](out, rows, mask, pos, K.CHUNK)
    return out


def searchsorted(x1: Any, x2: Any, /, *, side: str = "left", sorter: Any = None) -> Any:
    """Insertion positions of ``x2``'s elements in the sorted 1-D ``x1`` (``side`` "left"/"right";
    ``sorter``: indices that sort ``x1``), int64, on the arrays' device."""
    from . import _search_kernels as K
    from ._array import Array
    from ._creation import from_host
    from ._indexing_advanced import take
    from ._manipulation import _contiguous, copy_into, reshape
    from ._statistical import _host

    if not isinstance(x1, Array) or not isinstance(x2, Array):
        raise TypeError("searchsorted: x1 and x2 must be cambrian.Arrays")
    if x1.ndim != 1:
        raise ValueError(f"searchsorted: x1 must be 1-D, got {x1.ndim}-D")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if x1.device != x2.device:
        from ..errors import PlacementError

        raise PlacementError(f"searchsorted: x1 is on {x1.device}, x2 on {x2.device}")
    if sorter is not None:
        x1 = take(x1, sorter)
    dt = dtypes.result_type(x1.dtype.name, x2.dtype.name)
    if _host(x1, x1.size + x2.size):
        x1.queue.synchronize()
        a, v = (y.__cambrian_array__().view.astype(dt) for y in (x1, x2))
        host = np.searchsorted(a, v, side=side)
        return from_host(np.asarray(host, np.int64), x1.device)
    a = Array._empty(x1.shape, dt, x1.device)
    v = Array._empty((x2.size,), dt, x1.device)
    if a.size:
        copy_into(x1, out=a)
    if v.size:
        copy_into(reshape(_contiguous(x2), (-1,)), out=v)
    out = Array._empty((x2.size,), "int64", x1.device)
    if v.size:
        K.search[v.size](out, a, v, int(side == "right"))
    return reshape(out, x2.shape)
