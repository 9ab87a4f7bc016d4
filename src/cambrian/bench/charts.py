"""``--report DIR``: a Markdown report with PNG charts (matplotlib, Agg backend)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import report
from .core import Record

#: Bar colour per implementation family (the legend of the speedup charts); others: FALLBACK.
FAMILY_COLORS = {"python": "tab:gray", "numpy": "tab:blue", "numba": "tab:green", "opencl": "tab:purple",
                 "cambrian": "tab:orange", "dask": "tab:brown", "cupy": "tab:red", "torch": "tab:pink",
                 "jax": "tab:olive"}
FALLBACK = "tab:cyan"
DPI = 90


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def matplotlib_missing() -> str | None:
    """Why the charts cannot be drawn here (matplotlib does not import), or None."""
    try:
        _pyplot()
    except ImportError as exc:
        return "not installed" if isinstance(exc, ModuleNotFoundError) else str(exc)
    return None


def _label(r: Record) -> str:
    return r.implementation if r.device == "host" else f"{r.implementation} ({r.device})"


def _title(workload: str, size: int, what: str) -> str:
    return "\n".join([*textwrap.wrap(report.workload_title(workload, size), 75), what])


def _save(fig: Any, path: Path, rect: tuple[float, float, float, float] | None = None) -> Path:
    fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")  # "tight": legends outside the axes included
    _pyplot().close(fig)
    return path


def speedup_chart(path: Path, workload: str, rows: list[Record]) -> Path | None:
    """Horizontal bars (log scale): steady-state speedup vs NumPy of every correct row, coloured by family
    (legend), the value on each bar, the fastest row in bold and outlined, estimates hatched."""
    rows = [r for r in rows if r.ok and r.speedup_vs_numpy]
    if not rows:
        return None
    from matplotlib.patches import Patch

    plt = _pyplot()
    best = report.best_row(rows)
    values = [float(r.speedup_vs_numpy) for r in rows]  # type: ignore[arg-type]
    fig, ax = plt.subplots(figsize=(8.5, 0.38 * len(rows) + 1.9))
    bars = ax.barh([_label(r) for r in rows], values,
                   color=[FAMILY_COLORS.get(r.family, FALLBACK) for r in rows],
                   hatch=None, edgecolor="black", linewidth=[2.0 if r is best else 0.0 for r in rows])
    for bar, r, v in zip(bars, rows, values, strict=True):
        if r.scaled:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
        text = ("~" if r.scaled else "") + report.fmt_ratio(v) + ("  fastest" if r is best else "")
        ax.text(v * 1.08, bar.get_y() + bar.get_height() / 2, text, va="center", fontsize=8,
                fontweight="bold" if r is best else "normal")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 2, max(values) * 6)
    ax.set_xlabel("speedup vs NumPy (steady-state median, log scale, higher is better)")
    ax.set_title(_title(workload, rows[0].size, "speedup vs NumPy"), fontsize=10)
    for tick in ax.get_yticklabels():
        if best is not None and tick.get_text() == _label(best):
            tick.set_fontweight("bold")
    families = list(dict.fromkeys(r.family for r in rows))
    handles = [Patch(color=FAMILY_COLORS.get(f, FALLBACK), label=f) for f in families]
    if any(r.scaled for r in rows):
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="//", label="~ estimate (scaled)"))
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="family",
              title_fontsize=8)
    ax.invert_yaxis()
    return _save(fig, path)


def first_call_chart(path: Path, workload: str, rows: list[Record]) -> Path | None:
    """First call (compilation included) against the steady-state median of one workload's compiled rows
    (log scale, values on the bars)."""
    rows = [r for r in rows if r.ok and not r.scaled and r.family not in ("python", "numpy") and r.first_s]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 0.55 * len(rows) + 1.9))
    ys = list(range(len(rows)))
    pairs = (("first call (compilation included)", "first_s", -0.2, "tab:red"),
             ("steady-state median", "median_s", 0.2, "tab:blue"))
    for label, key, dy, color in pairs:
        values = [float(getattr(r, key)) for r in rows]
        ax.barh([y + dy for y in ys], values, height=0.4, label=label, color=color)
        for y, v in zip(ys, values, strict=True):
            ax.text(v * 1.08, y + dy, report.fmt_time(v), va="center", fontsize=7)
    ax.set_yticks(ys, [_label(r) for r in rows], fontsize=9)
    ax.set_xscale("log")
    low = min(min(float(r.median_s), float(r.first_s)) for r in rows)  # type: ignore[arg-type]
    ax.set_xlim(low / 2, max(float(r.first_s) for r in rows) * 6)  # type: ignore[arg-type]
    ax.set_xlabel("seconds (log scale)")
    ax.set_title(_title(workload, rows[0].size, "first call vs steady state"), fontsize=10)
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)


def scaling_chart(path: Path, records: list[Record]) -> Path | None:
    """Thread scaling: one panel per workload, speedup over the 1-thread time against the (integer) thread
    count, the ideal line dashed, one colour per implementation and device across panels."""
    rows = [r for r in records if len(r.thread_scaling) > 1]
    if not rows:
        return None
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    panels = report.group(rows)
    ncols = min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows + 1.2), squeeze=False)
    cmap = plt.get_cmap("tab10")
    colors = {key: cmap(i % 10) for i, key in enumerate(dict.fromkeys(_label(r) for r in rows))}
    top = max(int(k) for r in rows for k in r.thread_scaling)
    for ax, (name, group) in zip(axes.flat, panels.items(), strict=False):
        for r in group:
            ks = sorted(int(k) for k in r.thread_scaling)
            t1 = r.thread_scaling[str(ks[0])]
            ax.plot(ks, [t1 / r.thread_scaling[str(k)] for k in ks], marker="o", color=colors[_label(r)])
        ax.plot([1, top], [1, top], linestyle="--", color="black", linewidth=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(0.8, top + 0.2)
        ax.set_title(f"{name} (size {group[0].size:,})", fontsize=9)
        ax.set_xlabel("threads", fontsize=8)
        ax.set_ylabel("speedup over 1 thread", fontsize=8)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    handles = [plt.Line2D([], [], color=c, marker="o", label=k) for k, c in colors.items()]
    handles.append(plt.Line2D([], [], color="black", linestyle="--", label="ideal (linear)"))
    fig.legend(handles=handles, loc="lower center", ncol=min(4, len(handles)), fontsize=8)
    fig.suptitle(f"Thread scaling 1..{top} threads: speedup over the 1-thread median (higher is better)",
                 fontsize=11)
    legend_rows = -(-len(handles) // 4)
    return _save(fig, path, rect=(0, 0.06 * legend_rows / nrows, 1, 0.97))


def _md_table(rows: list[Record], wide: bool) -> list[str]:
    best = report.best_row(rows)
    columns = report.COLUMNS if wide else report.COMPACT_COLUMNS
    cell = report.row_cells if wide else report.compact_cells
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(c.replace("|", "/") for c in cell(r, r is best)) + " |" for r in rows]
    return out


def write_report(directory: str | Path, records: Iterable[Record], head: dict[str, Any],
                 wide: bool = False) -> list[Path]:
    """Write ``report.md``, ``results.json`` and the PNG charts into ``directory``; return the paths.
    ``report.md`` ends with the summary (fastest correct row per workload, devices found)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    records = list(records)
    files: list[Path] = [report.write_json(out / "results.json", records, head)]
    m = head.get("machine", {})
    lines = ["# Cambrian benchmark report", "",
             f"{head.get('date', '')} - {m.get('cpu', '')}, {m.get('cpu_count', '?')} cores, "
             f"Python {m.get('python', '')}", "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in head.get("versions", {}).items() if v), ""]
    for name, rows in report.group(r for r in records if r.skipped_reason is None).items():
        lines += [f"## {report.workload_title(name, rows[0].size)}", "", *_md_table(rows, wide), ""]
        for what, chart_fn in (("speedup", speedup_chart), ("first_vs_steady", first_call_chart)):
            chart = chart_fn(out / f"{what}_{name}.png", name, rows)
            if chart:
                files.append(chart)
                lines += [f"![{what} {name}]({chart.name})", ""]
    lines += [x for note in report.notes(records, wide) for x in (note, "")]
    chart = scaling_chart(out / "thread_scaling.png", records)
    if chart:
        files.append(chart)
        lines += ["## Thread scaling", "", f"![thread scaling]({chart.name})", ""]
    skipped = report.skipped_lines(records)
    if skipped:
        lines += ["## Skipped", "", *[f"- {s}" for s in skipped], ""]
    opts = head.get("options", {})
    lines += ["## Summary", "", report.SUMMARY_HEAD, ""]
    lines += [f"- **{name}**: {text}" for name, text in report.summary_entries(records)]
    if head.get("devices_found") is not None:
        lines += ["", report.devices_line(head["devices_found"], opts.get("devices"))]
    lines.append("")
    md = out / "report.md"
    md.write_text("\n".join(lines))
    return [md, *files]
