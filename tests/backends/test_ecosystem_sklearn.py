"""scikit-learn and SciPy compute on Cambrian arrays where they live (array API dispatch), every device.

``SCIPY_ARRAY_API=1`` has to be set before SciPy is imported, and other test modules import SciPy, so
the cases (``ecosystem_sklearn_cases.py``) run in one subprocess per device; each test reads its case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cambrian as cb

from .ecosystem_sklearn_cases import CASES

pytest.importorskip("sklearn", reason="scikit-learn is not installed (pip install 'cambrian[test]')")
pytest.importorskip("scipy", reason="SciPy is not installed (pip install 'cambrian[test]')")
pytest.importorskip("array_api_compat", reason="array-api-compat is not installed (scikit-learn's dispatch)")

RUNNER = Path(__file__).with_name("ecosystem_sklearn_cases.py")
_results: dict[str, dict[str, dict[str, object]]] = {}


def results(device: cb.Device) -> dict[str, dict[str, object]]:
    """Every case's outcome on ``device`` (one subprocess per device, run on first use)."""
    key = str(device)
    if key not in _results:
        env = {**os.environ, "SCIPY_ARRAY_API": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
        proc = subprocess.run([sys.executable, str(RUNNER), key], capture_output=True, text=True, timeout=900,
                              env=env)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULTS ")), None)
        assert proc.returncode == 0 and line, f"the runner failed on {key}:\n{proc.stdout}\n{proc.stderr}"
        _results[key] = json.loads(line[len("RESULTS "):])
    return _results[key]


@pytest.mark.parametrize("case", CASES)
def test_sklearn_on_device(case: str, device: cb.Device) -> None:
    """Fitted attributes and results are cambrian.Array on the input's device, equal to NumPy's."""
    outcome = results(device)[case]
    assert outcome["ok"], f"{case} on {device}: {outcome['detail']}"


def test_case_runner_catches_mismatches() -> None:
    """The comparison the cases rely on fails on a wrong value, a host result and a wrong device."""
    import numpy as np

    from .ecosystem_sklearn_cases import same

    dev = cb.select_device("interp")
    want = np.arange(3.0)
    same("ok", cb.asarray(want, device=dev), want, dev)
    same("pca", cb.asarray(-want[None, :], device=dev), want[None, :], dev, signs=True)
    for got in (cb.asarray(want + 1e-3, device=dev), want, cb.asarray(want, device="cpu")):
        with pytest.raises(AssertionError):
            same("bad", got, want, dev)
