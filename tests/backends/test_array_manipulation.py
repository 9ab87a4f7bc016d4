"""Manipulation functions on every device against NumPy (views and device copies); on ``cpu`` both
the host path and the generated kernels (``kernel_path``)."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian import elementwise
from cambrian.errors import PlacementError

A = np.arange(24.0).reshape(2, 3, 4)

CASES = {
    "reshape": (lambda x: cb.reshape(x, (4, -1)), lambda a: a.reshape(4, -1)),
    "reshape_strided": (lambda x: cb.reshape(x.mT, (-1,)), lambda a: np.swapaxes(a, -1, -2).reshape(-1)),
    "reshape_copy": (lambda x: cb.reshape(x, (6, 4), copy=True), lambda a: a.reshape(6, 4)),
    "permute_dims": (lambda x: cb.permute_dims(x, (2, 0, 1)), lambda a: a.transpose(2, 0, 1)),
    "moveaxis": (lambda x: cb.moveaxis(x, 0, -1), lambda a: np.moveaxis(a, 0, -1)),
    "moveaxis_multi": (lambda x: cb.moveaxis(x, (0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0))),
    "expand_dims": (lambda x: cb.expand_dims(x, axis=-1), lambda a: a[..., None]),
    "squeeze": (lambda x: cb.squeeze(x[:, :1], axis=1), lambda a: a[:, 0]),
    "flip_all": (lambda x: cb.flip(x), lambda a: a[::-1, ::-1, ::-1]),
    "flip_axis": (lambda x: cb.flip(x, axis=(0, 2)), lambda a: a[::-1, :, ::-1]),
    "broadcast_to": (lambda x: cb.broadcast_to(x[0, :1], (5, 3, 4)),
                     lambda a: np.broadcast_to(a[0, :1], (5, 3, 4))),
    "concat": (lambda x: cb.concat([x, x[:, :2]], axis=1), lambda a: np.concatenate([a, a[:, :2]], 1)),
    "concat_none": (lambda x: cb.concat([x, x[0]], axis=None),
                    lambda a: np.concatenate([a.ravel(), a[0].ravel()])),
    "concat_promotes": (lambda x: cb.concat([x, cb.astype(x, cb.int32)], axis=0),
                        lambda a: np.concatenate([a, a.astype(np.int32)], 0)),
    "stack": (lambda x: cb.stack([x, x + 1], axis=-1), lambda a: np.stack([a, a + 1], -1)),
    "tile": (lambda x: cb.tile(x, (2, 1, 3)), lambda a: np.tile(a, (2, 1, 3))),
    "tile_more_dims": (lambda x: cb.tile(x[0], (2, 2, 1)), lambda a: np.tile(a[0], (2, 2, 1))),
    "repeat_axis": (lambda x: cb.repeat(x, 3, axis=1), lambda a: np.repeat(a, 3, axis=1)),
    "repeat_flat": (lambda x: cb.repeat(x, 2), lambda a: np.repeat(a, 2)),
    "repeat_counts": (lambda x: cb.repeat(x[0, 0], cb.asarray([1, 0, 2, 3], device=x.device)),
                      lambda a: np.repeat(a[0, 0], [1, 0, 2, 3])),
    "roll_axis": (lambda x: cb.roll(x, 1, axis=2), lambda a: np.roll(a, 1, 2)),
    "roll_flat": (lambda x: cb.roll(x, -5), lambda a: np.roll(a, -5)),
    "roll_multi": (lambda x: cb.roll(x, (1, 2), axis=(0, 2)), lambda a: np.roll(a, (1, 2), (0, 2))),
    "unstack": (lambda x: cb.unstack(x, axis=1)[2], lambda a: a[:, 2]),
    "broadcast_arrays": (lambda x: cb.broadcast_arrays(x, x[0, 0])[1],
                         lambda a: np.broadcast_arrays(a, a[0, 0])[1]),
}


def paths(device) -> list[int]:
    """``HOST_MATH_MAX`` values that exercise each path of ``device``: on ``cpu`` NumPy on its memory
    and the generated kernels (0); elsewhere the one path it has."""
    return [elementwise.HOST_MATH_MAX, 0] if device.backend == "cpu" else [elementwise.HOST_MATH_MAX]


@pytest.mark.parametrize("case", CASES)
def test_against_numpy(device, case, monkeypatch):
    fn, ref = CASES[case]
    for limit in paths(device):
        monkeypatch.setattr(elementwise, "HOST_MATH_MAX", limit)
        x = cb.asarray(A, device=device)
        got = fn(x)
        assert isinstance(got, cb.Array) and got.device == device
        np.testing.assert_array_equal(cb.asnumpy(got), ref(A), err_msg=f"HOST_MATH_MAX={limit}")
        assert got.dtype == ref(A).dtype


def test_views_share_memory(device):
    x = cb.asarray(A, device=device)
    for view in (cb.reshape(x, (6, 4)), cb.permute_dims(x, (1, 0, 2)), cb.expand_dims(x, axis=0),
                 cb.flip(x, axis=0), cb.broadcast_to(x, (2, 2, 3, 4)), cb.squeeze(x[:1], axis=0)):
        assert view._buffer is x._buffer


def test_reshape_copy_false_refuses_strided(device):
    x = cb.asarray(A, device=device)
    with pytest.raises(ValueError, match="copy"):
        cb.reshape(x.mT, (-1,), copy=False)
    assert cb.reshape(x, (-1,), copy=False)._buffer is x._buffer
    assert cb.reshape(x, (-1,), copy=True)._buffer is not x._buffer


@pytest.mark.parametrize("bad, error", [
    (lambda x: cb.reshape(x, (5, -1)), ValueError),
    (lambda x: cb.reshape(x, (-1, -1)), ValueError),
    (lambda x: cb.squeeze(x, axis=0), ValueError),
    (lambda x: cb.permute_dims(x, (0, 0, 1)), ValueError),
    (lambda x: cb.expand_dims(x, axis=5), IndexError),
    (lambda x: cb.broadcast_to(x, (3, 4)), ValueError),
    (lambda x: cb.concat([x, x[:, :, :2]], axis=0), ValueError),
    (lambda x: cb.stack([x, x[0]]), ValueError),
    (lambda x: cb.tile(x, (-1,)), ValueError),
    (lambda x: cb.repeat(x, -1), ValueError),
    (lambda x: cb.concat([]), ValueError),
    (lambda x: cb.reshape(np.zeros(3), (3,)), TypeError),
])
def test_bad_input(device, bad, error):
    with pytest.raises(error):
        bad(cb.asarray(A, device=device))


def test_mixed_devices_refused(device, interp_device):
    other = interp_device if device != interp_device else cb.select_device("cpu")
    x = cb.asarray(A, device=device)
    with pytest.raises(PlacementError):
        cb.concat([x, cb.asarray(A, device=other)])


def test_bool_and_complex(device):
    b = cb.asarray(A > 10, device=device)
    np.testing.assert_array_equal(cb.asnumpy(cb.tile(b, (1, 2, 1))), np.tile(A > 10, (1, 2, 1)))
    z = cb.asarray(A + 1j, device=device)
    np.testing.assert_array_equal(cb.asnumpy(cb.roll(z, 3)), np.roll(A + 1j, 3))


def test_empty_views_past_their_buffer(device) -> None:
    """Rows of an empty (3, 0) array start past the end of its (empty) buffer: they still work as
    operands (the conformance suite's unstack case)."""
    x = cb.zeros((3, 0), dtype=cb.bool, device=device)
    for i, row in enumerate(cb.unstack(x)):
        assert row.shape == (0,)
        assert bool(cb.all(row == x[i, :]))
        assert cb.asnumpy(x[i, :] | row).shape == (0,)
