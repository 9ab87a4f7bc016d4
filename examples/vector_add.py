"""Vector add: the "hello world" of accelerators, on any device.

    python examples/vector_add.py --device opencl:cpu:0 --size 10000000
"""

import argparse
import time

import numpy as np

import cambrian as cb


@cb.kernel
def vadd(a, b, c):
    i = cb.get_global_id(0)
    c[i] = a[i] + b[i]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--device", default=None, help="filter string, e.g. cpu, opencl:cpu:0, cuda:0, interp")
    p.add_argument("--size", type=int, default=10_000_000)
    args = p.parse_args(argv)
    device = cb.select_device(args.device)
    rng = np.random.default_rng(0)
    a = cb.asarray(rng.standard_normal(args.size).astype(np.float32), device=device)
    b = cb.asarray(rng.standard_normal(args.size).astype(np.float32), device=device)
    c = cb.empty(args.size, dtype=cb.float32, device=device)
    vadd[args.size](a, b, c).wait()  # first launch compiles
    t = time.perf_counter()
    vadd[args.size](a, b, c).wait()
    dt = time.perf_counter() - t
    ok = np.array_equal(cb.asnumpy(c), cb.asnumpy(a) + cb.asnumpy(b))
    print(f"vector add of {args.size} float32 on {device} ({device.name}): {dt * 1e3:.3f} ms, "
          f"{3 * 4 * args.size / dt / 1e9:.2f} GB/s, correct={ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
