"""array-api-compat on Cambrian arrays, and the NumPy entry points that Dask's chunk code calls
(NEP 35 ``like=``, ``unravel_index``/``ravel_multi_index``): every device, against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb

aac = pytest.importorskip("array_api_compat", reason="array-api-compat is not installed (the test extra)")


def test_array_namespace_and_device(device: cb.Device) -> None:
    x = cb.asarray(np.arange(6.0, dtype=np.float32).reshape(2, 3), device=device)
    assert aac.is_array_api_obj(x)
    assert not aac.is_array_api_obj([1, 2])
    assert aac.array_namespace(x) is cb
    assert aac.array_namespace(x, x[0], api_version="2024.12") is cb
    assert aac.device(x) == device
    assert aac.size(x) == 6
    with pytest.raises(TypeError, match=r"[Mm]ultiple namespaces"):
        aac.array_namespace(x, np.ones(3))


def test_to_device(device: cb.Device) -> None:
    host = np.arange(5, dtype=np.int32)
    x = cb.asarray(host, device=device)
    assert aac.to_device(x, device) is x
    for target in ("interp", "cpu"):
        moved = aac.to_device(x, target)
        assert isinstance(moved, cb.Array) and moved.device == cb.select_device(target)
        np.testing.assert_array_equal(cb.asnumpy(moved), host)
    with pytest.raises(cb.DeviceError, match="cuda:9"):
        aac.to_device(x, "cuda:9")


LIKE = [
    (lambda m, **k: m.asarray([1.5, 2.5], **k), "asarray"),
    (lambda m, **k: m.array([1, 2], dtype="f4", **k), "array with dtype"),
    (lambda m, **k: m.zeros((2, 3), **k), "zeros"),
    (lambda m, **k: m.empty(3, "i4", **k).shape, "empty, positional dtype"),
    (lambda m, **k: m.ones(4, dtype=np.int8, **k), "ones"),
    (lambda m, **k: m.full(3, 7.0, **k), "full"),
    (lambda m, **k: m.arange(1, 7, 2, "f4", **k), "arange"),
]


@pytest.mark.parametrize("make, what", LIKE, ids=[w for _, w in LIKE])
def test_numpy_creation_like(device: cb.Device, make, what) -> None:
    """NEP 35: ``np.asarray(data, like=x)`` makes the array on ``x``'s device (Dask's asarray_safe)."""
    like = cb.asarray([0.0], dtype=cb.float32, device=device)
    got, want = make(np, like=like), make(np)
    if isinstance(want, tuple):
        assert got == want
        return
    assert isinstance(got, cb.Array) and got.device == device
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(cb.asnumpy(got), want)


def test_numpy_creation_like_refuses_numpy_only_options(device: cb.Device) -> None:
    like = cb.asarray([0.0], device=device)
    for call in (lambda: np.asarray([1], order="F", like=like), lambda: np.array([1], ndmin=2, like=like)):
        with pytest.raises(TypeError, match="like="):
            call()


def test_unravel_and_ravel_multi_index(device: cb.Device) -> None:
    shape, dims = (3, 4, 5), (5, 6, 7)
    for flat in (0, 17, 59):
        got = np.unravel_index(cb.asarray(np.array(flat), device=device), shape)
        want = np.unravel_index(flat, shape)
        assert all(isinstance(g, cb.Array) and g.device == device for g in got)
        assert tuple(int(g) for g in got) == tuple(int(w) for w in want)
        shifted = tuple(g + 1 for g in got)
        back = np.ravel_multi_index(shifted, dims)
        assert isinstance(back, cb.Array) and back.device == device
        assert int(back) == np.ravel_multi_index(tuple(int(w) + 1 for w in want), dims)
    many = cb.asarray(np.array([3, 40, 59]), device=device)
    np.testing.assert_array_equal(np.stack([cb.asnumpy(a) for a in np.unravel_index(many, shape)]),
                                  np.stack(np.unravel_index(np.array([3, 40, 59]), shape)))
