"""``cambrian.linalg``: the array API linear algebra extension (2024.12) on every device.

Where each function runs (``cambrian info`` prints this table per device, :func:`paths`):

* Host memory NumPy may use in place (``cpu``, ``interp``, the Cambrian-owned buffers of OpenCL CPU devices):
  NumPy's BLAS/LAPACK on the device memory after its pending work, results wrapped or written back.
* CUDA devices with CuPy: cuBLAS/cuSOLVER through CuPy on the arrays' memory and Cambrian's stream.
* Elsewhere (OpenCL GPUs, driver-owned buffers): Cambrian kernels for ``matmul`` (tiled kernels),
  ``tensordot``, ``vecdot``, ``outer``, ``cross``, ``diagonal`` (a view), ``trace``, ``vector_norm``,
  ``matrix_norm`` (except ord 2, -2, 'nuc'), ``matrix_power`` (n >= 0), ``matrix_transpose``; and a
  documented **host round trip** (read, NumPy/LAPACK, write back) for :data:`ROUND_TRIP`.

float32 stays float32 and complex64 complex64 on every path; errors follow NumPy (a singular matrix
raises :class:`LinAlgError`, a subclass of ``numpy.linalg.LinAlgError``).
"""

from __future__ import annotations

import math
from typing import Any, Literal, NamedTuple

import numpy as np

from .. import dtypes
from . import _host
from . import _linalg_lib as L
from ._array import Array
from ._elementwise import FUNCTIONS as F
from ._linalg_lib import LinAlgError
from ._linear_algebra import _pair, matmul, matrix_transpose, tensordot, vecdot
from ._manipulation import _contiguous, broadcast_arrays, broadcast_to, reshape, stack
from ._statistical import axes_of
from ._statistical import max as amax
from ._statistical import min as amin
from ._statistical import sum as total

__all__ = ["EighResult", "LinAlgError", "QRResult", "SVDResult", "SlogdetResult", "cholesky", "cross",
           "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm", "matrix_power",
           "matrix_rank", "matrix_transpose", "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals",
           "tensordot", "trace", "vecdot", "vector_norm"]

#: The functions that take a host round trip on devices whose memory NumPy cannot use (and no CuPy).
ROUND_TRIP = ("cholesky", "det", "eigh", "eigvalsh", "inv", "pinv", "qr", "slogdet", "solve", "svd",
              "svdvals", "matrix_rank", "matrix_norm(ord=2, -2, 'nuc')", "matrix_power(n < 0)")


class EighResult(NamedTuple):
    eigenvalues: Array
    eigenvectors: Array


class QRResult(NamedTuple):
    Q: Array
    R: Array


class SlogdetResult(NamedTuple):
    sign: Array
    logabsdet: Array


class SVDResult(NamedTuple):
    U: Array
    S: Array
    Vh: Array


