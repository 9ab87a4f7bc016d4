"""Histogram with atomic adds: exact on every device.

    python examples/histogram.py --device opencl:cpu:0 --size 1000000 --bins 64
"""

import argparse

import numpy as np

import cambrian as cb


@cb.kernel
def histogram(values, hist):
    i = cb.get_global_id(0)
    cb.atomic_add(hist, values[i], 1)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--device", default=None, help="filter string, e.g. cpu, opencl:cpu:0, cuda:0, interp")
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--bins", type=int, default=64)
    args = p.parse_args(argv)
    device = cb.select_device(args.device)
    values_h = np.random.default_rng(0).integers(0, args.bins, args.size).astype(np.int32)
    values = cb.asarray(values_h, device=device)
    hist = cb.zeros(args.bins, dtype=cb.int32, device=device)
    histogram[args.size](values, hist).wait()
    ok = np.array_equal(cb.asnumpy(hist), np.bincount(values_h, minlength=args.bins))
    print(f"histogram of {args.size} values into {args.bins} bins on {device}: exact={ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
