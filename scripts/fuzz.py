#!/usr/bin/env python3
"""Differential fuzzing campaigns of Cambrian's kernel compiler (issue 20).

Random well-typed kernels (tests/backends/fuzz_programs.py) run on the interpreter and on the chosen
devices, compared bit for bit (transcendental results within 4 ulp); random invalid programs must raise
a CambrianError naming the file and the line. The suite runs the same with a fixed seed and a small
budget (tests/backends/test_reliability_fuzz.py); this script runs long campaigns:

    python scripts/fuzz.py --programs 3000 --devices opencl --invalid 3000
    python scripts/fuzz.py --programs 300 --devices cpu,opencl --start 100000 --json out.json

Each failure prints its seed: ``--start SEED --programs 1 --trace`` replays it with every local stored
(the first differing local is where a miscompilation starts).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.backends import fuzz_programs as fp

import cambrian as cb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--programs", type=int, default=200, help="valid programs to run (default 200)")
    ap.add_argument("--invalid", type=int, default=0, help="invalid programs to check (default 0)")
    ap.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--devices", default="cpu,opencl", help="devices besides interp (default cpu,opencl)")
    ap.add_argument("--statements", type=int, default=8, help="statements per kernel (default 8)")
    ap.add_argument("--depth", type=int, default=3, help="expression depth (default 3)")
    ap.add_argument("--trace", action="store_true", help="store every local too (to locate a mismatch)")
    ap.add_argument("--json", help="write the outcome to this file")
    args = ap.parse_args(argv)

    os.environ.setdefault("CAMBRIAN_DISABLE_CACHE", "1")  # thousands of one-off programs
    reference = cb.select_device("interp")
    devices = [d for d in cb.devices(args.devices) if d.backend != "interp"]
    print(f"devices: interp (reference), {', '.join(map(str, devices)) or 'none'}", flush=True)
    out = fp.Outcome()
    t0 = time.time()
    for seed in range(args.start, args.start + args.programs):
        prog = fp.generate(seed, args.statements, args.depth, trace=args.trace)
        before = (len(out.mismatches), len(out.internal), len(out.rejected))
        fp.run_program(prog, devices, reference, out, seed)
        for kind, items, k in (("MISMATCH", out.mismatches, 0), ("INTERNAL", out.internal, 1),
                               ("REJECTED", out.rejected, 2)):
            for line in items[before[k]:]:
                print(f"{kind} {line}", flush=True)
        if (seed - args.start + 1) % 100 == 0:
            print(f"... {seed - args.start + 1} programs, {time.time() - t0:.0f} s", flush=True)
    invalid_failures = []
    for seed in range(args.start, args.start + args.invalid):
        problem = fp.check_invalid(seed, devices[0] if devices else reference)
        if problem:
            invalid_failures.append(problem)
            print(f"INVALID {problem}", flush=True)
    summary = {"programs": out.programs, "launches": out.launches, "mismatches": len(out.mismatches),
               "internal_errors": len(out.internal), "rejected_valid": len(out.rejected),
               "invalid_programs": args.invalid, "invalid_without_located_error": len(invalid_failures),
               "devices": [str(d) for d in devices], "seconds": round(time.time() - t0, 1)}
    print(json.dumps(summary), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({**summary, "details": {
            "mismatches": out.mismatches, "internal": out.internal, "rejected": out.rejected,
            "invalid": invalid_failures}}, indent=1))
    return 1 if out.mismatches or out.internal or out.rejected or invalid_failures else 0


if __name__ == "__main__":
    sys.exit(main())
