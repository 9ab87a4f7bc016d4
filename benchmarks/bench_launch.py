"""Launch overhead and cached warm start of ``kern[n](...)`` on the cpu and opencl devices.

Launch overhead: Cambrian's own cost per launch above the raw backend call (a direct call of the compiled
Numba launcher; a direct PyOpenCL enqueue of the built kernel), median over 10,000 launches of a tiny
kernel with device arrays, measured in interleaved rounds so both sides see the same machine load.
Warm start: a new process that launches an already compiled kernel (disk cache), timed from interpreter
start to the end of the first launch, and the part after ``import numba``/``import pyopencl``.

    python benchmarks/bench_launch.py [--launches 10000] [--devices cpu,opencl]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

import cambrian as cb


@cb.kernel
def tiny(a, b):
    i = cb.get_global_id(0)
    b[i] = a[i] + 1.0


def raw_call(device: cb.Device, a: cb.Array, b: cb.Array):
    """The raw backend call of the already built ``tiny`` program for these arrays."""
    program = next(iter(tiny._specs[device].values())).program
    if device.backend == "cpu":
        va, vb = a.__cambrian_array__().view, b.__cambrian_array__().view
        return lambda: program.launch1(16, 1, va, vb)
    queue = device.queue.native
    vals = []
    for arr in (a, b):
        arg = arr.__cambrian_array__()
        vals += [arg.buffer, np.int64(arg.offset), np.int64(arg.shape[0])]
    kernel = program.kernel
    return lambda: kernel(queue, (16,), None, *vals)


def overhead(device: cb.Device, launches: int) -> tuple[float, float]:
    a = cb.zeros(16, dtype=cb.float32, device=device)
    b = cb.zeros(16, dtype=cb.float32, device=device)
    tiny[16](a, b).wait()
    launch = tiny[16]
    ours, raw = (lambda: launch(a, b)), raw_call(device, a, b)
    t_ours, t_raw, batch = [], [], 250
    for _ in range(max(launches // batch, 1)):
        for fn, out in ((ours, t_ours), (raw, t_raw)):
            t = time.perf_counter()
            for _ in range(batch):
                fn()
            out.append((time.perf_counter() - t) / batch)
            device.synchronize()
    return statistics.median(t_ours), statistics.median(t_raw)


WARM = textwrap.dedent("""
    import time
    t0 = time.perf_counter()
    import {lib}
    t1 = time.perf_counter()
    import numpy as np
    import cambrian as cb
    @cb.kernel
    def warm_start_probe(a, b):
        i = cb.get_global_id(0)
        b[i] = a[i] * 2.0 + 1.0
    d = cb.select_device("{dev}")
    a = cb.ones(64, dtype=cb.float32, device=d)
    b = cb.zeros(64, dtype=cb.float32, device=d)
    warm_start_probe[64](a, b).wait()
    assert float(cb.asnumpy(b)[0]) == 3.0
    t2 = time.perf_counter()
    print(t2 - t0, t2 - t1)
""")


def warm_start(device: cb.Device, runs: int = 5) -> tuple[float, float, float]:
    """(process wall time, in-process time from start, in-process time after importing the backend's
    library), medians over ``runs`` after one run that fills the cache."""
    lib = "numba" if device.backend == "cpu" else "pyopencl" if device.backend == "opencl" else "numpy"
    script = Path(tempfile.gettempdir()) / "cambrian_warm_start_probe.py"  # a fixed path: same IR key
    script.write_text(WARM.format(lib=lib, dev=str(device)))
    walls, totals, afters = [], [], []
    for i in range(runs + 1):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True,
                             env=os.environ | {"PYTHONWARNINGS": "ignore"})
        wall = time.perf_counter() - t
        if i:
            total, after = (float(x) for x in out.stdout.split())
            walls.append(wall)
            totals.append(total)
            afters.append(after)
    return statistics.median(walls), statistics.median(totals), statistics.median(afters)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--launches", type=int, default=10_000)
    p.add_argument("--devices", default="cpu,opencl")
    opts = p.parse_args()
    for device in cb.devices(opts.devices):
        ours, raw = overhead(device, opts.launches)
        print(f"{device}: kern[n](...) {ours * 1e6:.2f} us, raw backend call {raw * 1e6:.2f} us, "
              f"Cambrian's own cost {(ours - raw) * 1e6:.2f} us per launch (median of "
              f"{opts.launches} launches)")
    for device in cb.devices(opts.devices):
        wall, total, after = warm_start(device)
        print(f"{device}: cached warm start: process {wall:.3f} s, in-process {total:.3f} s "
              f"({after:.3f} s after importing the backend library)")


if __name__ == "__main__":
    main()
