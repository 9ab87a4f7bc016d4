"""examples/dask_monte_carlo_pi.py on every device and every Dask scheduler (its kernels live in the
script's ``__main__``: the process and distributed schedulers compile them from the pickled source)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import cambrian as cb

pytest.importorskip("dask.array", reason="dask is not installed (pip install 'cambrian[dask]')")

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "dask_monte_carlo_pi.py"
SCHEDULERS = ["threads", "processes", "distributed"]
_estimates: dict[str, str] = {}


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_dask_monte_carlo_pi(device: cb.Device, scheduler: str) -> None:
    if scheduler == "distributed":
        pytest.importorskip("distributed", reason="dask.distributed is not installed (the test extra)")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--device", str(device), "--size", "4096",
                           "--chunks", "4", "--scheduler", scheduler], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"on {device}," in proc.stdout and "result: Array" in proc.stdout
    estimate = re.search(r"pi ~ (\d\.\d+)", proc.stdout).group(1)
    # the same Philox stream everywhere: one estimate for every device and scheduler
    assert _estimates.setdefault("pi", estimate) == estimate
