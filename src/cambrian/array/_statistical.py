"""Statistical functions (array API chapter): ``sum``, ``prod``, ``min``, ``max``, ``mean``, ``var``,
``std``, ``cumulative_sum``, ``cumulative_prod``, with ``axis`` (int, tuple or None) and ``keepdims``.

Reductions run on the array's device through :mod:`cambrian.reduction` (whole arrays: a chunked
reduction in one launch on CPU devices, a tree in two on GPUs; over axes: the reduced axes moved last
and merged, one work-item per result element). On host-memory devices with synchronous launches
(``cpu``), and on PoCL's CPU device (its buffers are host memory), NumPy reduces small arrays in place
(under ``REDUCE_HOST_MAX`` elements; ``min``/``max`` up to ``MINMAX_SCALE`` times more,
``argmin``/``argmax`` up to memory-bound sizes, ``EXTREMES_SCALE``), and on ``interp`` always. NumPy
arrays passed to ``sum``/``prod``/``min``/``max`` keep the kernel API's behaviour (reduced on the
default device, NumPy result). Repeated whole-array calls on arrays of one kind: :mod:`._whole`.
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..compiler.lang import get_global_id
from ..elementwise_host import in_parts, is_pocl_cpu
from ..kernels import kernel
from . import _whole
from ._array import Array
from ._creation import from_host
from ._host import cpu_path, host_memory
from ._host import view as host_view
from ._manipulation import _contiguous, copy_into, permute_dims, reshape

__all__ = ["cumulative_prod", "cumulative_sum", "max", "mean", "min", "prod", "std", "sum", "var"]

#: Host-path bound of reductions on ``cpu`` (NumPy below, Cambrian's parallel reduction from here;
#: measured crossover of ``sum``: 2^17 elements, 31 us either way).
REDUCE_HOST_MAX = 1 << 17
#: ``argmin``/``argmax`` keep NumPy up to REDUCE_HOST_MAX * EXTREMES_SCALE elements: its SIMD loops beat
#: the kernels on one core up to memory-bound sizes (2^21 float64: 267 us against 407), and NumPy on
#: parts (EXTREMES_SPLIT_MIN) matches the one-launch kernel above (10^7 float64: 0.98-1.01x).
EXTREMES_SCALE = 1 << 10
#: ``min``/``max`` keep NumPy up to REDUCE_HOST_MAX * MINMAX_SCALE (2^21) elements; the one-launch kernel
#: from there beat NumPy on parts by 1.02-1.37x (2^21..2^24 float64, float32, int32; 10^7 float64 1.08x,
#: measured alternately, each call after a NumPy call as in the benchmark) and NumPy's one call by more.
MINMAX_SCALE = 1 << 4
#: Whole-array ``argmin``/``argmax`` (``min``/``max`` where NumPy serves them) of this many elements or
#: more (contiguous, host memory) run NumPy on parts on the host threads: one core's loop does not reach
#: the memory's bandwidth (10**7 float64 max: 2.60-2.72 ms against 3.08 on one thread, alternately).
EXTREMES_SPLIT_MIN = 1 << 21
_NP = {"sum": np.add.reduce, "prod": np.multiply.reduce, "min": np.minimum.reduce, "max": np.maximum.reduce}


def axes_of(x: Array, axis: int | Sequence[int] | None, what: str) -> tuple[int, ...]:
    """Normalised, sorted, distinct axes (all when None); AxisError-like ValueError/IndexError."""
    if axis is None:
        return tuple(range(x.ndim))
    items = tuple(axis) if isinstance(axis, tuple | list) else (axis,)
    out = []
    for a in items:
        a = int(a)
        nd = builtins.max(x.ndim, 1)
        if not -nd <= a < nd:
            raise IndexError(f"{what}: axis {a} is out of bounds for an array of {x.ndim} dimension(s)")
        out.append(a % nd)
    if len(set(out)) != len(out):
        raise ValueError(f"{what}: repeated axis in {axis}")
    return tuple(sorted(a for a in out if a < x.ndim))


def _host(x: Array, size: int, scale: int = 1) -> bool:
    impl = x.device.impl
    return impl.host_memory and not impl.asynchronous and (x.device.backend == "interp"
                                                            or size < REDUCE_HOST_MAX * scale)


def _numpy_here(x: Array, size: int, scale: int = 1) -> bool:
    """Whether NumPy reduces ``x`` in place: :func:`_host`, or ``x`` in the host memory of PoCL's CPU device
    under the same bounds (after the queue's pending work; PoCL's reduction kernels are no faster there:
    0.90-0.94x NumPy at 10^7, and a small one costs a launch and a wake-up)."""
    if _host(x, size, scale):
        return True
    return size < REDUCE_HOST_MAX * scale and is_pocl_cpu(x.device) and host_memory(x)


def _on_cpu(fn: Callable[[Array], Array], x: Array) -> Array | None:
    """``cpu``'s path for ``x`` in PoCL's host memory (:func:`cambrian.array._host.cpu_path`: its
    kernels and NumPy beat PoCL's reduction kernels there); None when REDUCE_HOST_MAX is 0 (the
    device's own kernels everywhere: the tests)."""
    return cpu_path(fn, x) if REDUCE_HOST_MAX else None


def _np_view(x: Array) -> np.ndarray:
    """A NumPy view of ``x`` on a host-memory device (:func:`_numpy_here`)."""
    arg = x._arg or x.__cambrian_array__()
    return arg.view if arg.view is not None else host_view(x)


def np_whole(fn: Callable[..., Any], v: np.ndarray, arg: bool) -> Any:
    """NumPy's ``fn`` (``maximum.reduce``-like, or ``argmax``-like when ``arg``) of all of ``v``, in parts
    on the host threads (:data:`EXTREMES_SPLIT_MIN`; else in one call). The parts' results combine with
    ``fn`` itself: NaN still wins, and the first part holding the best value gives the first index."""
    if v.size < EXTREMES_SPLIT_MIN or not v.flags.c_contiguous:
        return fn(v, axis=None)
    flat = v.reshape(-1)
    parts = in_parts(fn, flat)
    if not arg:
        return fn(np.array([r for _, r in parts], v.dtype))
    at = np.array([lo + int(i) for lo, i in parts], np.int64)
    return at[int(fn(flat[at]))]


def _kept_shape(x: Array, axes: tuple[int, ...], keepdims: bool) -> tuple[int, ...]:
    return tuple(1 if k in axes else n for k, n in enumerate(x.shape) if keepdims or k not in axes)


def _as_rows(x: Array, axes: tuple[int, ...], dtype: str | None = None) -> Array:
    """``x`` as a 2-D (kept elements, reduced elements) array (a view when the layout allows; cast to
    ``dtype`` on the way when given)."""
    kept = [k for k in range(x.ndim) if k not in axes]
    y = permute_dims(x, (*kept, *axes)) if x.ndim else x
    rows = math.prod(x.shape[k] for k in kept)
    cols = math.prod(x.shape[k] for k in axes)
    if dtype is not None and dtype != x.dtype.name:
        z = Array._empty(y.shape, dtype, x.device)
        if z.size:
            copy_into(y, out=z)
        y = z
    return reshape(_contiguous(y), (rows, cols))


def _reduction_ops() -> Any:
    """:mod:`cambrian.reduction_ops` (built on the array package: imported on first use, then kept; an
    import statement per call costs a microsecond)."""
    global reduction_ops
    if reduction_ops is None:
        from .. import reduction_ops as module

        reduction_ops = module
    return reduction_ops


reduction_ops: Any = None


def bounds() -> tuple[int, int, int, int]:
    """The host-path bounds a whole-array runner (:mod:`._whole`) was chosen under."""
    return REDUCE_HOST_MAX, EXTREMES_SCALE, MINMAX_SCALE, EXTREMES_SPLIT_MIN


def _reduce(op: str, x: Any, axis: Any, keepdims: bool, dtype: Any) -> Any:
    whole = axis is None and dtype is None and not keepdims
    if whole and (r := _whole.run(op, x, bounds())) is not None:
        return r
    reduction_ops = _reduction_ops()
    if hasattr(x, "__cambrian_trace__"):  # a traced value of @cb.fuse: record, compute nothing
        return x.__cambrian_trace__(op, (x,), {"axis": axis, "keepdims": keepdims, "dtype": dtype})
    if isinstance(x, np.ndarray) and not keepdims:
        return getattr(reduction_ops, op)(x, axis=axis, **({"dtype": dtype} if op in ("sum", "prod") else {}))
    if not isinstance(x, Array):
        raise TypeError(f"{op}: x must be a cambrian.Array, got {type(x).__name__}")
    axes = axes_of(x, axis, op)
    d = dtypes.NP_NAMES[x.dtype]
    if op in ("min", "max"):
        if dtypes.is_complex(d):
            raise TypeError(f"{op} of complex numbers is not defined")
        acc = d
        if any(x.shape[a] == 0 for a in axes) or (x.size == 0 and not axes):
            raise ValueError(f"{op} of an empty array (along the axes {axes}) has no identity")
    else:
        acc = dtypes.name(dtype) if dtype is not None else reduction_ops._sum_dtype(d)
    shape = _kept_shape(x, axes, keepdims)
    if _numpy_here(x, x.size, MINMAX_SCALE if op in ("min", "max") else 1):
        if whole and x.ndim:
            run = _numpy_runner(op, acc)
            _whole.remember(op, x, bounds(), run)
            return run(x)
        x.queue.synchronize()
        if op in ("sum", "prod"):
            with np.errstate(all="ignore"):
                host = _NP[op](_np_view(x), axis=axes, keepdims=keepdims, dtype=acc)
        elif len(axes) == x.ndim:
            host = np_whole(_NP[op], _np_view(x), False)
        else:
            host = _NP[op](_np_view(x), axis=axes, keepdims=keepdims)
        return _host_result(host, acc, shape, x.device)
    got = _on_cpu(lambda seen: _reduce(op, seen, axis, keepdims, dtype), x)
    if got is not None:
        if whole:
            again = _whole.via_cpu(lambda seen: _reduce(op, seen, None, False, None))
            _whole.remember(op, x, bounds(), again)
        return got
    if not axes:
        return _cast(x, acc)
    if len(axes) == x.ndim:
        r = reduction_ops._builtin(op, _contiguous(x), None, acc)
        if whole:
            _whole.remember(op, x, bounds(), _whole.kernel_runner(reduction_ops._reduction(op, acc).plan(x)))
    elif len(axes) == 1 and (not x.c_contiguous or axes[0] != x.ndim - 1):
        r = reduction_ops._builtin(op, x, axes[0], acc)  # one axis, walked in place (no copy)
    else:
        r = reduction_ops._builtin(op, _as_rows(x, axes), 1, acc)
    return r if r.shape == shape else reshape(r, shape)  # (nothing to do after a whole-array pass)


def _numpy_runner(op: str, acc: str) -> _whole.Runner:
    """The whole-array runner of ``op`` by NumPy in place (``sum``/``prod``/``mean`` in ``acc``;
    ``min``/``max``, ``argmin``/``argmax`` on the host threads when large: :func:`np_whole`)."""
    if op in ("sum", "prod", "mean"):
        fn = _NP["prod" if op == "prod" else "sum"]

        def compute(x: Array) -> Any:
            with np.errstate(all="ignore"):
                host = fn(_np_view(x), axis=None, dtype=acc)
                return np.multiply(host, 1.0 / x.size if x.size else math.nan) if op == "mean" else host
    else:
        arg = op.startswith("arg")
        extreme = (np.argmax if op == "argmax" else np.argmin) if arg else _NP[op]

        def compute(x: Array) -> Any:
            return np_whole(extreme, _np_view(x), arg)

    def reduce(x: Array) -> Array | None:
        if x.device.backend != "cpu" and not host_memory(x):
            return None
        x.queue.synchronize()
        return _host_result(compute(x), acc, (), x.device)

    return reduce


def _host_result(host: Any, dtype: str, shape: tuple[int, ...], device: Any) -> Array:
    """A new array on a host-memory device holding NumPy's result ``host`` (written through a plain
    NumPy view of the new buffer: a small reduction's result costs ~1 us, not a general upload's 5; a
    0-d result on an OpenCL device takes a slot of a shared buffer, :func:`._whole.scalar`)."""
    if not shape and device.backend == "opencl":
        got = _whole.scalar(device, dtype, host)
        if got is not None:
            return got
    out = Array._empty(shape, dtype, device)
    if out.size:
        raw = device.impl.host_view(device, out._buffer)
        if raw is None:  # an OpenCL CPU device's Cambrian-owned host memory
            host_view(out)[...] = host
        else:
            np.ndarray(shape, out.dtype, buffer=raw)[...] = host
    return out


def _cast(x: Array, dtype: str) -> Array:
    out = Array._empty(x.shape, dtype, x.device)
    if out.size:
        copy_into(x, out=out)
    return out


def sum(x: Array, /, *, axis: int | tuple[int, ...] | None = None, dtype: Any = None,
        keepdims: bool = False) -> Array:
    """Sum over ``axis`` (all axes when None): bool and signed ints accumulate in int64, unsigned in
    uint64, floats and complex in their own dtype (or ``dtype``)."""
    return _reduce("sum", x, axis, keepdims, dtype)


def prod(x: Array, /, *, axis: int | tuple[int, ...] | None = None, dtype: Any = None,
         keepdims: bool = False) -> Array:
    """Product over ``axis`` (dtype rules of :func:`sum`)."""
    return _reduce("prod", x, axis, keepdims, dtype)


def min(x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
    """Minimum over ``axis`` (NaN propagates; an empty reduction raises ValueError)."""
    return _reduce("min", x, axis, keepdims, None)


def max(x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
    """Maximum over ``axis`` (NaN propagates; an empty reduction raises ValueError)."""
    return _reduce("max", x, axis, keepdims, None)


def _float_of(x: Array, what: str) -> str:
    d = dtypes.NP_NAMES[x.dtype]
    if dtypes.is_float(d) or dtypes.is_complex(d):
        return d
    if d == "bool" or dtypes.is_integer(d):  # NumPy's behaviour; the standard leaves it open
        return "float64" if x.device.supports_float64 else "float32"
    raise TypeError(f"{what}: unsupported dtype {d}")


def _count(x: Array, axes: tuple[int, ...]) -> int:
    return math.prod(x.shape[a] for a in axes)


def mean(x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
    """Arithmetic mean over ``axis`` (integers average in the default float dtype)."""
    if hasattr(x, "__cambrian_trace__"):  # a traced value of @cb.fuse
        return x.__cambrian_trace__("mean", (x,), {"axis": axis, "keepdims": keepdims})  # type: ignore[no-any-return]
    if not isinstance(x, Array):
        raise TypeError(f"mean: x must be a cambrian.Array, got {type(x).__name__}")
    whole = axis is None and not keepdims and x.ndim
    if whole and (r := _whole.run("mean", x, bounds())) is not None:
        return r
    ft = _float_of(x, "mean")
    axes = axes_of(x, axis, "mean")
    if len(axes) == x.ndim and x.ndim and dtypes.is_float(ft) and not _numpy_here(x, x.size):
        got = _on_cpu(lambda seen: mean(seen, axis=axis, keepdims=keepdims), x)
        if got is not None:
            if whole:
                _whole.remember("mean", x, bounds(), _whole.via_cpu(mean))
            return got
        from .. import reduction_ops  # the whole array: the sum and the division in one launch

        r = reduction_ops.mean_of_all(_contiguous(x), ft)
        if whole:
            _whole.remember("mean", x, bounds(), _whole.kernel_runner(reduction_ops.mean_plan(x, ft)))
        return reshape(r, _kept_shape(x, axes, True)) if keepdims else r
    n = _count(x, axes)
    if whole and _numpy_here(x, x.size):
        run = _numpy_runner("mean", ft)
        _whole.remember("mean", x, bounds(), run)
        return run(x)
    if _numpy_here(x, x.size):  # NumPy's sum times 1/n, as _divide computes it (one result to make)
        x.queue.synchronize()
        with np.errstate(all="ignore"):
            total = np.add.reduce(_np_view(x), axis=axes, keepdims=keepdims, dtype=ft)
            host = np.multiply(total, 1.0 / n if n else math.nan)
        return _host_result(host, ft, _kept_shape(x, axes, keepdims), x.device)
    total = _reduce("sum", x, axis, keepdims, ft)
    return _divide(total, n)


def _divide(total: Array, n: float) -> Array:
    from ._elementwise import FUNCTIONS

    one = 1.0 if n else math.nan  # an empty mean is NaN (0/0), as in NumPy
    return FUNCTIONS["multiply"](total, one / n if n else one)


def _deviation2(v, m):  # type: ignore[no-untyped-def]
    return (v - m) * (v - m)


@functools.cache
def _sqdev() -> Any:
    from ..reduction import Reduction
    from ..reduction_source import add

    return Reduction(add, 0, map=_deviation2, name="sum_sq_dev")


def var(x: Array, /, *, axis: int | tuple[int, ...] | None = None, correction: float = 0.0,
        keepdims: bool = False) -> Array:
    """Variance over ``axis`` with ``correction`` (Bessel's: 1) subtracted from the element count."""
    from ._elementwise import FUNCTIONS as F

    if not isinstance(x, Array):
        raise TypeError(f"var: x must be a cambrian.Array, got {type(x).__name__}")
    ft = _float_of(x, "var")
    axes = axes_of(x, axis, "var")
    n = _count(x, axes)
    if len(axes) == x.ndim and x.size and not dtypes.is_complex(ft) and not _host(x, x.size):
        # the whole array: the mean read back as one number, then the squared deviations summed in the
        # reduction's map (one pass, no temporaries)
        xf = _contiguous(x) if x.dtype.name == ft else _cast(x, ft)
        total = reshape(_sqdev()(reshape(xf, (-1,)), float(mean(xf))), _kept_shape(x, axes, keepdims))
        return F["divide"](total, float(builtins.max(n - correction, 0)))
    m = mean(x, axis=axes, keepdims=True)
    dev = F["subtract"](x, m)
    sq = F["real"](F["multiply"](dev, F["conj"](dev))) if dtypes.is_complex(ft) else F["square"](dev)
    total = _reduce("sum", sq, axes, keepdims, None)
    return F["divide"](total, float(builtins.max(n - correction, 0)))  # no dof left: inf or NaN, as NumPy


def std(x: Array, /, *, axis: int | tuple[int, ...] | None = None, correction: float = 0.0,
        keepdims: bool = False) -> Array:
    """Standard deviation over ``axis`` (the square root of :func:`var`)."""
    from ._elementwise import FUNCTIONS

    return FUNCTIONS["sqrt"](var(x, axis=axis, correction=correction, keepdims=keepdims))


# -- cumulative ------------------------------------------------------------------------------------
@kernel
def _scan_sum(out, x, first):  # type: ignore[no-untyped-def]
    r = get_global_id(0)
    n = x.shape[1]
    if first == 1:
        out[r, 0] = 0
    if n > 0:
        s = x[r, 0]
        out[r, first] = s
        for j in range(1, n):
            s = s + x[r, j]
            out[r, j + first] = s


@kernel
def _scan_prod(out, x, first):  # type: ignore[no-untyped-def]
    r = get_global_id(0)
    n = x.shape[1]
    if first == 1:
        out[r, 0] = 1
    if n > 0:
        s = x[r, 0]
        out[r, first] = s
        for j in range(1, n):
            s = s * x[r, j]
            out[r, j + first] = s


def _cumulative(op: str, x: Any, axis: int | None, dtype: Any, include_initial: bool) -> Array:
    what = f"cumulative_{op}"
    if not isinstance(x, Array):
        raise TypeError(f"{what}: x must be a cambrian.Array, got {type(x).__name__}")
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{what}: axis is required for arrays of more than one dimension")
        axis = 0
    if x.ndim == 0:
        raise ValueError(f"{what}: x must have at least one dimension")
    (a,) = axes_of(x, axis, what)
    from .. import reduction_ops

    acc = dtypes.name(dtype) if dtype is not None else reduction_ops._sum_dtype(x.dtype.name)
    first = int(bool(include_initial))
    shape = list(x.shape)
    shape[a] += first
    if _host(x, x.size):
        x.queue.synchronize()
        host = _np_cumulative(op, x.__cambrian_array__().view, a, acc, first)
        return from_host(host, x.device)
    rows = _as_rows(x, (a,), acc)
    out = Array._empty((rows.shape[0], rows.shape[1] + first), acc, x.device)
    if rows.shape[0]:
        scan: Callable[..., Any] = _scan_sum if op == "sum" else _scan_prod
        scan[rows.shape[0]](out, rows, first)
    moved = [*(n for k, n in enumerate(shape) if k != a), shape[a]]
    order = list(range(x.ndim - 1))
    order.insert(a, x.ndim - 1)
    return permute_dims(reshape(out, tuple(moved)), tuple(order))


def _np_cumulative(op: str, view: np.ndarray, axis: int, acc: str, first: int) -> np.ndarray:
    with np.errstate(all="ignore"):
        body = (np.cumsum if op == "sum" else np.cumprod)(view, axis=axis, dtype=acc)
    if not first:
        return body
    pad = list(body.shape)
    pad[axis] = 1
    return np.concatenate([np.full(pad, 0 if op == "sum" else 1, acc), body], axis=axis)


def cumulative_sum(x: Array, /, *, axis: int | None = None, dtype: Any = None,
                   include_initial: bool = False) -> Array:
    """Running sums along ``axis`` (optional for 1-D arrays); ``include_initial`` prepends 0."""
    return _cumulative("sum", x, axis, dtype, include_initial)


def cumulative_prod(x: Array, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False) -> Array:
    """Running products along ``axis`` (optional for 1-D arrays); ``include_initial`` prepends 1."""
    return _cumulative("prod", x, axis, dtype, include_initial)
