"""Monte Carlo estimate of pi with a counter-based hash per sample: the same estimate on every device.

    python examples/monte_carlo_pi.py --device cpu --size 10000000
"""

import argparse
import math
import time

import numpy as np

import cambrian as cb


@cb.func
def hash32(k):
    x = cb.uint32(k)
    x ^= x >> 16
    x *= cb.uint32(0x7FEB352D)
    x ^= x >> 15
    x *= cb.uint32(0x846CA68B)
    x ^= x >> 16
    return x


@cb.kernel
def count_hits(hits, samples_per_item):
    i = cb.get_global_id(0)
    count = 0
    for s in range(samples_per_item):
        k = i * samples_per_item + s
        x = cb.float32(hash32(2 * k)) * cb.float32(2.0**-32)
        y = cb.float32(hash32(2 * k + 1)) * cb.float32(2.0**-32)
        if x * x + y * y <= 1.0:
            count += 1
    hits[i] = count


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--device", default=None, help="filter string, e.g. cpu, opencl:cpu:0, cuda:0, interp")
    p.add_argument("--size", type=int, default=10_000_000, help="number of samples")
    args = p.parse_args(argv)
    device = cb.select_device(args.device)
    per_item = 256 if args.size >= 256 * 64 else 1
    items = max(args.size // per_item, 1)
    hits = cb.zeros(items, dtype=cb.int32, device=device)
    t = time.perf_counter()
    count_hits[items](hits, np.int32(per_item)).wait()
    dt = time.perf_counter() - t
    pi = 4.0 * int(cb.asnumpy(hits).sum(dtype=np.int64)) / (items * per_item)
    print(f"pi ~ {pi:.6f} (error {abs(pi - math.pi):.2e}) from {items * per_item} samples on {device} "
          f"in {dt * 1e3:.1f} ms (first call, compile included)")
    return 0 if abs(pi - math.pi) < 0.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
