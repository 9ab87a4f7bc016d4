"""@vectorize on every device: NumPy results bit-exact, broadcasting, out=, signatures, placement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cambrian.array import Array, asarray, asnumpy
from cambrian.devices import devices, using
from cambrian.errors import PlacementError
from cambrian.testing import requires
from cambrian.vectorize import elementwise_source, vectorize


def size(device, big: int = 1000) -> int:
    return 7 if device.backend == "interp" else big


@vectorize
def rel_diff(x, y):
    return 2 * (x - y) / (x + y)


@vectorize
def clamp_add(x, y):
    s = x + y
    if s > 100:
        s = 100
    return s


@vectorize(["float32(float32, float32)", "float64(float64, float64)"])
def hyp(x, y):
    return math.sqrt(x * x + y * y)


def test_rel_diff_bit_exact(device):
    requires(device, "float64")
    n = size(device)
    a, b = np.linspace(1.0, 2.0, n), np.linspace(3.0, 0.5, n)
    r = rel_diff(asarray(a, device=device), asarray(b, device=device))
    assert isinstance(r, Array) and r.device == device and r.dtype == np.float64
    np.testing.assert_array_equal(asnumpy(r), 2 * (a - b) / (a + b))


def test_numpy_in_numpy_out_on_default_device(device):
    requires(device, "float64")
    a = np.arange(1.0, 6.0)
    with using(device):
        r = rel_diff(a, 1.0)
    assert isinstance(r, np.ndarray)
    np.testing.assert_array_equal(r, 2 * (a - 1.0) / (a + 1.0))


def test_weak_scalar_keeps_float32_and_broadcasts(device):
    a = np.arange(6, dtype=np.float32).reshape(3, 2) + 1
    b = np.array([0.5, 2.0], dtype=np.float32)
    r = rel_diff(asarray(a, device=device), asarray(b, device=device))
    assert r.dtype == np.float32 and r.shape == (3, 2)
    np.testing.assert_array_equal(asnumpy(r), 2 * (a - b) / (a + b))
    r2 = rel_diff(asarray(a, device=device), 3.0)
    assert r2.dtype == np.float32
    np.testing.assert_array_equal(asnumpy(r2), 2 * (a - np.float32(3)) / (a + np.float32(3)))


def test_broadcast_both_sides_and_integers(device):
    a = np.arange(4, dtype=np.int32).reshape(4, 1) * 30
    b = np.arange(5, dtype=np.int32)
    r = clamp_add(asarray(a, device=device), asarray(b, device=device))
    assert r.dtype == np.int32 and r.shape == (4, 5)
    np.testing.assert_array_equal(asnumpy(r), np.minimum(a + b, 100))


def test_out_is_written_in_place(device):
    n = size(device)
    a = np.arange(n, dtype=np.float32)
    out = asarray(np.zeros(n, np.float32), device=device)
    res = rel_diff(asarray(a + 1, device=device), asarray(a + 2, device=device), out=out)
    assert res is out
    np.testing.assert_array_equal(asnumpy(out), 2 * ((a + 1) - (a + 2)) / ((a + 1) + (a + 2)))
    host_out = np.zeros(n, np.float32)
    with using(device):
        assert rel_diff(a + 1, a + 2, out=host_out) is host_out
    np.testing.assert_array_equal(host_out, asnumpy(out))


def test_strided_numpy_input(device):
    a = np.arange(20, dtype=np.float32)[::2] + 1
    with using(device):
        r = rel_diff(a, np.float32(1))
    np.testing.assert_array_equal(r, 2 * (a - 1) / (a + 1))


def test_signature_picks_first_safe_cast(device):
    x = asarray(np.array([3, 5], np.int16), device=device)
    r = hyp(x, asarray(np.array([4, 12], np.int16), device=device))
    assert r.dtype == np.float32
    np.testing.assert_array_equal(asnumpy(r), [5.0, 13.0])
    with pytest.raises(TypeError, match=r"float32\(float32, float32\)"):
        hyp(asarray(np.array([1j], np.complex64), device=device), 1.0)


def test_mixed_devices_raise_placement_error(device):
    others = [d for d in devices() if d != device]
    if not others:
        pytest.skip("only one usable device")
    a = asarray(np.ones(3, np.float32), device=device)
    b = asarray(np.ones(3, np.float32), device=others[0])
    with pytest.raises(PlacementError, match="to_device"):
        rel_diff(a, b)


def test_generated_source_is_readable():
    src = elementwise_source("f", 2, [("a", 2, (1,)), ("s",)], ["float32", "float32"], "float32")
    assert "out[i0, i1] = cb.float32(_f(cb.float32(a0[i0, 0]), a1))" in src
