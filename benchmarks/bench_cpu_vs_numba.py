"""Cambrian's ``cpu`` backend against the same algorithm hand-written with ``numba.njit(parallel=True)``.

Workloads (identical algorithms on both sides): vector add (10^7 float32), Monte Carlo pi (10^7
samples: 10^5 work-items x 100 samples of a per-item uint32 LCG seeded by a hash of the id), Mandelbrot
(1024x1024, 200 iterations, float64). Prints medians of ``--repeats`` runs (interleaved) and the ratio
Cambrian / Numba, then the launch overhead: median per-launch time of ``BACKEND.launch`` minus a direct
call of the compiled Numba launcher, over 10,000 launches of a tiny kernel with device-resident args.

    python benchmarks/bench_cpu_vs_numba.py [--repeats 9] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from numba import njit, prange

import cambrian as cb
from cambrian.backends.base import ArrayArg
from cambrian.backends.cpu import BACKEND
from cambrian.compiler import ir
from cambrian.compiler.frontend import translate

# ----------------------------------------------------------------------------- Cambrian kernels


def vadd(a, b, c):
    i = cb.get_global_id(0)
    c[i] = a[i] + b[i]


def mc_pi(counts, samples):
    i = cb.get_global_id(0)
    s = cb.uint32(i) * cb.uint32(2654435761) + cb.uint32(12345)
    inside = 0
    for _ in range(samples):
        s = s * cb.uint32(1664525) + cb.uint32(1013904223)
        x = cb.float32(s >> 8) * cb.float32(1.0 / 16777216.0)
        s = s * cb.uint32(1664525) + cb.uint32(1013904223)
        y = cb.float32(s >> 8) * cb.float32(1.0 / 16777216.0)
        if x * x + y * y <= cb.float32(1.0):
            inside += 1
    counts[i] = inside


def mandelbrot(out, max_iter):
    px = cb.get_global_id(0)
    py = cb.get_global_id(1)
    x0 = -2.0 + px * (3.0 / out.shape[1])
    y0 = -1.5 + py * (3.0 / out.shape[0])
    x = 0.0
    y = 0.0
    k = 0
    while k < max_iter and x * x + y * y <= 4.0:
        x, y = x * x - y * y + x0, 2.0 * x * y + y0
        k += 1
    out[py, px] = k


def tiny(a):
    i = cb.get_global_id(0)
    a[i] = a[i] + 1.0


# ----------------------------------------------------------------------------- hand-written Numba


@njit(parallel=True, nogil=True)
def nb_vadd(a, b, c):
    for i in prange(a.shape[0]):
        c[i] = a[i] + b[i]


@njit(parallel=True, nogil=True)
def nb_pi(counts, samples):
    for i in prange(counts.shape[0]):
        s = np.uint32(np.uint32(i) * np.uint32(2654435761) + np.uint32(12345))
        inside = 0
        for _ in range(samples):
            s = np.uint32(s * np.uint32(1664525) + np.uint32(1013904223))
            x = np.float32(s >> np.uint32(8)) * np.float32(1.0 / 16777216.0)
            s = np.uint32(s * np.uint32(1664525) + np.uint32(1013904223))
            y = np.float32(s >> np.uint32(8)) * np.float32(1.0 / 16777216.0)
            if x * x + y * y <= np.float32(1.0):
                inside += 1
        counts[i] = inside


@njit(parallel=True, nogil=True)
def nb_mandelbrot(out, max_iter):
    h, w = out.shape
    for py in prange(h):
        for px in range(w):
            x0 = -2.0 + px * (3.0 / w)
            y0 = -1.5 + py * (3.0 / h)
            x = 0.0
            y = 0.0
            k = 0
            while k < max_iter and x * x + y * y <= 4.0:
                x, y = x * x - y * y + x0, 2.0 * x * y + y0
                k += 1
            out[py, px] = k


# ----------------------------------------------------------------------------- harness


def _argtype(a: object) -> ir.Type:
    if isinstance(a, np.ndarray):
        return ir.ArrayT(a.dtype.name, a.ndim, "global", "C" if a.flags.c_contiguous else "A")
    return ir.Scalar(np.asarray(a).dtype.name)


def _arg(a: object) -> object:
    if isinstance(a, np.ndarray):
        return ArrayArg(None, 0, a.shape, tuple(s // a.itemsize for s in a.strides), a.dtype.name, view=a)
    return a


class CambrianKernel:
    """A kernel compiled for fixed argument types and launched through ``BACKEND.launch``."""

    def __init__(self, fn, *args):
        self.device = BACKEND.discover()[0]
        self.queue = self.device.queue
        self.program = BACKEND.compile(self.device, translate(fn, tuple(_argtype(a) for a in args)))

    def __call__(self, gsize, *args):
        BACKEND.launch(self.device, self.queue, self.program, gsize, None, [_arg(a) for a in args])


def _median_pair(f, g, repeats: int) -> tuple[float, float]:
    f()
    g()
    tf, tg = [], []
    for _ in range(repeats):
        for fn, ts in ((f, tf), (g, tg)):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
    return statistics.median(tf), statistics.median(tg)


def workloads(quick: bool) -> list[tuple[str, object, object, object]]:
    n = 10**6 if quick else 10**7
    a, b = np.random.rand(n).astype(np.float32), np.random.rand(n).astype(np.float32)
    c1, c2 = np.zeros_like(a), np.zeros_like(a)
    items, samples = n // 100, np.int64(100)
    k1, k2 = np.zeros(items, np.int64), np.zeros(items, np.int64)
    side = 256 if quick else 1024
    m1, m2 = np.zeros((side, side), np.int32), np.zeros((side, side), np.int32)
    iters = np.int64(200)
    kv, kp, km = CambrianKernel(vadd, a, b, c1), CambrianKernel(mc_pi, k1, samples), \
        CambrianKernel(mandelbrot, m1, iters)
    checks = (lambda: np.array_equal(c1, c2), lambda: np.array_equal(k1, k2), lambda: np.array_equal(m1, m2))
    return [
        ("vector add (float32)", lambda: kv((n,), a, b, c1), lambda: nb_vadd(a, b, c2), checks[0]),
        ("Monte Carlo pi", lambda: kp((items,), k1, samples), lambda: nb_pi(k2, samples), checks[1]),
        ("Mandelbrot", lambda: km((side, side), m1, iters), lambda: nb_mandelbrot(m2, iters), checks[2]),
    ]


def launch_overhead(launches: int = 10_000) -> tuple[float, float]:
    """Median per-launch time of BACKEND.launch and of the direct Numba call (seconds), measured in
    interleaved rounds of 500 launches so both see the same machine load."""
    x = np.zeros(16, np.float64)
    k = CambrianKernel(tiny, x)
    args = [_arg(x)]
    direct = k.program.launch1
    dev, q, prog = k.device, k.queue, k.program
    launch = BACKEND.launch
    via_fn = lambda: launch(dev, q, prog, (16,), None, args)  # noqa: E731
    raw_fn = lambda: direct(16, 1, x)  # noqa: E731
    via, raw, batch = [], [], 500
    for _ in range(max(launches // batch, 1)):
        for fn, out in ((via_fn, via), (raw_fn, raw)):
            t = time.perf_counter()
            for _ in range(batch):
                fn()
            out.append((time.perf_counter() - t) / batch)
    return statistics.median(via), statistics.median(raw)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    opts = p.parse_args()
    print(f"{'workload':24} {'cambrian ms':>12} {'numba ms':>10} {'ratio':>7}")
    for name, ours, theirs, check in workloads(opts.quick):
        t_ours, t_theirs = _median_pair(ours, theirs, opts.repeats)
        assert check(), f"{name}: results differ"
        print(f"{name:24} {t_ours * 1e3:12.2f} {t_theirs * 1e3:10.2f} {t_ours / t_theirs:7.3f}")
    via, raw = launch_overhead(2000 if opts.quick else 10_000)
    print(f"launch overhead: BACKEND.launch {via * 1e6:.2f} us, direct numba call {raw * 1e6:.2f} us, "
          f"difference {(via - raw) * 1e6:.2f} us")


if __name__ == "__main__":
    main()
