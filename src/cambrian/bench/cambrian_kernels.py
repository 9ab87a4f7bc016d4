"""Cambrian kernels, device functions, vectorized functions and reductions of the benchmark.

Imported lazily: importing fails while the public kernel API is missing, which the harness reports
as a skipped row.
"""

from __future__ import annotations

import math

import cambrian as cb

# ---- kernels (@cb.kernel) ----------------------------------------------------------------------------


@cb.kernel
def vadd(a, b, c):
    i = cb.get_global_id(0)
    c[i] = a[i] + b[i]


@cb.kernel
def pi_partials(x, y, out, n, chunk, outer, inner):
    g = cb.get_global_id(0)
    acc = 0
    for j in range(chunk):
        i = g * outer + j * inner
        if i < n:
            if x[i] * x[i] + y[i] * y[i] <= 1.0:
                acc += 1
    out[g] = acc


@cb.kernel
def sumsq_partials(x, y, out, n, chunk, outer, inner):
    g = cb.get_global_id(0)
    acc = 0.0
    for j in range(chunk):
        i = g * outer + j * inner
        if i < n:
            acc += x[i] * x[i]
    out[g] = acc


@cb.func
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


@cb.kernel
def mandelbrot(xs, ys, maxiter, out):
    c = cb.get_global_id(0)
    r = cb.get_global_id(1)
    out[r, c] = cb.int32(mandel_point(xs[c], ys[r], maxiter))


@cb.func
def cnd(d):
    k = 1.0 / (1.0 + 0.2316419 * abs(d))
    ret = 0.39894228040143267794 * math.exp(-0.5 * d * d) * (
        k * (0.31938153 + k * (-0.356563782 + k * (1.781477937 + k * (-1.821255978 + k * 1.330274429)))))
    if d > 0:
        ret = 1.0 - ret
    return ret


@cb.func
def d_one(s, k, t, r, v):
    return (math.log(s / k) + (r + 0.5 * v * v) * t) / (v * math.sqrt(t))


@cb.kernel
def blackscholes(s, k, t, r, v, call, put):
    i = cb.get_global_id(0)
    si = s[i]
    ki = k[i]
    ti = t[i]
    sqrt_t = math.sqrt(ti)
    d1 = (math.log(si / ki) + (r + 0.5 * v * v) * ti) / (v * sqrt_t)
    d2 = d1 - v * sqrt_t
    c1 = cnd(d1)
    c2 = cnd(d2)
    exp_rt = math.exp(-r * ti)
    call[i] = si * c1 - ki * exp_rt * c2
    put[i] = ki * exp_rt * (1.0 - c2) - si * (1.0 - c1)


@cb.kernel
def matmul_naive(a, b, c):
    j = cb.get_global_id(0)
    i = cb.get_global_id(1)
    acc = cb.float32(0.0)
    for k in range(a.shape[1]):
        acc += a[i, k] * b[k, j]
    c[i, j] = acc


@cb.kernel
def matmul_tiled(a, b, c):
    j = cb.get_global_id(0)
    i = cb.get_global_id(1)
    lj = cb.get_local_id(0)
    li = cb.get_local_id(1)
    a_tile = cb.local_array((16, 16), cb.float32)
    b_tile = cb.local_array((16, 16), cb.float32)
    acc = cb.float32(0.0)
    for t in range(0, a.shape[1], 16):
        a_tile[li, lj] = a[i, t + lj]
        b_tile[li, lj] = b[t + li, j]
        cb.barrier()
        for k in range(16):
            acc += a_tile[li, k] * b_tile[k, lj]
        cb.barrier()
    c[i, j] = acc


@cb.kernel
def nbody(pos, vel, mass, dt, eps2, opos, ovel):
    i = cb.get_global_id(0)
    xi = pos[0, i]
    yi = pos[1, i]
    zi = pos[2, i]
    ax = cb.float32(0.0)
    ay = cb.float32(0.0)
    az = cb.float32(0.0)
    for j in range(pos.shape[1]):
        dx = pos[0, j] - xi
        dy = pos[1, j] - yi
        dz = pos[2, j] - zi
        inv = cb.float32(1.0) / math.sqrt(dx * dx + dy * dy + dz * dz + eps2)
        s = mass[j] * inv * inv * inv
        ax += dx * s
        ay += dy * s
        az += dz * s
    vx = vel[0, i] + ax * dt
    vy = vel[1, i] + ay * dt
    vz = vel[2, i] + az * dt
    ovel[0, i] = vx
    ovel[1, i] = vy
    ovel[2, i] = vz
    opos[0, i] = xi + vx * dt
    opos[1, i] = yi + vy * dt
    opos[2, i] = zi + vz * dt


# ---- vectorize and reductions (the array-level API) --------------------------------------------------


def _add(a, b):
    return a + b


def _square(x):
    return x * x


def _inside(x, y):
    return cb.int64(x * x + y * y <= 1.0)


def _mandel_elem(cr, ci, maxiter):
    return cb.int32(mandel_point(cr, ci, maxiter))


def _bs_call(s, k, t, r, v):
    d1 = d_one(s, k, t, r, v)
    d2 = d1 - v * math.sqrt(t)
    return s * cnd(d1) - k * math.exp(-r * t) * cnd(d2)


def _bs_put(s, k, t, r, v):
    d1 = d_one(s, k, t, r, v)
    d2 = d1 - v * math.sqrt(t)
    return k * math.exp(-r * t) * (1.0 - cnd(d2)) - s * (1.0 - cnd(d1))


v_add = cb.vectorize(_add)
v_mandel = cb.vectorize(_mandel_elem)
v_bs_call = cb.vectorize(_bs_call)
v_bs_put = cb.vectorize(_bs_put)
r_sumsq = cb.reduction(_add, identity=0.0, map=_square)
r_inside = cb.reduction(_add, identity=0, map=_inside)
