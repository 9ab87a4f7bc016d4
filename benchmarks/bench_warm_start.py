"""Warm start of a new process, split into its parts: a cached kernel's first launch, from interpreter
start (``import numpy``, ``import cambrian``, the backend's library, device selection, the first launch
done). ``--src`` adds other checkouts' ``src`` directories, measured alternately with this one
(e.g. an older revision in a ``git worktree``), so both see the same machine load. With
``PYTHONDONTWRITEBYTECODE`` set, the measured processes use ``PYTHONPYCACHEPREFIX`` (a temporary
directory) instead, as every module would otherwise be compiled from source in each process.

    python benchmarks/bench_warm_start.py [--devices cpu,opencl:cpu:0] [--runs 7] [--src /tmp/old/src]
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
from pathlib import Path

PROBE = textwrap.dedent("""
    import time
    t0 = time.perf_counter()
    import json, sys
    import numpy as np
    t1 = time.perf_counter()
    import cambrian as cb
    t2 = time.perf_counter()
    __import__("numba" if sys.argv[1] == "cpu" else "pyopencl" if sys.argv[1].startswith("opencl") else "os")
    t3 = time.perf_counter()

    @cb.kernel
    def warm_start_parts(a, b):
        i = cb.get_global_id(0)
        b[i] = a[i] * 2.0 + 1.0

    d = cb.select_device(sys.argv[1])
    a = cb.ones(64, dtype=cb.float32, device=d)
    b = cb.zeros(64, dtype=cb.float32, device=d)
    t4 = time.perf_counter()
    warm_start_parts[64](a, b).wait()
    assert float(cb.asnumpy(b)[0]) == 3.0
    t5 = time.perf_counter()
    print(json.dumps({"total": t5 - t0, "numpy": t1 - t0, "cambrian": t2 - t1, "library": t3 - t2,
                      "device": t4 - t3, "launch": t5 - t4, "file": cb.__file__}))
""")


def run(device: str, src: str | None, script: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    if env.pop("PYTHONDONTWRITEBYTECODE", None):  # as users run: modules load from bytecode caches
        env.setdefault("PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "cambrian_bench_pycache"))
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, str(script), device], capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if src and not res["file"].startswith(src):
        raise RuntimeError(f"{src}: imported {res['file']} instead")
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--devices", default="cpu,opencl:cpu:0")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--src", action="append", default=[], help="another checkout's src directory")
    opts = p.parse_args()
    script = Path(tempfile.gettempdir()) / "cambrian_warm_start_parts.py"  # fixed path: same IR key
    script.write_text(PROBE)
    trees: list[str | None] = [None, *opts.src]
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for device in opts.devices.split(","):
        rows: dict[str | None, list[dict[str, float]]] = {t: [] for t in trees}
        for i in range(opts.runs + 1):
            for t in trees:
                res = run(device, t, script)
                if i:  # the first round fills the caches
                    rows[t].append(res)
        for t, rs in rows.items():
            med = {k: statistics.median(r[k] for r in rs) for k in ("total", "numpy", "cambrian", "library",
                                                                     "device", "launch")}
            parts = ", ".join(f"{k} {v:.3f}" for k, v in med.items() if k != "total")
            print(f"{device} ({t or 'this checkout'}): median {med['total']:.3f} s ({parts})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
