"""Runtime helpers called by generated CPU kernels (``compiler/render_py.py``), as ``rt.NAME``.

Small ``@njit(inline="always")`` functions implementing ``docs/semantics.md`` where Numba's own
operators differ: floor division/modulo (zero divisors, ``MIN // -1``), shifts by out-of-range amounts,
integer powers, NaN-propagating min/max, CPython's complex division, NumPy's float divmod, and the
bounds-checked loads/stores/atomics that fill the error record. Integer helpers return Numba's widened
type (int64/uint64); the generated code casts the result back to the IR dtype, which wraps.

Imported only by generated kernel modules (after Numba is known to be present).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .cpu_atomics import ATOMICS, atomic_cas
from .cpu_stores import store_nt  # noqa: F401  (generated code calls rt.store_nt)

_inline = njit(inline="always", nogil=True, error_model="numpy")

#: Layout of the bounds-check error record (int64): flag, site, ndim, indices..., shape...
ERR_MAXDIM = 32
ERR_SIZE = 3 + 2 * ERR_MAXDIM

# --------------------------------------------------------------------------- integers


@_inline
def floordiv_s(a, b):
    if b == 0:
        return a - a
    if b == -1:
        return -a
    return a // b


@_inline
def mod_s(a, b):
    if b == 0 or b == -1:
        return a - a
    return a % b


@_inline
def floordiv_u(a, b):
    if b == 0:
        return a - a
    return a // b


@_inline
def mod_u(a, b):
    if b == 0:
        return a - a
    return a % b


@_inline
def ipow_s(a, b):
    x = a + 0
    if b < 0:
        if x == 1:
            return x
        if x == -1:
            return x if b % 2 != 0 else -x
        return x - x
    e = b + 0
    r = x - x + 1
    while e > 0:  # products in uint64: Numba's signed `*` is `nsw` (overflow undefined to LLVM)
        if e & 1:
            r = np.int64(np.uint64(r) * np.uint64(x))
        x = np.int64(np.uint64(x) * np.uint64(x))
        e = e >> 1
    return r


_U0, _U1 = np.uint64(0), np.uint64(1)


@_inline
def ipow_u(a, b):
    x = a + _U0
    e = b + _U0
    r = _U1
    while e > _U0:
        if e & _U1:
            r = r * x
        x = x * x
        e = e >> _U1
    return r


@_inline
def lshift_s(a, b, bits):
    x = a + 0
    if b < 0 or b >= bits:
        return x - x
    return x << b


@_inline
def rshift_s(a, b, bits):
    x = a + 0
    if b < 0 or b >= bits:
        return x - x - 1 if x < 0 else x - x
    return x >> b


@_inline
def lshift_u(a, b, bits):
    x = a + _U0
    if b >= bits:
        return x - x
    return x << b


@_inline
def rshift_u(a, b, bits):
    x = a + _U0
    if b >= bits:
        return x - x
    return x >> b


# --------------------------------------------------------------------------- min / max


@_inline
def minimum(a, b):
    """``np.minimum`` on scalars: NaN propagates, ties give ``b``."""
    return a if (a < b or a != a) else b


@_inline
def maximum(a, b):
    return a if (a > b or a != a) else b


@_inline
def fmin(a, b):
    """``np.fmin``: a NaN operand is ignored (NaN only when both are); ties give ``b``."""
    return a if (b != b or a < b) else b


@_inline
def fmax(a, b):
    return a if (b != b or a > b) else b


# --------------------------------------------------------------------------- floats and complex


def _make_float(ft: type) -> tuple[object, object]:
    zero, one, half, nan = ft(0.0), ft(1.0), ft(0.5), ft(np.nan)

    @_inline
    def nan_of(a, b):  # the NaN of // and %: a NaN operand's sign (a first), else the sign bit set
        return np.copysign(nan, a if a != a else (b if b != b else -one))

    @_inline
    def floordiv(a, b):
        if b == zero:
            q = a / b
            return nan_of(a, b) if q != q else q
        mod = np.fmod(a, b)
        if mod != mod:
            return nan_of(a, b)
        div = (a - mod) / b
        if mod != zero and (b < zero) != (mod < zero):
            div = div - one
        if div != zero:
            fd = np.floor(div)
            if div - fd > half:
                fd = fd + one
            return fd
        return np.copysign(zero, a / b)

    @_inline
    def mod(a, b):
        m = np.fmod(a, b)
        if m != m:
            return nan_of(a, b)
        if m != zero:
            if (b < zero) != (m < zero):
                m = m + b
        else:
            m = np.copysign(zero, b)
        return m

    return floordiv, mod


def _make_cdiv(ft: type) -> object:
    nan, zero = ft(np.nan), ft(0.0)

    @_inline
    def cdiv(a, b):
        ar, ai, br, bi = a.real, a.imag, b.real, b.imag
        abr, abi = abs(br), abs(bi)
        if abr >= abi:
            if abr == zero:
                return complex(ar / abr, ai / abr)
            ratio = bi / br
            denom = br + bi * ratio
            return complex((ar + ai * ratio) / denom, (ai - ar * ratio) / denom)
        if abi >= abr:
            ratio = br / bi
            denom = br * ratio + bi
            return complex((ar * ratio + ai) / denom, (ai * ratio - ar) / denom)
        return complex(nan, nan)

    return cdiv


floordiv_float32, mod_float32 = _make_float(np.float32)
floordiv_float64, mod_float64 = _make_float(np.float64)
cdiv_complex64 = _make_cdiv(np.float32)
cdiv_complex128 = _make_cdiv(np.float64)

# --------------------------------------------------------------------------- bounds checks


@_inline
def bc_ok(arr, idx, err, site):
    """True when ``idx`` is inside ``arr``; else record (site, index, shape) once and return False."""
    for k in range(len(idx)):
        if idx[k] < 0 or idx[k] >= arr.shape[k]:
            if atomic_cas(err, (0,), 0, 1) == 0:
                err[1] = site
                err[2] = len(idx)
                for j in range(len(idx)):
                    err[3 + j] = idx[j]
                    err[3 + ERR_MAXDIM + j] = arr.shape[j]
            return False
    return True


@_inline
def bc_load(arr, idx, err, site):
    if bc_ok(arr, idx, err, site):
        return arr[idx]
    return np.zeros(1, arr.dtype)[0]


@_inline
def bc_store(arr, idx, val, err, site):
    if bc_ok(arr, idx, err, site):
        arr[idx] = val


def _make_bc_rmw(fn: object) -> object:
    @_inline
    def checked(arr, idx, val, err, site):
        if bc_ok(arr, idx, err, site):
            return fn(arr, idx, val)
        return np.zeros(1, arr.dtype)[0]

    return checked


@_inline
def bc_atomic_cas(arr, idx, expected, val, err, site):
    if bc_ok(arr, idx, err, site):
        return atomic_cas(arr, idx, expected, val)
    return np.zeros(1, arr.dtype)[0]


@_inline
def zero_step(err, site):
    """Record a ``range()`` step of zero (flag 2) at ``site``, once."""
    if atomic_cas(err, (0,), 0, 2) == 0:
        err[1] = site


atomic_add, atomic_sub, atomic_min, atomic_max, atomic_xchg = (
    ATOMICS[f"atomic_{op}"] for op in ("add", "sub", "min", "max", "xchg"))
bc_atomic_add, bc_atomic_sub, bc_atomic_min, bc_atomic_max, bc_atomic_xchg = (
    _make_bc_rmw(ATOMICS[f"atomic_{op}"]) for op in ("add", "sub", "min", "max", "xchg"))
atomic_and, atomic_or, atomic_xor, atomic_inc, atomic_dec = (
    ATOMICS[f"atomic_{op}"] for op in ("and", "or", "xor", "inc", "dec"))
bc_atomic_and, bc_atomic_or, bc_atomic_xor, bc_atomic_inc, bc_atomic_dec = (
    _make_bc_rmw(ATOMICS[f"atomic_{op}"]) for op in ("and", "or", "xor", "inc", "dec"))


# --------------------------------------------------------------------------- two-tier launches


@_inline
def _span(a):
    """The first and one-past-last byte addresses ``a`` can reach (any strides, zero-size arrays empty)."""
    lo = a.ctypes.data
    hi = lo
    for d in range(a.ndim):
        if a.shape[d] == 0:
            return lo, lo
        step = (a.shape[d] - 1) * a.strides[d]
        if step < 0:
            lo += step
        else:
            hi += step
    return lo, hi + a.itemsize


@njit(nogil=True, error_model="numpy")
def disjoint(a, b):
    """Whether arrays ``a`` and ``b`` share no memory (so stores to one leave the other unchanged)."""
    alo, ahi = _span(a)
    blo, bhi = _span(b)
    return ahi <= blo or bhi <= alo
