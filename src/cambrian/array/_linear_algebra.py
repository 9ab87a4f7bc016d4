"""Linear algebra functions of the main namespace (array API chapter): ``matmul`` (and ``@``),
``matrix_transpose``, ``tensordot``, ``vecdot``.

Where ``matmul`` runs: where NumPy may use the operands' memory in place (``_host.numpy_views``:
``cpu``, ``interp``, the big buffers of OpenCL CPU devices) NumPy's BLAS writes the product straight
into the result's memory (zero copy; BLAS is the vendor library of that memory); on CUDA devices with
CuPy, cuBLAS on the arrays' memory and stream; elsewhere Cambrian's own kernels
(:mod:`._matmul_kernels`: naive for small products, register-tiled ``packed`` on CPU devices, ``local``
memory tiles on GPUs), so every backend gets it. :func:`matmul_kernel` runs the kernel path anywhere
(tests, ``cambrian bench``).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..errors import PlacementError
from . import _cuda_libs, _host
from . import _matmul_kernels as MK
from ._array import Array
from ._elementwise import FUNCTIONS as F
from ._manipulation import _contiguous, broadcast_to, permute_dims, reshape

__all__ = ["matmul", "matrix_transpose", "tensordot", "vecdot"]


def _pair(x1: Any, x2: Any, what: str) -> tuple[Array, Array]:
    if not isinstance(x1, Array) or not isinstance(x2, Array):
        raise TypeError(f"{what}: operands must be cambrian.Arrays, got {type(x1).__name__} and "
                        f"{type(x2).__name__}")
    if x1.device != x2.device:
        raise PlacementError(f"{what}: operands are on {x1.device} and {x2.device}; move one with "
                             f"x.to_device({str(x1.device)!r})")
    if x1.dtype.name == "bool" or x2.dtype.name == "bool":
        raise TypeError(f"{what} of bool arrays is not defined (cast to an integer dtype)")
    return x1, x2


def _as(x: Array, dtype: str) -> Array:
    if x.dtype.name == dtype:
        return x
    from ._manipulation import copy_into

    out = Array._empty(x.shape, dtype, x.device)
    if out.size:
        copy_into(x, out=out)
    return out


def _operands(x1: Array, x2: Array) -> tuple[Array, Array, str, tuple[int, ...], tuple[int, ...]]:
    """Checked operands as (.., m, k) and (.., k, n) arrays, the result dtype, the broadcast result
    shape and the final shape (1-D operands' added axes removed)."""
    x1, x2 = _pair(x1, x2, "matmul")
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError("matmul: operands must have at least one dimension (use multiply for scalars)")
    dt = dtypes.result_type(x1.dtype.name, x2.dtype.name)
    a = reshape(x1, (1, x1.shape[0])) if x1.ndim == 1 else x1
    b = reshape(x2, (x2.shape[0], 1)) if x2.ndim == 1 else x2
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul: shapes {x1.shape} and {x2.shape} do not align ({a.shape[-1]} != "
                         f"{b.shape[-2]})")
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, n = a.shape[-2], b.shape[-1]
    shape = (*batch, m, n)
    final = shape[:-2] + ((m,) if x1.ndim > 1 else ()) + ((n,) if x2.ndim > 1 else ())
    return a, b, dt, shape, final


def matmul(x1: Array, x2: Array, /) -> Array:
    """Matrix product with NumPy's rules: 1-D operands are promoted to a row/column and the added axis
    removed; leading (batch) dimensions broadcast. The result dtype is the operands' promotion."""
    a, b, dt, shape, final = _operands(x1, x2)
    cupy = _cuda_libs.cupy_for(a.device)
    if cupy is not None and a.shape[-1] and math.prod(shape):
        def product(xp: Any, u: Any, v: Any) -> Any:
            return xp.matmul(u.astype(dt, copy=False), v.astype(dt, copy=False))

        return reshape(_cuda_libs.run(cupy, product, a, b), final)
    views = _host.numpy_views(a, b)
    if views is not None:
        out = Array._empty(shape, dt, a.device)
        if _host.host_memory(out):
            np.matmul(*views, out=_host.view(out), dtype=dt)
        else:  # a result in driver-owned OpenCL memory: computed aside, then written
            _host.into(out, np.matmul(*views, dtype=dt))
        return reshape(out, final)
    return _kernel_path(a, b, dt, shape, final, None)


def matmul_kernel(x1: Array, x2: Array, /, *, variant: str | None = None) -> Array:
    """``matmul`` through Cambrian's kernels on any device (also where BLAS would run): ``variant``
    'naive', 'packed' or 'local' (default: chosen per device and size, see ``_matmul_kernels``)."""
    a, b, dt, shape, final = _operands(x1, x2)
    return _kernel_path(a, b, dt, shape, final, variant)


def _kernel_path(a: Array, b: Array, dt: str, shape: tuple[int, ...], final: tuple[int, ...],
                 variant: str | None) -> Array:
    out = Array._empty(shape, dt, a.device)
    if out.size == 0:
        return reshape(out, final)
    if a.shape[-1] == 0:
        return reshape(_zeros_into(out), final)
    batch, (m, k), n = shape[:-2], a.shape[-2:], b.shape[-1]
    p = math.prod(batch)
    a3 = reshape(_contiguous(broadcast_to(_as(a, dt), (*batch, m, k))), (p, m, k))
    b3 = reshape(_contiguous(broadcast_to(_as(b, dt), (*batch, k, n))), (p, k, n))
    MK.run(reshape(out, (p, m, n)), a3, b3, variant)
    return reshape(out, final)


def _zeros_into(out: Array) -> Array:
    from ._creation import zeros

    return zeros(out.shape, dtype=out.dtype.name, device=out.device)


def matrix_transpose(x: Array, /) -> Array:
    """The last two axes swapped (a view)."""
    if not isinstance(x, Array):
        raise TypeError(f"matrix_transpose: x must be a cambrian.Array, got {type(x).__name__}")
    return x.mT


def tensordot(x1: Array, x2: Array, /, *, axes: int | tuple[Sequence[int], Sequence[int]] = 2) -> Array:
    """Sum of products over ``axes`` (the last ``axes`` of ``x1`` with the first of ``x2``, or two
    sequences of axes), computed as one matrix product."""
    x1, x2 = _pair(x1, x2, "tensordot")
    if isinstance(axes, int) or isinstance(axes, np.integer):
        n = operator.index(axes)
        if n < 0 or n > min(x1.ndim, x2.ndim):
            raise ValueError(f"tensordot: axes={n} does not fit shapes {x1.shape} and {x2.shape}")
        ax1, ax2 = list(range(x1.ndim - n, x1.ndim)), list(range(n))
    else:
        ax1 = [operator.index(a) % max(x1.ndim, 1) for a in axes[0]]
        ax2 = [operator.index(a) % max(x2.ndim, 1) for a in axes[1]]
        if len(ax1) != len(ax2):
            raise ValueError("tensordot: the two sequences of axes differ in length")
    for a1, a2 in zip(ax1, ax2, strict=True):
        if x1.shape[a1] != x2.shape[a2]:
            raise ValueError(f"tensordot: axis {a1} of x1 ({x1.shape[a1]}) and axis {a2} of x2 "
                             f"({x2.shape[a2]}) differ")
    free1 = [a for a in range(x1.ndim) if a not in ax1]
    free2 = [a for a in range(x2.ndim) if a not in ax2]
    kk = math.prod(x1.shape[a] for a in ax1)
    left = reshape(permute_dims(x1, (*free1, *ax1)), (math.prod(x1.shape[a] for a in free1), kk))
    right = reshape(permute_dims(x2, (*ax2, *free2)), (kk, math.prod(x2.shape[a] for a in free2)))
    prod = matmul(left, right)
    return reshape(prod, (*(x1.shape[a] for a in free1), *(x2.shape[a] for a in free2)))


def vecdot(x1: Array, x2: Array, /, *, axis: int = -1) -> Array:
    """Dot products of vectors along ``axis`` (the first operand conjugated), broadcasting the rest."""
    from ._statistical import sum as total

    x1, x2 = _pair(x1, x2, "vecdot")
    nd = max(x1.ndim, x2.ndim)
    a = axis if axis < 0 else axis - nd
    if not (-x1.ndim <= a < 0 and -x2.ndim <= a < 0):
        raise IndexError(f"vecdot: axis {axis} is out of bounds for shapes {x1.shape} and {x2.shape}")
    if x1.shape[a] != x2.shape[a]:
        raise ValueError(f"vecdot: the vectors along axis {axis} differ in length ({x1.shape[a]} and "
                         f"{x2.shape[a]})")
    lhs = F["conj"](x1) if dtypes.is_complex(x1.dtype.name) else x1
    prod = F["multiply"](lhs, x2)
    return total(prod, axis=a, dtype=prod.dtype.name)  # the operands' promotion: uint8 stays uint8
