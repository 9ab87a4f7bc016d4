"""The kernel corpus on every device: compared with NumPy references and with the interpreter."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import cambrian as cb
from cambrian.testing import requires

from .corpus import CASES, Case


def _assert_close(got: np.ndarray, ref: np.ndarray, ulp: int, what: str) -> None:
    assert got.shape == ref.shape and got.dtype == ref.dtype, what
    if ulp == 0 or ref.dtype.kind not in "fc":
        np.testing.assert_array_equal(got, ref, err_msg=what)
        return
    if ref.dtype.kind == "c":
        real = np.float32 if ref.dtype == np.complex64 else np.float64
        scale = np.maximum(np.abs(ref.real), np.abs(ref.imag)).astype(real)
        err = np.maximum(np.abs(got.real - ref.real), np.abs(got.imag - ref.imag))
    else:
        scale, err = np.abs(ref), np.abs(got - ref)
    both_nan = np.isnan(got) & np.isnan(ref)
    same = (got == ref) | both_nan
    ok = same | (err <= ulp * np.spacing(scale))
    assert ok.all(), f"{what}: {np.count_nonzero(~ok)} elements beyond {ulp} ulp, e.g. got " \
                     f"{got[~ok][:3]} expected {ref[~ok][:3]}"


def _run(case: Case, device: cb.Device) -> list[np.ndarray]:
    args = case.make(np.random.default_rng(1234))
    dev_args = [cb.asarray(a, device=device) if isinstance(a, np.ndarray) else a for a in args]
    g, l = case.sizes(args)
    case.kernel[g, l](*dev_args).wait()
    return [cb.asnumpy(dev_args[i]) for i in case.outputs]


@functools.cache
def _interp_result(name: str) -> list[np.ndarray]:
    case = next(c for c in CASES if c.name == name)
    return _run(case, cb.select_device("interp"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_against_numpy(case: Case, device: cb.Device) -> None:
    for need in case.needs:
        requires(device, need)
    outs = _run(case, device)
    if case.check is not None:
        case.check(outs)
        return
    assert case.reference is not None
    args = case.make(np.random.default_rng(1234))
    refs = case.reference(*args)
    for k, (got, ref) in enumerate(zip(outs, refs, strict=True)):
        expected = np.asarray(ref).astype(got.dtype) if ref.dtype != got.dtype else np.asarray(ref)
        _assert_close(got, expected, case.ulp, f"{case.name} output {k} on {device}")


@pytest.mark.devices("cpu,opencl,cuda")  # every device but interp, the reference itself
@pytest.mark.parametrize("case", [c for c in CASES if c.ulp == 0 and c.check is None],
                         ids=[c.name for c in CASES if c.ulp == 0 and c.check is None])
def test_corpus_bit_exact_with_interp(case: Case, device: cb.Device) -> None:
    for need in case.needs:
        requires(device, need)
    for got, ref in zip(_run(case, device), _interp_result(case.name), strict=True):
        assert got.tobytes() == ref.tobytes() or np.array_equal(got, ref, equal_nan=got.dtype.kind in "fc"), \
            f"{case.name} on {device} differs from interp"


def test_corpus_size() -> None:
    assert len({c.kernel for c in CASES}) >= 40
