"""``sum``, ``prod``, ``min`` and ``max`` built on :class:`cambrian.reduction.Reduction`.

Array API dtype rules: ``sum``/``prod`` of bool and signed ints accumulate in int64, of unsigned ints
in uint64 (exact and equal on every device), floats and complex in their own dtype (tree-ordered).
``min``/``max`` propagate NaN like NumPy and raise ValueError on an empty reduction.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import dtypes
from .kernels import Kernel
from .reduction import SCRATCH, Reduction, _counter, _partials, _Plan, chunking, normalize_axis, workers
from .reduction_source import add, arg_source, maximum, minimum, multiply
from .vectorize import (
    as_func,
    empty,
    flat,
    is_device_array,
    kernel_namespace,
    launch_key,
    make_function,
    remember,
)


def _sum_dtype(d: str) -> str:
    """Array API default accumulation: bool and signed ints -> int64, unsigned -> uint64."""
    return {"bool": "int64", "int": "int64", "uint": "uint64"}.get(dtypes.kind(d), d)


def _extreme(d: str, which: str) -> Any:
    if d == "bool":  # the identity of min is the largest value (True), of max the smallest
        return which == "min"
    if dtypes.is_integer(d):
        info = np.iinfo(d)
        return info.max if which == "min" else info.min
    return math.inf if which == "min" else -math.inf


_OPS: dict[str, tuple[Callable[..., Any], Callable[[str], Any], Callable[[str], str]]] = {
    "sum": (add, lambda d: 0, _sum_dtype),
    "prod": (multiply, lambda d: 1, _sum_dtype),
    "min": (minimum, lambda d: _extreme(d, "min"), lambda d: d),
    "max": (maximum, lambda d: _extreme(d, "max"), lambda d: d),
}
_REDUCTIONS: dict[tuple[str, str], Reduction] = {}


def _builtin(op: str, x: Any, axis: int | None, dtype: Any) -> Any:
    if not (isinstance(x, np.ndarray) or is_device_array(x)):
        x = np.asarray(x)
    d = dtypes.name(x.dtype)
    default = _OPS[op][2]
    acc = dtypes.name(dtype) if dtype is not None else default(d)
    if op in ("min", "max"):
        if dtypes.is_complex(d):
            raise TypeError(f"{op} of complex numbers is not defined")
        whole = axis is None or x.ndim == 0
        size = math.prod(x.shape) if whole else x.shape[normalize_axis(axis, x.ndim, op)]
        if size == 0:
            raise ValueError(f"{op} of an empty array (along the axis) has no identity")
    return _reduction(op, acc)(x, axis=axis)


def _reduction(op: str, acc: str) -> Reduction:
    r = _REDUCTIONS.get((op, acc))
    if r is None:
        fn, ident, _ = _OPS[op]
        r = _REDUCTIONS[(op, acc)] = Reduction(fn, ident(acc), dtype=acc, name=op)
    return r


def mean_of_all(x: Any, acc: str) -> Any:
    """The mean of all elements of the device array ``x`` (real float ``acc``) as a 0-d array: the sum
    in the order of :func:`sum`, times ``1/n`` in the reduction's last pass (one launch on a CPU
    device; equal to ``sum(x) * (1/n)``)."""
    r = _REDUCTIONS.get(("mean", acc))
    if r is None:
        r = Reduction(add, 0, dtype=acc, name="mean")
        r.scaled = True
        _REDUCTIONS[("mean", acc)] = r
    return r(x)


def mean_plan(x: Any, acc: str) -> Any:
    """The cached plan of :func:`mean_of_all` for arrays like ``x`` (None when there is none)."""
    r = _REDUCTIONS.get(("mean", acc))
    return None if r is None else r.plan(x)


_ARG: dict[tuple[str, str], Kernel] = {}
_ARG_PLANS: dict[tuple[Any, ...], _Plan] = {}


def arg_of_all(x: Any, op: str) -> Any:
    """The flat index of the first ``op`` ("max" or "min"; the first NaN wins, as NumPy) of the
    C-contiguous device array ``x`` on a CPU device, as a 0-d int64 array: one launch
    (:func:`reduction_source.arg_source`) over the chunks of a whole-array reduction, prepared once
    per device, dtype and shape (the launch's checks cost 60 us a call)."""
    key = (op, launch_key((x,), scalars=False))
    plan = _ARG_PLANS.get(key)
    if plan is None:
        plan = _arg_plan(x, op)
        remember(_ARG_PLANS, key, plan)
    return plan.run([x.__cambrian_array__()])


def arg_plan(x: Any, op: str) -> _Plan | None:
    """The cached plan of :func:`arg_of_all` for arrays like ``x`` (None when there is none)."""
    return _ARG_PLANS.get((op, launch_key((x,), scalars=False)))


def _arg_plan(x: Any, op: str) -> _Plan:
    from .array._search_kernels import better

    d = dtypes.name(x.dtype)
    kern = _ARG.get((op, d))
    if kern is None:
        ns = kernel_namespace(_r=as_func(maximum if op == "max" else minimum, 2), _b=better)
        name = f"arg{op}_last"
        kern = _ARG[(op, d)] = Kernel(make_function(arg_source(name, d), name, "reduction", ns))
        kern.long_items = True
    device = x.device
    n = math.prod(x.shape)
    nchunks, chunk = chunking(n, SCRATCH)  # short chunks: the last work-item searches one alone
    partials, lock = _partials(device, d, nchunks, False)
    count = _counter(device, d, False)
    ident = np.dtype(d).type(_extreme(d, op))
    launch = kern[(workers(device, nchunks, n),), (1,)].prepare(
        flat(empty((), "int64", device, False)), partials, count, flat(x), n, chunk, nchunks, ident,
        int(op == "max"))
    return _Plan([launch], 1, lock, 3)


def chunk_partials(op: str, dtype: str) -> tuple[Any, Any]:
    """``(kernel, identity)``: the CPU-style chunk kernel of ``op`` over ``dtype``, launched as
    ``kernel[nchunks](partials, x, n, chunk, identity)`` (``chunk`` a multiple of ``LANES``), which writes
    the reduction of each contiguous chunk of the 1-D ``x`` (vectorized lanes) on any device."""
    r = _reduction(op, dtype)
    return r._kernel("chunks", 1, False, dtype), r._ident(dtype)


def sum(x: Any, /, *, axis: int | None = None, dtype: Any = None) -> Any:
    """Sum (array API): ints accumulate in int64/uint64 unless ``dtype``; floats tree-ordered."""
    return _builtin("sum", x, axis, dtype)


def prod(x: Any, /, *, axis: int | None = None, dtype: Any = None) -> Any:
    """Product (array API dtype rules as :func:`sum`)."""
    return _builtin("prod", x, axis, dtype)


def min(x: Any, /, *, axis: int | None = None) -> Any:
    """Minimum; NaN-propagating like NumPy; an empty reduction raises ValueError."""
    return _builtin("min", x, axis, None)


def max(x: Any, /, *, axis: int | None = None) -> Any:
    """Maximum; NaN-propagating like NumPy; an empty reduction raises ValueError."""
    return _builtin("max", x, axis, None)
