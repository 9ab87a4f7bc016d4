"""The fused rows of ``cambrian bench``: ``cambrian-fuse`` (``@cb.fuse`` on every device) and numexpr give
correct answers on the array-expression workloads, and the fused row is one kernel on the device."""

from __future__ import annotations

import numpy as np
import pytest

from cambrian.bench import workloads
from cambrian.bench.core import DeviceSpec, Skip
from cambrian.bench.impls_fuse import IMPLS
from cambrian.bench.runner import measure
from cambrian.testing import requires

IMPL = {i.name: i for i in IMPLS}
FUSED = ["array_normal_pdf", "array_pi_estimate", "array_gaussian", "array_pi", "array_scale"]


def _spec(device) -> DeviceSpec:
    return DeviceSpec(str(device), device.kind, device, "tiny" if device.backend == "interp" else None)


def _run(prep, w, size):
    inputs = w.make_inputs(size, np.random.default_rng(3))
    return measure(prep, inputs, w.reference(inputs), w.check, repeat=2, budget=0.5, min_runs=1)


@pytest.mark.parametrize("name", FUSED)
def test_cambrian_fuse_rows_are_correct(device, name):
    requires(device, "float64")
    w = workloads.BY_NAME[name]
    res = _run(IMPL["cambrian-fuse"].build(w, _spec(device)), w, w.tiny_size // 4)
    assert res["correct"], res["detail"]
    assert res["median_s"] > 0


def test_cambrian_fuse_result_is_a_device_array(device):
    requires(device, "float64")
    prep = IMPL["cambrian-fuse"].build(workloads.BY_NAME["array_normal_pdf"], _spec(device))
    x = np.linspace(-3.0, 3.0, 64)
    out = prep.compute(prep.copy_in((x, 0.0, 1.0)))
    assert hasattr(out, "__cambrian_array__") and out.device == device
    np.testing.assert_allclose(prep.copy_out(out), np.exp(-0.5 * x**2) / np.sqrt(2 * np.pi), rtol=1e-12)


@pytest.mark.parametrize("name", FUSED)
def test_numexpr_rows_are_correct(name):
    pytest.importorskip("numexpr", reason="numexpr is not installed (the bench extra)")
    w = workloads.BY_NAME[name]
    res = _run(IMPL["numexpr"].build(w, DeviceSpec("host")), w, 1000)
    assert res["correct"], res["detail"]


def test_numexpr_skips_what_it_cannot_state():
    pytest.importorskip("numexpr", reason="numexpr is not installed (the bench extra)")
    with pytest.raises(Skip):
        IMPL["numexpr"].build(workloads.BY_NAME["mandel20"], DeviceSpec("host"))
