"""The workload table: inputs, NumPy reference (in float64 where it matters) and tolerance of each.

Every implementation of a workload gets the same inputs (drawn from a seeded generator) and its answer is
checked against the reference; a wrong answer is reported and never counted as a win.
"""

from __future__ import annotations

import numpy as np

from .core import Inputs, Workload, close, close_to_max, mismatch_fraction

# Black-Scholes constants (the CND polynomial of Abramowitz & Stegun, as in the CUDA/Numba samples).
BS_RISKFREE = 0.02
BS_VOLATILITY = 0.30
CND_A = (0.31938153, -0.356563782, 1.781477937, -1.821255978, 1.330274429)
RSQRT2PI = 0.39894228040143267794
# Mandelbrot window and N-body constants.
MANDEL_X = (-2.0, 0.5)
MANDEL_Y = (-1.25, 1.25)
NBODY_DT = 0.01
NBODY_EPS2 = 0.01
TILE = 16  # tile edge of the tiled matrix multiply (work-group of TILE x TILE)


def _vadd_inputs(dtype: type) -> object:
    def make(n: int, rng: np.random.Generator) -> Inputs:
        return rng.random(n, dtype=dtype), rng.random(n, dtype=dtype)

    return make


def _vadd_ref(inp: Inputs) -> np.ndarray:
    return inp[0] + inp[1]


def _pi_inputs(n: int, rng: np.random.Generator) -> Inputs:
    return rng.random(n), rng.random(n)


def _pi_ref(inp: Inputs) -> float:
    x, y = inp
    return 4.0 * int(np.count_nonzero(x * x + y * y <= 1.0)) / x.size


def _pi_check_n(result: object, ref: object) -> tuple[bool, str]:
    r, e = float(result), float(ref)  # type: ignore[arg-type]
    ok = abs(r - e) <= 1e-6 * abs(e) + 1e-12
    return ok, "" if ok else f"pi estimate {r!r} != reference {e!r}"


def _mandel_inputs(maxiter: int) -> object:
    def make(w: int, rng: np.random.Generator) -> Inputs:
        return np.linspace(*MANDEL_X, w), np.linspace(*MANDEL_Y, w), maxiter

    return make


def mandel_numpy(xs: np.ndarray, ys: np.ndarray, maxiter: int, xp: object = np) -> object:
    """Escape counts of the grid ``ys x xs`` (also the generic array-module form: ``xp.where``)."""
    cr = xs[None, :] + 0.0 * ys[:, None]
    ci = ys[:, None] + 0.0 * xs[None, :]
    zr = 0.0 * cr
    zi = 0.0 * cr
    count = xp.zeros_like(cr, dtype=xp.int32)  # type: ignore[attr-defined]
    for _ in range(maxiter):
        zr2 = zr * zr
        zi2 = zi * zi
        active = zr2 + zi2 <= 4.0
        count = count + active
        new_zi = 2.0 * zr * zi + ci
        new_zr = zr2 - zi2 + cr
        zi = xp.where(active, new_zi, zi)  # type: ignore[attr-defined]
        zr = xp.where(active, new_zr, zr)  # type: ignore[attr-defined]
    return count


def _mandel_ref(inp: Inputs) -> np.ndarray:
    return np.asarray(mandel_numpy(*inp), dtype=np.int32)


def _sumsq_inputs(n: int, rng: np.random.Generator) -> Inputs:
    return (rng.standard_normal(n),)


def _sumsq_ref(inp: Inputs) -> float:
    return float(np.dot(inp[0], inp[0]))


def _sumsq_check(result: object, ref: object) -> tuple[bool, str]:
    r, e = float(result), float(ref)  # type: ignore[arg-type]
    ok = abs(r - e) <= 1e-9 * abs(e)
    return ok, "" if ok else f"sum {r!r} != reference {e!r}"


def _bs_inputs(n: int, rng: np.random.Generator) -> Inputs:
    return (rng.uniform(5.0, 30.0, n), rng.uniform(1.0, 100.0, n), rng.uniform(0.25, 10.0, n),
            BS_RISKFREE, BS_VOLATILITY)


