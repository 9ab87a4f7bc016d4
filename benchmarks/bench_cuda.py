"""CUDA speed goals (issue 6), on a GPU with CuPy:

* vector add (float32) at >= 85% of the device's copy bandwidth (CuPy device-to-device copy);
* Mandelbrot and Monte Carlo pi within 10% of the same kernel written as a CuPy RawKernel;
* launch overhead within 1.5x of a CuPy RawKernel launch (10,000 launches of a one-item kernel).

    python benchmarks/bench_cuda.py [--device cuda:0] [--repeats 20] [--json out.json]

Every timing is the median over ``--repeats`` runs, each synchronised; both sides run on the same
stream (Cambrian's queue of the device) so they see the same GPU.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import cambrian as cb
from cambrian.array import asarray, asnumpy
from cambrian.devices import select_device


@cb.kernel
def vadd(a, b, c):
    i = cb.get_global_id(0)
    c[i] = a[i] + b[i]


@cb.kernel
def mandel(out, x0, y0, dx, dy, maxiter):
    j = cb.get_global_id(0)
    i = cb.get_global_id(1)
    cr = x0 + cb.float32(j) * dx
    ci = y0 + cb.float32(i) * dy
    zr = cb.float32(0.0)
    zi = cb.float32(0.0)
    k = 0
    while k < maxiter and zr * zr + zi * zi <= 4.0:
        t = zr * zr - zi * zi + cr
        zi = 2.0 * zr * zi + ci
        zr = t
        k += 1
    out[i, j] = k


@cb.kernel
def pi_hits(out, samples):
    i = cb.get_global_id(0)
    state = cb.uint32(i) * cb.uint32(2654435761) + cb.uint32(12345)
    hits = 0
    for _ in range(samples):
        state = state * cb.uint32(1664525) + cb.uint32(1013904223)
        x = cb.float32(state >> 8) * cb.float32(5.9604645e-08)
        state = state * cb.uint32(1664525) + cb.uint32(1013904223)
        y = cb.float32(state >> 8) * cb.float32(5.9604645e-08)
        if x * x + y * y <= 1.0:
            hits += 1
    out[i] = hits


@cb.kernel
def tiny(a):
    a[cb.get_global_id(0)] = 1.0


RAW_SOURCE = r"""
extern "C" __global__ void raw_vadd(const float* a, const float* b, float* c, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}
extern "C" __global__ void raw_mandel(int* out, float x0, float y0, float dx, float dy, int maxiter,
                                      long long w) {
    long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long i = (long long)blockIdx.y * blockDim.y + threadIdx.y;
    float cr = x0 + (float)j * dx, ci = y0 + (float)i * dy, zr = 0.0f, zi = 0.0f;
    long long k = 0;
    while (k < maxiter && zr * zr + zi * zi <= 4.0f) {
        float t = zr * zr - zi * zi + cr;
        zi = 2.0f * zr * zi + ci;
        zr = t;
        k += 1;
    }
    out[i * w + j] = (int)k;
}
extern "C" __global__ void raw_pi(long long* out, long long samples) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    unsigned int state = (unsigned int)i * 2654435761u + 12345u;
    long long hits = 0;
    for (long long s = 0; s < samples; s++) {
        state = state * 1664525u + 1013904223u;
        float x = (float)(state >> 8) * 5.9604645e-08f;
        state = state * 1664525u + 1013904223u;
        float y = (float)(state >> 8) * 5.9604645e-08f;
        if (x * x + y * y <= 1.0f) hits += 1;
    }
    out[i] = hits;
}
extern "C" __global__ void raw_tiny(float* a) { a[blockIdx.x * blockDim.x + threadIdx.x] = 1.0f; }
"""


def median_time(fn: Callable[[], Any], sync: Callable[[], None], repeats: int) -> float:
    fn()
    sync()  # warm up: compile, load, first-touch
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(device: cb.Device, repeats: int) -> dict[str, dict[str, float]]:
    import cupy

    stream = device.queue.native
    sync = stream.synchronize
    raw = cupy.RawModule(code=RAW_SOURCE, options=("--fmad=false",))
    results: dict[str, dict[str, float]] = {}
    with cupy.cuda.Device(device.ordinal), stream:
        # -- vector add vs copy bandwidth
        n = 1 << 26
        a, b = (cupy.random.random(n, dtype=cupy.float32) for _ in range(2))
        c = cupy.empty_like(a)
        xa, xb, xc = (asarray(v) for v in (a, b, c))
        t_copy = median_time(lambda: c.__setitem__(Ellipsis, a), sync, repeats)
        t_vadd = median_time(lambda: vadd[n, 256](xa, xb, xc), sync, repeats)
        assert np.array_equal(asnumpy(xc)[:1000], cupy.asnumpy(a[:1000] + b[:1000]))
        copy_bw, vadd_bw = 2 * 4 * n / t_copy, 3 * 4 * n / t_vadd
        results["vadd_bandwidth"] = {"cambrian_GBps": vadd_bw / 1e9, "copy_GBps": copy_bw / 1e9,
                                     "ratio": vadd_bw / copy_bw, "goal": 0.85}

        # -- Mandelbrot
        w, h, maxiter = 4096, 4096, 256
        args = (np.float32(-2.0), np.float32(-1.25), np.float32(2.5 / w), np.float32(2.5 / h))
        out = cupy.zeros((h, w), cupy.int32)
        xout = asarray(out)
        t_cb = median_time(lambda: mandel[(w, h), (32, 8)](xout, *args, np.int32(maxiter)), sync, repeats)
        ref = cupy.zeros_like(out)
        fm = raw.get_function("raw_mandel")
        t_raw = median_time(lambda: fm((w // 32, h // 8), (32, 8), (ref, *args, np.int32(maxiter),
                                                                     np.int64(w))), sync, repeats)
        assert bool((out == ref).all()), "Mandelbrot results differ"
        results["mandelbrot"] = {"cambrian_s": t_cb, "rawkernel_s": t_raw, "ratio": t_cb / t_raw,
                                 "goal": 1.10}

        # -- Monte Carlo pi
        items, samples = 1 << 20, 256
        hits = cupy.zeros(items, cupy.int64)
        xhits = asarray(hits)
        t_cb = median_time(lambda: pi_hits[items, 256](xhits, np.int64(samples)), sync, repeats)
        ref_hits = cupy.zeros_like(hits)
        fp = raw.get_function("raw_pi")
        t_raw = median_time(lambda: fp((items // 256,), (256,), (ref_hits, np.int64(samples))), sync,
                            repeats)
        assert bool((hits == ref_hits).all()), "pi hit counts differ"
        pi = 4.0 * float(hits.sum()) / (items * samples)
        results["monte_carlo_pi"] = {"cambrian_s": t_cb, "rawkernel_s": t_raw, "ratio": t_cb / t_raw,
                                     "goal": 1.10, "pi": pi}

        # -- launch overhead
        launches = 10_000
        one = cupy.zeros(1, cupy.float32)
        xone = asarray(one)
        launcher = tiny[1, 1]
        ft = raw.get_function("raw_tiny")

        def cb_loop() -> None:
            for _ in range(launches):
                launcher(xone)

        def raw_loop() -> None:
            for _ in range(launches):
                ft((1,), (1,), (one,), stream=stream)

        t_cb = median_time(cb_loop, sync, max(3, repeats // 4)) / launches
        t_raw = median_time(raw_loop, sync, max(3, repeats // 4)) / launches
        results["launch_overhead"] = {"cambrian_us": t_cb * 1e6, "rawkernel_us": t_raw * 1e6,
                                      "ratio": t_cb / t_raw, "goal": 1.5}
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda:0")
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--json", help="write the results here as JSON")
    opts = p.parse_args(argv)
    device = select_device(opts.device)
    print(f"{device} {device.name} ({device.driver_version})")
    results = run(device, opts.repeats)
    ok = True
    for name, r in results.items():
        ratio, goal = r["ratio"], r["goal"]
        met = ratio >= goal if name == "vadd_bandwidth" else ratio <= goal
        ok &= met
        detail = ", ".join(f"{k}={v:.4g}" for k, v in r.items() if k not in ("ratio", "goal"))
        print(f"{name:18s} ratio {ratio:6.3f} (goal {'>=' if name == 'vadd_bandwidth' else '<='} "
              f"{goal}) {'MET' if met else 'MISSED'}  [{detail}]")
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump({"device": str(device), "name": device.name, "results": results}, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
