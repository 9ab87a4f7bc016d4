"""``cambrian.fft``: the array API FFT extension (2024.12) on every device, with ``norm=``.

Where each transform runs:

* Host memory NumPy may use in place (``cpu``, ``interp``, the Cambrian-owned buffers of OpenCL CPU devices):
  NumPy's pocketfft reads the device memory (after its pending work) and writes straight into the
  result's memory (``out=``).
* CUDA devices with CuPy: cuFFT through ``cupy.fft`` on the arrays' memory and Cambrian's stream.
* Elsewhere (OpenCL GPUs, driver-owned buffers): Cambrian kernels (:mod:`._fft_kernels`: Stockham
  radix-2, direct DFT, Bluestein), with the real and n-dimensional transforms built from them.

Precision is kept: float32 -> complex64 -> float32. ``fft``/``ifft``/``fftn``/``ifftn``/``irfft``/
``irfftn``/``hfft`` take complex input (real floating input is promoted to the complex dtype of the
same precision); ``rfft``/``rfftn``/``ihfft`` take real floating input.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from .. import dtypes
from . import _cuda_libs, _host
from . import _fft_kernels as K
from ._array import Array
from ._convert import DeviceLike, default_dtype, dtype_name
from ._elementwise import FUNCTIONS as F
from ._manipulation import _contiguous, flip, moveaxis, reshape, roll

__all__ = ["fft", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifftn", "ifftshift", "ihfft", "irfft",
           "irfftn", "rfft", "rfftfreq", "rfftn"]

Norm = Literal["backward", "ortho", "forward"]
_SWAP = {"backward": "forward", "forward": "backward", "ortho": "ortho"}
#: NumPy functions that write their result into the memory given as ``out=`` (the 1-D transforms).
_OUT = ("fft", "ifft", "rfft", "irfft", "ihfft")


def _input(x: Any, what: str, kind: str) -> Array:
    """``x`` checked: ``kind`` 'complex' (complex, or real floating: promoted to the complex dtype of
    its precision) or 'real'."""
    if not isinstance(x, Array):
        raise TypeError(f"fft.{what}: x must be a cambrian.Array, got {type(x).__name__}")
    d = x.dtype.name
    if kind == "real" and not dtypes.is_float(d):
        raise TypeError(f"fft.{what}: x must have a real floating-point dtype, got {d}")
    if kind == "complex" and not (dtypes.is_complex(d) or dtypes.is_float(d)):
        raise TypeError(f"fft.{what}: x must have a complex floating-point dtype, got {d}")
    return x  # real floating input to a complex transform: the libraries take it; kernels cast it


def _cast(x: Array, dtype: str) -> Array:
    from ._dtypes import astype

    return x if x.dtype.name == dtype else astype(x, dtype)


def _norm(norm: Any, what: str) -> str:
    if norm not in _SWAP:
        raise ValueError(f"fft.{what}: norm must be 'backward', 'ortho' or 'forward', got {norm!r}")
    return str(norm)


def _scale(n: int, norm: str, inverse: bool) -> float:
    if norm == "ortho":
        return 1.0 / math.sqrt(n)
    return 1.0 / n if (norm == "forward") != inverse else 1.0


def _axis(axis: Any, ndim: int, what: str) -> int:
    a = operator.index(axis)
    if not -ndim <= a < ndim:
        raise IndexError(f"fft.{what}: axis {a} is out of bounds for an array of {ndim} dimension(s)")
    return a % ndim


def _length(n: Any, default: int, what: str) -> int:
    n = default if n is None else operator.index(n)
    if n < 1:
        raise ValueError(f"fft.{what}: invalid number of data points ({n}); it must be at least 1")
    return n


def _axes_and_sizes(x: Array, s: Any, axes: Any, what: str, last_half: bool = False
                    ) -> tuple[list[int], list[int]]:
    """Normalised ``axes`` and output sizes ``s`` (-1 or None: the input's size, or ``2*(m-1)`` for
    the last axis of ``irfftn``)."""
    if axes is None:
        axes = list(range(x.ndim)) if s is None else list(range(-len(s), 0))
    axes = [_axis(a, x.ndim, what) for a in axes]
    if s is None:
        s = [-1] * len(axes)
    s = [operator.index(v) for v in s]
    if len(s) != len(axes):
        raise ValueError(f"fft.{what}: s and axes have different lengths ({len(s)} and {len(axes)})")
    sizes = []
    for i, (a, v) in enumerate(zip(axes, s, strict=True)):
        if v == -1:
            v = 2 * (x.shape[a] - 1) if last_half and i == len(axes) - 1 else x.shape[a]
        sizes.append(_length(v, v, what))
    return axes, sizes


# ------------------------------------------------------------------------------------ host / CUDA
def _scipy_fft() -> Any:
    """``scipy.fft`` (pocketfft in single precision, threads) when SciPy is installed, else None."""
    try:
        import scipy.fft
    except ImportError:
        return None
    return scipy.fft


def _library(name: str, x: Array, out_shape: tuple[int, ...], out_dtype: str, **kw: Any) -> Array | None:
    """``np.fft.<name>`` in place where NumPy may use ``x``'s memory (into the result's memory;
    ``scipy.fft`` with all cores for single precision), or ``cupy.fft.<name>`` on CUDA; None elsewhere
    (the kernel path)."""
    cupy = _cuda_libs.cupy_for(x.device)
    if cupy is not None:
        return _cast(_cuda_libs.run(cupy, lambda xp, a: getattr(xp.fft, name)(a, **kw), x), out_dtype)
    views = _host.numpy_views(x)
    if views is None:
        return None
    sp = _scipy_fft() if out_dtype in ("complex64", "float32") else None
    if sp is not None:  # single precision as computed (NumPy computes in double: a conversion pass more)
        return _host.result(np.asarray(getattr(sp, name)(views[0], **kw, workers=-1), dtype=out_dtype),
                            x.device)
    fn = getattr(np.fft, name)
    if name not in _OUT:  # NumPy's n-D transforms with s= and hfft mishandle out=
        return _host.result(np.asarray(fn(views[0], **kw), dtype=out_dtype), x.device)
    out = Array._empty(out_shape, out_dtype, x.device)
    if out.size == 0:
        return out
    if _host.host_memory(out):
        fn(views[0], **kw, out=_host.view(out))
    else:  # a result in driver-owned OpenCL memory
        _host.into(out, np.asarray(fn(views[0], **kw), dtype=out_dtype))
    return out


# ----------------------------------------------------------------------------------- kernel path
def _rows(x: Array, axis: int, n: int) -> tuple[Array, tuple[int, ...]]:
    """``x`` with ``axis`` moved last, trimmed or zero-padded to ``n``, as a C-contiguous (P, n) array,
    and the moved shape."""
    y = moveaxis(x, axis, -1)
    m = y.shape[-1]
    if m == n:
        z = _contiguous(y)
    else:
        from ._creation import zeros

        z = zeros((*y.shape[:-1], n), dtype=x.dtype.name, device=x.device)
        k = min(m, n)
        if z.size and k:
            z[..., :k] = y[..., :k]
    shape = z.shape
    return reshape(z, (math.prod(shape[:-1]), n)), shape


def _c2c(x: Array, axis: int, n: int, inverse: bool, norm: str) -> Array:
    rows, shape = _rows(x, axis, n)
    y = K.transform(rows, inverse) if rows.size else rows
    f = _scale(n, norm, inverse)
    if f != 1.0 and y.size:
        y = F["multiply"](y, f)
    return moveaxis(reshape(y, shape), -1, axis)


def _c2c_axes(x: Array, axes: list[int], sizes: list[int], inverse: bool, norm: str) -> Array:
    for a, n in zip(axes, sizes, strict=True):
        x = _c2c(x, a, n, inverse, norm)
    return x


def _rfft_kernel(x: Array, axis: int, n: int, norm: str) -> Array:
    y = _c2c(_cast(x, dtypes.complex_of(x.dtype.name)), axis, n, False, norm)
    key = (slice(None),) * axis + (slice(0, n // 2 + 1),)
    return y[key]


def _irfft_kernel(x: Array, axis: int, n: int, norm: str) -> Array:
    from ._creation import empty

    m = n // 2 + 1
    rows, shape = _rows(x, axis, m)
    full = empty((rows.shape[0], n), dtype=x.dtype.name, device=x.device)
    if full.size:
        full[:, :m] = rows
        if n > m:
            full[:, m:] = F["conj"](flip(rows[:, 1:n - m + 1], axis=-1))
    y = F["real"](K.transform(full, True)) if full.size else F["real"](full)
    f = _scale(n, norm, True)
    if f != 1.0 and y.size:
        y = F["multiply"](y, f)
    return moveaxis(reshape(y, (*shape[:-1], n)), -1, axis)


# --------------------------------------------------------------------------------- the standard
def _one(name: str, x: Any, n: Any, axis: int, norm: Any) -> Array:
    kind = "real" if name in ("rfft", "ihfft") else "complex"
    x = _input(x, name, kind)
    norm = _norm(norm, name)
    ax = _axis(axis, x.ndim, name)
    m = x.shape[ax]
    half = name in ("irfft", "hfft")
    n = _length(n, 2 * (m - 1) if half else m, name)
    size = n // 2 + 1 if name in ("rfft", "ihfft") else n
    cd = dtypes.complex_of(x.dtype.name)
    out_dtype = dtypes.real_of(cd) if half else cd
    out_shape = (*x.shape[:ax], size, *x.shape[ax + 1:])
    done = _library(name, x, out_shape, out_dtype, n=n, axis=ax, norm=norm)
    if done is not None:
        return done
    x = x if kind == "real" else _cast(x, cd)
    if name in ("fft", "ifft"):
        return _c2c(x, ax, n, name == "ifft", norm)
    if name == "rfft":
        return _rfft_kernel(x, ax, n, norm)
    if name == "irfft":
        return _irfft_kernel(x, ax, n, norm)
    if name == "hfft":
        return _irfft_kernel(F["conj"](x), ax, n, _SWAP[norm])
    return F["conj"](_rfft_kernel(x, ax, n, _SWAP[norm]))  # ihfft


def fft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Array:
    """One-dimensional discrete Fourier transform along ``axis`` (``n``: trim or zero-pad)."""
    return _one("fft", x, n, axis, norm)


def ifft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Array:
    """One-dimensional inverse discrete Fourier transform along ``axis``."""
    return _one("ifft", x, n, axis, norm)


def rfft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Array:
    """Transform of real input: the ``n//2 + 1`` non-negative frequency terms."""
    return _one("rfft", x, n, axis, norm)