def bs_numpy(s: object, k: object, t: object, r: float, v: float, xp: object = np) -> tuple[object, object]:
    """Black-Scholes call and put prices (array-module form, used for NumPy and the GPU array tools)."""
    a1, a2, a3, a4, a5 = CND_A

    def cnd(d: object) -> object:
        kk = 1.0 / (1.0 + 0.2316419 * xp.abs(d))  # type: ignore[attr-defined]
        ret = RSQRT2PI * xp.exp(-0.5 * d * d) * (kk * (a1 + kk * (a2 + kk * (a3 + kk * (a4 + kk * a5)))))
        return xp.where(d > 0, 1.0 - ret, ret)  # type: ignore[attr-defined]

    sqrt_t = xp.sqrt(t)  # type: ignore[attr-defined]
    d1 = (xp.log(s / k) + (r + 0.5 * v * v) * t) / (v * sqrt_t)  # type: ignore[attr-defined]
    d2 = d1 - v * sqrt_t
    c1, c2 = cnd(d1), cnd(d2)
    exp_rt = xp.exp(-r * t)  # type: ignore[attr-defined]
    return s * c1 - k * exp_rt * c2, k * exp_rt * (1.0 - c2) - s * (1.0 - c1)


def _bs_ref(inp: Inputs) -> tuple[object, object]:
    return bs_numpy(*inp)


def _matmul_inputs(n: int, rng: np.random.Generator) -> Inputs:
    return rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)


def _matmul_ref(inp: Inputs) -> np.ndarray:
    return inp[0].astype(np.float64) @ inp[1].astype(np.float64)


def _nbody_inputs(n: int, rng: np.random.Generator) -> Inputs:
    pos = rng.random((3, n), dtype=np.float32)
    vel = (0.01 * rng.standard_normal((3, n))).astype(np.float32)
    mass = (rng.uniform(0.5, 1.5, n) / n).astype(np.float32)
    return pos, vel, mass, NBODY_DT, NBODY_EPS2


def nbody_numpy(pos: object, vel: object, mass: object, dt: float, eps2: float, xp: object = np,
                block: int = 512) -> tuple[object, object]:
    """One leapfrog-style step (v += a dt; x += v dt), all pairs, rows in blocks to bound memory."""
    n = pos.shape[1]  # type: ignore[attr-defined]
    acc = []
    for lo in range(0, n, block):
        d = pos[:, None, :] - pos[:, lo:lo + block, None]  # (3, b, n): x_j - x_i  # type: ignore[index]
        d2 = (d * d).sum(axis=0) + eps2
        inv = 1.0 / xp.sqrt(d2)  # type: ignore[attr-defined]
        s = mass[None, :] * (inv * inv * inv)  # type: ignore[index]
        acc.append((d * s[None]).sum(axis=2))
    join = getattr(xp, "concat", None) or xp.concatenate  # type: ignore[attr-defined]  # array API / NumPy 1
    a = join(acc, axis=1)
    new_vel = vel + a * dt
    return pos + new_vel * dt, new_vel


def _nbody_ref(inp: Inputs) -> tuple[object, object]:
    pos, vel, mass, dt, eps2 = inp
    return nbody_numpy(pos.astype(np.float64), vel.astype(np.float64), mass.astype(np.float64), dt, eps2)


def _nbody_check(result: object, ref: object) -> tuple[bool, str]:
    pos_r, vel_r = result  # type: ignore[misc]
    pos_e, vel_e = ref  # type: ignore[misc]
    for part, r, e, tol in (("positions", pos_r, pos_e, 1e-5), ("velocities", vel_r, vel_e, 1e-3)):
        ok, why = close_to_max(tol)(r, e)
        if not ok:
            return False, f"{part}: {why}"
    return True, ""


def _normal_inputs(n: int, rng: np.random.Generator) -> Inputs:
    return (rng.standard_normal(n),)


def _scale_ref(inp: Inputs) -> np.ndarray:
    return inp[0] * 2


def _gaussian_ref(inp: Inputs) -> np.ndarray:
    return np.exp(-0.5 * inp[0] ** 2)


def _pdf_inputs(n: int, rng: np.random.Generator) -> Inputs:
    return rng.standard_normal(n), 0.0, 1.0


def _pdf_ref(inp: Inputs) -> np.ndarray:
    x, mu, sigma = inp
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))


def _linear(n: int) -> float:
    return float(n)


def _square(n: int) -> float:
    return float(n) * n


def _cube(n: int) -> float:
    return float(n) ** 3


_MANDEL_CHECK = mismatch_fraction(1e-3)
_MATMUL_CHECK = close_to_max(2e-4)

