"""Tiled matrix multiply with work-group local memory and barriers (runs on CPUs too).

    python examples/matmul_tiled.py --device cpu --size 512
"""

import argparse
import time

import numpy as np

import cambrian as cb

TILE = 16


@cb.kernel
def matmul_tiled(a, b, c):
    ti = cb.get_local_id(0)
    tj = cb.get_local_id(1)
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    ta = cb.local_array((TILE, TILE), cb.float32)
    tb = cb.local_array((TILE, TILE), cb.float32)
    acc = cb.float32(0.0)
    for t in range(a.shape[1] // TILE):
        ta[ti, tj] = a[i, t * TILE + tj]
        tb[ti, tj] = b[t * TILE + ti, j]
        cb.barrier()
        for k in range(TILE):
            acc += ta[ti, k] * tb[k, tj]
        cb.barrier()
    c[i, j] = acc


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--device", default=None, help="filter string, e.g. cpu, opencl:cpu:0, cuda:0, interp")
    p.add_argument("--size", type=int, default=512, help="matrix size (a multiple of 16)")
    args = p.parse_args(argv)
    n = (args.size // TILE) * TILE or TILE
    device = cb.select_device(args.device)
    rng = np.random.default_rng(0)
    a_h = rng.standard_normal((n, n)).astype(np.float32)
    b_h = rng.standard_normal((n, n)).astype(np.float32)
    a, b = cb.asarray(a_h, device=device), cb.asarray(b_h, device=device)
    c = cb.zeros((n, n), dtype=cb.float32, device=device)
    matmul_tiled[(n, n), (TILE, TILE)](a, b, c).wait()
    t = time.perf_counter()
    matmul_tiled[(n, n), (TILE, TILE)](a, b, c).wait()
    dt = time.perf_counter() - t
    err = float(np.abs(cb.asnumpy(c) - a_h @ b_h).max())
    print(f"tiled matmul {n}x{n} on {device}: {dt * 1e3:.1f} ms, {2 * n**3 / dt / 1e9:.2f} GFLOP/s, "
          f"max error vs NumPy {err:.2e}")
    return 0 if err < 1e-3 * n else 1


if __name__ == "__main__":
    raise SystemExit(main())
