"""The ``cambrian`` command line, on fake devices (plus one real subprocess run)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import types
from importlib import metadata
from pathlib import Path

import pytest

from cambrian import cli
from cambrian.testing import FakeBackend, use_fake_backends


@pytest.fixture
def fakes(monkeypatch, tmp_path):
    use_fake_backends(
        monkeypatch, tmp_path,
        FakeBackend("interp", [{"name": "Interpreter", "kind": "cpu"}]),
        FakeBackend("opencl", [
            {"name": "PoCL CPU", "kind": "cpu", "ordinal": 0, "vendor": "PoCL", "driver_version": "3.1",
             "global_memory": 8 << 30, "compute_units": 2, "local_memory_size": 65536},
            {"name": "Flaky GPU", "kind": "gpu", "ordinal": 0, "supports_float64": False},
        ], failing=("Flaky GPU",)),
        FakeBackend("cuda", unavailable="no CUDA driver"))


def run(capsys, *argv):
    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_devices_table(fakes, capsys):
    rc, out, err = run(capsys, "devices")
    assert rc == 0 and not err
    lines = out.splitlines()
    assert lines[0].split() == ["FILTER", "NAME", "KIND", "VENDOR", "DRIVER", "MEM", "GiB", "CU", "FP64",
                                "LOCAL", "STATUS"]
    pocl = next(ln for ln in lines if "PoCL CPU" in ln)
    assert pocl.split()[:2] == ["*opencl:cpu:0", "PoCL"]  # the default device is starred
    assert "8.0" in pocl and "64 KiB" in pocl and pocl.rstrip().endswith("ok")
    flaky = next(ln for ln in lines if "Flaky GPU" in ln)
    assert "unusable: self-test failed: RuntimeError: wrong result on Flaky GPU" in flaky
    assert "* default device: opencl:cpu:0" in out
    assert "without devices: cuda" in out and "no CUDA driver" not in out


def test_devices_verbose_all_and_filter(fakes, capsys):
    rc, out, _ = run(capsys, "devices", "--verbose")
    assert rc == 0 and "backend cuda: no devices: no CUDA driver" in out and "max_work_group_size" in out
    rc, out, _ = run(capsys, "devices", "--all")
    assert any(ln.split()[:1] == ["cuda"] and ln.rstrip().endswith("unavailable") for ln in out.splitlines())
    rc, out, _ = run(capsys, "devices", "opencl:gpu")
    assert "Flaky GPU" in out and "PoCL CPU" not in out and "Interpreter" not in out


def test_devices_json(fakes, capsys):
    rc, out, _ = run(capsys, "devices", "--json")
    data = json.loads(out)
    assert rc == 0 and data["default"] == "opencl:cpu:0"
    assert [d["filter"] for d in data["devices"]] == ["interp", "opencl:cpu:0", "opencl:gpu:0"]
    assert [d["usable"] for d in data["devices"]] == [True, True, False]
    assert data["devices"][1]["default"] is True and data["devices"][1]["global_memory"] == 8 << 30
    assert data["unavailable_backends"] == {"cuda": "no CUDA driver"}


@pytest.mark.parametrize("argv", [["devices", "opencl::x"], ["devices", "cuda:-1"], ["devices", ""]])
def test_bad_filter_is_one_line_exit_2(fakes, capsys, argv):
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and not out
    assert err.startswith("cambrian: error: bad device filter") and err.count("\n") == 1
    assert "Traceback" not in err


def test_bad_cambrian_device_still_lists(fakes, capsys, monkeypatch):
    monkeypatch.setenv("CAMBRIAN_DEVICE", "cuda")
    rc, out, _ = run(capsys, "devices")
    assert rc == 0 and "default device: none (CAMBRIAN_DEVICE='cuda': no usable device" in out


def test_info(capsys, monkeypatch):
    real = metadata.version

    def version(dist):
        if dist == "dask":
            raise metadata.PackageNotFoundError(dist)
        return real(dist)

    monkeypatch.setattr(metadata, "version", version)
    rc, out, _ = run(capsys, "info")
    assert rc == 0
    for label in ("Cambrian", "Python", "NumPy", "Numba", "PyOpenCL", "PoCL", "CuPy", "Dask"):
        assert any(ln.startswith(label) for ln in out.splitlines()), label
    assert any(ln.split() == ["Dask", "not", "installed"] for ln in out.splitlines())
    assert real("numpy") in next(ln for ln in out.splitlines() if ln.startswith("NumPy"))
    rc, out, _ = run(capsys, "info", "--json")
    data = json.loads(out)
    assert data["Dask"] == "not installed" and data["Cambrian"] == "0.1.0"


def test_pocl_version_parsing():
    pocl = "Portable Computing Language (OpenCL 3.0 PoCL 3.1+debian  Linux, LLVM)"
    assert cli.pocl_version([pocl]) == "3.1+debian"
    assert cli.pocl_version(["NVIDIA CUDA (OpenCL 3.0 CUDA 12.4)"]) == "not installed"
    assert cli.pocl_version([]) == "not installed"


def test_bench_hook(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "cambrian.bench.cli", None)  # import fails
    rc, _, err = run(capsys, "bench", "--quick")
    assert rc == 2 and err.startswith("cambrian bench: unavailable")
    seen = {}
    fake = types.ModuleType("cambrian.bench.cli")
    fake.add_arguments = lambda p: p.add_argument("--size", type=int, default=1)
    fake.run = lambda args: seen.setdefault("size", args.size) and 7
    monkeypatch.setitem(sys.modules, "cambrian.bench.cli", fake)
    assert cli.main(["bench", "--size", "5"]) == 7 and seen == {"size": 5}
    assert cli.main(["bench", "--help"]) == 0
    assert "--size" in capsys.readouterr().out


def test_usage(capsys):
    assert cli.main([]) == 2
    assert "devices" in capsys.readouterr().err
    assert cli.main(["--version"]) == 0 and "cambrian 0.1.0" in capsys.readouterr().out
    assert cli.main(["nonsense"]) == 2


def test_entry_point_runs_in_a_fresh_process():
    proc = subprocess.run([sys.executable, "-m", "cambrian.cli", "devices", "--json"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "interp" in [d["filter"] for d in json.loads(proc.stdout)["devices"]]


ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[0] == "#!/usr/bin/env bash" and "set -euo pipefail" in ci
    venv = "python3 -m venv --system-site-packages .venv && . .venv/bin/activate && "
    assert ci[-1] == venv + "bash scripts/setup.sh test && python3 -m pytest -q"
    head = readme.split("## ")[0]  # the commands come first
    assert f"```bash\n{ci[-1]}\n```" in head
    assert f"```bash\n{venv}bash scripts/setup.sh && python3 -m cambrian bench\n```" in head


@pytest.mark.skipif(not shutil.which("bash"), reason="no bash")
@pytest.mark.parametrize(("args", "pocl", "expected", "absent"), [
    (["test"], True, "pip install -q -e .[test]", "apt-get"),
    ([], True, "pip install -q -e .[opencl,bench]", "apt-get"),
    ([], False, "pocl-opencl-icd", "+ nothing"),
])
def test_setup_script_dry_run(tmp_path, args, pocl, expected, absent):
    vendors = tmp_path / "vendors"
    vendors.mkdir()
    if pocl:
        (vendors / "pocl.icd").write_text("libpocl.so.2\n")
    env = {**os.environ, "CAMBRIAN_SETUP_DRY_RUN": "1", "OCL_ICD_VENDORS": str(vendors)}
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh"), *args], capture_output=True,
                          text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout + proc.stderr and absent not in proc.stdout


@pytest.mark.skipif(not shutil.which("bash"), reason="no bash")
@pytest.mark.parametrize("in_venv", [False, True])
def test_setup_script_says_where_it_installs(tmp_path, in_venv):
    """Outside a venv the script sets PIP_BREAK_SYSTEM_PACKAGES and says so; inside one it names it."""
    python = sys.executable
    if sys.prefix != sys.base_prefix and not in_venv:  # the tests run in a venv: its base Python
        python = str(Path(sys.base_prefix) / "bin" / Path(sys.executable).name)
        if not os.access(python, os.X_OK):
            pytest.skip(f"the tests run in a virtual environment and its base Python {python} is missing")
    if in_venv:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "v")], check=True,
                       timeout=120)
        python = str(tmp_path / "v" / "bin" / "python")
    env = {**os.environ, "CAMBRIAN_SETUP_DRY_RUN": "1", "PYTHON": python}
    env.pop("PIP_BREAK_SYSTEM_PACKAGES", None)
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh")], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    said = "PIP_BREAK_SYSTEM_PACKAGES=1" in proc.stderr
    assert said is not in_venv, proc.stderr
    assert ("into the virtual environment " + str(tmp_path / "v") in proc.stderr) is in_venv
    help_ = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh"), "--help"], capture_output=True,
                           text=True, timeout=60, check=True).stdout
    assert "PoCL" in help_ and "venv" in help_
