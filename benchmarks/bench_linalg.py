"""``cambrian.linalg``/``fft``/``matmul`` against NumPy, side by side (issue 14, "Speed").

Each row times NumPy on host arrays and Cambrian on device arrays of the same data in alternating
rounds and prints the medians and the ratio NumPy time / Cambrian time (>= 1: Cambrian as fast), with
the load average (this machine is shared: figures are noisy). Rows:

* ``matmul N dtype``: the library path (BLAS on the device memory);
* ``kernel N dtype``: ``matmul_kernel`` (Cambrian's generated tiled kernel, what devices without BLAS get);
* ``svd``, ``solve``, ``cholesky`` of N x N float64; ``fft`` of 2^k complex128; ``rfftn`` of M^3 float32.

    python benchmarks/bench_linalg.py [--devices cpu,opencl:cpu:0] [--rows matmul,kernel,lapack,fft]
        [--n 1024] [--lapack-n 2000] [--fft-log2 22] [--rfftn-m 256] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import cambrian as cb
from cambrian.array._linear_algebra import matmul_kernel


def side_by_side(a: Callable[[], Any], b: Callable[[], Any], rounds: int) -> tuple[float, float]:
    """Median seconds of ``a`` and ``b`` (after one untimed call of each), in alternating rounds."""
    a(), b()
    ta, tb = [], []
    for _ in range(rounds):
        for fn, ts in ((a, ta), (b, tb)):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
    return statistics.median(ta), statistics.median(tb)


def row(name: str, device: str, host: Callable[..., Any], dev: Callable[..., Any], operands: list[np.ndarray],
        rounds: int) -> None:
    """``host(*operands)`` (NumPy) against ``dev(*operands on device)`` (Cambrian), printed as one line."""
    xs = [cb.asarray(o, device=device) for o in operands]
    tn, tc = side_by_side(lambda: host(*operands), lambda: _sync(dev(*xs)), rounds)
    print(f"{name:<22} {device:<13} numpy {tn * 1e3:9.1f} ms  cambrian {tc * 1e3:9.1f} ms  "
          f"ratio {tn / tc:5.2f}x  load {os.getloadavg()[0]:.1f}", flush=True)


def _sync(r: Any) -> Any:
    for x in r if isinstance(r, tuple) else (r,):
        x.synchronize()
    return r


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--devices", default="cpu,opencl:cpu:0")
    p.add_argument("--rows", default="matmul,kernel,lapack,fft")
    p.add_argument("--n", default="1024")
    p.add_argument("--lapack-n", type=int, default=2000)
    p.add_argument("--fft-log2", type=int, default=22)
    p.add_argument("--rfftn-m", type=int, default=256)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    rows, rng, r = args.rows.split(","), np.random.default_rng(0), args.rounds
    for device in args.devices.split(","):
        for n in (int(v) for v in args.n.split(",")):
            for dt in ("float32", "float64"):
                ab = [rng.random((n, n)).astype(dt), rng.random((n, n)).astype(dt)]
                if "matmul" in rows:
                    row(f"matmul {n} {dt}", device, np.matmul, cb.matmul, ab, r)
                if "kernel" in rows:
                    row(f"kernel {n} {dt}", device, np.matmul, matmul_kernel, ab, r)
        if "lapack" in rows:
            n = args.lapack_n
            a = rng.random((n, n)) + n * np.eye(n)
            row(f"svd {n} float64", device, np.linalg.svd, cb.linalg.svd, [a], r)
            row(f"solve {n} float64", device, np.linalg.solve, cb.linalg.solve, [a, a], r)
            row(f"cholesky {n} float64", device, np.linalg.cholesky, cb.linalg.cholesky, [a @ a.T], r)
        if "fft" in rows:
            k, m = args.fft_log2, args.rfftn_m
            z = rng.random(1 << k) + 1j * rng.random(1 << k)
            row(f"fft 2^{k} complex128", device, np.fft.fft, cb.fft.fft, [z], r)
            cube = rng.random((m,) * 3, np.float32)
            row(f"rfftn {m}^3 float32", device, np.fft.rfftn, cb.fft.rfftn, [cube], r)


if __name__ == "__main__":
    main()
