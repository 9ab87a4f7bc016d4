"""The differential fuzzer in CI (issue 20): random well-typed kernels on every device against the
interpreter, and random invalid programs that must raise a located CambrianError, with a fixed seed and
a small budget (``scripts/fuzz.py`` runs long campaigns). Also the regressions the fuzzer found."""

from __future__ import annotations

import math

import numpy as np

import cambrian as cb
from cambrian.testing import requires

from . import fuzz_programs as fp

SEED = 20_000
#: (programs, statements, expression depth) per device: Numba takes seconds per kernel, the others a
#: fraction of one.
BUDGET = {"cpu": (3, 4, 2), "opencl": (12, 6, 3), "cuda": (12, 6, 3), "interp": (12, 6, 3)}


def test_random_programs_agree_with_the_interpreter(device, interp_device) -> None:
    out = fp.Outcome()
    others = [] if device.backend == "interp" else [device]
    programs, statements, depth = BUDGET.get(device.backend, (5, 6, 3))
    for seed in range(SEED, SEED + programs):
        fp.run_program(fp.generate(seed, statements, depth), others, interp_device, out, seed)
    assert not out.internal, out.internal
    assert not out.rejected, out.rejected
    assert not out.mismatches, out.mismatches
    assert out.launches == out.programs * (1 + len(others))


def test_random_invalid_programs_raise_located_cambrian_errors(device) -> None:
    n = 60 if device.backend == "interp" else 15
    problems = [p for seed in range(SEED, SEED + n) if (p := fp.check_invalid(seed, device))]
    assert not problems, problems


# -- what the fuzzer found ----------------------------------------------------------------------------
@cb.kernel
def conjugate_into_a_local(a, out):
    i = cb.get_global_id(0)
    w = a[i].conjugate()
    z = (a[i] * 2).conjugate()
    out[i] = w + z


def test_method_call_assigned_to_a_local(device) -> None:
    """``w = z.conjugate()`` was taken for an array declaration and rejected (a KernelSyntaxError)."""
    a = np.array([1 + 2j, -3.5j], np.complex64)
    out = np.zeros_like(a)
    with cb.using(device):
        conjugate_into_a_local[2](a, out)
    np.testing.assert_array_equal(out, np.conj(a) * 3)


@cb.kernel
def math_of_a_constant_nan(a, out):
    i = cb.get_global_id(0)
    nan = cb.float64(math.nan)
    m = max(nan, a[i])  # a NaN the compiler knows
    n32 = cb.float32(m)
    out[i, 0] = math.exp(m)
    out[i, 1] = math.floor(m) if m != m else 0.0
    out[i, 2] = math.expm1(m)
    out[i, 3] = math.exp(n32)
    out[i, 4] = math.tanh(n32)
    out[i, 5] = math.ceil(n32) if n32 != n32 else 0.0


def test_math_functions_of_a_constant_nan_are_nan(device) -> None:
    """PoCL 3.1 (LLVM 15) folded exp/floor/ceil/expm1 (and float32 sinh/tanh) of a constant NaN into
    no store at all: the output kept its old value (fuzz seed 737)."""
    requires(device, "float64")
    out = np.full((2, 6), 7.0)
    with cb.using(device):
        math_of_a_constant_nan[2](np.array([1.0, -2.0]), out)
    assert np.isnan(out).all(), out
