"""The library path of ``cambrian.linalg``: LAPACK through NumPy, cuSOLVER through CuPy.

Each function here is written once over a module ``xp`` (``numpy`` or ``cupy``) with the standard's
semantics, and :func:`library` runs it where the array lives:

* CUDA devices (with CuPy): ``xp = cupy`` on the array's memory and stream (:mod:`._cuda_libs`);
* host memory NumPy may use in place (``cpu``, ``interp``, big buffers of OpenCL CPU devices,
  :mod:`._host`): ``xp = numpy`` on views of the device memory, results wrapped or written back;
* anywhere else (OpenCL GPUs, driver-owned buffers): a host round trip, named per function in the
  README: the operands are read, NumPy/LAPACK runs, the results are written back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import CambrianError
from . import _cuda_libs, _host


class LinAlgError(CambrianError, np.linalg.LinAlgError):
    """A matrix the operation is not defined for (singular, not positive definite, no convergence), as
    NumPy's ``LinAlgError`` (which it subclasses, so ``except np.linalg.LinAlgError`` catches it)."""


def library(name: str, fn: Callable[..., Any], *arrays: Any) -> Any:
    """``fn(xp, *arrays)`` through the device's library (see the module docstring); NumPy's and CuPy's
    LinAlgError become :class:`LinAlgError` naming ``name``."""
    device = arrays[0].device
    try:
        cupy = _cuda_libs.cupy_for(device)
        if cupy is not None:
            return _cuda_libs.run(cupy, fn, *arrays)
        return _host.round_trip(lambda *hs: fn(np, *hs), *arrays)
    except np.linalg.LinAlgError as exc:
        if isinstance(exc, LinAlgError):
            raise
        raise LinAlgError(f"linalg.{name}: {exc}") from None


def _swap(xp: Any, a: Any) -> Any:
    return xp.swapaxes(a, -1, -2)


def _eps(dtype: Any, m: int, n: int) -> float:
    return max(m, n) * float(np.finfo(dtype).eps)


def cholesky(xp: Any, a: Any, upper: bool) -> Any:
    low = xp.linalg.cholesky(a)
    return xp.ascontiguousarray(xp.conj(_swap(xp, low))) if upper else low


def solve(xp: Any, a: Any, b: Any) -> Any:
    """The standard's rule: ``b`` is a vector only when it is 1-D; batch dimensions broadcast."""
    if b.ndim == 1:
        b = xp.broadcast_to(b[:, None], (*a.shape[:-1], 1))
        return xp.ascontiguousarray(xp.linalg.solve(a, b)[..., 0])
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(a, (*batch, *a.shape[-2:]))
    b = xp.broadcast_to(b, (*batch, *b.shape[-2:]))
    return xp.linalg.solve(a, b)


def svdvals(xp: Any, a: Any) -> Any:
    return xp.linalg.svd(a, compute_uv=False)


def _tolerance(xp: Any, s: Any, rtol: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """``rtol * largest singular value`` per matrix (shape ``(..., 1)``); default rtol max(M, N) * eps."""
    if rtol is None:
        rtol = _eps(dtype, shape[-2], shape[-1])
    top = xp.max(s, axis=-1, keepdims=True) if s.shape[-1] else xp.zeros((*s.shape[:-1], 1), s.dtype)
    r = xp.asarray(rtol, dtype=s.dtype)
    return (r[..., None] if r.ndim else r) * top


def matrix_rank(xp: Any, a: Any, rtol: Any) -> Any:
    if a.shape[-2] == 0 or a.shape[-1] == 0:
        return xp.zeros(a.shape[:-2], np.int64)
    s = svdvals(xp, a)
    return xp.count_nonzero(s > _tolerance(xp, s, rtol, a.shape, a.dtype), axis=-1)


def pinv(xp: Any, a: Any, rtol: Any) -> Any:
    m, n = a.shape[-2:]
    if m == 0 or n == 0:
        return xp.zeros((*a.shape[:-2], n, m), a.dtype)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    cut = _tolerance(xp, s, rtol, a.shape, a.dtype)
    big = s > cut
    inv = xp.where(big, 1 / xp.where(big, s, 1), 0).astype(s.dtype)
    return xp.matmul(xp.conj(_swap(xp, vh)) * inv[..., None, :], xp.conj(_swap(xp, u)))


def matrix_power(xp: Any, a: Any, n: int) -> Any:
    return xp.linalg.matrix_power(a, n)


def inv(xp: Any, a: Any) -> Any:
    return xp.linalg.inv(a)


def det(xp: Any, a: Any) -> Any:
    return xp.linalg.det(a)


def slogdet(xp: Any, a: Any) -> Any:
    sign, logabs = xp.linalg.slogdet(a)
    return sign, logabs


def eigh(xp: Any, a: Any) -> Any:
    w, v = xp.linalg.eigh(a)
    return w, v


def eigvalsh(xp: Any, a: Any) -> Any:
    return xp.linalg.eigvalsh(a)


def qr(xp: Any, a: Any, mode: str) -> Any:
    q, r = xp.linalg.qr(a, mode=mode)
    return q, r


def svd(xp: Any, a: Any, full_matrices: bool) -> Any:
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh
