"""OpenCL's driver fill of new arrays (``OpenCLBackend.fill``: clEnqueueFillBuffer) and its fallback to
the fill kernel on a driver without it (OpenCL 1.1), compared with NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
import cambrian.array._creation_kernels as K


def _opencl(device):
    if getattr(device.impl, "fill", None) is None:
        pytest.skip(f"backend {device.backend} has no driver fill")


@pytest.mark.parametrize("dtype", ["bool", "int16", "float32", "complex64"])
def test_fill_kernel_without_driver_fill(device, dtype, monkeypatch):
    _opencl(device)
    monkeypatch.setitem(device.impl._fills, device, False)  # as on an OpenCL 1.1 driver
    kernels = []
    launch = K.launch
    monkeypatch.setattr(K, "launch", lambda kern, *a: (kernels.append(kern), launch(kern, *a))[1])
    x = cb.full((3, 5), True if dtype == "bool" else 7, dtype=dtype, device=device)
    assert np.array_equal(cb.asnumpy(x), np.full((3, 5), True if dtype == "bool" else 7, dtype))
    assert kernels == [K.fill]


def test_driver_fill_after_pending_work(device):
    """Driver fills and kernel launches run in queue order: a launch reads its filled input, and the
    next array's fill leaves the launch's result alone."""
    _opencl(device)
    x = cb.zeros(1 << 16, dtype="float32", device=device)
    y = x * 2 + 1  # a launch, then a new array filled behind it
    z = cb.ones(1 << 16, dtype="float32", device=device)
    assert float(cb.asnumpy(y).min()) == 1.0 and float(cb.asnumpy(z).sum()) == 1 << 16
    assert device.impl._fills.get(device) is True
