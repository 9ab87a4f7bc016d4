"""Text table, JSON and the header (machine, versions, date) of benchmark results."""

from __future__ import annotations

import dataclasses
import datetime
import importlib.metadata
import json
import os
import platform
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import registry
from .core import DeviceSpec, Record
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


def _est(r: Record, text: str) -> str:
    """``text`` marked ``~`` when it derives from a scaled (estimated) steady-state time."""
    return "~" + text if r.scaled and text != "-" else text


def _rate(r: Record) -> str:
    parts = []
    if r.gb_s:
        parts.append(f"{r.gb_s:.3g} GB/s")
    if r.gflop_s:
        parts.append(f"{r.gflop_s:.3g} GF/s")
    return _est(r, ", ".join(parts) or "-")


#: Width the default (compact) table, the summary and the notes fit in.
WIDTH = 100
COLUMNS = ("implementation", "device", "first call", "median", "min..max", "copy in/out", "vs python",
           "vs numpy", "rate", "threads", "status")
COMPACT_COLUMNS = ("implementation", "device", "median", "vs NumPy", "correct")


def row_cells(r: Record, best: bool) -> list[str]:
    """The cells of one row of the wide table (:data:`COLUMNS`)."""
    scaled = f" (scaled from {r.measured_size})" if r.scaled else ""
    impl = r.implementation + scaled + (" *" if best else "")
    timed = r.median_s is not None
    copies = f"{fmt_time(r.copy_in_s)}/{fmt_time(r.copy_out_s)}" if r.copy_in_s is not None else "-"
    threads = " ".join(f"{k}:{fmt_time(v)}" for k, v in r.thread_scaling.items()) or "-"
    span = _est(r, f"{fmt_time(r.min_s)}..{fmt_time(r.max_s)}") if timed else "-"
    return [impl, r.device, fmt_time(r.first_s), _est(r, fmt_time(r.median_s)), span, copies,
            _est(r, fmt_ratio(r.speedup_vs_python)), _est(r, fmt_ratio(r.speedup_vs_numpy)), _rate(r),
            threads, status(r)]


def compact_cells(r: Record, best: bool) -> list[str]:
    """The cells of one row of the compact table (:data:`COMPACT_COLUMNS`); ``correct`` is yes/WRONG/ERROR."""
    correct = "yes" if r.correct else status(r)
    return [r.implementation + (" *" if best else ""), r.device, _est(r, fmt_time(r.median_s)),
            _est(r, fmt_ratio(r.speedup_vs_numpy)), correct]


def best_row(rows: list[Record]) -> Record | None:
    """The fastest correct, full-size row (scaled rows are estimates and never "best")."""
    timed = [r for r in rows if r.ok and not r.scaled]
    return min(timed, key=lambda r: r.median_s) if timed else None  # type: ignore[arg-type, return-value]


def group(records: Iterable[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for r in records:
        out.setdefault(r.workload, []).append(r)
    return out


def workload_title(name: str, size: int) -> str:
    """``vadd_f64, size 10,000,000: vector add c = a + b (float64)``."""
    w = BY_NAME.get(name)
    return f"{name}, size {size:,}" + (f": {w.title}" if w else "")


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."


def _grid(cells: list[list[str]], width: int | None) -> list[str]:
    """Left-aligned columns; the last column is cut to keep lines within ``width`` (None: no limit)."""
    widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]) - 1)]
    lines = []
    for c in cells:
        head = "  ".join(c[i].ljust(widths[i]) for i in range(len(widths))) + "  "
        lines.append(head + (c[-1] if width is None else _fit(c[-1], max(12, width - len(head)))))
    return lines


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, subsequent_indent=indent + "  ", initial_indent=indent,
                         break_on_hyphens=False) or [""]


def skipped_lines(records: list[Record]) -> list[str]:
    """One line per reason of the skipped rows, naming the implementations, workloads and devices
    (implementations skipped for the same reason on the same workloads share a line)."""
    where: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for r in records:
        if r.skipped_reason is not None:
            ws, ds = where.setdefault((r.implementation, r.skipped_reason), ([], []))
            ws.extend([r.workload] if r.workload not in ws else [])
            ds.extend([r.device] if r.device not in ds and r.device != "-" else [])
    every = len({r.workload for r in records})
    lines: dict[tuple[str, str], list[str]] = {}
    for (impl, why), (ws, ds) in where.items():
        scope = "all workloads" if len(ws) == every else ", ".join(ws)
        scope += "; " + ", ".join(ds) if ds else ""
        lines.setdefault((why, scope), []).append(impl)
    return [f"{', '.join(impls)}: {why} ({scope})" for (why, scope), impls in lines.items()]


