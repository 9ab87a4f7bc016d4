"""The array namespace against NumPy, side by side (issue 12, "Speed and memory").

(a) call overhead of ``x + y`` on 1,000 float64 device arrays, dispatch to result (on asynchronous devices
    also the enqueue-only time, and a raw PyOpenCL enqueue of a trivial kernel for reference), against
    NumPy's ``a + b``;
(b) throughput on 10^7 float64 of ``x + y``, ``x * 2``, ``exp``, ``sin``, ``log``, ``sqrt``, ``x ** 2.5``,
    with ``out=`` and with a new result: ratio = NumPy time / Cambrian time (> 1: Cambrian faster);
(c) first call of a new (function, dtype) in a fresh process: cold (empty ``CAMBRIAN_CACHE_DIR``) and warm
    (a second process, same cache directory), per device, the kernel path forced on ``cpu``
    (``CAMBRIAN_HOST_MATH_MAX=0``).

A and B run in alternating blocks in one process and the medians are compared, so both see the same
machine load; the load average is printed with the results (figures on a shared machine are noisy).

    python benchmarks/bench_arrays.py [--devices cpu,opencl:cpu:0] [--parts abc] [--json PATH]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import cambrian as cb

Fn = Callable[[], Any]


def side_by_side(a: Fn, b: Fn, rounds: int, calls: int = 1, after_b: Fn | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    """Median seconds per call of ``a`` and of ``b``, timed in alternating blocks of ``calls`` calls;
    ``after_b`` (untimed) runs after each block of ``b`` (draining a queue). ``clock``: wall time, or
    ``time.thread_time`` (the calling thread's CPU time)."""
    ta: list[float] = []
    tb: list[float] = []
    a()
    b()
    if after_b:
        after_b()
    for _ in range(rounds):
        for fn, out in ((a, ta), (b, tb)):
            t0 = clock()
            for _ in range(calls):
                fn()
            out.append((clock() - t0) / calls)
            if fn is b and after_b:
                after_b()
    return statistics.median(ta), statistics.median(tb)


def _rounds_for(fn: Fn, budget_s: float, most: int, least: int = 3) -> int:
    """As many rounds as fit ``budget_s`` for a call as slow as one timed call of ``fn``."""
    t0 = time.perf_counter()
    fn()
    per = time.perf_counter() - t0
    return max(least, min(most, int(budget_s / max(per, 1e-9))))


def _to_result(device: cb.Device, fn: Callable[[], Any]) -> Fn:
    """``fn`` until its result is ready (synchronised on asynchronous devices)."""
    if not device.impl.asynchronous:
        return fn
    return lambda: fn().synchronize()


# ---- (a) call overhead ---------------------------------------------------------------------------------

RAW_OPENCL = """__kernel void add(__global const double* a, __global const double* b, __global double* c) {
  size_t i = get_global_id(0); c[i] = a[i] + b[i];
}"""


def _raw_opencl(device: cb.Device, x: cb.Array, y: cb.Array, z: cb.Array) -> tuple[Fn, Fn]:
    """A raw PyOpenCL enqueue of a trivial kernel on Cambrian's queue and buffers, and enqueue + wait."""
    import pyopencl as cl

    queue = device.queue.native
    kernel = cl.Kernel(cl.Program(queue.context, RAW_OPENCL).build(), "add")
    bufs = [a.__cambrian_array__().buffer for a in (x, y, z)]
    n = (x.shape[0],)

    def enqueue() -> Any:
        return kernel(queue, n, None, *bufs)

    return enqueue, lambda: enqueue().wait()


def overhead(device: cb.Device, rounds: int, calls: int, n: int = 1000) -> dict[str, float]:
    """Seconds per call: NumPy ``a + b`` and Cambrian ``x + y`` (to result; enqueue only; raw PyOpenCL)."""
    rng = np.random.default_rng(0)
    a, b = rng.random(n), rng.random(n)
    x, y = cb.asarray(a, device=device), cb.asarray(b, device=device)
    out: dict[str, float] = {}
    to_result = _to_result(device, lambda: x + y)
    out["numpy"], out["to_result"] = side_by_side(lambda: a + b, to_result, rounds, calls)
    if device.impl.asynchronous:
        _, out["enqueue"] = side_by_side(lambda: a + b, lambda: x + y, rounds, calls, device.synchronize)
        _, out["enqueue_cpu"] = side_by_side(lambda: a + b, lambda: x + y, rounds, calls, device.synchronize,
                                             time.thread_time)
        if device.backend == "opencl":
            z = x + y
            enqueue, waited = _raw_opencl(device, x, y, z)
            _, out["raw_enqueue"] = side_by_side(lambda: a + b, enqueue, rounds, calls, device.synchronize)
            _, out["raw_to_result"] = side_by_side(lambda: a + b, waited, rounds, calls)
    return out


# ---- (b) throughput ------------------------------------------------------------------------------------

#: name -> (NumPy ufunc, Cambrian function, operands: "x", "y" or a Python scalar).
OPS: dict[str, tuple[Any, Any, tuple[Any, ...]]] = {
    "x + y": (np.add, cb.add, ("x", "y")),
    "x * 2": (np.multiply, cb.multiply, ("x", 2)),
    "exp": (np.exp, cb.exp, ("x",)),
    "sin": (np.sin, cb.sin, ("x",)),
    "log": (np.log, cb.log, ("x",)),
    "sqrt": (np.sqrt, cb.sqrt, ("x",)),
    "x ** 2.5": (np.power, cb.pow, ("x", 2.5)),
}


def _operands(spec: tuple[Any, ...], arrays: dict[str, Any]) -> list[Any]:
    return [arrays[s] if isinstance(s, str) else s for s in spec]


def throughput(device: cb.Device, n: int, rounds: int, budget_s: float) -> dict[str, dict[str, float]]:
    """Per op: NumPy and Cambrian medians with ``out=`` and with a new result, and their ratios."""
    rng = np.random.default_rng(1)
    a, b = rng.random(n) + 0.5, rng.random(n) + 0.5  # positive: log, sqrt and ** stay real
    x, y = cb.asarray(a, device=device), cb.asarray(b, device=device)
    o_np, o_cb = np.empty(n), cb.empty((n,), dtype=cb.float64, device=device)
    results: dict[str, dict[str, float]] = {}
    for name, (uf, fn, spec) in OPS.items():
        np_args, cb_args = _operands(spec, {"x": a, "y": b}), _operands(spec, {"x": x, "y": y})
        got = cb.asnumpy(fn(*cb_args))  # warm-up (compiles) and a check of the values
        np.testing.assert_allclose(got, uf(*np_args), rtol=1e-13)
        pairs = {
            "out": (_call(uf, np_args, o_np), _to_result(device, _call(fn, cb_args, o_cb))),
            "new": (_call(uf, np_args), _to_result(device, _call(fn, cb_args))),
        }
        row: dict[str, float] = {}
        for mode, (np_fn, cb_fn) in pairs.items():
            k = min(_rounds_for(np_fn, budget_s / 2, rounds), _rounds_for(cb_fn, budget_s / 2, rounds))
            row[f"numpy_{mode}"], row[f"cambrian_{mode}"] = side_by_side(np_fn, cb_fn, k)
            row[f"ratio_{mode}"] = row[f"numpy_{mode}"] / row[f"cambrian_{mode}"]
        results[name] = row
    return results


def _call(fn: Any, args: list[Any], out: Any = None) -> Fn:
    if out is None:
        return lambda: fn(*args)
    return lambda: fn(*args, out=out)


# ---- (c) first call, cold and warm ---------------------------------------------------------------------

#: (function, dtype) pairs whose first call is timed (on 4,096 elements); "negative int16" primes the
#: process first (the one-time cost of a process's first kernel: the compiler's own start-up). The PoCL
#: kernel cache (POCL_CACHE_DIR) is in the same fresh directory, so "cold" is cold for PoCL as well.
FIRST_CALLS = (("add", "float64"), ("exp", "float64"), ("sin", "float32"), ("pow", "float64"))

CHILD = """
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import cambrian as cb
t_import = time.perf_counter() - t0
dev = cb.select_device(sys.argv[1])
res = {"import_s": t_import}

def first(name, dtype, args):
    arrays = [cb.asarray(np.linspace(0.5, 1.5, 4096).astype(dtype), device=dev) for _ in range(args)]
    dev.synchronize()
    fn = getattr(cb, name)
    t = time.perf_counter()
    out = fn(*arrays) if name != "pow" else fn(arrays[0], 2.5)
    out.synchronize()
    return time.perf_counter() - t

res["primer"] = first("negative", "int16", 1)
res["calls"] = [[name, dtype, first(name, dtype, 2 if name == "add" else 1)]
                for name, dtype in json.loads(sys.argv[2])]
res["total_s"] = time.perf_counter() - t0
print(json.dumps(res))
"""


def first_calls(device: cb.Device) -> dict[str, Any]:
    """Cold then warm: two fresh processes sharing a new, empty cache directory."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="cambrian-bench-arrays-") as tmp:
        env = os.environ | {"CAMBRIAN_CACHE_DIR": tmp, "CAMBRIAN_HOST_MATH_MAX": "0",
                            "POCL_CACHE_DIR": str(Path(tmp) / "pocl"), "PYTHONWARNINGS": "ignore"}
        for run in ("cold", "warm"):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", CHILD, str(device), json.dumps(FIRST_CALLS)],
                                  capture_output=True, text=True, env=env, check=False)
            if proc.returncode:
                raise RuntimeError(f"{device} {run} child failed:\n{proc.stderr[-2000:]}")
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            res["process_s"] = time.perf_counter() - t0
            out[run] = res
    return out


# ---- output ----------------------------------------------------------------------------------------------

def _us(t: float) -> str:
    return f"{t * 1e6:.1f} us"


def _ms(t: float) -> str:
    if t < 1e-3:
        return f"{t * 1e6:.0f} us"
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def print_overhead(res: dict[str, dict[str, float]]) -> None:
    print("(a) call overhead, x + y on 1,000 float64 (median per call)")
    for dev, r in res.items():
        parts = [f"NumPy a + b {_us(r['numpy'])}", f"to result {_us(r['to_result'])}"]
        for key, label in (("enqueue", "enqueue only"), ("enqueue_cpu", "enqueue only in thread CPU time"),
                           ("raw_enqueue", "raw PyOpenCL enqueue"),
                           ("raw_to_result", "raw PyOpenCL to result")):
            if key in r:
                parts.append(f"{label} {_us(r[key])}")
        print(f"  {dev:14} " + "; ".join(parts))


def print_throughput(res: dict[str, dict[str, dict[str, float]]], n: int) -> None:
    print(f"(b) throughput on {n:,} float64: NumPy / Cambrian median time (> 1: Cambrian faster)")
    devs = list(res)
    head = f"  {'op':10}" + "".join(f"{d + ' out=':>26}{d + ' new':>26}" for d in devs)
    print(head)
    for op in OPS:
        cells = []
        for d in devs:
            r = res[d][op]
            for mode in ("out", "new"):
                ratio, ours, theirs = (r[f"{k}_{mode}"] for k in ("ratio", "cambrian", "numpy"))
                cells.append(f"{ratio:5.2f}x ({_ms(ours)} vs {_ms(theirs)})")
        print(f"  {op:10}" + "".join(f"{c:>26}" for c in cells))


def print_first_calls(res: dict[str, dict[str, Any]]) -> None:
    print("(c) first call of a new (function, dtype) in a fresh process, kernel path (cold: empty cache "
          "dir; warm: from the disk cache)")
    for dev, r in res.items():
        cold, warm = r["cold"], r["warm"]
        cells = [f"import {_ms(cold['import_s'])} / {_ms(warm['import_s'])}",
                 f"first kernel of the process {_ms(cold['primer'])} / {_ms(warm['primer'])}"]
        cells += [f"{name} {dt} {_ms(c[2])} / {_ms(w[2])}"
                  for (name, dt, *_), c, w in zip(cold["calls"], cold["calls"], warm["calls"], strict=True)]
        cells.append(f"process {_ms(cold['process_s'])} / {_ms(warm['process_s'])}")
        print(f"  {dev:14} cold / warm: " + "; ".join(cells))


def load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else []


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--devices", default="cpu,opencl:cpu:0", help="device filter (default cpu,opencl:cpu:0)")
    p.add_argument("--parts", default="abc", help="which measurements: any of a, b, c (default abc)")
    p.add_argument("--n", type=int, default=10_000_000, help="elements for (b) (default 10^7)")
    p.add_argument("--rounds", type=int, default=7, help="alternating rounds per measurement (default 7)")
    p.add_argument("--calls", type=int, default=200, help="calls per block in (a) (default 200)")
    p.add_argument("--budget", type=float, default=4.0, help="seconds per (b) measurement (default 4)")
    p.add_argument("--json", metavar="PATH", help="write the figures as JSON")
    opts = p.parse_args()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    devices = cb.devices(opts.devices)
    doc: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "python": platform.python_version(), "numpy": np.__version__},
        "uptime_before": uptime, "load_average_before": load_average(), "devices": [str(d) for d in devices],
        "n": opts.n,
    }
    print(f"uptime: {uptime}")
    if "a" in opts.parts:
        doc["overhead"] = {str(d): overhead(d, opts.rounds, opts.calls) for d in devices}
    if "b" in opts.parts:
        doc["throughput"] = {str(d): throughput(d, opts.n, opts.rounds, opts.budget) for d in devices}
    if "c" in opts.parts:
        doc["first_call"] = {str(d): first_calls(d) for d in devices}
    doc["load_average_after"] = load_average()
    print(f"load average before {doc['load_average_before']}, after {doc['load_average_after']} on "
          f"{os.cpu_count()} cores (a shared machine: figures are noisy)")
    if "overhead" in doc:
        print_overhead(doc["overhead"])
    if "throughput" in doc:
        print_throughput(doc["throughput"], opts.n)
    if "first_call" in doc:
        print_first_calls(doc["first_call"])
    if opts.json:
        Path(opts.json).write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {opts.json}")


if __name__ == "__main__":
    main()
