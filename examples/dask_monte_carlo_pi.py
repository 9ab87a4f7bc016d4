"""Monte Carlo pi on Dask with a Cambrian kernel per chunk (the PyCon JP slides' Dask pi, on any device).

Each chunk of a Dask array is one block of samples: a Cambrian kernel draws Philox random points on the
device and counts those inside the unit circle; Dask sums the counts. The same stream on every device,
so the estimate does not depend on the device, the chunking or the scheduler.

    python examples/dask_monte_carlo_pi.py --scheduler threads --device opencl:cpu:0
    python examples/dask_monte_carlo_pi.py --scheduler distributed --workers 2 --size 100000000
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import cambrian as cb

SEED = 20240917


@cb.kernel
def count_hits(hits, seed, first, per_item):
    i = cb.get_global_id(0)
    count = 0
    start = first + i * per_item
    for s in range(per_item):
        k = 2 * (start + s)
        x = cb.random.uniform_f32(seed, k)
        y = cb.random.uniform_f32(seed, k + 1)
        if x * x + y * y <= 1.0:
            count += 1
    hits[i] = count


def chunk_hits(block, items, per_item, device):
    """Hits of chunk ``block[0]`` (``items * per_item`` samples) as a 1-element array on ``device``."""
    if block.size == 0:  # Dask's meta call
        return cb.empty((0,), dtype=cb.int64, device=device)
    hits = cb.empty(items, dtype=cb.int64, device=device)
    first = int(block[0]) * items * per_item  # block: the chunk's index (a NumPy array of one)
    count_hits[items](hits, np.uint64(SEED), np.int64(first), np.int64(per_item))
    return cb.reshape(cb.sum(hits), (1,))


def estimate(size, chunks, device, scheduler, workers=2):
    """``(pi, seconds)`` from ``size`` samples in ``chunks`` Dask chunks run by ``scheduler``."""
    import dask.array as da

    per_item = 256 if size >= 256 * 64 * chunks else 1
    items = max(size // (per_item * chunks), 1)
    blocks = da.arange(chunks, chunks=1)
    counts = blocks.map_blocks(chunk_hits, items, per_item, device, dtype=np.int64,
                               meta=cb.empty((0,), dtype=cb.int64, device=device))
    total = counts.sum()
    client = cluster = None
    if scheduler == "distributed":
        from distributed import Client, LocalCluster

        from cambrian.dask import CambrianPlugin

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        client.register_plugin(CambrianPlugin(device))
    try:
        t = time.perf_counter()
        result = total.compute(**({} if client else {"scheduler": scheduler}))
        dt = time.perf_counter() - t
    finally:
        if client is not None:
            client.close()
            cluster.close()
    hits = int(cb.asnumpy(result)) if isinstance(result, cb.Array) else int(result)
    return 4.0 * hits / (items * per_item * chunks), dt, type(result).__name__


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default=None, help="filter string, e.g. cpu, opencl:cpu:0, cuda:0, interp")
    p.add_argument("--size", type=int, default=10_000_000, help="number of samples")
    p.add_argument("--chunks", type=int, default=8, help="number of Dask chunks")
    p.add_argument("--scheduler", choices=("threads", "processes", "sync", "distributed"), default="threads")
    p.add_argument("--workers", type=int, default=2, help="worker processes (distributed)")
    args = p.parse_args(argv)
    device = cb.select_device(args.device).filter_string
    pi, dt, kind = estimate(args.size, args.chunks, device, args.scheduler, args.workers)
    print(f"pi ~ {pi:.6f} (error {abs(pi - math.pi):.2e}) on {device}, {args.chunks} chunks, "
          f"scheduler {args.scheduler}: {dt * 1e3:.1f} ms (first call, compile included); result: {kind}")
    return 0 if abs(pi - math.pi) < 0.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
