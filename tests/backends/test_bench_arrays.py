"""The "array expressions" workload family of ``cambrian bench``: Cambrian's array namespace gives correct
answers on every device, array libraries run the family and other implementations are skipped rows."""

from __future__ import annotations

import numpy as np
import pytest

from cambrian.bench import registry, runner, workloads
from cambrian.bench.core import DeviceSpec, Skip
from cambrian.bench.impls_arrays import FUNCS
from cambrian.bench.impls_cambrian_arrays import IMPLS, MISSING
from cambrian.bench.runner import measure
from cambrian.testing import requires

ARRAY_FAMILY = [w.name for w in workloads.WORKLOADS if w.arrays_only]
(CAMBRIAN_ARRAY,) = IMPLS


def _spec(device) -> DeviceSpec:
    return DeviceSpec(str(device), device.kind, device, "tiny" if device.backend == "interp" else None)


def test_family_is_the_three_expressions():
    assert ARRAY_FAMILY == ["array_scale", "array_gaussian", "array_pi", "array_normal_pdf",
                            "array_pi_estimate"]
    assert [w.name for w in workloads.select("array")] == ARRAY_FAMILY


@pytest.mark.parametrize("name", [*ARRAY_FAMILY, "vadd_f64", "sumsq"])
def test_cambrian_array_rows_are_correct(device, name):
    w = workloads.BY_NAME[name]
    requires(device, "float64")
    prep = CAMBRIAN_ARRAY.build(w, _spec(device))
    size = w.fit(w.tiny_size // (2 if device.backend == "interp" else 1))
    inputs = w.make_inputs(size, np.random.default_rng(5))
    res = measure(prep, inputs, w.reference(inputs), w.check, repeat=2, budget=0.5, min_runs=1)
    assert res["correct"], res["detail"]
    assert res["median_s"] > 0 and res["copy_in_s"] is not None and res["copy_out_s"] is not None


def test_cambrian_array_result_is_a_device_array(device):
    """The row computes with the namespace on the device (not NumPy on host copies)."""
    requires(device, "float64")
    prep = CAMBRIAN_ARRAY.build(workloads.BY_NAME["array_gaussian"], _spec(device))
    state = prep.copy_in((np.linspace(-3.0, 3.0, 64),))
    out = prep.compute(state)
    assert hasattr(out, "__cambrian_array__") and out.device == device
    np.testing.assert_allclose(prep.copy_out(out), np.exp(-0.5 * np.linspace(-3.0, 3.0, 64) ** 2), rtol=1e-12)


@pytest.mark.parametrize("kind", sorted(MISSING))
def test_unsupported_workloads_skip_with_the_missing_chapter(kind):
    import cambrian as cb

    w = next(w for w in workloads.WORKLOADS if w.kind == kind)
    probe, why = MISSING[kind]
    if hasattr(cb.Array if probe.startswith("Array.") else cb, probe.rpartition(".")[2]):
        pytest.skip(f"cambrian has {probe} now: drop {kind} from MISSING")
    with pytest.raises(Skip) as info:
        CAMBRIAN_ARRAY.build(w, DeviceSpec("cpu"))
    assert str(info.value) == f"cambrian array namespace: {why}"


def test_array_libraries_run_the_family_others_are_skipped_rows():
    impls = registry.select("python,numpy,numba-njit,cambrian-kernel,dask")
    opts = runner.Options(quick=True, repeat=1, progress=False, sizes=dict.fromkeys(ARRAY_FAMILY, 4_000))
    recs = runner.run(workloads.select("array"), impls, opts)
    by = {(r.workload, r.implementation): r for r in recs}
    for name in ARRAY_FAMILY:
        assert by[name, "numpy"].correct and by[name, "numpy"].speedup_vs_numpy == pytest.approx(1.0)
        for other in ("python", "numba-njit", "cambrian-kernel"):
            assert by[name, other].skipped_reason == "array expressions: array libraries only"
        dask = by[name, "dask"]
        assert dask.correct or dask.skipped_reason == "dask not installed"


def test_article_pi_matches_count_nonzero():
    x, y = workloads.BY_NAME["array_pi"].make_inputs(10_000, np.random.default_rng(1))
    got = FUNCS["array_pi"](x, y, xp=np)
    assert got == 4.0 * np.count_nonzero(x * x + y * y <= 1.0) / x.size
