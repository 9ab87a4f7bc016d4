"""Cambrian-generated OpenCL vs the same kernel hand-written in OpenCL C and launched with PyOpenCL.

Workloads: vector add, Monte Carlo pi (xorshift32 per work-item), Mandelbrot. Reports the median time of
launch + finish for each (ratio > 1: Cambrian slower), and the launch overhead: the median cost of one
launch through ``kern[n](...)`` and through ``backend.launch`` minus a direct PyOpenCL enqueue of an
equivalent kernel (10,000 launches each).

Run: ``python benchmarks/bench_opencl_vs_pyopencl.py [--device opencl:cpu:0] [--reps 20]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pyopencl as cl

import cambrian as cb
from cambrian.array import asarray, asnumpy, zeros
from cambrian.devices import select_device
from cambrian.kernels import kernel


@kernel
def vadd(a, b, c):
    i = cb.get_global_id(0)
    c[i] = a[i] + b[i]


@kernel
def mc_pi(counts, samples):
    i = cb.get_global_id(0)
    s = cb.uint32(i) * cb.uint32(2654435761) + cb.uint32(12345)
    hits = cb.int32(0)
    for _ in range(samples):
        s ^= s << 13
        s ^= s >> 17
        s ^= s << 5
        x = cb.float32(s) * cb.float32(2.3283064e-10)
        s ^= s << 13
        s ^= s >> 17
        s ^= s << 5
        y = cb.float32(s) * cb.float32(2.3283064e-10)
        if x * x + y * y <= cb.float32(1.0):
            hits += 1
    counts[i] = hits


@kernel
def mandelbrot(out, max_iter):
    py = cb.get_global_id(0)
    px = cb.get_global_id(1)
    cr = cb.float32(-2.0) + cb.float32(px) * cb.float32(3.0) / cb.float32(out.shape[1])
    ci = cb.float32(-1.5) + cb.float32(py) * cb.float32(3.0) / cb.float32(out.shape[0])
    zr = cb.float32(0.0)
    zi = cb.float32(0.0)
    n = cb.int32(0)
    while n < max_iter and zr * zr + zi * zi <= cb.float32(4.0):
        t = zr * zr - zi * zi + cr
        zi = cb.float32(2.0) * zr * zi + ci
        zr = t
        n += 1
    out[py, px] = n


HAND = """
#pragma OPENCL FP_CONTRACT OFF
__kernel void vadd(__global const float* a, __global const float* b, __global float* c) {
  size_t i = get_global_id(0); c[i] = a[i] + b[i];
}
__kernel void mc_pi(__global int* counts, long samples) {
  size_t i = get_global_id(0);
  uint s = (uint)i * 2654435761u + 12345u; int hits = 0;
  for (long k = 0; k < samples; k++) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5; float x = (float)s * 2.3283064e-10f;
    s ^= s << 13; s ^= s >> 17; s ^= s << 5; float y = (float)s * 2.3283064e-10f;
    if (x * x + y * y <= 1.0f) hits++;
  }
  counts[i] = hits;
}
__kernel void mandelbrot(__global int* out, int max_iter) {
  size_t py = get_global_id(0), px = get_global_id(1), h = get_global_size(0), w = get_global_size(1);
  float cr = -2.0f + (float)px * 3.0f / (float)w, ci = -1.5f + (float)py * 3.0f / (float)h;
  float zr = 0.0f, zi = 0.0f; int n = 0;
  while (n < max_iter && zr * zr + zi * zi <= 4.0f) {
    float t = zr * zr - zi * zi + cr; zi = 2.0f * zr * zi + ci; zr = t; n++;
  }
  out[py * w + px] = n;
}
"""


def median_time(fn, reps: int) -> float:
    fn()  # warm-up (compiles)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="opencl")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--launches", type=int, default=10_000)
    opts = ap.parse_args()
    dev = select_device(opts.device)
    be = dev.impl
    queue = dev.queue.native
    ctx = queue.context
    prg = cl.Program(ctx, HAND).build()
    mf = cl.mem_flags
    print(f"device: {dev} ({dev.name})")

    n = 1 << 22
    a, b = np.random.default_rng(0).random((2, n), dtype=np.float32)
    da, db, dc = asarray(a, device=dev), asarray(b, device=dev), zeros((n,), dtype="float32", device=dev)
    ha, hb = (cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=x) for x in (a, b))
    hc = cl.Buffer(ctx, mf.WRITE_ONLY, size=a.nbytes)
    k_vadd, k_pi, k_mb = prg.vadd, prg.mc_pi, prg.mandelbrot
    k_pi.set_scalar_arg_dtypes([None, np.int64])
    k_mb.set_scalar_arg_dtypes([None, np.int32])

    items, samples = 1 << 14, 1000
    dcounts = zeros((items,), dtype="int32", device=dev)
    hcounts = cl.Buffer(ctx, mf.READ_WRITE, size=4 * items)
    h, w, iters = 512, 768, 200
    dimg = zeros((h, w), dtype="int32", device=dev)
    himg = cl.Buffer(ctx, mf.READ_WRITE, size=4 * h * w)

    rows = [
        ("vector add (4M float32)", lambda: vadd[n](da, db, dc).wait(),
         lambda: (k_vadd(queue, (n,), None, ha, hb, hc), queue.finish())),
        ("Monte Carlo pi (16k x 1000)", lambda: mc_pi[items](dcounts, samples).wait(),
         lambda: (k_pi(queue, (items,), None, hcounts, samples), queue.finish())),
        ("Mandelbrot (512x768, 200 it)", lambda: mandelbrot[(h, w), None](dimg, np.int32(iters)).wait(),
         lambda: (k_mb(queue, (h, w), None, himg, iters), queue.finish())),
    ]
    print(f"{'workload':32s} {'cambrian ms':>12s} {'pyopencl ms':>12s} {'ratio':>7s}")
    for name, ours, theirs in rows:
        t_ours, t_theirs = median_time(ours, opts.reps), median_time(theirs, opts.reps)
        print(f"{name:32s} {t_ours * 1e3:12.3f} {t_theirs * 1e3:12.3f} {t_ours / t_theirs:7.2f}")

    # same results as the hand-written kernels
    hand = np.empty(items, np.int32)
    cl.enqueue_copy(queue, hand, hcounts)
    assert (asnumpy(dcounts) == hand).all(), "Monte Carlo pi differs from the hand-written kernel"
    img = np.empty((h, w), np.int32)
    cl.enqueue_copy(queue, img, himg)
    assert (asnumpy(dimg) == img).all(), "Mandelbrot differs from the hand-written kernel"
    print(f"pi ~ {4 * hand.sum() / (items * samples):.4f}")

    # launch overhead: tiny vector add, per-launch cost without waiting (queue drained every 1000)
    m = 64
    sa, sb, sc = (asarray(np.ones(m, np.float32), device=dev) for _ in range(3))
    launcher = vadd[m]
    launcher(sa, sb, sc).wait()
    prog = next(iter(vadd._specs[dev].values())).program
    args = [x.__cambrian_array__() for x in (sa, sb, sc)]
    dq = dev.queue
    hbufs = [cl.Buffer(ctx, mf.READ_WRITE, size=4 * m) for _ in range(3)]

    def per_launch(fn) -> float:
        times = []
        for k in range(opts.launches):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
            if k % 1000 == 999:
                queue.finish()
        queue.finish()
        return statistics.median(times)

    t_direct = per_launch(lambda: k_vadd(queue, (m,), None, *hbufs))
    t_backend = per_launch(lambda: be.launch(dev, dq, prog, (m,), None, args))
    t_kernel = per_launch(lambda: launcher(sa, sb, sc))
    print(f"launch overhead over {opts.launches} launches (median per launch):")
    print(f"  direct PyOpenCL enqueue      {t_direct * 1e6:7.2f} us")
    for label, t in (("backend.launch", t_backend), ("kern[n](...) full path", t_kernel)):
        print(f"  {label:28s} {t * 1e6:7.2f} us  (+{(t - t_direct) * 1e6:.2f} us)")


if __name__ == "__main__":
    main()
