"""``cambrian bench``: arguments and the command (registered lazily by ``cambrian.cli``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import registry, workloads
from .runner import Options, max_threads
from .runner import run as run_rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``bench`` options to ``parser``."""
    parser.description = ("Compare pure Python, NumPy, Numba, PyOpenCL, Cambrian (kernels and vectorize on "
                          "every device) and, when installed, CuPy, PyTorch, JAX and Dask on the same "
                          "validated workloads.")
    add = parser.add_argument
    add("--quick", action="store_true", help="small sizes and no thread scaling (CI: under a minute)")
    add("--workloads", metavar="LIST", help="comma list of workloads (names, kinds or prefixes: vadd,matmul)")
    add("--implementations", metavar="LIST",
        help="comma list of implementations (names, families or prefixes: numpy,numba,cambrian)")
    add("--devices", metavar="FILTER",
        help="device filter for device rows (opencl:cpu, cuda, gpu...); host baselines always run")
    add("--repeat", type=int, metavar="N", help="steady-state repeats per row (default 5, quick 3)")
    add("--size", metavar="N|NAME=N,...", help="problem size for all selected workloads, or per workload")
    add("--json", metavar="PATH", help="write machine-readable results")
    add("--report", metavar="DIR",
        help="write a Markdown report with PNG charts (needs matplotlib: pip install 'cambrian[bench]')")
    add("--wide", action="store_true",
        help="full table: first call, min..max, copies, speedup vs Python, rates, thread scaling")
    add("--scaling", dest="scaling", action="store_true", default=None,
        help=f"thread scaling 1..{max_threads()} for CPU-parallel rows (default: on unless --quick)")
    add("--no-scaling", dest="scaling", action="store_false", help="skip thread scaling")
    add("--no-progress", dest="progress", action="store_false", help="no progress bar on stderr")
    add("--list", action="store_true", help="list workloads and implementations, then exit")


def parse_sizes(spec: str | None, names: list[str]) -> dict[str, int]:
    """``"1000"`` -> that size for every name; ``"vadd_f32=1000,nbody=512"`` -> per workload."""
    if not spec:
        return {}
    if "=" not in spec:
        return dict.fromkeys(names, _positive(spec))
    sizes = {}
    for item in spec.split(","):
        name, _, value = item.partition("=")
        for w in workloads.select(name.strip()):
            sizes[w.name] = _positive(value)
    return sizes


def _positive(text: str) -> int:
    value = int(text.strip().replace("_", ""))
    if value <= 0:
        raise ValueError(f"size must be positive, got {text!r}")
    return value


def _listing() -> str:
    lines = ["workloads:"]
    lines += [f"  {w.name:14} {w.title} (size {w.size}, quick {w.quick_size})" for w in workloads.WORKLOADS]
    lines.append("implementations:")
    for impl in registry.all_impls():
        missing = registry.missing_requirement(impl)
        lines.append(f"  {impl.name:20} {impl.description}" + (f" [{missing}]" if missing else ""))
    return "\n".join(lines)


def _report_ready(directory: str) -> str | None:
    """Why ``--report DIR`` cannot work (checked before the run, not after it), or None."""
    from .charts import matplotlib_missing

    missing = matplotlib_missing()
    if missing:
        return f"--report needs matplotlib ({missing}): pip install 'cambrian[bench]'"
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"--report {directory}: cannot create the directory: {exc.strerror or exc}"
    return None


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; 0 when every timed row is correct, 1 when one is wrong, 2 on bad arguments
    (a ``--devices`` filter that matches no device, ``--report`` without matplotlib included)."""
    from . import report

    if getattr(args, "list", False):
        print(_listing())
        return 0
    try:
        chosen = workloads.select(args.workloads)
        impls = registry.select(args.implementations)
        sizes = parse_sizes(args.size, [w.name for w in chosen])
        if args.repeat is not None and args.repeat < 1:
            raise ValueError("--repeat must be at least 1")
        problem = _report_ready(args.report) if args.report else None
        if problem:
            raise ValueError(problem)
        found = registry.found_devices(impls)
        if args.devices and not any(registry.device_selected(args.devices, d) for d in found):
            raise ValueError(f"no device matches --devices {args.devices}; "
                             + report.devices_line(report.device_list(found)))
    except ValueError as exc:
        print(f"cambrian bench: {exc}", file=sys.stderr)
        return 2
    opts = Options(quick=args.quick, repeat=args.repeat, sizes=sizes, devices=args.devices,
                   scaling=args.scaling, progress=args.progress)
    records = run_rows(chosen, impls, opts)
    wide = bool(getattr(args, "wide", False))
    print(report.format_table(records, wide=wide))
    head = report.header({"quick": opts.quick, "repeat": opts.repeats, "sizes": sizes,
                          "devices": args.devices, "thread_scaling": opts.do_scaling,
                          "workloads": [w.name for w in chosen],
                          "implementations": [i.name for i in impls]})
    head["devices_found"] = report.device_list(found)
    if args.json:
        print(f"wrote {report.write_json(args.json, records, head)}")
    if args.report:
        from .charts import write_report

        print(f"wrote {write_report(args.report, records, head, wide=wide)[0]}")
    print("\n" + report.format_summary(records, head["devices_found"], args.devices))
    wrong = [r for r in records if r.skipped_reason is None and r.correct is False]
    for r in wrong:
        print(f"cambrian bench: {r.workload} {r.implementation} {r.device}: {report.status(r)}",
              file=sys.stderr)
    return 1 if wrong else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m cambrian.bench``."""
    parser = argparse.ArgumentParser(prog="cambrian bench")
    add_arguments(parser)
    return run(parser.parse_args(argv))
