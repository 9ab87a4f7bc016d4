"""Large arrays on PoCL's CPU device run what ``cpu`` runs (``cpu_path_on_pocl``): Cambrian's kernels
compiled by Numba or NumPy's loops, on the buffers' host memory, in order with PoCL's kernels before and
after, without a PoCL kernel of their own; the same results on every device. Overlapping ``out=`` and
``POCL_OWN`` functions (``nextafter``) keep PoCL's kernel."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian import elementwise
from cambrian.array._elementwise import FUNCTIONS

N = 3000  # (CPU_PATH_ON_POCL_MIN is lowered to 1024 here)
CASES = [("atan", np.arctan, 1), ("sin", np.sin, 1), ("log10", np.log10, 1), ("round", np.round, 1),
         ("exp", np.exp, 1), ("floor", np.floor, 1), ("isnan", np.isnan, 1), ("atan2", np.arctan2, 2),
         ("pow", np.power, 2), ("floor_divide", np.floor_divide, 2), ("remainder", np.remainder, 2),
         ("add", np.add, 2), ("less", np.less, 2), ("maximum", np.maximum, 2),
         ("nextafter", np.nextafter, 2)]


@cb.vectorize
def identity(v):
    """A kernel of the device itself, before and after."""
    return v



@pytest.fixture
def spy(monkeypatch):
    """Lower the threshold; record the device of every elementwise kernel launch of the cases."""
    monkeypatch.setattr(elementwise, "CPU_PATH_ON_POCL_MIN", 1024)
    launched: list[tuple[str, object]] = []
    for name, _, _ in CASES:
        fn = FUNCTIONS[name]
        monkeypatch.setattr(fn, "_fast", {})

        def kernel(args, compute, out, fn=fn, name=name):
            launched.append((name, out.device))
            return type(fn)._kernel(fn, args, compute, out)

        monkeypatch.setattr(fn, "_kernel", kernel)
    return launched


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cpu_path_on_pocl(device, dtype, spy):
    if dtype == "float64" and not device.supports_float64:
        pytest.skip("no float64 on this device")
    rng = np.random.default_rng(5)
    a = (rng.random(N) * 8 - 4).astype(dtype)
    b = (rng.random(N) * 3 + 0.25).astype(dtype)
    x = identity(cb.asarray(a, device=device))  # made by a kernel: the host path waits for it
    y = cb.asarray(b, device=device)
    pocl = elementwise._is_pocl_cpu(device)
    tol = 4 * np.finfo(dtype).eps
    for name, ref, nin in CASES:
        fn = FUNCTIONS[name]
        args = (x, y) if nin == 2 else (cb.abs(x) if name == "log10" else x,)
        nargs = [cb.asnumpy(v) for v in args]
        spy.clear()
        got = cb.asnumpy(identity(fn(*args)))  # and a kernel reads the result after it
        with np.errstate(all="ignore"):
            want = ref(*nargs)
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"{name} on {device}")
        out = cb.empty(N, dtype=want.dtype.name, device=device)
        fn(*args, out=out)
        np.testing.assert_allclose(cb.asnumpy(out), want, rtol=tol, atol=tol, err_msg=f"{name} out=")
        if pocl:
            on_pocl = [d for _, d in spy if d == device]
            assert bool(on_pocl) == (name == "nextafter"), f"{name}: kernels ran on {spy}"


def test_cpu_path_on_pocl_overlapping_out(device, spy):
    """``out`` overlapping an input in another layout: the kernel path (no race between threads)."""
    a = np.linspace(-3, 3, N).astype(np.float32)
    x = cb.asarray(a, device=device)
    cb.sin(x[1:], out=x[:-1])
    want = a.copy()
    want[:-1] = np.sin(a[1:])
    np.testing.assert_allclose(cb.asnumpy(x), want, rtol=4e-7, atol=4e-7)
    same = cb.asarray(a, device=device)
    cb.atan(same, out=same)  # the same elements in the same layout: in place
    np.testing.assert_allclose(cb.asnumpy(same), np.arctan(a), rtol=4e-7, atol=4e-7)


@pytest.mark.parametrize("op", ["sum", "prod", "min", "max", "mean", "argmax", "argmin"])
def test_large_reductions_cpu_path_on_pocl(device, op, monkeypatch):
    """Reductions above the NumPy bound run ``cpu``'s path on PoCL's host memory (after the queue's
    pending work), their results a new array on PoCL's device; the same values on every device."""
    from cambrian.array import _statistical as S

    monkeypatch.setattr(S, "REDUCE_HOST_MAX", 256)
    monkeypatch.setattr(S, "EXTREMES_SCALE", 1)
    monkeypatch.setattr(S, "MINMAX_SCALE", 1)
    used: list[object] = []

    def spy(fn, x):
        got = cpu_path(fn, x)
        used.append(got)
        return got

    cpu_path = S.cpu_path
    monkeypatch.setattr(S, "cpu_path", spy)
    a = np.random.default_rng(3).random((60, 70)) + 0.5
    x = identity(cb.asarray(a, device=device))  # pending work first
    for axis in (None, 0, 1):
        used.clear()
        got = getattr(cb, op)(x, axis=axis)
        assert got.device == device
        np.testing.assert_allclose(cb.asnumpy(got), getattr(np, op)(a, axis=axis), rtol=1e-12,
                                   err_msg=f"{op} axis={axis} on {device}")
        if elementwise._is_pocl_cpu(device):
            assert any(u is not None for u in used), f"{op}: PoCL's own kernel ran"


def test_cpu_path_keeps_no_array_alive(device, monkeypatch):
    """The wrapper ``cpu``'s path keeps on an array (``_seen``) dies with the array: no reference cycle
    holds its memory after the last reference goes (refcounting alone frees it)."""
    import gc
    import weakref

    from cambrian.array import _statistical as S

    monkeypatch.setattr(S, "REDUCE_HOST_MAX", 256)
    monkeypatch.setattr(elementwise, "CPU_PATH_ON_POCL_MIN", 1024)
    x = identity(cb.asarray(np.arange(5000.0), device=device))
    y = cb.asarray(np.ones(5000), device=device)
    assert float(cb.sum(x)) == float(np.arange(5000.0).sum())
    np.testing.assert_array_equal(cb.asnumpy(cb.add(x, y, out=cb.empty_like(x))), np.arange(5000.0) + 1)
    if elementwise._is_pocl_cpu(device):
        assert getattr(x, "_seen", None) is not None and getattr(y, "_seen", None) is not None
    refs = [weakref.ref(x), weakref.ref(y)]
    gc.disable()
    try:
        del x, y
        assert all(r() is None for r in refs), "an array outlived its last reference"
    finally:
        gc.enable()
