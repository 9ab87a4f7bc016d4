"""@cb.vectorize vs Numba ``@vectorize(target='parallel')`` (cpu) and a PyOpenCL ElementwiseKernel
(opencl devices) on large float64 arrays; prints the ratio cambrian / reference (medians of N runs).

    python benchmarks/bench_vectorize.py [n] [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from cambrian.array import asarray, asnumpy
from cambrian.devices import devices
from cambrian.vectorize import vectorize

PLAIN_CL = """__kernel void rel_diff(__global double* restrict o, __global const double* restrict x,
                       __global const double* restrict y) {
  long i = get_global_id(0); o[i] = 2 * (x[i] - y[i]) / (x[i] + y[i]); }"""


def rel_diff(x, y):
    return 2 * (x - y) / (x + y)


def median_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up (compile)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(n: int = 10_000_000, repeats: int = 10) -> None:
    a = np.random.default_rng(0).random(n) + 1.0
    b = np.random.default_rng(1).random(n) + 1.0
    want = rel_diff(a, b)
    cb_rel = vectorize(rel_diff)
    ref_times: dict[str, float] = {}

    import numba

    nb_rel = numba.vectorize(["float64(float64, float64)"], target="parallel")(rel_diff)
    nb_out = np.empty(n)
    ref_times["cpu"] = median_time(lambda: nb_rel(a, b, out=nb_out), repeats)
    try:
        import pyopencl as cl
        import pyopencl.array as cla
        from pyopencl.elementwise import ElementwiseKernel
    except ImportError:
        cl = None
    for dev in devices():
        if dev.backend == "interp":
            continue
        da, db = asarray(a, device=dev), asarray(b, device=dev)
        out = asarray(np.empty(n), device=dev)

        def run(da=da, db=db, out=out, dev=dev) -> None:
            cb_rel(da, db, out=out)
            dev.synchronize()

        t = median_time(run, repeats)
        assert np.array_equal(asnumpy(out), want)
        ref = ref_times.get("cpu") if dev.backend == "cpu" else None
        label = "numba parallel vectorize"
        if dev.backend == "opencl" and cl is not None:
            ctx = cl.Context([dev.handle]) if not isinstance(dev.handle, cl.Context) else dev.handle
            queue = cl.CommandQueue(ctx)
            ek = ElementwiseKernel(ctx, "double *out, const double *x, const double *y",
                                   "out[i] = 2 * (x[i] - y[i]) / (x[i] + y[i])", "rel_diff")
            xa, ya, oa = cla.to_device(queue, a), cla.to_device(queue, b), cla.empty(queue, n, np.float64)
            ref = median_time(
                lambda ek=ek, oa=oa, xa=xa, ya=ya, queue=queue: (ek(oa, xa, ya), queue.finish()), repeats)
            label = "PyOpenCL ElementwiseKernel"
            plain = cl.Program(ctx, PLAIN_CL).build().rel_diff
            tp = median_time(lambda p=plain, q=queue, o=oa, x=xa, y=ya: (
                p(q, (n,), None, o.data, x.data, y.data), q.finish()), repeats)
            print(f"{dev}: hand-written one-element-per-work-item OpenCL kernel {tp * 1e3:.2f} ms, "
                  f"cambrian/that {t / tp:.3f}")
        if ref:
            print(f"{dev}: cambrian {t * 1e3:.2f} ms, {label} {ref * 1e3:.2f} ms, ratio {t / ref:.3f}")
        else:
            print(f"{dev}: cambrian {t * 1e3:.2f} ms")


if __name__ == "__main__":
    main(*(int(v) for v in sys.argv[1:3]))
