"""Pure Python: loops over lists, run at a reduced size and scaled per work unit (labelled as such)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .core import Impl, Inputs, Prepared, Skip, Workload
from .workloads import CND_A, RSQRT2PI, TILE


def vadd(a: list[float], b: list[float]) -> list[float]:
    return [x + y for x, y in zip(a, b, strict=True)]


def pi(xs: list[float], ys: list[float]) -> float:
    inside = sum(1 for x, y in zip(xs, ys, strict=True) if x * x + y * y <= 1.0)
    return 4.0 * inside / len(xs)


def mandel_point(cr: float, ci: float, maxiter: int) -> int:
    zr = zi = 0.0
    n = 0
    while n < maxiter:
        zr2, zi2 = zr * zr, zi * zi
        if zr2 + zi2 > 4.0:
            break
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
        n += 1
    return n


def mandelbrot(xs: list[float], ys: list[float], maxiter: int) -> list[list[int]]:
    return [[mandel_point(x, y, maxiter) for x in xs] for y in ys]


def sumsq(xs: list[float]) -> float:
    return sum(x * x for x in xs)


def cnd(d: float) -> float:
    a1, a2, a3, a4, a5 = CND_A
    k = 1.0 / (1.0 + 0.2316419 * abs(d))
    ret = RSQRT2PI * math.exp(-0.5 * d * d) * (k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5)))))
    return 1.0 - ret if d > 0 else ret


def blackscholes(ss: list[float], ks: list[float], ts: list[float], r: float, v: float
                 ) -> tuple[list[float], list[float]]:
    calls, puts = [], []
    for s, k, t in zip(ss, ks, ts, strict=True):
        sqrt_t = math.sqrt(t)
        d1 = (math.log(s / k) + (r + 0.5 * v * v) * t) / (v * sqrt_t)
        d2 = d1 - v * sqrt_t
        c1, c2 = cnd(d1), cnd(d2)
        exp_rt = math.exp(-r * t)
        calls.append(s * c1 - k * exp_rt * c2)
        puts.append(k * exp_rt * (1.0 - c2) - s * (1.0 - c1))
    return calls, puts


def matmul_naive(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    n, m = len(a), len(b[0])
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(m)] for i in range(n)]


def matmul_tiled(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    n, p, m = len(a), len(b), len(b[0])
    c = [[0.0] * m for _ in range(n)]
    for ii in range(0, n, TILE):
        for kk in range(0, p, TILE):
            for jj in range(0, m, TILE):
                for i in range(ii, min(ii + TILE, n)):
                    ci, ai = c[i], a[i]
                    for k in range(kk, min(kk + TILE, p)):
                        aik, bk = ai[k], b[k]
                        for j in range(jj, min(jj + TILE, m)):
                            ci[j] += aik * bk[j]
    return c


def nbody(pos: list[list[float]], vel: list[list[float]], mass: list[float], dt: float, eps2: float
          ) -> tuple[list[list[float]], list[list[float]]]:
    xs, ys, zs = pos
    n = len(xs)
    new_pos: list[list[float]] = [[0.0] * n for _ in range(3)]
    new_vel: list[list[float]] = [[0.0] * n for _ in range(3)]
    for i in range(n):
        ax = ay = az = 0.0
        xi, yi, zi = xs[i], ys[i], zs[i]
        for j in range(n):
            dx, dy, dz = xs[j] - xi, ys[j] - yi, zs[j] - zi
            inv = 1.0 / math.sqrt(dx * dx + dy * dy + dz * dz + eps2)
            s = mass[j] * inv * inv * inv
            ax += dx * s
            ay += dy * s
            az += dz * s
        for d, a in enumerate((ax, ay, az)):
            v = vel[d][i] + a * dt
            new_vel[d][i] = v
            new_pos[d][i] = pos[d][i] + v * dt
    return new_pos, new_vel


FUNCS: dict[str, Callable[..., Any]] = {
    "vadd": vadd, "pi": pi, "mandelbrot": mandelbrot, "sumsq": sumsq, "blackscholes": blackscholes,
    "matmul_naive": matmul_naive, "matmul_tiled": matmul_tiled, "nbody": nbody,
}


def build(workload: Workload, device: Any) -> Prepared:
    fn = FUNCS.get(workload.kind)
    if fn is None:
        raise Skip(f"no pure-Python version of {workload.kind}")
    dtype: list[np.dtype] = []

    def copy_in(inputs: Inputs) -> Inputs:
        dtype[:] = [x.dtype for x in inputs if isinstance(x, np.ndarray) and x.dtype.kind == "f"][:1]
        return tuple(x.tolist() if isinstance(x, np.ndarray) else x for x in inputs)

    def to_numpy(r: Any) -> Any:
        if isinstance(r, float):
            return r
        arr = np.asarray(r)
        return arr.astype(dtype[0]) if dtype and arr.dtype.kind == "f" else arr

    def copy_out(result: Any) -> Any:
        return tuple(map(to_numpy, result)) if isinstance(result, tuple) else to_numpy(result)

    return Prepared(compute=lambda args: fn(*args), copy_in=copy_in, copy_out=copy_out,
                    note="lists and loops")


IMPLS = [Impl("python", "python", build, reduced=True,
              description="pure Python loops over lists, reduced size, time scaled per work unit")]