def irfft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Array:
    """Inverse of ``rfft``: real output of length ``n`` (default ``2*(m - 1)``)."""
    return _one("irfft", x, n, axis, norm)


def hfft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Array:
    """Transform of a Hermitian-symmetric signal given by its first half: real output of length ``n``."""
    return _one("hfft", x, n, axis, norm)


def ihfft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Array:
    """Inverse of ``hfft``: the ``n//2 + 1`` terms of the Hermitian spectrum of real input."""
    return _one("ihfft", x, n, axis, norm)


def _many(name: str, x: Any, s: Any, axes: Any, norm: Any) -> Array:
    x = _input(x, name, "real" if name == "rfftn" else "complex")
    norm = _norm(norm, name)
    ax, sizes = _axes_and_sizes(x, s, axes, name, last_half=name == "irfftn")
    cd = dtypes.complex_of(x.dtype.name)
    shape = list(x.shape)
    for a, v in zip(ax, sizes, strict=True):
        shape[a] = v
    if name == "rfftn" and ax:
        shape[ax[-1]] = sizes[-1] // 2 + 1
    out_dtype = dtypes.real_of(cd) if name == "irfftn" else cd
    done = _library(name, x, tuple(shape), out_dtype, s=sizes, axes=ax, norm=norm)
    if done is not None:
        return done
    x = x if name == "rfftn" else _cast(x, cd)
    if not ax:
        return _cast(_contiguous(x), out_dtype)
    if name in ("fftn", "ifftn"):
        return _c2c_axes(x, ax, sizes, name == "ifftn", norm)
    if name == "rfftn":
        return _c2c_axes(_rfft_kernel(x, ax[-1], sizes[-1], norm), ax[:-1], sizes[:-1], False, norm)
    return _irfft_kernel(_c2c_axes(x, ax[:-1], sizes[:-1], True, norm), ax[-1], sizes[-1], norm)


