"""Basic indexing of ``cb.Array`` on every device: views as NumPy's, writes through them, assignment
with broadcasting, casting and overlap, and clear errors for what is not basic indexing."""

from __future__ import annotations

import numpy as np
import pytest

from cambrian.array import Array, asarray, asnumpy
from cambrian.devices import devices
from cambrian.errors import PlacementError

KEYS = [
    1, -1, (0, 1), (slice(None), 1), (Ellipsis, slice(None, None, -1)), (None, 1, Ellipsis, 2),
    (slice(1, None), slice(None, None, 2), slice(3, 0, -2)), (1, 2, 3), (-2, -3, -4), slice(5, 5),
    (Ellipsis, None), (slice(None), slice(-2, None), slice(None, None, 3)), (), Ellipsis,
]


@pytest.mark.parametrize("dtype", ["int32", "float32"])
def test_views_match_numpy(device, dtype):
    host = np.arange(24, dtype=dtype).reshape(2, 3, 4)
    x = asarray(host, device=device)
    for key in KEYS:
        got = x[key]
        assert isinstance(got, Array) and got.device == device and got.dtype == host.dtype, key
        assert got.shape == host[key].shape, key
        np.testing.assert_array_equal(asnumpy(got), host[key], err_msg=str(key))
    assert int(x[1, 2, 3]) == 23 and x[1, 2, 3].shape == ()
    assert np.array_equal(asnumpy(x[::-1][1, ::2][:, 1:]), host[::-1][1, ::2][:, 1:])  # views of views


def test_views_share_memory(device):
    x = asarray(np.zeros((3, 4)), device=device)
    row = x[1]
    x[1, 2] = 5.0
    assert asnumpy(row)[2] == 5.0  # the view sees writes to the array
    row[::3] = -1.0
    want = np.zeros((3, 4))
    want[1, 2], want[1, ::3] = 5.0, -1.0
    np.testing.assert_array_equal(asnumpy(x), want)  # and the array sees writes through the view


def test_assignment_broadcasts_and_casts_like_numpy(device):
    host = np.arange(24, dtype=np.int64).reshape(2, 3, 4)
    x = asarray(host, device=device)
    x[0, 1] = 7
    host[0, 1] = 7
    x[1, :, 1:3] = np.array([10, 20])  # NumPy value, broadcast along the middle axis
    host[1, :, 1:3] = [10, 20]
    x[..., 0] = asarray(np.array([[1], [2]]), device=device)  # device value, broadcast
    host[..., 0] = [[1], [2]]
    x[0, 0, 3] = 2.7  # a float into an int array: truncated, as NumPy does
    host[0, 0, 3] = 2.7
    x[1, 2] = asarray(np.array([1.5, -2.5, 3.5, 9.0]), device=device)  # float64 array into int64
    host[1, 2] = np.array([1.5, -2.5, 3.5, 9.0])
    np.testing.assert_array_equal(asnumpy(x), host)


def test_overlapping_self_assignment(device):
    host = np.arange(10.0)
    x = asarray(host, device=device)
    x[1:] = x[:-1]  # forward overlap: every element must read the old values
    host[1:] = host[:-1].copy()
    x[:-2] = x[2:]
    host[:-2] = host[2:].copy()
    x[::-1] = x
    host[::-1] = host.copy()
    np.testing.assert_array_equal(asnumpy(x), host)


def test_bad_indices_raise_clear_errors(device):
    x = asarray(np.zeros((2, 3), dtype=np.int8), device=device)
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="out of bounds for axis 1 with size 3"):
        x[0, 3]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]
    assert x[True].shape == (1, 2, 3) and x[False].shape == (0, 2, 3)  # 0-d masks, as NumPy
    with pytest.raises(IndexError, match="boolean index"):
        x[np.array([True])]  # a mask must match the leading dimensions
    with pytest.raises(IndexError, match="no slices"):
        x[:, np.array([0, 1])]  # integer arrays after a slice: not supported, and said so
    with pytest.raises(IndexError, match="out of bounds"):
        x[np.array([0, 2])]
    with pytest.raises(ValueError, match="could not broadcast"):
        x[0] = np.array([1, 2])
    with pytest.raises(OverflowError):
        x[0, 0] = 300  # a Python int that int8 cannot hold, as NumPy refuses it
    np.testing.assert_array_equal(asnumpy(x), np.zeros((2, 3)))  # nothing was written


def test_assigning_from_another_device_raises(device):
    other = next((d for d in devices() if d != device), None)
    if other is None:
        pytest.skip("needs a second device")
    x = asarray(np.zeros(4), device=device)
    with pytest.raises(PlacementError, match="to_device"):
        x[:2] = asarray(np.ones(2), device=other)