WORKLOADS: list[Workload] = [
    Workload("vadd_f32", "vadd", "vector add c = a + b (float32)", 10_000_000, 100_000, 10_000, 1_000,
             _vadd_inputs(np.float32), _vadd_ref, close(0.0), _linear, bytes_per_unit=12, flops_per_unit=1),
    Workload("vadd_f64", "vadd", "vector add c = a + b (float64)", 10_000_000, 100_000, 10_000, 1_000,
             _vadd_inputs(np.float64), _vadd_ref, close(0.0), _linear, bytes_per_unit=24, flops_per_unit=1),
    Workload("pi", "pi", "Monte Carlo pi: count x^2 + y^2 <= 1 over n points (float64)", 10_000_000,
             100_000, 10_000, 1_000, _pi_inputs, _pi_ref, _pi_check_n, _linear, bytes_per_unit=16,
             flops_per_unit=3),
    Workload("mandel20", "mandelbrot", "Mandelbrot escape counts, 20 iterations (float64), size^2 pixels",
             1024, 64, 64, 16, _mandel_inputs(20), _mandel_ref, _MANDEL_CHECK, _square),
    Workload("mandel200", "mandelbrot", "Mandelbrot escape counts, 200 iterations (float64), size^2 pixels",
             512, 64, 48, 12, _mandel_inputs(200), _mandel_ref, _MANDEL_CHECK, _square),
    Workload("sumsq", "sumsq", "sum of squares (reduction, float64)", 10_000_000, 100_000, 10_000, 1_000,
             _sumsq_inputs, _sumsq_ref, _sumsq_check, _linear, bytes_per_unit=8, flops_per_unit=2),
    Workload("blackscholes", "blackscholes", "Black-Scholes call and put prices (float64)", 2_000_000,
             50_000, 5_000, 500, _bs_inputs, _bs_ref, close(1e-7, 1e-7), _linear, bytes_per_unit=40),
    Workload("matmul_naive", "matmul_naive", "matrix multiply, naive loops (float32), size x size",
             512, 64, 32, 8, _matmul_inputs, _matmul_ref, _MATMUL_CHECK, _cube, flops_per_unit=2),
    Workload("matmul_tiled", "matmul_tiled", f"matrix multiply, {TILE}x{TILE} tiles (float32), size x size",
             1024, 64, 32, 16, _matmul_inputs, _matmul_ref, _MATMUL_CHECK, _cube, flops_per_unit=2,
             size_multiple=TILE),
    Workload("nbody", "nbody", "N-body step, all pairs with softening (float32), size bodies", 4096, 256,
             64, 16, _nbody_inputs, _nbody_ref, _nbody_check, _square, flops_per_unit=20),
    # The array-expression family (array libraries only: NumPy, CuPy, PyTorch, JAX, Dask, Cambrian arrays).
    Workload("array_scale", "array_scale", "array expression x * 2 (float64)", 10_000_000, 100_000, 10_000,
             1_000, _normal_inputs, _scale_ref, close(0.0), _linear, bytes_per_unit=16, flops_per_unit=1,
             arrays_only=True),
    Workload("array_gaussian", "array_gaussian", "array expression exp(-0.5 * x**2) (float64)", 10_000_000,
             100_000, 10_000, 1_000, _normal_inputs, _gaussian_ref, close(1e-12), _linear,
             bytes_per_unit=16, arrays_only=True),
    Workload("array_pi", "array_pi", "Monte Carlo pi with arrays: rs = x*x + y*y; sum(rs <= 1.0) (float64)",
             10_000_000, 100_000, 10_000, 1_000, _pi_inputs, _pi_ref, _pi_check_n, _linear,
             bytes_per_unit=16, flops_per_unit=3, arrays_only=True),
    # cb.fuse (issue 16): the whole expression as one kernel against op-by-op array libraries and numexpr.
    Workload("array_normal_pdf", "gaussian", "Gaussian density exp(-((x-m)/s)**2/2)/(s sqrt(2pi)) (float64)",
             10_000_000, 100_000, 10_000, 1_000, _pdf_inputs, _pdf_ref, close(1e-12), _linear,
             bytes_per_unit=16, flops_per_unit=7, arrays_only=True),
    Workload("array_pi_estimate", "pi_estimate", "Monte Carlo pi: 4 count_nonzero(x*x+y*y<=1)/n (float64)",
             10_000_000, 100_000, 10_000, 1_000, _pi_inputs, _pi_ref, _pi_check_n, _linear,
             bytes_per_unit=16, flops_per_unit=3, arrays_only=True),
]

BY_NAME: dict[str, Workload] = {w.name: w for w in WORKLOADS}


def select(spec: str | None) -> list[Workload]:
    """Workloads named in a comma list; a name also matches by kind or prefix (``matmul``, ``vadd``)."""
    if not spec:
        return list(WORKLOADS)
    wanted = [s.strip().lower() for s in spec.split(",") if s.strip()]
    out = [w for w in WORKLOADS if any(w.name == s or w.kind == s or w.name.startswith(s) for s in wanted)]
    unknown = [s for s in wanted if not any(w.name == s or w.kind == s or w.name.startswith(s)
                                            for w in WORKLOADS)]
    if unknown:
        raise ValueError(f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    return out
