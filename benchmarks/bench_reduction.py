"""Sum of squares of 10**7 float64 with ``cb.reduction(add, 0.0, map=square)`` vs ``np.dot(a, a)`` on
every CPU device (interp excluded: it is the pure-Python reference); also PyOpenCL's ReductionKernel
on opencl devices for context. Prints ratios (best of N runs).

    python benchmarks/bench_reduction.py [n] [repeats]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np

from cambrian.array import asarray
from cambrian.devices import devices
from cambrian.reduction import reduction


def add(a, b):
    return a + b


def square(v):
    return v * v


def best(fn: Callable[[], object], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(n: int = 10_000_000, repeats: int = 10) -> None:
    a = np.random.default_rng(0).standard_normal(n)
    sumsq = reduction(add, identity=0.0, map=square)
    t_dot = best(lambda: np.dot(a, a), repeats)
    print(f"np.dot(a, a): {t_dot * 1e3:.2f} ms")
    for dev in devices():
        if dev.backend == "interp":
            continue
        da = asarray(a, device=dev)
        t = best(lambda da=da: float(sumsq(da)), repeats)
        got = float(sumsq(da))
        assert abs(got - np.dot(a, a)) <= 1e-9 * np.dot(a, a)
        print(f"{dev} ({dev.kind}): cambrian sumsq {t * 1e3:.2f} ms, ratio to np.dot {t / t_dot:.3f}")
        if dev.backend == "opencl":
            try:
                import pyopencl as cl
                import pyopencl.array as cla
                from pyopencl.reduction import ReductionKernel
            except ImportError:
                continue
            ctx = cl.Context([dev.handle]) if not isinstance(dev.handle, cl.Context) else dev.handle
            queue = cl.CommandQueue(ctx)
            rk = ReductionKernel(ctx, np.float64, neutral="0", reduce_expr="a+b", map_expr="x[i]*x[i]",
                                 arguments="const double *x")
            xa = cla.to_device(queue, a)
            tr = best(lambda rk=rk, xa=xa: rk(xa).get(), repeats)
            print(f"{dev}: PyOpenCL ReductionKernel {tr * 1e3:.2f} ms, ratio to np.dot {tr / t_dot:.3f}")


if __name__ == "__main__":
    main(*(int(v) for v in sys.argv[1:3]))
