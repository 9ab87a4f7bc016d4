"""Tiny launches beside a busy neighbour: the cost of ``k[64](a, b)`` in fresh processes while another
process runs small Numba-parallel loops (another user's job, a second Dask worker).

The neighbour is a plain Numba program (default OpenMP settings: its idle workers spin) that sums
100,000 float64 with ``prange`` in a loop. Then ``--procs`` fresh processes each import Cambrian, warm
up a tiny kernel on the device (device arrays) and time ``--launches`` single launches, each ending in
``.wait()``; each process reports its median and its maximum. A process is "collapsed" when its
median is above 100 us (one scheduler time slice is several ms). The same runs with no neighbour give
the quiet figures. ``--dask`` also runs the tiny launches inside a Dask LocalCluster with 2 worker
processes (each worker launches while the other does too, plus the Numba neighbour).

    python benchmarks/bench_load.py [--devices cpu,opencl:cpu:0] [--procs 6] [--launches 2000] [--dask]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

NEIGHBOUR = textwrap.dedent("""
    import numpy as np, numba, time
    @numba.njit(parallel=True)
    def total(a):
        s = 0.0
        for i in numba.prange(a.size):
            s += a[i]
        return s
    a = np.ones(100_000)
    total(a)
    print("ready", flush=True)
    end = time.time() + {seconds}
    while time.time() < end:
        total(a)
""")

CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    import cambrian as cb

    @cb.kernel
    def load_probe(a, b):
        i = cb.get_global_id(0)
        b[i] = a[i] + 1.0

    def measure(dev, launches):
        d = cb.select_device(dev)
        a = cb.ones(64, dtype=cb.float64, device=d)
        b = cb.zeros(64, dtype=cb.float64, device=d)
        for _ in range(50):
            load_probe[64](a, b).wait()
        t = []
        clock = time.perf_counter
        for _ in range(launches):
            t0 = clock()
            load_probe[64](a, b).wait()
            t.append(clock() - t0)
        assert float(cb.asnumpy(b)[0]) == 2.0
        t.sort()
        return {"median_us": t[len(t) // 2] * 1e6, "p99_us": t[int(len(t) * 0.99)] * 1e6,
                "max_us": t[-1] * 1e6}

    if __name__ == "__main__":
        print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
""")


def _env(**extra: str) -> dict[str, str]:
    """The environment of a fresh process: none of this process's OpenMP settings (Cambrian's import
    sets OMP_WAIT_POLICY for its own process; the neighbour must keep Numba's defaults)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_", "KMP_"))}
    return env | {"PYTHONWARNINGS": "ignore"} | extra


def child_file() -> str:
    """The child script as a file (kernels need their source: ``python -c`` has none)."""
    path = os.path.join(tempfile.gettempdir(), "cambrian_bench_load_child.py")  # fixed: same IR key
    with open(path, "w") as f:
        f.write(CHILD)
    return path


def run_children(device: str, procs: int, launches: int, extra: dict[str, str]) -> list[dict[str, float]]:
    out = []
    for _ in range(procs):
        res = subprocess.run([sys.executable, child_file(), device, str(launches)], capture_output=True,
                             text=True, env=_env(**extra))
        if res.returncode:
            raise RuntimeError(f"the measured process failed:\n{res.stderr[-3000:]}")
        out.append(json.loads(res.stdout.strip().splitlines()[-1]))
    return out


def start_neighbour(seconds: float) -> subprocess.Popen[str]:
    p = subprocess.Popen([sys.executable, "-c", NEIGHBOUR.format(seconds=seconds)], stdout=subprocess.PIPE,
                         text=True, env=_env())
    assert p.stdout is not None
    if p.stdout.readline().strip() != "ready":  # compiled and running
        raise RuntimeError("the Numba neighbour process failed to start")
    return p


def summary(label: str, rows: list[dict[str, float]]) -> str:
    meds = [r["median_us"] for r in rows]
    worst = max(r["max_us"] for r in rows)
    collapsed = sum(m > 100 for m in meds)
    return (f"{label}: per-process medians {' '.join(f'{m:.1f}' for m in meds)} us; median of medians "
            f"{statistics.median(meds):.1f} us, worst median {max(meds):.1f} us, worst p99 "
            f"{max(r['p99_us'] for r in rows):.1f} us, worst single launch {worst:.0f} us; "
            f"{collapsed}/{len(rows)} processes above 100 us")


DASK = textwrap.dedent("""
    import json, sys
    from dask.distributed import Client, LocalCluster

    def task(dev, launches):
        import runpy
        ns = runpy.run_path({child!r})
        return ns["measure"](dev, launches)

    if __name__ == "__main__":
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, Client(cluster) as c:
            futs = [c.submit(task, sys.argv[1], int(sys.argv[2]), pure=False, workers=[w])
                    for w in c.scheduler_info()["workers"]]
            print(json.dumps(c.gather(futs)))
""")


def run_dask(device: str, launches: int) -> list[dict[str, float]]:
    script = DASK.format(child=child_file())
    res = subprocess.run([sys.executable, "-c", script, device, str(launches)], capture_output=True,
                         text=True, env=_env(), check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--devices", default="cpu,opencl:cpu:0")
    p.add_argument("--procs", type=int, default=6)
    p.add_argument("--launches", type=int, default=2000)
    p.add_argument("--dask", action="store_true")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                   help="set in the measured processes only (OMP_WAIT_POLICY=ACTIVE, "
                        "NUMBA_THREADING_LAYER=tbb, CAMBRIAN_CPU_SERIAL_ITEMS=0...)")
    p.add_argument("--no-quiet", action="store_true", help="skip the runs without a neighbour")
    opts = p.parse_args()
    extra = dict(e.split("=", 1) for e in opts.env)
    print(f"load average before: {os.getloadavg()[0]:.2f}; settings of the measured processes: "
          f"{extra or 'defaults'}")
    devices = opts.devices.split(",")
    for dev in devices if not opts.no_quiet else ():
        print(summary(f"{dev} quiet", run_children(dev, opts.procs, opts.launches, extra)), flush=True)
    neighbour = start_neighbour(3600)
    try:
        time.sleep(0.5)
        for dev in devices:
            print(summary(f"{dev} beside a Numba-parallel neighbour",
                          run_children(dev, opts.procs, opts.launches, extra)), flush=True)
            if opts.dask:
                print(summary(f"{dev} in 2 Dask worker processes beside the neighbour",
                              run_dask(dev, opts.launches)), flush=True)
    finally:
        neighbour.kill()
        neighbour.wait()


if __name__ == "__main__":
    main()
