"""The kernels behind the creation functions, and which path runs where.

Each function is one kernel in the kernel language over the flat (1-D, C-contiguous) output, so it
compiles once per dtype (and device), never per shape: ``fill`` (full, zeros, ones), ``arange``,
``eye``, ``linspace`` (two variants: float64/complex128 arithmetic, or float32/complex64 on devices
without float64), ``tri`` (tril/triu over any batch of matrices) and ``grid`` (meshgrid). Launches are
prepared once per (kernel, size, argument types, device) and replayed (as ``cambrian.random`` does).

On devices whose buffers are host memory (``device.impl.host_view`` gives a NumPy view: ``cpu``,
``interp``) NumPy writes the memory directly instead, which is faster there and spares a compile;
:data:`HOST_NUMPY` = False makes every device run the kernels (the tests check them that way), and
``CAMBRIAN_HOST_MATH_MAX=N`` (:data:`HOST_MAX`) limits NumPy to fewer than N elements on ``cpu``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import config
from ..compiler.lang import DTYPES, get_global_id
from ..kernels import Kernel, Prepared, kernel
from ..vectorize import flat, launch_key, remember
from ._array import Array

#: Host-memory devices fill with NumPy (True) or run the kernels like every other device (False).
HOST_NUMPY = True
#: ... of fewer elements than this (``CAMBRIAN_HOST_MATH_MAX``, as the elementwise functions; default:
#: any size; ``interp`` always uses NumPy while HOST_NUMPY holds).
HOST_MAX = config.host_math_max()

_f32 = DTYPES["float32"]
_plans: dict[tuple[Any, ...], Prepared] = {}


def host_views(out: Array, *inputs: Array) -> list[np.ndarray] | None:
    """NumPy views of ``out`` and ``inputs`` when NumPy may work on them in place (host memory, see
    :data:`HOST_NUMPY` and :data:`HOST_MAX`), else None. Waits for pending work on the inputs' queue
    when launches are asynchronous."""
    if not HOST_NUMPY or (out.size >= HOST_MAX and out.device.backend != "interp"):
        return None
    views = [a.__cambrian_array__().view for a in (out, *inputs)]
    if any(v is None for v in views):
        return None
    if inputs and out.device.impl.asynchronous:
        out.queue.synchronize()
    return views


def host_view(out: Array) -> np.ndarray | None:
    """``host_views(out)[0]``: a NumPy view of a new array's elements to fill, or None."""
    views = host_views(out)
    return None if views is None else views[0]


def scalar(value: Any, dtype: str) -> np.generic:
    """``value`` as a NumPy scalar of ``dtype`` for a kernel parameter (NumPy's conversion rules and
    errors: OverflowError for an int out of range). Kernels take no bool parameters (OpenCL C forbids
    them), so a bool travels as uint8 and the store into a bool array casts it back."""
    v = np.asarray(value, dtype=dtype)[()]
    return np.uint8(v) if dtype == "bool" else v


def launch(kern: Kernel, out: Array, *args: Any) -> None:
    """Run ``kern`` with one work-item per element of ``out`` (C-contiguous), passed flat, then
    ``args``: C-contiguous device arrays (passed flat) and NumPy scalars."""
    n = out.size
    if n == 0:
        return
    key = (kern, n, launch_key([out, *args]))
    prepared = _plans.get(key)
    if prepared is None:
        prepared, run = kern[n].prepare(flat(out), *(flat(a) if isinstance(a, Array) else a for a in args))
        remember(_plans, key, prepared)
    else:
        run = [out.__cambrian_array__().flat(),
               *(a.__cambrian_array__().flat() if isinstance(a, Array) else a for a in args)]
    prepared(run)


# ------------------------------------------------------------------------------------- kernels
@kernel
def fill(out, value):  # type: ignore[no-untyped-def]
    i = get_global_id(0)
    out[i] = value


@kernel
def arange(out, first, second, delta):  # type: ignore[no-untyped-def]
    # As NumPy's ``fill`` of arange: out[i] = first + i * (second - first) in the output dtype.
    i = get_global_id(0)
    if i == 0:
        out[i] = first
    elif i == 1:
        out[i] = second
    else:
        out[i] = i  # the index in the output dtype (the store casts)
        out[i] = first + out[i] * delta


@kernel
def eye(out, ncols, k, one, zero):  # type: ignore[no-untyped-def]
    i = get_global_id(0)
    r = i // ncols
    if i - r * ncols - r == k:
        out[i] = one
    else:
        out[i] = zero


@kernel
def linspace(out, start, step, div, scaled, last, stop):  # type: ignore[no-untyped-def]
    # As NumPy: i * step + start, or (i / div) * delta + start when step underflows to 0 (``scaled``;
    # then ``step`` holds delta); the endpoint is ``stop`` exactly. float64/complex128 arithmetic.
    i = get_global_id(0)
    if i == last:
        out[i] = stop
    elif scaled != 0:
        out[i] = i / div * step + start
    else:
        out[i] = i * step + start


@kernel
def linspace32(out, start, step, div, scaled, last, stop):  # type: ignore[no-untyped-def]
    # ``linspace`` in float32/complex64 arithmetic (devices without float64).
    i = get_global_id(0)
    if i == last:
        out[i] = stop
    elif scaled != 0:
        out[i] = _f32(i) / div * step + start
    else:
        out[i] = _f32(i) * step + start


@kernel
def tri(out, x, nrows, ncols, k, lower, zero):  # type: ignore[no-untyped-def]
    # tril (lower != 0: keep column - row <= k) or triu (keep column - row >= k) of a stack of
    # nrows x ncols matrices, flat and C-contiguous.
    i = get_global_id(0)
    c = i % ncols
    d = c - (i // ncols) % nrows
    keep = d >= k
    if lower != 0:
        keep = d <= k
    if keep:
        out[i] = x[i]
    else:
        out[i] = zero


@kernel
def grid(out, x, inner, n):  # type: ignore[no-untyped-def]
    # meshgrid: out (C order) repeats x along every axis but one, whose elements are ``inner`` apart.
    i = get_global_id(0)
    out[i] = x[(i // inner) % n]
