"""Array namespace part 2 against NumPy, side by side (issue 13, "Speed").

Reductions (sum, mean, max, argmax, any, std, var) over 10^7 float64; sort and argsort of 10^7 float64;
``x[mask]`` with half the elements selected, ``where``, ``nonzero``; and copies of a 4096x4096 float64
(``concat``, ``stack``, ``reshape`` of a transposed view, ``permute_dims`` + copy). Each operation runs on the
device and NumPy runs on the host, in alternating rounds in one process; the ratio is NumPy's median over
Cambrian's (> 1: Cambrian faster), with the issue's goal beside it. Results are synchronised (read back as a
scalar or waited for) so asynchronous devices are timed to completion.

    python benchmarks/bench_namespace.py [--devices cpu,opencl:cpu:0] [--n 10000000] [--side 4096]
        [--rounds 7] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import cambrian as cb

Fn = Callable[[], Any]


def side_by_side(a: Fn, b: Fn, rounds: int) -> tuple[float, float]:
    """Median seconds of ``a`` and ``b`` (each called once per round, alternating, after one warm-up)."""
    a()
    b()
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(rounds):
        for fn, out in ((a, ta), (b, tb)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return statistics.median(ta), statistics.median(tb)


def _done(device: cb.Device) -> Callable[[Any], Any]:
    """Wait for a result on an asynchronous device (reading a 0-d result also waits)."""
    if not device.impl.asynchronous:
        return lambda r: r
    return lambda r: (r.synchronize() if isinstance(r, cb.Array) else [x.synchronize() for x in r])


def cases(device: cb.Device, n: int, side: int) -> list[tuple[str, float, Fn, Fn]]:
    """(name, goal, cambrian call, NumPy call) for every measured operation."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(n)
    m = rng.standard_normal(side * side).reshape(side, side)
    x = cb.asarray(a, device=device)
    mx = cb.asarray(m, device=device)
    mask_np = a > 0
    mask = cb.asarray(mask_np, device=device)
    done = _done(device)
    red = [(name, 1.0, getattr(cb, name), getattr(np, name))
           for name in ("sum", "mean", "max", "argmax", "any", "std", "var")]
    out: list[tuple[str, float, Fn, Fn]] = [
        (name, goal, (lambda f=f: done(f(x))), (lambda g=g: g(a))) for name, goal, f, g in red]
    out += [
        ("sort", 1.0, lambda: done(cb.sort(x)), lambda: np.sort(a)),
        ("argsort", 0.8, lambda: done(cb.argsort(x)), lambda: np.argsort(a, kind="stable")),
        ("x[mask] (half)", 1.0, lambda: done(x[mask]), lambda: a[mask_np]),
        ("where(mask, x, 0)", 1.0, lambda: done(cb.where(mask, x, 0.0)), lambda: np.where(mask_np, a, 0.0)),
        ("nonzero", 1.0, lambda: done(cb.nonzero(mask)), lambda: np.nonzero(mask_np)),
        (f"concat 2x {side}^2", 0.8, lambda: done(cb.concat((mx, mx))), lambda: np.concatenate((m, m))),
        (f"stack 2x {side}^2", 0.8, lambda: done(cb.stack((mx, mx))), lambda: np.stack((m, m))),
        (f"reshape(copy) {side}^2.T", 0.8, lambda: done(cb.reshape(mx.T, (-1,))),
         lambda: np.reshape(m.T, (-1,))),
        # a C-order copy on both sides (np.array(view, copy=True) would keep the transposed layout)
        (f"permute_dims+copy {side}^2", 0.8, lambda: done(cb.asarray(cb.permute_dims(mx, (1, 0)), copy=True)),
         lambda: np.transpose(m, (1, 0)).copy()),
    ]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--devices", default="cpu,opencl:cpu:0")
    p.add_argument("--n", type=int, default=10_000_000)
    p.add_argument("--side", type=int, default=4096)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--only", default="", help="comma-separated substrings of case names")
    p.add_argument("--json", metavar="PATH")
    opts = p.parse_args()
    print(f"load average {os.getloadavg()}; n={opts.n}; side={opts.side}; rounds={opts.rounds}")
    doc: dict[str, Any] = {"load": os.getloadavg(), "n": opts.n, "side": opts.side, "results": {}}
    for spec in opts.devices.split(","):
        try:
            device = cb.select_device(spec)
        except cb.CambrianError as exc:
            print(f"{spec}: skipped ({exc})", file=sys.stderr)
            continue
        print(f"\n{device}\n{'operation':30} {'cambrian':>10} {'numpy':>10} {'ratio':>7} {'goal':>6}")
        res = doc["results"][str(device)] = {}
        for name, goal, ours, theirs in cases(device, opts.n, opts.side):
            if opts.only and not any(s in name for s in opts.only.split(",")):
                continue
            t_cb, t_np = side_by_side(ours, theirs, opts.rounds)
            ratio = t_np / t_cb
            flag = "" if ratio >= goal else "  (below goal)"
            print(f"{name:30} {t_cb * 1e3:8.2f}ms {t_np * 1e3:8.2f}ms {ratio:6.2f}x {goal:5.1f}x{flag}")
            res[name] = {"cambrian_s": t_cb, "numpy_s": t_np, "ratio": ratio, "goal": goal}
    if opts.json:
        Path(opts.json).write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {opts.json}")


if __name__ == "__main__":
    main()