def notes(records: list[Record], wide: bool) -> list[str]:
    """The footnotes under the table: what the columns mean, ``*`` and ``~``."""
    text = ["median: steady state over the repeats (offloaded rows: data resident on the device"
            + ("; copies shown separately" if wide else "; --wide adds first call, copies, rates, threads")
            + "); '*' = fastest correct row."]
    if wide:
        text.append("first call: copy-in + compute + copy-out of the first call, compilation included.")
    if any(r.scaled for r in records):
        text.append("~ = estimate (pure Python and interp rows): measured at a smaller size and scaled per "
                    "work unit; " + ("their first call and copies are as measured at that size, not scaled."
                                     if wide else "--wide shows the measured size."))
    return text


def format_table(records: Iterable[Record], wide: bool = False) -> str:
    """The results as text, one block per workload (``*``: fastest correct row, ``~``: estimates), then
    the skipped rows (one line per implementation and reason) and the footnotes. The default compact
    table fits :data:`WIDTH` columns; ``wide`` adds first call, min..max, copies, rates and threads."""
    records = list(records)
    blocks = []
    for name, rows in group(r for r in records if r.skipped_reason is None).items():
        best = best_row(rows)
        if wide:
            cells = [list(COLUMNS)] + [row_cells(r, r is best) for r in rows]
        else:
            cells = [list(COMPACT_COLUMNS)] + [compact_cells(r, r is best) for r in rows]
        title = _wrap(f"== {workload_title(name, rows[0].size)} ==", "")
        blocks.append("\n".join([*title, *_grid(cells, None if wide else WIDTH)]))
    skipped = skipped_lines(records)
    if skipped:
        lines = ["  " + x for x in skipped] if wide else [x for line in skipped for x in _wrap(line, "  ")]
        blocks.append("\n".join(["skipped:", *lines]))
    blocks.append("\n".join(x for line in notes(records, wide) for x in _wrap(line)))
    return "\n\n".join(blocks) + "\n"


SUMMARY_HEAD = "fastest correct implementation per workload (steady-state median):"


def summary_entries(records: Iterable[Record]) -> list[tuple[str, str]]:
    """``(workload, "impl on device: median, speedup vs NumPy")`` naming each workload's fastest correct
    full-size row."""
    out = []
    for name, rows in group(records).items():
        best = best_row(rows)
        if best is None:
            out.append((name, "no correct full-size row"))
            continue
        where = "on the host" if best.device == "host" else f"on {best.device}"
        vs = (f"{fmt_ratio(best.speedup_vs_numpy)} NumPy" if best.speedup_vs_numpy is not None
              else "no NumPy row to compare")
        vs = "the NumPy baseline itself" if best.implementation == "numpy" else vs
        out.append((name, f"{best.implementation} {where}: {fmt_time(best.median_s)}, {vs}"))
    return out


def format_summary(records: Iterable[Record], devices: list[dict[str, str]] | None = None,
                   device_filter: str | None = None) -> str:
    """The end of a run: one line per workload naming its fastest correct row (implementation, device,
    speedup vs NumPy), then the devices found (``devices``: from :func:`device_list`)."""
    entries = summary_entries(records)
    pad = max((len(n) for n, _ in entries), default=0)
    lines = [SUMMARY_HEAD, *[_fit(f"  {n:<{pad}}  {t}", WIDTH) for n, t in entries]]
    if devices is not None:
        lines += _wrap(devices_line(devices, device_filter))
    return "\n".join(lines)


def device_list(specs: Iterable[Any]) -> list[dict[str, str]]:
    """``[{"label": ..., "kind": ...}]`` of device specs (JSON-friendly, for the header and summary)."""
    return [{"label": d.label, "kind": d.kind} for d in specs]


def devices_line(devices: list[dict[str, str]], device_filter: str | None = None) -> str:
    """``devices found: cpu, opencl:cpu:0, interp (cpu); no GPU found`` (kinds the labels do not say)."""
    if not devices:
        return "devices found: none besides the host (the selected implementations run on the host only)"
    text = "devices found: " + ", ".join(
        d["label"] + ("" if d["kind"] in d["label"] else f" ({d['kind']})") for d in devices)
    if not any(d["kind"] == "gpu" for d in devices):
        text += "; no GPU found"
    if device_filter:
        kept = [d["label"] for d in devices
                if registry.device_selected(device_filter, DeviceSpec(d["label"], d["kind"]))]
        text += f"; --devices {device_filter} kept " + (", ".join(kept) or "none")
    return text
