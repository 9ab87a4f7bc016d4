"""cpu backend: Cambrian's kernels compile with LLVM's SLP vectorizer (scoped to their first call, so
other Numba code in the process keeps Numba's default), and CAMBRIAN_CPU_SLP=0 turns it off."""

from __future__ import annotations

import numpy as np

from cambrian.backends import cpu_preload
from cambrian.backends.cpu_build import program_key
from cambrian.kernels import kernel

from .test_cpu_support import cpu_device  # noqa: F401 (fixture)


def test_first_call_runs_with_slp_and_restores_numba_default(cpu_device):  # noqa: F811
    import numba

    seen = []

    class Probe:
        def __call__(self, *args):
            seen.append(numba.config.SLP_VECTORIZE)
            return sum(args)

    before = numba.config.SLP_VECTORIZE
    wrapped = cpu_preload.CompileWithSLP(Probe())
    assert wrapped(1, 2) == 3 and wrapped(3, 4) == 7
    assert seen == [1, before]  # on for the first (compiling) call only
    assert numba.config.SLP_VECTORIZE == before


def test_setting_is_part_of_the_cache_key(monkeypatch):
    import cambrian as cb

    @kernel
    def double(x):
        i = cb.get_global_id(0)
        x[i] = x[i] * 2.0

    module = double.ir(np.zeros(4))
    monkeypatch.setenv("CAMBRIAN_CPU_SLP", "1")
    on = program_key(module, "cpu")
    monkeypatch.setenv("CAMBRIAN_CPU_SLP", "0")
    assert program_key(module, "cpu") != on


def add(a, b):
    return a + b


def square(v):
    return v * v


def test_results_equal_with_and_without_slp(cpu_device, monkeypatch):  # noqa: F811
    import cambrian as cb

    x = cb.asarray(np.random.default_rng(5).standard_normal(100_003), device="cpu")

    with_slp = float(cb.reduction(add, identity=0.0, map=square)(x))
    monkeypatch.setenv("CAMBRIAN_CPU_SLP", "0")
    without = cb.reduction(add, identity=0.0, map=square)  # new kernels, compiled for this setting
    assert float(without(x)) == with_slp
    programs = [spec.program for kern in without._kernels.values() for specs in kern._specs.values()
                for spec in specs.values()]
    assert programs and all(not isinstance(p.launch1, cpu_preload.CompileWithSLP) for p in programs)
