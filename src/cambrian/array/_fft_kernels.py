"""The kernel path of ``cambrian.fft``: complex transforms of the rows of a (P, n) array in Cambrian
kernels, for devices whose memory NumPy's pocketfft cannot use (OpenCL GPUs, driver-owned buffers).

* n a power of two: log2(n) passes of a radix-2 Stockham kernel (self-sorting: no bit reversal), one
  work-item per butterfly, ping-ponging between two buffers.
* other n up to :data:`DFT_MAX`: a direct DFT kernel (one work-item per output, ``j*k mod n`` indexes
  an exact twiddle table).
* larger n: Bluestein's chirp-z algorithm, a convolution done with the power-of-two transform.

Twiddle and chirp tables are computed once per (n, direction, dtype, device) in float64 on the host,
rounded to the transform's precision and kept on the device. Transforms are unnormalised (the caller
scales). Accuracy: a few ulps times log2(n) relative to the largest output, as pocketfft's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..compiler.lang import get_global_id
from ..kernels import kernel
from ._array import Array
from ._convert import from_host
from ._elementwise import FUNCTIONS as F

#: Non-power-of-two lengths up to this use the direct DFT kernel; longer ones Bluestein's algorithm.
DFT_MAX = 64
_tables: dict[tuple[Any, ...], Array] = {}


@kernel
def radix2(dst, src, tw, p, step):  # type: ignore[no-untyped-def]
    """One Stockham pass: sub-transforms of length p become length 2p (rows of ``src``/``dst``)."""
    g = get_global_id(0)
    half = src.shape[1] // 2
    r = g // half
    i = g % half
    k = i % p
    x0 = src[r, i]
    x1 = src[r, i + half] * tw[k * step]
    j = 2 * i - k
    dst[r, j] = x0 + x1
    dst[r, j + p] = x0 - x1


@kernel
def dft(dst, src, tw):  # type: ignore[no-untyped-def]
    """``dst[r, k] = sum_j src[r, j] * tw[j*k mod n]`` (one work-item per output element)."""
    g = get_global_id(0)
    n = src.shape[1]
    r = g // n
    k = g % n
    acc = src[r, 0] * tw[0]
    t = 0
    for j in range(1, n):
        t += k
        if t >= n:
            t -= n
        acc = acc + src[r, j] * tw[t]
    dst[r, k] = acc


def _table(kind: str, n: int, inverse: bool, dtype: str, device: Any) -> Array:
    key = (kind, n, inverse, dtype, str(device))
    t = _tables.get(key)
    if t is None:
        sign = 1.0 if inverse else -1.0
        if kind == "twiddle":  # exp(sign 2 pi i t / n), t < n
            host = np.exp(sign * 2j * np.pi * np.arange(n) / n)
        elif kind == "chirp":  # exp(sign pi i k^2 / n), k^2 taken mod 2n for an exact angle
            k = np.arange(n, dtype=np.int64)
            host = np.exp(sign * 1j * np.pi * ((k * k) % (2 * n)) / n)
        else:  # "kernel": FFT_L of the conjugate chirp laid out circularly, L = kind's power of two
            length = _bluestein_length(n)
            c = np.conj(np.exp(sign * 1j * np.pi * ((np.arange(n) ** 2) % (2 * n)) / n))
            b = np.zeros(length, complex)
            b[:n] = c
            b[length - n + 1:] = c[1:][::-1]
            host = np.fft.fft(b) / length  # the 1/L of the inverse transform folded in
        t = _tables[key] = from_host(host.astype(dtype), device)
    return t


def _bluestein_length(n: int) -> int:
    return 1 << (2 * n - 2).bit_length()


def transform(x: Array, inverse: bool) -> Array:
    """Unnormalised DFT of each row of the C-contiguous complex (P, n) array ``x`` (a new array)."""
    n = x.shape[1]
    out = Array._empty(x.shape, x.dtype.name, x.device)
    if out.size == 0:
        return out
    if n == 1:
        from ._manipulation import copy_into

        copy_into(x, out=out)
        return out
    if n & (n - 1) == 0:
        return _pow2(x, out, inverse)
    if n <= DFT_MAX:
        dft[out.size](out, x, _table("twiddle", n, inverse, x.dtype.name, x.device))
        return out
    return _bluestein(x, inverse)


def _pow2(x: Array, out: Array, inverse: bool) -> Array:
    p, n = x.shape
    tw = _table("twiddle", n, inverse, x.dtype.name, x.device)
    passes = int(math.log2(n))
    bufs = [out, Array._empty(x.shape, x.dtype.name, x.device)] if passes > 1 else [out]
    src = x
    for k in range(passes):
        dst = bufs[(passes - 1 - k) % len(bufs)]  # the last pass writes ``out``
        half = 1 << k
        radix2[p * n // 2](dst, src, tw, half, n // (2 * half))
        src = dst
    return out


def _bluestein(x: Array, inverse: bool) -> Array:
    from ._creation import zeros

    p, n = x.shape
    length = _bluestein_length(n)
    dt, dev = x.dtype.name, x.device
    chirp = _table("chirp", n, inverse, dt, dev)
    a = zeros((p, length), dtype=dt, device=dev)
    a[:, :n] = F["multiply"](x, chirp)
    fa = transform(a, False)
    conv = transform(F["multiply"](fa, _table("kernel", n, inverse, dt, dev)), True)
    return F["multiply"](conv[:, :n], chirp)