def _matrices(x: Any, what: str, square: bool = False) -> Array:
    """``x`` checked: a cambrian.Array of a floating-point dtype with at least 2 dimensions."""
    if not isinstance(x, Array):
        raise TypeError(f"linalg.{what}: x must be a cambrian.Array, got {type(x).__name__}")
    if not _floating(x.dtype.name):
        raise TypeError(f"linalg.{what}: x must have a floating-point dtype, got {x.dtype.name}")
    if x.ndim < 2:
        raise ValueError(f"linalg.{what}: x must have at least 2 dimensions (a matrix or a stack of "
                         f"matrices), got shape {x.shape}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"linalg.{what}: x must be square matrices, got shape {x.shape}")
    return x


def _floating(dtype: str) -> bool:
    return dtypes.is_float(dtype) or dtypes.is_complex(dtype)


def _real(dtype: str) -> str:
    return dtypes.real_of(dtype) if dtypes.is_complex(dtype) else dtype


# -------------------------------------------------------------------------- library (LAPACK) path
def cholesky(x: Array, /, *, upper: bool = False) -> Array:
    """Cholesky factor of Hermitian positive-definite matrices: lower ``L`` (``x = L L^H``), or upper
    ``U = L^H`` when ``upper``. Not positive definite: LinAlgError."""
    x = _matrices(x, "cholesky", square=True)
    return L.library("cholesky", lambda xp, a: L.cholesky(xp, a, bool(upper)), x)


def det(x: Array, /) -> Array:
    """Determinants of square matrices (shape ``x.shape[:-2]``)."""
    return L.library("det", L.det, _matrices(x, "det", square=True))


def eigh(x: Array, /) -> EighResult:
    """Eigenvalues (ascending, real) and eigenvectors (columns) of Hermitian matrices."""
    return EighResult(*L.library("eigh", L.eigh, _matrices(x, "eigh", square=True)))


def eigvalsh(x: Array, /) -> Array:
    """Eigenvalues (ascending, real) of Hermitian matrices."""
    return L.library("eigvalsh", L.eigvalsh, _matrices(x, "eigvalsh", square=True))


def inv(x: Array, /) -> Array:
    """Inverses of square matrices; a singular matrix raises LinAlgError."""
    return L.library("inv", L.inv, _matrices(x, "inv", square=True))


def _rtol(rtol: Any, x: Array, what: str) -> Any:
    if rtol is None or isinstance(rtol, int | float):
        return rtol
    if isinstance(rtol, Array):
        if rtol.device != x.device:
            raise ValueError(f"linalg.{what}: rtol is on {rtol.device}, x on {x.device}")
        return rtol
    raise TypeError(f"linalg.{what}: rtol must be a float, an Array or None, got {type(rtol).__name__}")


def pinv(x: Array, /, *, rtol: float | Array | None = None) -> Array:
    """Moore-Penrose pseudo-inverses from the SVD: singular values at or below ``rtol`` times the
    largest (default ``max(M, N) * eps``) count as zero."""
    x = _matrices(x, "pinv")
    return L.library("pinv", L.pinv, x, _rtol(rtol, x, "pinv"))


def matrix_rank(x: Array, /, *, rtol: float | Array | None = None) -> Array:
    """Ranks (int64): the number of singular values above ``rtol`` times the largest."""
    x = _matrices(x, "matrix_rank")
    return L.library("matrix_rank", L.matrix_rank, x, _rtol(rtol, x, "matrix_rank"))


def qr(x: Array, /, *, mode: Literal["reduced", "complete"] = "reduced") -> QRResult:
    """QR factorization ``x = Q R`` (``mode`` 'reduced' or 'complete')."""
    x = _matrices(x, "qr")
    if mode not in ("reduced", "complete"):
        raise ValueError(f"linalg.qr: mode must be 'reduced' or 'complete', got {mode!r}")
    return QRResult(*L.library("qr", lambda xp, a: L.qr(xp, a, mode), x))


def slogdet(x: Array, /) -> SlogdetResult:
    """Sign (or phase, complex) and natural log of the absolute value of determinants."""
    return SlogdetResult(*L.library("slogdet", L.slogdet, _matrices(x, "slogdet", square=True)))


def solve(x1: Array, x2: Array, /) -> Array:
    """Solution of ``x1 @ X = x2``; ``x2`` is a vector only when 1-D, batch dimensions broadcast.
    A singular ``x1`` raises LinAlgError."""
    x1, x2 = _pair(x1, x2, "linalg.solve")
    x1 = _matrices(x1, "solve", square=True)
    if not _floating(x2.dtype.name):
        raise TypeError(f"linalg.solve: x2 must have a floating-point dtype, got {x2.dtype.name}")
    m = x1.shape[-1]
    if (x2.shape[0] if x2.ndim == 1 else x2.shape[-2] if x2.ndim >= 2 else -1) != m:
        raise ValueError(f"linalg.solve: shapes {x1.shape} and {x2.shape} do not align")
    dt = dtypes.result_type(x1.dtype.name, x2.dtype.name)
    x1, x2 = (_cast(a, dt) for a in (x1, x2))
    return L.library("solve", L.solve, x1, x2)


def _cast(x: Array, dtype: str) -> Array:
    from ._dtypes import astype

    return x if x.dtype.name == dtype else astype(x, dtype)


def svd(x: Array, /, *, full_matrices: bool = True) -> SVDResult:
    """Singular value decomposition ``x = U @ diag(S) @ Vh`` (S descending, real)."""
    x = _matrices(x, "svd")
    return SVDResult(*L.library("svd", lambda xp, a: L.svd(xp, a, bool(full_matrices)), x))


def svdvals(x: Array, /) -> Array:
    """Singular values (descending, real), shape ``(..., min(M, N))``."""
    return L.library("svdvals", L.svdvals, _matrices(x, "svdvals"))


# --------------------------------------------------------------- kernel path (namespace functions)
def _numpy(fn: Any, *arrays: Array) -> Array | None:
    """``fn(*views)`` where NumPy may use the arrays' memory in place, its result on their device; else
    None (the caller takes the kernel path)."""
    if _host.numpy_views(*arrays) is None:
        return None
    return _host.round_trip(fn, *arrays)


def diagonal(x: Array, /, *, offset: int = 0) -> Array:
    """The ``offset`` diagonal of each matrix (a view, shape ``(..., K)``)."""
    if not isinstance(x, Array):
        raise TypeError(f"linalg.diagonal: x must be a cambrian.Array, got {type(x).__name__}")
    if x.ndim < 2:
        raise ValueError(f"linalg.diagonal: x must have at least 2 dimensions, got shape {x.shape}")
    k = int(offset)
    m, n = x.shape[-2:]
    length = max(0, min(m, n - k) if k >= 0 else min(m + k, n))
    start = x.offset + (k * x.strides[-1] if k >= 0 else -k * x.strides[-2]) if length else x.offset
    return x._view(start, (*x.shape[:-2], length), (*x.strides[:-2], x.strides[-2] + x.strides[-1]))


def trace(x: Array, /, *, offset: int = 0, dtype: Any = None) -> Array:
    """Sums along the ``offset`` diagonals (dtype as ``sum``: small integers widen, floats keep theirs)."""
    d = diagonal(x, offset=offset)
    return total(d, axis=-1, dtype=dtype)


def outer(x1: Array, x2: Array, /) -> Array:
    """Outer product of two vectors, shape ``(M, N)``."""
    x1, x2 = _pair(x1, x2, "linalg.outer")
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError(f"linalg.outer: operands must be 1-D, got shapes {x1.shape} and {x2.shape}")
    return F["multiply"](reshape(x1, (x1.shape[0], 1)), reshape(x2, (1, x2.shape[0])))


def cross(x1: Array, x2: Array, /, *, axis: int = -1) -> Array:
    """Cross products of 3-element vectors along ``axis`` (a negative axis), other axes broadcast."""
    x1, x2 = _pair(x1, x2, "linalg.cross")
    axis = int(axis)
    if not -min(x1.ndim, x2.ndim) <= axis < 0:
        raise ValueError(f"linalg.cross: axis must be in [-{min(x1.ndim, x2.ndim)}, -1], got {axis}")
    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError(f"linalg.cross: the axis {axis} must have size 3 in both operands, got shapes "
                         f"{x1.shape} and {x2.shape}")
    a, b = broadcast_arrays(x1, x2)
    tail = (slice(None),) * (-axis - 1)
    u = [a[(..., i, *tail)] for i in range(3)]
    v = [b[(..., i, *tail)] for i in range(3)]
    mul, sub = F["multiply"], F["subtract"]
    comps = [sub(mul(u[(i + 1) % 3], v[(i + 2) % 3]), mul(u[(i + 2) % 3], v[(i + 1) % 3])) for i in range(3)]
    return stack(comps, axis=axis)


def vector_norm(x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
                ord: float = 2) -> Array:
    """Vector p-norms over ``axis`` (all when None; ``ord`` any p, 0, inf or -inf); real results of
    ``x``'s precision."""
    if not isinstance(x, Array):
        raise TypeError(f"linalg.vector_norm: x must be a cambrian.Array, got {type(x).__name__}")
    if not _floating(x.dtype.name):
        raise TypeError(f"linalg.vector_norm: x must have a floating-point dtype, got {x.dtype.name}")
    axes = axes_of(x, axis, "linalg.vector_norm")
    host = _numpy(lambda v: _np_vector_norm(v, axes, keepdims, ord), x)
    if host is not None:
        return host
    rdt = _real(x.dtype.name)
    a = F["abs"](x)
    kw: dict[str, Any] = {"axis": axes, "keepdims": keepdims}
    if ord == math.inf:
        return amax(a, **kw)
    if ord == -math.inf:
        return amin(a, **kw)
    if ord == 0:
        return total(_cast(F["not_equal"](x, 0), rdt), **kw)
    if ord == 1:
        return total(a, **kw)
    if ord == 2:
        return F["sqrt"](total(F["multiply"](a, a), **kw))
    return F["pow"](total(F["pow"](a, float(ord)), **kw), 1.0 / float(ord))


def _np_vector_norm(v: np.ndarray, axes: tuple[int, ...], keepdims: bool, ord: float) -> np.ndarray:
    r = np.linalg.vector_norm(v, axis=axes, keepdims=keepdims, ord=ord)
    return np.asarray(r, dtype=_real(v.dtype.name))


def matrix_norm(x: Array, /, *, keepdims: bool = False,
                ord: float | Literal["fro", "nuc"] | None = "fro") -> Array:
    """Matrix norms of the last two axes: 'fro', 'nuc', 1, -1, 2, -2, inf, -inf."""
    x = _matrices(x, "matrix_norm")
    ord = "fro" if ord is None else ord
    if ord not in ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf):
        raise ValueError(f"linalg.matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, "
                         f"got {ord!r}")
    host = _numpy(lambda v: np.asarray(np.linalg.matrix_norm(v, keepdims=keepdims, ord=ord),
                                       dtype=_real(v.dtype.name)), x)
    if host is not None:
        return host
    shape = (*x.shape[:-2], 1, 1) if keepdims else x.shape[:-2]
    if ord in (2, -2, "nuc"):
        s = svdvals(x)
        r = amax(s, axis=-1) if ord == 2 else amin(s, axis=-1) if ord == -2 else total(s, axis=-1)
        return reshape(r, shape)
    a = F["abs"](x)
    if ord == "fro":
        return reshape(F["sqrt"](total(F["multiply"](a, a), axis=(-2, -1))), shape)
    sums = total(a, axis=-2 if ord in (1, -1) else -1)
    return reshape(amax(sums, axis=-1) if ord in (1, math.inf) else amin(sums, axis=-1), shape)


def matrix_power(x: Array, n: int, /) -> Array:
    """``x`` to the integer power ``n`` (identity for 0, powers of the inverse for n < 0)."""
    import operator

    x = _matrices(x, "matrix_power", square=True)
    n = operator.index(n)
    host = _numpy(lambda v: np.linalg.matrix_power(v, n), x)
    if host is not None:
        return host
    if n < 0:
        x, n = inv(x), -n
    if n == 0:
        from ._creation import eye

        e = eye(x.shape[-1], dtype=x.dtype.name, device=x.device)
        return _contiguous(broadcast_to(e, x.shape))
    result = None
    square = x
    while n:
        if n & 1:
            result = square if result is None else matmul(result, square)
        n >>= 1
        if n:
            square = matmul(square, square)
    assert result is not None
    return result
