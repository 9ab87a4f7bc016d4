"""Array semantics that need particular devices, on fake devices (after array-api-strict's
"no_float64" device): no hardware needed."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian.array as ca
from cambrian import dtypes
from cambrian.devices import select_device, using
from cambrian.errors import UnsupportedFeatureError
from cambrian.testing import FakeBackend, use_fake_backends


@pytest.fixture
def fake(monkeypatch, tmp_path):
    use_fake_backends(monkeypatch, tmp_path,
                      FakeBackend("interp", [{"name": "fake interp", "kind": "cpu"}]),
                      FakeBackend("opencl", [{"name": "no-fp64 GPU", "kind": "gpu", "ordinal": 0,
                                              "supports_float64": False}]))
    return select_device("opencl:gpu:0"), select_device("interp")


@pytest.mark.parametrize("make", [
    lambda d, t: ca.asarray(np.zeros(2, t), device=d),
    lambda d, t: ca.zeros(3, dtype=t, device=d),
    lambda d, t: ca.empty((2, 2), dtype=t, device=d),
    lambda d, t: ca.full(2, 1, dtype=t, device=d),
    lambda d, t: ca.ones_like(ca.ones(2, dtype="int8", device=d), dtype=t),
], ids=["asarray", "zeros", "empty", "full", "ones_like"])
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_float64_refused_with_a_clear_error(fake, make, dtype):
    gpu, _ = fake
    with pytest.raises(UnsupportedFeatureError) as info:
        make(gpu, dtype)
    msg = str(info.value)
    assert "opencl:gpu:0" in msg and "no-fp64 GPU" in msg and dtype in msg and "float64" in msg


def test_moving_float64_to_a_device_without_it(fake):
    gpu, interp = fake
    x = ca.asarray(np.arange(3.0), device=interp)
    with pytest.raises(UnsupportedFeatureError, match="opencl:gpu:0"):
        x.to_device(gpu)
    y = ca.asarray(x, dtype="float32", device=gpu)  # an explicit cast is fine
    assert y.device == gpu and np.array_equal(ca.asnumpy(y), [0, 1, 2])


def test_default_dtypes_follow_the_device(fake):
    gpu, interp = fake
    for device, flt, cpx in [(gpu, "float32", "complex64"), (interp, "float64", "complex128")]:
        assert ca.asarray([1.5], device=device).dtype == np.dtype(flt)
        assert ca.asarray(2j, device=device).dtype == np.dtype(cpx)
        assert ca.zeros(2, device=device).dtype == np.dtype(flt)
        assert ca.empty(2, device=device).dtype == np.dtype(flt)
        assert ca.full(2, 0.5, device=device).dtype == np.dtype(flt)
        assert ca.full(2, 0.5j, device=device).dtype == np.dtype(cpx)
        assert ca.asarray([1, 2], device=device).dtype == np.int64


def test_default_device_and_using(fake):
    gpu, interp = fake
    assert ca.zeros(2).device == gpu  # the best GPU is the default
    with using("interp"):
        assert ca.asarray([1, 2]).device == interp
        assert ca.ones(1).dtype == np.float64


@pytest.mark.parametrize("dtype", dtypes.ALL)
def test_round_trip_on_host_memory_fake(fake, dtype):
    _, interp = fake
    host = np.arange(12).reshape(3, 4).astype(dtype)[:, ::-2]
    x = ca.asarray(host, device=interp)
    assert np.array_equal(ca.asnumpy(x), host) and x.__cambrian_array__().view is not None
    assert np.array_equal(x.__cambrian_array__().view, host)