def fftn(x: Array, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: Norm = "backward") -> Array:
    """n-dimensional discrete Fourier transform over ``axes`` (all by default), sizes ``s``."""
    return _many("fftn", x, s, axes, norm)


def ifftn(x: Array, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: Norm = "backward") -> Array:
    """n-dimensional inverse discrete Fourier transform."""
    return _many("ifftn", x, s, axes, norm)


def rfftn(x: Array, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: Norm = "backward") -> Array:
    """n-dimensional transform of real input (the last axis halved: ``s[-1]//2 + 1`` terms)."""
    return _many("rfftn", x, s, axes, norm)


def irfftn(x: Array, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: Norm = "backward") -> Array:
    """Inverse of ``rfftn``: real output, the last axis of size ``s[-1]`` (default ``2*(m - 1)``)."""
    return _many("irfftn", x, s, axes, norm)


# ---------------------------------------------------------------------------- frequencies, shifts
def _freq(n: Any, d: float, dtype: Any, device: DeviceLike, rfft: bool) -> Array:
    from ..devices import resolve_device

    what = "rfftfreq" if rfft else "fftfreq"
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"fft.{what}: n must be a positive integer, got {n}")
    target = resolve_device(device)
    dt = dtype_name(dtype) or default_dtype("float", target)
    if not dtypes.is_float(dt):
        raise TypeError(f"fft.{what}: dtype must be a real floating-point dtype, got {dt}")
    host = (np.fft.rfftfreq if rfft else np.fft.fftfreq)(n, d).astype(dt)
    return _host.result(host, target)


def fftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: DeviceLike = None) -> Array:
    """Sample frequencies ``[0, 1, ..., -1] / (d*n)`` of a length-``n`` transform (NumPy's values,
    written to ``device``; default dtype the device's default float)."""
    return _freq(n, d, dtype, device, False)


def rfftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: DeviceLike = None) -> Array:
    """Sample frequencies ``[0, 1, ..., n//2] / (d*n)`` of ``rfft``."""
    return _freq(n, d, dtype, device, True)


def _shift(x: Any, axes: Any, sign: int, what: str) -> Array:
    if not isinstance(x, Array):
        raise TypeError(f"fft.{what}: x must be a cambrian.Array, got {type(x).__name__}")
    if axes is None:
        axes = tuple(range(x.ndim))
    elif not isinstance(axes, Sequence):
        axes = (axes,)
    axes = tuple(_axis(a, x.ndim, what) for a in axes)
    if not axes or x.size == 0:
        return _contiguous(x) if x.ndim else x
    shifts = tuple(sign * (x.shape[a] // 2) for a in axes)
    return roll(x, shifts, axis=axes)


def fftshift(x: Array, /, *, axes: int | Sequence[int] | None = None) -> Array:
    """Zero frequency moved to the centre (a roll by ``n//2`` along ``axes``, all by default)."""
    return _shift(x, axes, 1, "fftshift")


def ifftshift(x: Array, /, *, axes: int | Sequence[int] | None = None) -> Array:
    """Inverse of ``fftshift`` (a roll by ``-(n//2)``)."""
    return _shift(x, axes, -1, "ifftshift")
