"""Large arrays of the functions in ``NUMPY_ON_POCL`` (``atan``, ``sin``, ``pow``, ``round``...): the same
results on every device, and on PoCL's CPU device computed by NumPy's loops on the buffers' host memory
(PoCL's library calls are scalar: 2-45x slower there), in order with the kernels before and after, without
a kernel of their own; overlapping ``out=`` takes the kernel path."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian import elementwise
from cambrian.array._elementwise import FUNCTIONS, NUMPY_ON_POCL

N = 3000  # (NUMPY_ON_POCL_MIN is lowered to 1024 here)
CASES = [("atan", np.arctan, 1), ("sin", np.sin, 1), ("log10", np.log10, 1), ("round", np.round, 1),
         ("atan2", np.arctan2, 2), ("pow", np.power, 2), ("floor_divide", np.floor_divide, 2),
         ("remainder", np.remainder, 2)]


@pytest.fixture
def low_threshold(monkeypatch):
    monkeypatch.setattr(elementwise, "NUMPY_ON_POCL_MIN", 1024)
    for name, _, _ in CASES:
        monkeypatch.setattr(FUNCTIONS[name], "_vec", {})
        monkeypatch.setattr(FUNCTIONS[name], "_fast", {})


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_numpy_on_pocl_functions(device, dtype, low_threshold):
    if dtype == "float64" and not device.supports_float64:
        pytest.skip("no float64 on this device")
    rng = np.random.default_rng(5)
    a = (rng.random(N) * 8 - 4).astype(dtype)
    b = (rng.random(N) * 3 + 0.25).astype(dtype)
    x = cb.asarray(a, device=device) * 1  # made by a kernel on compiled devices: the host path waits
    y = cb.asarray(b, device=device)
    pocl = elementwise._is_pocl_cpu(device)
    tol = 4 * np.finfo(dtype).eps
    for name, ref, nin in CASES:
        fn = FUNCTIONS[name]
        args = (x, y) if nin == 2 else (cb.abs(x) if name == "log10" else x,)
        nargs = [cb.asnumpy(v) for v in args]
        got = cb.asnumpy(fn(*args) + 0)  # and a kernel reads the result after it
        with np.errstate(all="ignore"):
            want = ref(*nargs)
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"{name} on {device}")
        out = cb.empty(N, dtype=dtype, device=device)
        fn(*args, out=out)
        np.testing.assert_allclose(cb.asnumpy(out), want, rtol=tol, atol=tol, err_msg=f"{name} out=")
        if pocl:
            assert dtype in NUMPY_ON_POCL[name] and not fn._vec, f"{name}: PoCL compiled a kernel"


def test_numpy_on_pocl_overlapping_out(device, low_threshold):
    """``out`` overlapping an input in another layout: the kernel path (no race between NumPy's threads)."""
    a = np.linspace(-3, 3, N).astype(np.float32)
    x = cb.asarray(a, device=device)
    cb.sin(x[1:], out=x[:-1])
    want = a.copy()
    want[:-1] = np.sin(a[1:])
    np.testing.assert_allclose(cb.asnumpy(x), want, rtol=4e-7, atol=4e-7)
    same = cb.asarray(a, device=device)
    cb.atan(same, out=same)  # the same elements in the same layout: in place
    np.testing.assert_allclose(cb.asnumpy(same), np.arctan(a), rtol=4e-7, atol=4e-7)
