"""Launch overhead and cached warm start of ``kern[n](...)`` on the cpu and opencl devices.

Launch overhead: Cambrian's own cost per launch above the raw backend call (a direct call of the compiled
Numba launcher; a direct PyOpenCL enqueue of the built kernel), median over 10,000 launches of a tiny
kernel written the plain way (``tiny[16](a, b)``: a new launcher expression each call) with device arrays,
measured in interleaved rounds so every variant sees the same machine load; also the cost with the
launcher kept (``launch = tiny[16]`` once) and with NumPy arguments.
Warm start: a new process that launches an already compiled kernel (disk cache), timed from interpreter
start to the end of the first launch, and the part after ``import numba``/``import pyopencl``.

    python benchmarks/bench_launch.py [--launches 10000] [--devices cpu,opencl] [--no-warm-start]
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
from typing import Any

import numpy as np

import cambrian as cb


@cb.kernel
def tiny(a, b):
    i = cb.get_global_id(0)
    b[i] = a[i] + 1.0


def raw_call(device: cb.Device, a: cb.Array, b: cb.Array):
    """The raw backend call of the already built ``tiny`` program for these arrays."""
    program = next(iter(tiny._specs[device].values())).program
    if device.backend == "cpu":  # the compiled Numba function the backend calls for 16 work-items
        va, vb = a.__cambrian_array__().view, b.__cambrian_array__().view
        serial = getattr(program, "serial1", None)
        if serial is not None and 16 <= getattr(program, "serial_items", 0):
            return lambda: serial(16, 1, va, vb)  # small launches run on the calling thread
        return lambda: program.launch1(16, 1, va, vb)
    queue = device.queue.native
    vals = []
    for arr in (a, b):
        arg = arr.__cambrian_array__()
        vals += [arg.buffer, np.int64(arg.offset), np.int64(arg.shape[0])]
    kernel = program.kernel
    return lambda: kernel(queue, (16,), None, *vals)


def overhead(device: cb.Device, launches: int,
             clock: Any = time.perf_counter) -> tuple[float, float, float, float]:
    """Median seconds per launch: ``tiny[16](a, b)`` written the plain way (a new ``tiny[16]`` each call,
    device arrays), the raw backend call, the same launch with the ``tiny[16]`` launcher kept, and the
    plain launch with NumPy arguments (copied in and out on ``opencl``; in place on ``cpu``). ``clock``:
    wall time, or ``time.thread_time`` (the calling thread's CPU time: what a busy machine disturbs least;
    the driver's own threads are not counted)."""
    a = cb.zeros(16, dtype=cb.float32, device=device)
    b = cb.zeros(16, dtype=cb.float32, device=device)
    ha, hb = np.zeros(16, np.float32), np.zeros(16, np.float32)
    tiny[16](a, b).wait()
    with cb.using(device):
        tiny[16](ha, hb).wait()
    launch = tiny[16]

    def numpy_args() -> None:
        with cb.using(device):
            tiny[16](ha, hb)

    fns = ((lambda: tiny[16](a, b)), raw_call(device, a, b), (lambda: launch(a, b)), numpy_args)
    times: list[list[float]] = [[] for _ in fns]
    batch = 250
    for _ in range(max(launches // batch, 1)):
        for fn, out in zip(fns, times, strict=True):
            t = clock()
            for _ in range(batch):
                fn()
            out.append((clock() - t) / batch)
            device.synchronize()
    ours, raw, kept, host = (statistics.median(t) for t in times)
    return ours, raw, kept, host


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
    p.add_argument("--no-warm-start", action="store_true", help="measure the launch overhead only")
    opts = p.parse_args()
    print(f"load average {os.getloadavg()} on {os.cpu_count()} cores (a shared machine: figures are noisy)")
    for device in cb.devices(opts.devices):
        for label, clock in (("wall", time.perf_counter), ("thread CPU", time.thread_time)):
            ours, raw, kept, host = overhead(device, opts.launches, clock)
            print(f"{device} ({label} time): kern[n](...) {ours * 1e6:.2f} us, raw backend call "
                  f"{raw * 1e6:.2f} us, Cambrian's own cost {(ours - raw) * 1e6:.2f} us per launch (median "
                  f"of {opts.launches} launches; launcher kept: {kept * 1e6:.2f} us; NumPy arguments: "
                  f"{host * 1e6:.2f} us)")
    if opts.no_warm_start:
        return
    for device in cb.devices(opts.devices):
        wall, total, after = warm_start(device)
        print(f"{device}: cached warm start: process {wall:.3f} s, in-process {total:.3f} s "
              f"({after:.3f} s after importing the backend library)")


if __name__ == "__main__":
    main()
