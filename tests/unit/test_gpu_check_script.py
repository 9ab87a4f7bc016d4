"""scripts/gpu_check.sh (issue 18): valid bash, executable, every step present, nothing fetched."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gpu_check.sh"
STEPS = {
    "nvidia_smi": "nvidia-smi",
    "cambrian_devices": "-m cambrian devices",
    "test_cuda": "tests -k cuda",
    "bench_cuda": "benchmarks/bench_cuda.py --json",
    "bench": "-m cambrian bench --devices cuda --quick",
    "opencl": "CAMBRIAN_TEST_DEVICES=opencl:gpu",
    "suite_cuda": "CAMBRIAN_TEST_DEVICES=cuda",
}


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_script_parses_and_is_executable() -> None:
    assert os.access(SCRIPT, os.X_OK)
    assert subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True).returncode == 0


def test_every_step_runs_under_timeout_and_is_summarised() -> None:
    text = SCRIPT.read_text()
    for step, command in STEPS.items():
        assert re.search(rf"run_step {step} \d+ ", text), step
        assert command in text, command
    assert "timeout -k" in text and "summary.json" in text and 'OUT=${OUT:-' in text
    assert " -x" not in text  # the whole suite runs on past failures


def test_pip_never_reaches_a_network() -> None:
    for line in SCRIPT.read_text().splitlines():
        if "pip install" in line and not line.lstrip().startswith("#"):
            assert "--no-index" in line, line
