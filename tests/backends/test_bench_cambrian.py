"""The benchmark's Cambrian kernels and vectorize rows give correct answers on every device, and the
``--quick`` command runs end to end (the CI smoke run of ``cambrian bench``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cambrian.bench import cli, impls_cambrian, workloads
from cambrian.bench.core import DeviceSpec, Skip
from cambrian.bench.runner import measure
from cambrian.testing import requires


def _spec(device) -> DeviceSpec:
    return DeviceSpec(str(device), device.kind, device, "tiny" if device.backend == "interp" else None)


@pytest.mark.parametrize("name", ["vadd_f64", "sumsq", "mandel20", "blackscholes", "matmul_tiled", "nbody"])
@pytest.mark.parametrize("impl", impls_cambrian.IMPLS, ids=lambda i: i.name)
def test_cambrian_rows_are_correct(device, impl, name):
    w = workloads.BY_NAME[name]
    requires(device, *(["local_memory"] if w.kind == "matmul_tiled" else []),
             *(["float64"] if "float64" in w.title else []))
    try:
        prep = impl.build(w, _spec(device))
    except Skip as exc:
        if "unavailable" in str(exc):
            pytest.skip(f"no cambrian kernel API: {exc}")
        assert impl.name == "cambrian-vectorize"  # only vectorize lacks some workloads (matmul, nbody)
        return
    size = w.fit(w.tiny_size // (2 if device.backend == "interp" else 1))
    inputs = w.make_inputs(size, np.random.default_rng(3))
    res = measure(prep, inputs, w.reference(inputs), w.check, repeat=1, budget=0.1, min_runs=1)
    assert res["correct"], res["detail"]
    assert res["first_s"] > 0 and res["median_s"] > 0 and res["copy_in_s"] is not None


def test_quick_command_runs_and_validates(tmp_path):
    """``cambrian bench --quick`` (the CI run): every row that ran is correct, JSON is complete."""
    path = tmp_path / "quick.json"
    rc = cli.main(["--quick", "--json", str(path), "--no-progress"])
    doc = json.loads(path.read_text())
    ran = [r for r in doc["results"] if r["skipped_reason"] is None]
    wrong = [(r["workload"], r["implementation"], r["device"], r["detail"]) for r in ran if not r["correct"]]
    assert not wrong and rc == 0
    names = {r["implementation"] for r in ran}
    assert {"python", "numpy"} <= names
    assert {r["workload"] for r in doc["results"]} == {w.name for w in workloads.WORKLOADS}
