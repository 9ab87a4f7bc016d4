"""Text table, JSON and the header (machine, versions, date) of benchmark results."""

from __future__ import annotations

import dataclasses
import datetime
import importlib.metadata
import json
import os
import platform
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .core import Record
from .workloads import BY_NAME

SCHEMA = "cambrian-bench/1"
TOOLS = ("cambrian", "numpy", "numba", "pyopencl", "cupy", "torch", "jax", "dask", "matplotlib", "tqdm")


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def header(options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Machine, versions and date of a run (no host name: reports get shared)."""
    return {
        "schema": SCHEMA,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "machine": platform.machine(), "cpu": _cpu_model(),
                    "cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None},
        "versions": {t: _version(t) for t in TOOLS},
        "options": options or {},
    }


def to_json(records: Iterable[Record], head: dict[str, Any]) -> dict[str, Any]:
    """The machine-readable document: ``{"header": ..., "results": [one dict per row]}``."""
    return {"header": head, "results": [dataclasses.asdict(r) for r in records]}


def write_json(path: str | Path, records: Iterable[Record], head: dict[str, Any]) -> Path:
    path = Path(path)
    if path.parent != Path():
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(records, head), indent=1, allow_nan=False) + "\n")
    return path


def fmt_time(t: float | None) -> str:
    """Seconds in a short human unit: ``812us``, ``12.3ms``, ``4.56s``."""
    if t is None:
        return "-"
    if t < 1e-3:
        return f"{t * 1e6:.0f}us"
    if t < 1.0:
        return f"{t * 1e3:.3g}ms"
    return f"{t:.3g}s"


def fmt_ratio(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3g}x" if x < 1000 else f"{x:,.0f}x"


def status(r: Record) -> str:
    if r.skipped_reason is not None:
        return f"skipped: {r.skipped_reason}"
    if not r.correct:
        return "ERROR" + r.detail[5:] if r.detail.startswith("error:") else f"WRONG: {r.detail}"
    return "ok"


def _rate(r: Record) -> str:
    parts = []
    if r.gb_s:
        parts.append(f"{r.gb_s:.3g} GB/s")
    if r.gflop_s:
        parts.append(f"{r.gflop_s:.3g} GF/s")
    return ", ".join(parts) or "-"


COLUMNS = ("implementation", "device", "first call", "median", "min..max", "copy in/out", "vs python",
           "vs numpy", "rate", "threads", "status")


def row_cells(r: Record, best: bool) -> list[str]:
    scaled = f" (scaled from {r.measured_size})" if r.scaled else ""
    impl = r.implementation + scaled + (" *" if best else "")
    timed = r.median_s is not None
    copies = f"{fmt_time(r.copy_in_s)}/{fmt_time(r.copy_out_s)}" if r.copy_in_s is not None else "-"
    threads = " ".join(f"{k}:{fmt_time(v)}" for k, v in r.thread_scaling.items()) or "-"
    return [impl, r.device, fmt_time(r.first_s), fmt_time(r.median_s),
            f"{fmt_time(r.min_s)}..{fmt_time(r.max_s)}" if timed else "-", copies,
            fmt_ratio(r.speedup_vs_python), fmt_ratio(r.speedup_vs_numpy), _rate(r), threads, status(r)]


def best_row(rows: list[Record]) -> Record | None:
    """The fastest correct, full-size row (scaled rows are estimates and never "best")."""
    timed = [r for r in rows if r.ok and not r.scaled]
    return min(timed, key=lambda r: r.median_s) if timed else None  # type: ignore[arg-type, return-value]


def group(records: Iterable[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for r in records:
        out.setdefault(r.workload, []).append(r)
    return out


def format_table(records: Iterable[Record]) -> str:
    """The results as text, one block per workload (``*``: fastest correct row), skipped rows at the end
    (one line per implementation and reason)."""
    records = list(records)
    blocks = []
    for name, rows in group(r for r in records if r.skipped_reason is None).items():
        w = BY_NAME.get(name)
        title = f"== {name}: {w.title if w else ''} (size {rows[0].size}) =="
        best = best_row(rows)
        cells = [list(COLUMNS)] + [row_cells(r, r is best) for r in rows]
        widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS) - 1)]
        lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(widths))) + "  " + c[-1] for c in cells]
        blocks.append("\n".join([title, *lines]))
    skipped: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for r in records:
        if r.skipped_reason is not None:
            ws, ds = skipped.setdefault((r.implementation, r.skipped_reason), ([], []))
            ws.extend([r.workload] if r.workload not in ws else [])
            ds.extend([r.device] if r.device not in ds and r.device != "-" else [])
    if skipped:
        every = len({r.workload for r in records})
        lines = [f"  {impl}: {why} ({'all workloads' if len(ws) == every else ', '.join(ws)}"
                 f"{'; ' + ', '.join(ds) if ds else ''})" for (impl, why), (ws, ds) in skipped.items()]
        blocks.append("\n".join(["skipped:", *lines]))
    notes = ("times: first call includes compilation; median/min/max are steady state over the repeats "
             "(offloaded rows: data resident on the device, copies shown separately); speedups use the "
             "median; '*' = fastest correct row; scaled rows are estimates from a smaller size.")
    return "\n\n".join([*blocks, notes]) + "\n"
