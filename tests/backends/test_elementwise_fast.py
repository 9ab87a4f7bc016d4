"""The steady state of elementwise calls (``cambrian.elementwise_fast``): a repeated call with operands
of the same kind runs a prepared entry, and gives what the full path gives, with the same errors."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian import elementwise


def _paths(device: cb.Device) -> list[int]:
    """``HOST_MATH_MAX`` values that exercise each path of ``device`` (host and kernel on ``cpu``)."""
    return [elementwise.HOST_MATH_MAX, 0] if device.backend == "cpu" else [elementwise.HOST_MATH_MAX]


@pytest.mark.parametrize("shape", [(1000,), (3, 5), ()])
def test_repeated_calls_match_numpy(device: cb.Device, monkeypatch: pytest.MonkeyPatch,
                                    shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(1)
    a, b = rng.random(shape), rng.random(shape)
    x, y = cb.asarray(a, device=device), cb.asarray(b, device=device)
    for limit in _paths(device):
        monkeypatch.setattr(elementwise, "HOST_MATH_MAX", limit)
        for _ in range(3):  # the first call takes the full path, the others the prepared entry
            np.testing.assert_array_equal(cb.asnumpy(x + y), a + b)
            np.testing.assert_array_equal(cb.asnumpy(x * 2), a * 2)
            np.testing.assert_allclose(cb.asnumpy(cb.exp(x)), np.exp(a), rtol=1e-15)
            got = cb.asnumpy(x < 0.5)
            assert got.dtype == np.bool_
            np.testing.assert_array_equal(got, a < 0.5)
    assert cb.add._fast, "a plain call left no prepared entry"


def test_entry_follows_the_path_choice(device: cb.Device, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry made on one path is not used after ``HOST_MATH_MAX`` selects the other."""
    if device.backend != "cpu":
        pytest.skip(f"{device} has one path for array functions")
    a = np.arange(10.0)
    x = cb.asarray(a, device=device)
    for limit in (1 << 62, 0, 1 << 62):
        monkeypatch.setattr(elementwise, "HOST_MATH_MAX", limit)
        for _ in range(2):
            np.testing.assert_array_equal(cb.asnumpy(cb.subtract(x, 1.5)), a - 1.5)
        entries = [e for e in cb.subtract._fast.values() if e.device == device and e.shape == (10,)]
        assert entries and all((e.ufunc is not None) == (limit > 0) for e in entries)


def test_views_with_an_offset(device: cb.Device) -> None:
    a = np.arange(20.0)
    x = cb.asarray(a, device=device)
    for lo in (1, 2, 1):  # the same kind of operands at other offsets: one entry, the right elements
        got = cb.asnumpy(cb.multiply(x[lo:lo + 8], x[lo + 10:lo + 18]))
        np.testing.assert_array_equal(got, a[lo:lo + 8] * a[lo + 10:lo + 18])


def test_python_int_bounds_are_checked_every_call(device: cb.Device) -> None:
    x = cb.asarray(np.array([1, 2, 3], np.int8), device=device)
    for _ in range(2):
        np.testing.assert_array_equal(cb.asnumpy(x + 1), [2, 3, 4])
    with pytest.raises(OverflowError, match="out of bounds for int8"):
        x + 1000
    np.testing.assert_array_equal(cb.asnumpy(x < 2), [True, False, False])
    np.testing.assert_array_equal(cb.asnumpy(x < 2), [True, False, False])
    np.testing.assert_array_equal(cb.asnumpy(x < 1000), [True, True, True])  # NumPy 2 compares exactly


def test_no_entry_for_broadcast_or_strided_operands(device: cb.Device) -> None:
    a, b = np.arange(12.0).reshape(3, 4), np.arange(4.0)
    x, y = cb.asarray(a, device=device), cb.asarray(b, device=device)
    for _ in range(2):
        np.testing.assert_array_equal(cb.asnumpy(cb.hypot(x, y)), np.hypot(a, b))
        np.testing.assert_array_equal(cb.asnumpy(cb.hypot(x.T, x.T)), np.hypot(a.T, a.T))
    for operands in ((x, y), (x.T, x.T)):
        key = elementwise._fast_key(operands)
        assert key is not None and key[0] not in cb.hypot._fast, "an entry for broadcast or strided operands"


def test_placement_and_dtype_errors_stay(device: cb.Device) -> None:
    x = cb.asarray(np.arange(4.0), device=device)
    x + x
    with pytest.raises(TypeError, match="bitwise_and"):
        cb.bitwise_and(x, x)
    others = [d for d in cb.devices() if d != device]
    if others:
        y = cb.asarray(np.arange(4.0), device=others[0])
        with pytest.raises(cb.PlacementError):
            x + y


def test_repeated_calls_into_out(device: cb.Device, monkeypatch: pytest.MonkeyPatch) -> None:
    """``x += y`` and ``f(x, y, out=z)`` repeated; an ``out`` that overlaps an input at another offset
    still computes as if the inputs were read first (NumPy's rule), also after an entry exists."""
    a, b = np.arange(10.0), np.linspace(0.0, 1.0, 10)
    for limit in _paths(device):
        monkeypatch.setattr(elementwise, "HOST_MATH_MAX", limit)
        x, y = cb.asarray(a, device=device), cb.asarray(b, device=device)
        z = cb.empty((10,), dtype=cb.float64, device=device)
        expected = a.copy()
        for _ in range(3):
            x += y
            expected += b
            cb.multiply(x, y, out=z)
            np.testing.assert_array_equal(cb.asnumpy(x), expected)
            np.testing.assert_array_equal(cb.asnumpy(z), expected * b)
        w = cb.asarray(np.arange(11.0), device=device)
        host = np.arange(11.0)
        for _ in range(3):
            cb.add(w[:10], w[:10], out=w[:10])  # out is the input itself: an entry may take it
            np.add(host[:10], host[:10], out=host[:10])
            cb.add(w[1:], 1.0, out=w[:10])  # overlapping at another offset: the full path
            np.add(host[1:], 1.0, out=host[:10])
            np.testing.assert_array_equal(cb.asnumpy(w), host)
        with pytest.raises(TypeError, match="cannot write"):
            cb.divide(cb.asarray(np.arange(10), device=device), 3, out=cb.asarray(np.arange(10),
                                                                                  device=device))
