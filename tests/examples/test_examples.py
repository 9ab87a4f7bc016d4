"""Every example runs on every device (small sizes) and reports success."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cambrian as cb
from cambrian.testing import requires

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CASES = {
    "vector_add.py": ["--size", "1000"],
    "monte_carlo_pi.py": ["--size", "4096"],
    "mandelbrot.py": ["--size", "32", "--iterations", "20"],
    "matmul_tiled.py": ["--size", "32"],
    "histogram.py": ["--size", "2000", "--bins", "16"],
}
NEEDS = {"mandelbrot.py": "float64", "matmul_tiled.py": "local_memory", "histogram.py": "atomics"}


@pytest.mark.parametrize("script", sorted(CASES))
def test_example(script: str, device: cb.Device) -> None:
    if script in NEEDS:
        requires(device, NEEDS[script])
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), "--device", str(device), *CASES[script]],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert str(device) in proc.stdout
