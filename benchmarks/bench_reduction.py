"""Sum of squares of 10**7 float64 with ``cb.reduction(add, 0.0, map=square)`` vs ``np.dot(a, a)`` on
every CPU device (interp excluded: it is the pure-Python reference); on opencl devices also two
PyOpenCL references: a hand-written chunk kernel (what the driver gives without Cambrian) and
PyOpenCL's ReductionKernel.

Timing is side by side: blocks of 40 calls of np.dot and of the tested function alternate (np.dot
first and last), each block's median over its second half (the first is warm-up), and each block of
the tested function is divided by the mean of the two np.dot blocks around it. Printed: the median of
those per-block ratios with their quartiles, and the median times. This VM's memory switches between a
fast and a slow state (np.dot 0.9 against 1.7 ms) from one minute to the next; a ratio of blocks a
second apart compares like with like, where a ratio of two medians over a whole run does not.

Before each block the benchmark sleeps ``SETTLE`` seconds: OpenBLAS's worker threads keep spinning for
about 0.1 s after np.dot returns (and Numba's/PoCL's after theirs), and on 2 cores a spinning pool of
the other library halves the speed of whatever runs next.

    python benchmarks/bench_reduction.py [n] [rounds]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from cambrian.array import asarray
from cambrian.devices import devices
from cambrian.reduction import reduction


def add(a, b):
    return a + b


def square(v):
    return v * v


SETTLE = 0.3  # seconds of sleep before each block: other libraries' thread pools go idle


class Ratio(NamedTuple):
    median: float  # median of the per-block ratios
    q1: float
    q3: float
    seconds: float  # median time per call of the tested function
    ref_seconds: float  # and of the reference

    def __str__(self) -> str:
        return (f"{self.seconds * 1e3:.2f} ms, np.dot(a, a) {self.ref_seconds * 1e3:.2f} ms, ratio "
                f"{self.median:.2f} (quartiles {self.q1:.2f}-{self.q3:.2f})")


def block(fn: Callable[[], object], calls: int = 40) -> float:
    """Median seconds per call of ``fn`` over the second half of ``calls`` calls, after ``SETTLE``."""
    time.sleep(SETTLE)
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times[calls // 2:])


def side_by_side(fn: Callable[[], object], ref: Callable[[], object], rounds: int) -> Ratio:
    """``fn`` against ``ref`` in alternating blocks (``ref`` first and last): each ``fn`` block over
    the mean of its two neighbours."""
    fn()
    ref()
    refs = [block(ref)]
    own: list[float] = []
    for _ in range(rounds):
        own.append(block(fn))
        refs.append(block(ref))
    ratios = [t / ((r0 + r1) / 2) for t, r0, r1 in zip(own, refs, refs[1:], strict=False)]
    quart = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    return Ratio(statistics.median(ratios), quart[0], quart[2], statistics.median(own),
                 statistics.median(refs))


def main(n: int = 10_000_000, rounds: int = 9) -> None:
    a = np.random.default_rng(0).standard_normal(n)
    sumsq = reduction(add, identity=0.0, map=square)
    for dev in devices():
        if dev.backend == "interp":
            continue
        da = asarray(a, device=dev)
        got = float(sumsq(da))
        assert abs(got - np.dot(a, a)) <= 1e-9 * np.dot(a, a)
        dot = lambda: np.dot(a, a)  # noqa: E731
        ratio = side_by_side(lambda da=da: float(sumsq(da)), dot, rounds)
        print(f"{dev} ({dev.kind}): cambrian sumsq {ratio}")
        if dev.backend == "opencl":
            opencl_rows(dev, a, dot, rounds)


#: Hand-written PyOpenCL reference: work-item ``g`` sums the squares of chunk ``g`` (two double8
#: accumulators), the host sums the partials. What the driver gives without Cambrian.
CHUNKS_SOURCE = """
__kernel void chunks(__global const double *x, __global double *partial, long n, long chunk) {
  long s = get_global_id(0) * chunk, e = min(s + chunk, n), i = s;
  double8 u = 0, v = 0;
  for (; i + 16 <= e; i += 16) {
    double8 p = vload8(0, x + i), q = vload8(0, x + i + 8);
    u += p * p; v += q * q;
  }
  double t = 0;
  for (; i < e; i++) t += x[i] * x[i];
  u += v;
  partial[get_global_id(0)] = ((u.s0 + u.s1) + (u.s2 + u.s3)) + ((u.s4 + u.s5) + (u.s6 + u.s7)) + t;
}
"""


def opencl_rows(dev: object, a: np.ndarray, dot: Callable[[], object], rounds: int) -> None:
    """PyOpenCL on the same device: the hand-written chunk kernel (256 work-items in groups of 16, as
    Cambrian runs on CPU devices, over page-aligned host memory as Cambrian allocates it), and
    PyOpenCL's ReductionKernel."""
    try:
        import pyopencl as cl
        import pyopencl.array as cla
        from pyopencl.reduction import ReductionKernel
    except ImportError:
        return
    from cambrian.backends.opencl_host import aligned_host_memory

    ctx = cl.Context([dev.handle])  # type: ignore[attr-defined]
    queue = cl.CommandQueue(ctx)
    host = aligned_host_memory(a.nbytes).view(a.dtype)
    host[:] = a
    mf = cl.mem_flags
    x = cl.Buffer(ctx, mf.READ_ONLY | mf.USE_HOST_PTR, hostbuf=host)
    items, chunk = 256, -(-a.size // 256)
    partial = np.empty(items)
    part_buf = cl.Buffer(ctx, mf.READ_WRITE, size=partial.nbytes)
    kern = cl.Program(ctx, CHUNKS_SOURCE).build().chunks

    def chunks() -> float:
        kern(queue, (items,), (16,), x, part_buf, np.int64(a.size), np.int64(chunk))
        cl.enqueue_copy(queue, partial, part_buf, is_blocking=True)
        return float(partial.sum())

    assert abs(chunks() - np.dot(a, a)) <= 1e-9 * np.dot(a, a)
    print(f"{dev}: PyOpenCL chunk kernel (hand-written) {side_by_side(chunks, dot, rounds)}")
    rk = ReductionKernel(ctx, np.float64, neutral="0", reduce_expr="a+b", map_expr="x[i]*x[i]",
                         arguments="const double *x")
    xa = cla.to_device(queue, a)
    rk_ratio = side_by_side(lambda: rk(xa).get(), dot, max(1, rounds // 3))
    print(f"{dev}: PyOpenCL ReductionKernel {rk_ratio}")

if __name__ == "__main__":
    main(*(int(v) for v in sys.argv[1:3]))
