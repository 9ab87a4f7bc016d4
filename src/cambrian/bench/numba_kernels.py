"""Numba kernels for the benchmark (imported only when Numba is installed).

Serial kernels work on a range ``[lo, hi)`` of the outer index and release the GIL (``nogil=True``):
``numba-njit`` calls them on the whole range, ``numba-nogil`` on chunks from a thread pool. The
``*_prange`` versions are the ``parallel=True`` forms.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .workloads import CND_A, RSQRT2PI, TILE

A1, A2, A3, A4, A5 = CND_A
serial = njit(nogil=True, fastmath=False)
parallel = njit(parallel=True, fastmath=False)


@serial
def vadd(a, b, c, lo, hi):
    for i in range(lo, hi):
        c[i] = a[i] + b[i]
    return 0


@parallel
def vadd_prange(a, b, c):
    for i in prange(a.shape[0]):
        c[i] = a[i] + b[i]
    return 0


@serial
def pi(x, y, lo, hi):
    inside = 0
    for i in range(lo, hi):
        if x[i] * x[i] + y[i] * y[i] <= 1.0:
            inside += 1
    return inside


@parallel
def pi_prange(x, y):
    inside = 0
    for i in prange(x.shape[0]):
        if x[i] * x[i] + y[i] * y[i] <= 1.0:
            inside += 1
    return inside


@serial
def mandel_point(cr, ci, maxiter):
    zr = 0.0
    zi = 0.0
    n = 0
    while n < maxiter:
        zr2 = zr * zr
        zi2 = zi * zi
        if zr2 + zi2 > 4.0:
            break
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
        n += 1
    return n


@serial
def mandelbrot(xs, ys, maxiter, out, lo, hi):
    for r in range(lo, hi):
        for c in range(xs.shape[0]):
            out[r, c] = mandel_point(xs[c], ys[r], maxiter)
    return 0


@parallel
def mandelbrot_prange(xs, ys, maxiter, out):
    for r in prange(ys.shape[0]):
        for c in range(xs.shape[0]):
            out[r, c] = mandel_point(xs[c], ys[r], maxiter)
    return 0


@serial
def sumsq(x, lo, hi):
    acc = 0.0
    for i in range(lo, hi):
        acc += x[i] * x[i]
    return acc


@parallel
def sumsq_prange(x):
    acc = 0.0
    for i in prange(x.shape[0]):
        acc += x[i] * x[i]
    return acc


@serial
def cnd(d):
    k = 1.0 / (1.0 + 0.2316419 * abs(d))
    ret = RSQRT2PI * math.exp(-0.5 * d * d) * (k * (A1 + k * (A2 + k * (A3 + k * (A4 + k * A5)))))
    return 1.0 - ret if d > 0 else ret


@serial
def bs_one(s, k, t, r, v):
    sqrt_t = math.sqrt(t)
    d1 = (math.log(s / k) + (r + 0.5 * v * v) * t) / (v * sqrt_t)
    d2 = d1 - v * sqrt_t
    c1 = cnd(d1)
    c2 = cnd(d2)
    exp_rt = math.exp(-r * t)
    return s * c1 - k * exp_rt * c2, k * exp_rt * (1.0 - c2) - s * (1.0 - c1)


@serial
def blackscholes(s, k, t, r, v, call, put, lo, hi):
    for i in range(lo, hi):
        call[i], put[i] = bs_one(s[i], k[i], t[i], r, v)
    return 0


@parallel
def blackscholes_prange(s, k, t, r, v, call, put):
    for i in prange(s.shape[0]):
        call[i], put[i] = bs_one(s[i], k[i], t[i], r, v)
    return 0


@serial
def matmul_naive(a, b, c, lo, hi):
    for i in range(lo, hi):
        for j in range(b.shape[1]):
            acc = np.float32(0.0)
            for k in range(a.shape[1]):
                acc += a[i, k] * b[k, j]
            c[i, j] = acc
    return 0


@parallel
def matmul_naive_prange(a, b, c):
    for i in prange(a.shape[0]):
        for j in range(b.shape[1]):
            acc = np.float32(0.0)
            for k in range(a.shape[1]):
                acc += a[i, k] * b[k, j]
            c[i, j] = acc
    return 0


@serial
def matmul_tiled(a, b, c, lo, hi):
    """Blocked i-k-j loops over TILE x TILE blocks: rows ``lo..hi`` (multiples of TILE) of ``c``."""
    n, m = a.shape[1], b.shape[1]
    for ii in range(lo, hi, TILE):
        for i in range(ii, min(ii + TILE, hi)):
            for j in range(m):
                c[i, j] = 0.0
        for kk in range(0, n, TILE):
            for jj in range(0, m, TILE):
                for i in range(ii, min(ii + TILE, hi)):
                    for k in range(kk, min(kk + TILE, n)):
                        aik = a[i, k]
                        for j in range(jj, min(jj + TILE, m)):
                            c[i, j] += aik * b[k, j]
    return 0


@parallel
def matmul_tiled_prange(a, b, c):
    nblocks = (a.shape[0] + TILE - 1) // TILE
    for blk in prange(nblocks):
        lo = blk * TILE
        matmul_tiled(a, b, c, lo, min(lo + TILE, a.shape[0]))
    return 0


@serial
def nbody_one(pos, vel, mass, dt, eps2, out_pos, out_vel, i):
    xi, yi, zi = pos[0, i], pos[1, i], pos[2, i]
    ax = np.float32(0.0)
    ay = np.float32(0.0)
    az = np.float32(0.0)
    for j in range(pos.shape[1]):
        dx = pos[0, j] - xi
        dy = pos[1, j] - yi
        dz = pos[2, j] - zi
        inv = np.float32(1.0) / np.sqrt(dx * dx + dy * dy + dz * dz + eps2)
        s = mass[j] * inv * inv * inv
        ax += dx * s
        ay += dy * s
        az += dz * s
    for d, a in ((0, ax), (1, ay), (2, az)):
        v = vel[d, i] + a * dt
        out_vel[d, i] = v
        out_pos[d, i] = pos[d, i] + v * dt


@serial
def nbody(pos, vel, mass, dt, eps2, out_pos, out_vel, lo, hi):
    for i in range(lo, hi):
        nbody_one(pos, vel, mass, dt, eps2, out_pos, out_vel, i)
    return 0


@parallel
def nbody_prange(pos, vel, mass, dt, eps2, out_pos, out_vel):
    for i in prange(pos.shape[1]):
        nbody_one(pos, vel, mass, dt, eps2, out_pos, out_vel, i)
    return 0
