"""``--report DIR``: a Markdown report with PNG charts (matplotlib, Agg backend)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import report
from .core import Record


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _label(r: Record) -> str:
    return r.implementation if r.device == "host" else f"{r.implementation}\n{r.device}"


def speedup_chart(path: Path, workload: str, rows: list[Record]) -> Path | None:
    """Horizontal bars: steady-state speedup vs NumPy of every correct row (log scale)."""
    rows = [r for r in rows if r.ok and r.speedup_vs_numpy]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2))
    ax.barh([_label(r) for r in rows], [r.speedup_vs_numpy for r in rows],
            color=["tab:gray" if r.scaled else "tab:orange" if r.family == "cambrian" else "tab:blue"
                   for r in rows])
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("speedup vs NumPy (steady state, higher is better)")
    ax.set_title(workload)
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def scaling_chart(path: Path, records: list[Record]) -> Path | None:
    """Parallel efficiency lines: speedup over the 1-thread time against thread count."""
    rows = [r for r in records if len(r.thread_scaling) > 1]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in rows:
        ks = sorted(int(k) for k in r.thread_scaling)
        t1 = r.thread_scaling[str(ks[0])]
        ax.plot(ks, [t1 / r.thread_scaling[str(k)] for k in ks], marker="o",
                label=f"{r.workload} {r.implementation} {r.device}")
    top = max(int(k) for r in rows for k in r.thread_scaling)
    ax.plot([1, top], [1, top], linestyle="--", color="black", linewidth=0.8, label="ideal")
    ax.set_xlabel("threads")
    ax.set_ylabel("speedup over 1 thread")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def first_call_chart(path: Path, records: list[Record]) -> Path | None:
    """First call (compile included) vs steady-state median per compiled row, log scale."""
    rows = [r for r in records if r.ok and not r.scaled and r.family not in ("python", "numpy")]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(rows) + 1.5))
    labels = [f"{r.workload} {r.implementation} {r.device}" for r in rows]
    ys = range(len(rows))
    ax.barh([y - 0.2 for y in ys], [r.first_s for r in rows], height=0.4, label="first call")
    ax.barh([y + 0.2 for y in ys], [r.median_s for r in rows], height=0.4, label="steady-state median")
    ax.set_yticks(list(ys), labels, fontsize=6)
    ax.set_xscale("log")
    ax.set_xlabel("seconds")
    ax.invert_yaxis()
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _md_table(rows: list[Record]) -> list[str]:
    best = report.best_row(rows)
    cells = [report.row_cells(r, r is best) for r in rows]
    out = ["| " + " | ".join(report.COLUMNS) + " |", "|" + "---|" * len(report.COLUMNS)]
    out += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in cells]
    return out


def write_report(directory: str | Path, records: Iterable[Record], head: dict[str, Any]) -> list[Path]:
    """Write ``report.md``, ``results.json`` and the PNG charts into ``directory``; return the paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    records = list(records)
    files: list[Path] = [report.write_json(out / "results.json", records, head)]
    m = head.get("machine", {})
    lines = ["# Cambrian benchmark report", "",
             f"{head.get('date', '')} - {m.get('cpu', '')}, {m.get('cpu_count', '?')} cores, "
             f"Python {m.get('python', '')}", "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in head.get("versions", {}).items() if v), ""]
    for name, rows in report.group(records).items():
        lines += [f"## {name} (size {rows[0].size})", "", *_md_table(rows), ""]
        chart = speedup_chart(out / f"speedup_{name}.png", name, rows)
        if chart:
            files.append(chart)
            lines += [f"![speedup {name}]({chart.name})", ""]
    for title, fn, fname in (("Thread scaling", scaling_chart, "thread_scaling.png"),
                             ("First call vs steady state", first_call_chart, "first_vs_steady.png")):
        chart = fn(out / fname, records)
        if chart:
            files.append(chart)
            lines += [f"## {title}", "", f"![{title}]({chart.name})", ""]
    md = out / "report.md"
    md.write_text("\n".join(lines))
    return [md, *files]
