"""The benchmark's ``dask+cambrian`` row (Dask Monte Carlo pi, a Cambrian kernel per chunk) is correct on
every device and keeps its chunks as ``cambrian.Array``; other workloads are skipped rows with the reason."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.bench import impls_dask, registry, workloads
from cambrian.bench.core import DeviceSpec, Skip
from cambrian.bench.runner import measure

pytest.importorskip("dask.array", reason="dask not installed (the `test` extra installs it)")

IMPL = impls_dask.IMPLS[0]


def _spec(device) -> DeviceSpec:
    return DeviceSpec(str(device), device.kind, device, "tiny" if device.backend == "interp" else None)


@pytest.mark.parametrize("n", [1_000, 4_097])
def test_dask_cambrian_pi_is_correct(device, n):
    w = workloads.BY_NAME["pi"]
    prep = IMPL.build(w, _spec(device))
    inputs = w.make_inputs(n, np.random.default_rng(5))
    state = prep.copy_in(inputs)
    assert all(s.numblocks[0] >= 1 for s in state)
    assert isinstance(state[0]._meta, cb.Array)  # device chunks, not host NumPy
    ref = w.reference(inputs)
    assert prep.copy_out(prep.compute(state)) == pytest.approx(ref, rel=0, abs=1e-12)
    res = measure(prep, inputs, ref, w.check, repeat=1, budget=0.1, min_runs=1)
    assert res["correct"], res["detail"]
    assert res["median_s"] > 0 and res["copy_in_s"] is not None


def test_dask_cambrian_other_workloads_are_skipped(device):
    with pytest.raises(Skip, match="Monte Carlo pi only"):
        IMPL.build(workloads.BY_NAME["vadd_f64"], _spec(device))


def test_dask_cambrian_row_sits_after_the_dask_row():
    names = [i.name for i in registry.all_impls()]
    assert names.index("dask+cambrian") == names.index("dask") + 1
    assert registry.select("dask+cambrian") == [IMPL]
