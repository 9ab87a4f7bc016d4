"""Cambrian's own matrix-product kernels (the kernel path of ``matmul``, for devices without BLAS).

Three kernels, all in the kernel language, the last two generated as source for their tile sizes
(``make_function``, as the reductions are), so every backend compiles them:

* ``naive`` (:func:`batched_matmul`): one work-item per element of the result; small products.
* ``packed`` (CPU devices): B is first copied into zero-padded column panels (``Bp[p, jb, k, c] =
  B[p, k, jb*TN + c]``, one :func:`pack_kernel` launch, each work-item copying one TN-wide row), then
  each work-item keeps a TM x TN block of the result in TM*TN scalar accumulators (registers, which
  LLVM's SLP vectorizer turns into vector registers on Numba and PoCL), updated with ``fma`` for
  floats, streaming TM rows of A in place and one contiguous panel of Bp. Consecutive work-items
  take consecutive row blocks (``ib`` fastest), so a thread reuses its Bp panel from L2 (TN*K
  elements: 128 KiB float32 at K = 1024, 512 KiB at 4096) while the rows of A stream.
* ``local`` (GPUs): a work-group of RN x RM work-items computes a (RM*WM) x (RN*WN) tile of the result
  from TK-deep tiles of A and B staged in local memory (each work-item loads a few elements, then a
  barrier), each work-item WM x WN outputs strided by the group size (coalesced loads and stores).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..compiler.lang import get_global_id
from ..kernels import Kernel, kernel
from ..vectorize import kernel_namespace, make_function
from ._array import Array

#: Register block of the ``packed`` kernel (rows, columns): 4 rows of two 64-byte vectors for float32
#: and float64 (the fastest of 4-8 x 8-32 measured with fma on Numba and PoCL, AVX-512); other dtypes
#: (no fma) by itemsize.
PACKED_TILES = {"float32": (4, 32), "float64": (4, 16)}
OTHER_TILES = {16: (4, 4), 8: (4, 8), 4: (4, 16), 2: (4, 16), 1: (4, 16)}
#: ``local`` kernel: work-group RN x RM, WN x WM outputs per work-item, TK-deep tiles.
RN, RM, WN, WM, TK = 16, 16, 4, 4, 16
#: Products with at most this many multiply-adds run the naive kernel (packing costs more).
NAIVE_MAX = 1 << 15


@kernel
def batched_matmul(out, a, b):  # type: ignore[no-untyped-def]
    """``out[p, i, j] = sum_k a[p, i, k] * b[p, k, j]`` (one work-item per element of ``out``)."""
    g = get_global_id(0)
    m = out.shape[1]
    n = out.shape[2]
    j = g % n
    i = (g // n) % m
    p = g // (m * n)
    acc = a[p, i, 0] * b[p, 0, j]
    for k in range(1, a.shape[2]):
        acc = acc + a[p, i, k] * b[p, k, j]
    out[p, i, j] = acc


def _pack_source(name: str, t: int) -> str:
    """``dst[p, blk, k, c] = src[p, k, blk*t + c]`` (0 past the ``rows`` columns of ``src``), one
    work-item per (p, blk, k) copying t contiguous elements; ``dst`` and ``src`` flat."""
    cols = range(t)
    lines = [f"def {name}(dst, src, rows, kk, nblk, zero):",
             "    g = cb.get_global_id(0)", "    k = g % kk", "    q = g // kk", "    blk = q % nblk",
             "    p = q // nblk", f"    j0 = blk * {t}", "    s = (p * kk + k) * rows + j0",
             f"    d = g * {t}",
             f"    if j0 + {t} <= rows:"]
    lines += [f"        dst[d + {c}] = src[s + {c}]" for c in cols]
    lines.append("    else:")
    lines += [f"        dst[d + {c}] = src[s + {c}] if j0 + {c} < rows else zero" for c in cols]
    return "\n".join(lines) + "\n"


def _packed_source(name: str, tm: int, tn: int, fused: bool) -> str:
    rows, cols = range(tm), range(tn)
    acc = [[f"c{r}_{c}" for c in cols] for r in rows]
    lines = [f"def {name}(out, a, bp, mb, nb, kk):",
             "    g = cb.get_global_id(0)",
             "    ib = g % mb", "    q = g // mb", "    jb = q % nb", "    p = q // nb",
             "    m = out.shape[1]", "    n = out.shape[2]", f"    i0 = ib * {tm}", f"    j0 = jb * {tn}",
             f"    ob = (p * nb + jb) * kk * {tn}"]
    # rows past m read row m - 1 (in bounds; their results are not stored)
    lines += [f"    ra{r} = (p * m + min(i0 + {r}, m - 1)) * kk" for r in rows]
    lines += [f"    a{r} = a[ra{r}]" for r in rows] + [f"    b{c} = bp[ob + {c}]" for c in cols]
    lines += [f"    {acc[r][c]} = a{r} * b{c}" for r in rows for c in cols]
    lines += ["    for k in range(1, kk):", f"        kb = ob + k * {tn}"]
    lines += [f"        a{r} = a[ra{r} + k]" for r in rows] + [f"        b{c} = bp[kb + {c}]" for c in cols]
    lines += [f"        {acc[r][c]} = cb.fma(a{r}, b{c}, {acc[r][c]})" if fused else
              f"        {acc[r][c]} += a{r} * b{c}" for r in rows for c in cols]
    lines += [f"    if i0 + {tm} <= m and j0 + {tn} <= n:"]
    lines += [f"        out[p, i0 + {r}, j0 + {c}] = {acc[r][c]}" for r in rows for c in cols]
    lines.append("    else:")
    for r in rows:
        lines.append(f"        if i0 + {r} < m:")
        lines += [f"            if j0 + {c} < n:\n                out[p, i0 + {r}, j0 + {c}] = {acc[r][c]}"
                  for c in cols]
    return "\n".join(lines) + "\n"


def _local_source(name: str, dtype: str) -> str:
    tsm, tsn, nt = RM * WM, RN * WN, RN * RM
    rows, cols = range(WM), range(WN)
    lines = [f"def {name}(out, a, b, zero):",
             "    tx = cb.get_local_id(0)", "    ty = cb.get_local_id(1)", "    p = cb.get_global_id(2)",
             f"    row0 = cb.get_group_id(1) * {tsm}", f"    col0 = cb.get_group_id(0) * {tsn}",
             "    m = out.shape[1]", "    n = out.shape[2]", "    kk = a.shape[2]",
             f"    tid = ty * {RN} + tx",
             f"    at = cb.local_array(({TK}, {tsm}), cb.{dtype})",
             f"    bt = cb.local_array(({TK}, {tsn}), cb.{dtype})",
             f"    acc = cb.private_array(({WM}, {WN}), cb.{dtype})"]
    lines += [f"    acc[{r}, {c}] = zero" for r in rows for c in cols]
    lines.append(f"    for t in range(0, kk, {TK}):")
    for l in range(tsm * TK // nt):
        lines += [f"        e = tid + {l * nt}", f"        gi = row0 + e // {TK}",
                  f"        gk = t + e % {TK}",
                  f"        at[e % {TK}, e // {TK}] = a[p, gi, gk] if gi < m and gk < kk else zero"]
    for l in range(tsn * TK // nt):
        lines += [f"        e = tid + {l * nt}", f"        gk = t + e // {tsn}",
                  f"        gj = col0 + e % {tsn}",
                  f"        bt[e // {tsn}, e % {tsn}] = b[p, gk, gj] if gk < kk and gj < n else zero"]
    lines += ["        cb.barrier()", f"        for k in range({TK}):"]
    lines += [f"            a{r} = at[k, ty + {r * RM}]" for r in rows]
    lines += [f"            b{c} = bt[k, tx + {c * RN}]" for c in cols]
    lines += [f"            acc[{r}, {c}] += a{r} * b{c}" for r in rows for c in cols]
    lines.append("        cb.barrier()")
    for r in rows:
        lines += [f"    i = row0 + ty + {r * RM}", "    if i < m:"]
        for c in cols:
            lines += [f"        j = col0 + tx + {c * RN}", "        if j < n:",
                      f"            out[p, i, j] = acc[{r}, {c}]"]
    return "\n".join(lines) + "\n"


@functools.cache
def pack_kernel(t: int) -> Kernel:
    """The kernel that copies B into zero-padded panels t columns wide (any dtype)."""
    name = f"matmul_pack_{t}"
    return Kernel(make_function(_pack_source(name, t), name, "matmul", kernel_namespace()))


@functools.cache
def packed_kernel(tm: int, tn: int, fused: bool = False) -> Kernel:
    """The ``packed`` kernel for a TM x TN register block: any dtype, or with ``fused`` (``fma``
    updates) float32/float64."""
    name = f"matmul_packed_{tm}x{tn}{'_fma' if fused else ''}"
    return Kernel(make_function(_packed_source(name, tm, tn, fused), name, "matmul", kernel_namespace()))


@functools.cache
def local_kernel(dtype: str) -> Kernel:
    """The ``local`` kernel for ``dtype`` (its local arrays are typed)."""
    name = f"matmul_local_{dtype}"
    return Kernel(make_function(_local_source(name, dtype), name, "matmul", kernel_namespace()))


def choose(device: object, m: int, n: int, k: int) -> str:
    """The kernel for an (m, k) @ (k, n) product on ``device``: naive, packed or local."""
    if m * n * k <= NAIVE_MAX or min(m, n) < 4:
        return "naive"
    if getattr(device, "kind", "") == "cpu" or not getattr(device, "supports_local_memory", False):
        return "packed"
    return "local"


def run(out: Array, a: Array, b: Array, variant: str | None = None) -> None:
    """``out = a @ b`` for C-contiguous (P, M, K) and (P, K, N) arrays of ``out``'s dtype, K >= 1."""
    p, m, k = a.shape
    n = b.shape[2]
    variant = variant or choose(out.device, m, n, k)
    zero = np.zeros((), out.dtype)[()]
    if variant == "naive":
        batched_matmul[out.size](out, a, b)
    elif variant == "local":
        grid = (math.ceil(n / (RN * WN)) * RN, math.ceil(m / (RM * WM)) * RM, p)
        local_kernel(out.dtype.name)[grid, (RN, RM, 1)](out, a, b, zero)
    elif variant == "packed":
        fused = out.dtype.name in PACKED_TILES
        tm, tn = PACKED_TILES[out.dtype.name] if fused else OTHER_TILES[out.dtype.itemsize]
        mb, nb = math.ceil(m / tm), math.ceil(n / tn)
        bp = Array._empty((p * nb * k * tn,), out.dtype.name, out.device)
        pack_kernel(tn)[p * nb * k](bp, b.reshape((-1,)), n, k, nb, zero)
        packed_kernel(tm, tn, fused)[p * mb * nb](out, a.reshape((-1,)), bp, mb, nb, k)
    else:
        raise ValueError(f"matmul kernel {variant!r}: expected 'naive', 'packed' or 'local'")

