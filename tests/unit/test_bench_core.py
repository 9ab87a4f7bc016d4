"""The benchmark harness without devices: workloads, checks, planning, filters, speedups, wrong answers."""

from __future__ import annotations

import numpy as np
import pytest

from cambrian.bench import cli, registry, runner, workloads
from cambrian.bench.core import DeviceSpec, Impl, Partials, Prepared, Skip, finish_partials
from cambrian.bench.impls_numba import chunks


def _perturb(x):
    if isinstance(x, tuple):
        return (_perturb(x[0]), *x[1:])
    if isinstance(x, float):
        return x * 1.01 + 1.0
    y = np.array(x, copy=True)
    y.flat[: max(1, y.size // 10)] += 7
    return y


@pytest.mark.parametrize("w", workloads.WORKLOADS, ids=lambda w: w.name)
def test_reference_passes_and_wrong_answer_fails(w):
    size = w.fit(w.tiny_size)
    inputs = w.make_inputs(size, np.random.default_rng(0))
    ref = w.reference(inputs)
    assert w.check(ref, ref) == (True, "")
    ok, why = w.check(_perturb(ref), ref)
    assert not ok and why


def test_inputs_are_seeded_and_typed():
    w = workloads.BY_NAME["vadd_f32"]
    a = w.make_inputs(100, np.random.default_rng(1))
    b = w.make_inputs(100, np.random.default_rng(1))
    assert a[0].dtype == np.float32 and np.array_equal(a[0], b[0])
    assert workloads.BY_NAME["matmul_tiled"].fit(20) == 32


def test_select_workloads_by_kind_prefix_and_error():
    names = [w.name for w in workloads.select("vadd,matmul")]
    assert names == ["vadd_f32", "vadd_f64", "matmul_naive", "matmul_tiled"]
    with pytest.raises(ValueError, match="unknown workload"):
        workloads.select("nope")


def test_select_implementations_by_family():
    names = [i.name for i in registry.select("numba,numpy")]
    assert names == ["numpy", "numba-njit", "numba-prange", "numba-nogil"]
    with pytest.raises(ValueError, match="unknown implementation"):
        registry.select("fortran")


@pytest.mark.parametrize(("filt", "label", "kind", "expected"), [
    ("opencl", "opencl:cpu:0", "cpu", True), ("opencl:gpu", "opencl:cpu:0", "cpu", False),
    ("gpu", "cuda:0", "gpu", True), ("cuda:1", "cuda:0", "gpu", False), ("cpu", "cpu", "cpu", True),
    ("cpu", "opencl:cpu:0", "cpu", False), (":cpu", "opencl:cpu:0", "cpu", True),
    ("interp,cuda", "interp", "cpu", True), ("cuda", "host", "cpu", True),
])
def test_device_filter(filt, label, kind, expected):
    assert registry.device_selected(filt, DeviceSpec(label, kind)) is expected


def test_chunks_cover_range_with_multiples():
    parts = chunks(100, 3, 16)
    assert parts[0][0] == 0 and parts[-1][1] == 100
    assert all(lo % 16 == 0 for lo, _ in parts)
    assert sum(hi - lo for lo, hi in parts) == 100


def test_partials_layout_covers_every_element():
    for kind in ("cpu", "gpu"):
        lay = Partials.layout(1000, kind, 3)
        idx = {g * lay.outer + j * lay.inner for g in range(lay.groups) for j in range(lay.chunk)}
        assert set(range(1000)) <= idx
    assert finish_partials("pi", np.array([3, 4]), 7) == pytest.approx(4.0)


def test_parse_sizes():
    assert cli.parse_sizes("1_000", ["a", "b"]) == {"a": 1000, "b": 1000}
    assert cli.parse_sizes("vadd=64", []) == {"vadd_f32": 64, "vadd_f64": 64}
    with pytest.raises(ValueError):
        cli.parse_sizes("-3", ["a"])


def _wrong_build(workload, device):
    return Prepared(compute=lambda inp: inp[0] - inp[1])  # "vector add" that subtracts: fast and wrong


def _skipping_build(workload, device):
    raise Skip("not today")


def _crashing_build(workload, device):
    return Prepared(compute=lambda inp: 1 / 0)


def test_wrong_implementation_is_reported_never_a_win():
    impls = [*registry.select("numpy,python"), Impl("wrong", "test", _wrong_build),
             Impl("skipper", "test", _skipping_build), Impl("crasher", "test", _crashing_build)]
    opts = runner.Options(quick=True, repeat=2, progress=False, sizes={"vadd_f64": 20_000})
    recs = {r.implementation: r for r in runner.run(workloads.select("vadd_f64"), impls, opts)}
    wrong = recs["wrong"]
    assert wrong.correct is False and "values off" in wrong.detail
    assert wrong.speedup_vs_numpy is None and wrong.speedup_vs_python is None and wrong.gb_s is None
    assert recs["numpy"].correct and recs["numpy"].speedup_vs_numpy == pytest.approx(1.0)
    assert recs["python"].scaled and recs["python"].measured_size == 10_000
    assert recs["numpy"].speedup_vs_python > 1
    assert recs["skipper"].skipped_reason == "not today" and recs["skipper"].median_s is None
    assert recs["crasher"].correct is False and "ZeroDivisionError" in recs["crasher"].detail
    from cambrian.bench.report import best_row, format_table

    assert best_row(list(recs.values())) is not wrong
    text = format_table(recs.values())
    assert "WRONG" in text and "ERROR" in text and "not today" in text


def test_missing_tool_is_a_skipped_row():
    impl = Impl("ghost", "ghost", _wrong_build, requires=("no_such_module_xyz",))
    recs = runner.run(workloads.select("sumsq"), [impl], runner.Options(quick=True, progress=False))
    assert recs[0].skipped_reason == "no_such_module_xyz not installed"


def test_thread_scaling_calls_every_count():
    seen = []
    prep = Prepared(compute=lambda s: s, set_threads=seen.append)
    out = runner.thread_scaling(prep, (1,), repeat=1, budget=1.0)
    top = runner.max_threads()
    assert list(out) == [str(k) for k in range(1, top + 1)] and seen[-1] == top


def test_threaded_rows_settle_before_steady_state_timing(monkeypatch):
    events = []
    monkeypatch.setattr(runner.time, "sleep", lambda s: events.append(("sleep", s)))
    prep = Prepared(compute=lambda s: events.append("compute"))
    runner.measure(prep, (1,), None, lambda got, ref: (True, ""), repeat=2, budget=1.0, settle=0.25)
    assert events == ["compute", ("sleep", 0.25), "compute", "compute"]  # validate, settle, repeats
    impls = {i.name: i for i in registry.select(None)}
    assert impls["numba-prange"].threaded and not impls["numpy"].threaded
