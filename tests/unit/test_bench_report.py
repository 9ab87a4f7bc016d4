"""JSON schema, Markdown/PNG report and the compare() API of the benchmark."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cambrian.bench import cli, compare

NUMBER = (int, float)
REQUIRED = {
    "workload": str, "implementation": str, "device": str, "size": int, "first_s": NUMBER,
    "median_s": NUMBER, "min_s": NUMBER, "max_s": NUMBER, "speedup_vs_python": NUMBER,
    "speedup_vs_numpy": NUMBER, "correct": bool, "skipped_reason": str,
}


def _check_record(rec: dict) -> None:
    for key, typ in REQUIRED.items():
        assert key in rec, key
        if rec[key] is not None:
            assert isinstance(rec[key], typ), (key, rec[key])
    if rec["skipped_reason"] is None:
        assert isinstance(rec["correct"], bool)
        if rec["correct"]:
            assert rec["min_s"] <= rec["median_s"] <= rec["max_s"]
    else:
        assert rec["median_s"] is None and rec["speedup_vs_numpy"] is None


def test_json_schema(tmp_path, capsys):
    path = tmp_path / "out" / "bench.json"
    rc = cli.main(["--quick", "--workloads", "vadd_f64,sumsq", "--implementations", "python,numpy,torch",
                   "--repeat", "2", "--json", str(path), "--no-progress"])
    assert rc == 0
    doc = json.loads(path.read_text())
    head = doc["header"]
    assert head["schema"].startswith("cambrian-bench/")
    assert {"machine", "versions", "date", "options", "devices_found"} <= set(head)
    assert all(set(d) == {"label", "kind"} and d["label"] != "host" for d in head["devices_found"])
    assert head["versions"]["numpy"] == np.__version__
    results = doc["results"]
    assert {(r["workload"], r["implementation"]) for r in results} >= {
        ("vadd_f64", "python"), ("vadd_f64", "numpy"), ("sumsq", "python"), ("sumsq", "numpy")}
    for rec in results:
        _check_record(rec)
    numpy_rows = [r for r in results if r["implementation"] == "numpy"]
    assert all(r["correct"] and r["speedup_vs_numpy"] == pytest.approx(1.0) for r in numpy_rows)
    out = capsys.readouterr().out
    assert "== vadd_f64" in out and "== sumsq" in out


def test_cli_bad_arguments(capsys):
    assert cli.main(["--workloads", "nope", "--no-progress"]) == 2
    assert "unknown workload" in capsys.readouterr().err
    assert cli.main(["--list"]) == 0
    assert "matmul_tiled" in capsys.readouterr().out


def test_report_files_and_pngs(tmp_path):
    pytest.importorskip("matplotlib", reason="no matplotlib (report charts)")
    import matplotlib.image as mpimg

    from cambrian.bench import registry, workloads
    from cambrian.bench.charts import write_report
    from cambrian.bench.report import SUMMARY_HEAD, header
    from cambrian.bench.runner import Options, run

    recs = run(workloads.select("vadd_f64"), registry.select("python,numpy,numba-prange"),
               Options(quick=True, repeat=2, progress=False, scaling=True))
    files = write_report(tmp_path, recs, header({"test": True}))
    names = {f.name for f in files}
    assert {"report.md", "results.json", "speedup_vadd_f64.png", "first_vs_steady_vadd_f64.png"} <= names
    if any(len(r.thread_scaling) > 1 for r in recs):
        assert "thread_scaling.png" in names
    for f in files:
        if f.suffix == ".png":
            assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            img = mpimg.imread(f)
            assert img.ndim == 3 and img.shape[0] > 50 and img.shape[1] > 50
    md = (tmp_path / "report.md").read_text()
    assert "## vadd_f64, size" in md and "](speedup_vadd_f64.png)" in md
    assert "| implementation | device | median | vs NumPy | correct |" in md  # compact by default
    summary = md[md.index("## Summary"):]
    assert SUMMARY_HEAD in summary and "- **vadd_f64**: numpy" in summary  # the end of the report


def _chart_records():
    from cambrian.bench.core import Record

    def rec(workload, impl, family, device, median, vs, **kw):
        return Record(workload, impl, family, device, 4096, first_s=median * 50, median_s=median,
                      min_s=median, max_s=median, repeat=3, speedup_vs_numpy=vs, correct=True, **kw)

    out = []
    for name in ("vadd_f64", "nbody"):
        out += [rec(name, "python", "python", "host", 2.0, 0.005, scaled=True, measured_size=64),
                rec(name, "numpy", "numpy", "host", 0.01, 1.0),
                rec(name, "numba-prange", "numba", "host", 0.004, 2.5,
                    thread_scaling={"1": 0.008, "2": 0.004}),
                rec(name, "cambrian-kernel", "cambrian", "cpu", 0.002, 5.0,
                    thread_scaling={"1": 0.004, "2": 0.002}),
                rec(name, "cambrian-kernel", "cambrian", "opencl:cpu:0", 0.003, 3.3)]
    return out


@pytest.fixture
def saved(monkeypatch):
    """The figures the charts save, by file name (the real files are written too)."""
    pytest.importorskip("matplotlib", reason="no matplotlib (report charts)")
    from cambrian.bench import charts

    figures = {}
    real_save = charts._save

    def keep(fig, path, rect=None):
        figures[path.name] = fig
        return real_save(fig, path, rect)

    monkeypatch.setattr(charts, "_save", keep)
    return figures


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_charts_have_legend_values_fastest_and_titles(tmp_path, saved):
    import matplotlib.image as mpimg

    from cambrian.bench import charts

    files = charts.write_report(tmp_path, _chart_records(), {"options": {}, "devices_found": []})
    ax = saved["speedup_nbody.png"].axes[0]
    assert "nbody, size 4,096: N-body step" in ax.get_title() and "speedup vs NumPy" in ax.get_title()
    texts = _texts(saved["speedup_nbody.png"])
    assert "5x  fastest" in texts and "2.5x" in texts and "~0.005x" in texts  # values, fastest, estimate
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert legend >= {"numpy", "numba", "cambrian", "~ estimate (scaled)"}
    ax = saved["first_vs_steady_vadd_f64.png"].axes[0]  # one chart per workload: readable in a full run
    assert "first call vs steady state" in ax.get_title() and ax.get_legend() is not None
    assert "100ms" in _texts(saved["first_vs_steady_vadd_f64.png"])  # first call of the 2 ms row
    for f in files:
        if f.name.startswith("first_vs_steady"):
            assert mpimg.imread(f).shape[0] < 900  # about 50 px per row, not one 2400 px column
    md = (tmp_path / "report.md").read_text()
    assert md.index("![speedup nbody]") < md.index("![first_vs_steady nbody]") < md.index("## Summary")


def test_thread_scaling_chart_ticks_and_title(tmp_path, saved):
    from cambrian.bench import charts

    assert charts.scaling_chart(tmp_path / "t.png", _chart_records()) == tmp_path / "t.png"
    fig = saved["t.png"]
    assert "Thread scaling" in fig._suptitle.get_text()
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["vadd_f64 (size 4,096)", "nbody (size 4,096)"]
    ticks = [t for t in panels[0].get_xticks() if 0.8 <= t <= 2.2]
    assert ticks == [1.0, 2.0]  # integer thread counts only
    labels = {t.get_text() for t in fig.legends[0].get_texts()}
    assert labels == {"numba-prange", "cambrian-kernel (cpu)", "ideal (linear)"}


def test_compare_validates_and_times():
    x = np.linspace(0.0, 1.0, 10_001)
    res = compare({"numpy": lambda a: np.sum(a * a), "dot": lambda a: a @ a,
                   "wrong": lambda a: np.sum(a), "broken": lambda a: a.nope()},
                  args=(x,), reference="numpy", repeat=3, rtol=1e-9)
    recs = {r["name"]: r for r in res.records}
    assert list(recs) == ["numpy", "dot", "wrong", "broken"]
    assert recs["numpy"]["correct"] and recs["dot"]["correct"] and recs["numpy"]["speedup"] == 1.0
    assert recs["wrong"]["correct"] is False and recs["wrong"]["speedup"] is None
    assert "WRONG" in recs["wrong"]["error"]
    assert recs["broken"]["correct"] is False and "AttributeError" in recs["broken"]["error"]
    assert res.best in ("numpy", "dot") and recs["dot"]["repeat"] == 3
    assert recs["dot"]["min_s"] <= recs["dot"]["median_s"] <= recs["dot"]["max_s"]
    table = res.table()
    assert "vs numpy" in table and "WRONG" in table


def test_compare_custom_check_and_tuples():
    a = np.arange(6.0)
    res = compare({"ref": lambda v: (v + 1, v * 2), "alt": lambda v: (1 + v, 2 * v)}, args=(a,),
                  check=lambda r, e: all(np.array_equal(x, y) for x, y in zip(r, e, strict=True)))
    assert all(r["correct"] for r in res.records)
    with pytest.raises(ValueError):
        compare({"a": lambda: 1}, reference="b")
