"""``cambrian bench`` as a user meets it: compact table, summary, estimates, device filter, --report."""

from __future__ import annotations

import sys

import pytest

from cambrian.bench import cli, registry, report, runner, workloads
from cambrian.bench.core import DeviceSpec, Impl, Prepared, Record

LONG = "x" * 300


def _rec(workload, impl, device, median, vs_numpy, **kw) -> Record:
    base = dict(family=impl.split("-")[0], size=10_000_000, first_s=0.5, median_s=median, min_s=median,
                max_s=median, repeat=3, speedup_vs_numpy=vs_numpy, correct=True)
    base.update(kw)
    return Record(workload, impl, device=device, **base)


def _records() -> list[Record]:
    return [
        _rec("vadd_f64", "python", "host", 9.0, 0.001, scaled=True, measured_size=10_000),
        _rec("vadd_f64", "numpy", "host", 0.01, 1.0),
        _rec("vadd_f64", "cambrian-kernel", "opencl:cpu:0", 0.005, 2.0, copy_in_s=0.02, copy_out_s=0.01),
        _rec("vadd_f64", "cambrian-kernel", "interp", 0.001, 10.0, scaled=True, measured_size=250),
        _rec("vadd_f64", "liar", "host", 0.0001, None, correct=False, detail=f"3 of 9 values off {LONG}"),
        _rec("array_pi_estimate", "numpy", "host", 0.02, 1.0, size=10_000_000),
        _rec("array_pi_estimate", "cambrian-array-kernel", "opencl:cpu:0", 0.01, 2.0),
        Record("array_pi_estimate", "ghost", "ghost", "-", 10, skipped_reason=f"ghost not installed {LONG}"),
        Record("array_pi_estimate", "numba-njit", "numba", "-", 10, skipped_reason="array libraries only"),
        Record("array_pi_estimate", "python", "python", "-", 10, skipped_reason="array libraries only"),
    ]


def test_compact_table_fits_100_columns_and_wide_has_everything():
    recs = _records()
    text = report.format_table(recs)
    assert max(len(line) for line in text.splitlines()) <= report.WIDTH
    head = next(line for line in text.splitlines() if line.startswith("implementation"))
    assert head.split() == ["implementation", "device", "median", "vs", "NumPy", "correct"]
    assert "copy in/out" not in text and "WRONG: 3 of 9 values off" in text
    assert "cambrian-kernel *" in text  # the fastest correct full-size row (not the scaled interp row)
    assert "numba-njit, python: array libraries only (array_pi_estimate)" in text  # one line per reason
    assert "~9s" in text and "~0.001x" in text and "~ = estimate" in text  # estimates are marked
    wide = report.format_table(recs, wide=True)
    assert "first call" in wide and "copy in/out" in wide and "scaled from 250" in wide
    assert "20ms/10ms" in wide and "not scaled" in wide


def test_summary_names_fastest_correct_row_and_devices():
    devices = report.device_list([DeviceSpec("cpu"), DeviceSpec("opencl:cpu:0"), DeviceSpec("interp")])
    gpu = report.devices_line(report.device_list([DeviceSpec("cuda:0", "gpu"), DeviceSpec("cpu")]))
    assert gpu == "devices found: cuda:0 (gpu), cpu"
    text = report.format_summary(_records(), devices, "opencl")
    lines = text.splitlines()
    assert lines[0] == report.SUMMARY_HEAD
    vadd = next(line for line in lines if line.lstrip().startswith("vadd_f64"))
    assert "cambrian-kernel on opencl:cpu:0" in vadd and "2x NumPy" in vadd  # not the liar, not interp
    assert any("array_pi_estimate" in line and "cambrian-array-kernel" in line for line in lines)
    assert "devices found: cpu, opencl:cpu:0, interp (cpu); no GPU found" in text
    assert "--devices opencl kept opencl:cpu:0" in " ".join(text.split())  # wrapped at 100 columns
    assert max(len(line) for line in lines) <= report.WIDTH


def test_scaled_rows_scale_steady_state_only(monkeypatch):
    fixed = dict(first_s=1.5, median_s=0.5, min_s=0.4, max_s=0.6, repeat=3, copy_in_s=0.1, copy_out_s=0.2,
                 end_to_end_s=0.8, correct=True, detail="")
    monkeypatch.setattr(runner, "measure", lambda *a, **k: dict(fixed))
    impl = Impl("slow", "test", lambda w, d: Prepared(compute=lambda s: s, offloaded=True), reduced=True)
    w = workloads.BY_NAME["vadd_f64"]
    opts = runner.Options(quick=True, progress=False, sizes={"vadd_f64": 40_000})
    rec = runner.run_task(runner.Task(w, impl, DeviceSpec("host")), runner.Data(w), opts)
    assert rec.scaled and rec.measured_size == w.reduced_size == 10_000
    assert rec.median_s == pytest.approx(2.0) and rec.min_s == pytest.approx(1.6)  # x4 work
    assert (rec.first_s, rec.copy_in_s, rec.copy_out_s) == (1.5, 0.1, 0.2)  # as measured, not x4
    assert rec.end_to_end_s is None and "first call and copies as measured" in rec.note


def _no_run(*args, **kwargs):
    raise AssertionError("the benchmark must not start")


def test_device_filter_matching_nothing_exits_2(monkeypatch, capsys):
    found = [DeviceSpec("cpu", "cpu"), DeviceSpec("opencl:cpu:0", "cpu"), DeviceSpec("interp", "cpu")]
    monkeypatch.setattr(registry, "found_devices", lambda impls: found)
    monkeypatch.setattr(cli, "run_rows", _no_run)
    assert cli.main(["--quick", "--devices", "gpu", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "no device matches --devices gpu" in err
    assert "devices found: cpu, opencl:cpu:0, interp (cpu); no GPU found" in err


def test_device_filter_on_host_only_implementations_exits_2(capsys):
    assert cli.main(["--implementations", "numpy", "--devices", "cuda:99", "--no-progress"]) == 2
    assert "none besides the host" in capsys.readouterr().err


def test_report_without_matplotlib_exits_2_before_running(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    monkeypatch.setattr(cli, "run_rows", _no_run)
    out = tmp_path / "rep"
    assert cli.main(["--quick", "--report", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--report needs matplotlib" in err and "pip install 'cambrian[bench]'" in err
    assert not out.exists()


def test_cli_prints_compact_table_then_summary(capsys):
    argv = ["--quick", "--workloads", "vadd_f64", "--implementations", "python,numpy", "--repeat", "1",
            "--no-progress"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= report.WIDTH
    tail = out[out.index(report.SUMMARY_HEAD):].splitlines()
    assert tail[1].split()[:4] == ["vadd_f64", "numpy", "on", "the"]  # NumPy beats scaled pure Python
    assert tail[-1].startswith("devices found: none besides the host")
    assert "~" in out and "min..max" not in out
    assert cli.main([*argv, "--wide"]) == 0
    assert "min..max" in capsys.readouterr().out
