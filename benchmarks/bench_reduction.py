"""Sum of squares of 10**7 float64 with ``cb.reduction(add, 0.0, map=square)`` vs ``np.dot(a, a)`` on
every CPU device (interp excluded: it is the pure-Python reference); also PyOpenCL's ReductionKernel
on opencl devices for context. Prints ratios of medians, measured in alternating blocks (40 calls of
one, then 40 of the other, several rounds), keeping the second half of each block. Before each block
the benchmark sleeps ``SETTLE`` seconds: OpenBLAS's worker threads keep spinning for about 0.1 s
after np.dot returns (and Numba's/PoCL's after theirs), and on 2 cores a spinning pool of the other
library halves the speed of whatever runs next.

    python benchmarks/bench_reduction.py [n] [repeats]
"""

from __future__ import annotations

import statistics
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


SETTLE = 0.3  # seconds of sleep before each block: other libraries' thread pools go idle


def medians(fns: dict[str, Callable[[], object]], rounds: int, block: int = 40) -> dict[str, float]:
    """Median seconds per call of each function, timed in alternating blocks of ``block`` calls (the
    first half of each block is a warm-up), each block after ``SETTLE`` seconds of sleep."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            time.sleep(SETTLE)
            for k in range(block):
                t = time.perf_counter()
                fn()
                if k >= block // 2:
                    times[name].append(time.perf_counter() - t)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main(n: int = 10_000_000, rounds: int = 5) -> None:
    a = np.random.default_rng(0).standard_normal(n)
    sumsq = reduction(add, identity=0.0, map=square)
    for dev in devices():
        if dev.backend == "interp":
            continue
        da = asarray(a, device=dev)
        got = float(sumsq(da))
        assert abs(got - np.dot(a, a)) <= 1e-9 * np.dot(a, a)
        m = medians({"np.dot": lambda: np.dot(a, a), "cambrian": lambda da=da: float(sumsq(da))}, rounds)
        t_dot = m["np.dot"]
        print(f"{dev} ({dev.kind}): cambrian sumsq {m['cambrian'] * 1e3:.2f} ms, np.dot(a, a) "
              f"{t_dot * 1e3:.2f} ms, ratio of medians {m['cambrian'] / t_dot:.2f}")
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
            tr = medians({"rk": lambda rk=rk, xa=xa: rk(xa).get()}, rounds)["rk"]
            print(f"{dev}: PyOpenCL ReductionKernel {tr * 1e3:.2f} ms, ratio to np.dot {tr / t_dot:.3f}")


if __name__ == "__main__":
    main(*(int(v) for v in sys.argv[1:3]))
