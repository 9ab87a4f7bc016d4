"""matmul (and @), tensordot, vecdot, matrix_transpose on every device against NumPy; on ``cpu`` both
BLAS on its memory and the kernel."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import _statistical
from cambrian.errors import PlacementError

RNG = np.random.default_rng(0)
A, B, V = RNG.random((2, 3, 4)), RNG.random((4, 5)), RNG.random(4)
Z = RNG.random((3, 4)) + 1j * RNG.random((3, 4))
I8 = np.arange(6, dtype=np.int8).reshape(2, 3)

CASES = {
    "batched @ 2-D": (lambda a, b, v, z, i: a @ b, A @ B),
    "1-D @ 2-D": (lambda a, b, v, z, i: cb.matmul(v, b), V @ B),
    "3-D @ 1-D": (lambda a, b, v, z, i: cb.matmul(a, v), A @ V),
    "1-D @ 1-D": (lambda a, b, v, z, i: cb.matmul(v, v), V @ V),
    "complex": (lambda a, b, v, z, i: z @ z.mT, Z @ Z.T),
    "int8 wraps": (lambda a, b, v, z, i: i @ i.T, I8 @ I8.T),
    "tensordot 1": (lambda a, b, v, z, i: cb.tensordot(a, b, axes=1), np.tensordot(A, B, 1)),
    "tensordot pairs": (lambda a, b, v, z, i: cb.tensordot(a, a, axes=([1, 2], [1, 2])),
                        np.tensordot(A, A, ([1, 2], [1, 2]))),
    "vecdot complex": (lambda a, b, v, z, i: cb.vecdot(z, z), np.sum(np.conj(Z) * Z, -1)),
    "vecdot axis": (lambda a, b, v, z, i: cb.vecdot(a, a, axis=-2), np.sum(A * A, -2)),
    "matrix_transpose": (lambda a, b, v, z, i: cb.matrix_transpose(a), np.swapaxes(A, -1, -2)),
}


@pytest.mark.parametrize("case", CASES)
def test_against_numpy(device, case, monkeypatch):
    fn, want = CASES[case]
    for limit in ([_statistical.REDUCE_HOST_MAX, 0] if device.backend == "cpu" else [None]):
        if limit is not None:
            monkeypatch.setattr(_statistical, "REDUCE_HOST_MAX", limit)
        got = fn(*(cb.asarray(t, device=device) for t in (A, B, V, Z, I8)))
        assert got.device == device and got.dtype == want.dtype
        np.testing.assert_allclose(cb.asnumpy(got), want, rtol=1e-12)


def test_imatmul_and_errors(device):
    x = cb.asarray(np.eye(3), device=device)
    y = cb.asarray(np.arange(9.0).reshape(3, 3), device=device)
    x @= y
    np.testing.assert_array_equal(cb.asnumpy(x), np.arange(9.0).reshape(3, 3))
    with pytest.raises(ValueError, match="align"):
        cb.asarray(A, device=device) @ cb.asarray(A, device=device)
    with pytest.raises(ValueError):
        cb.matmul(cb.asarray(1.0, device=device), y)
    with pytest.raises(TypeError):
        cb.asarray(I8 > 0, device=device) @ cb.asarray(I8.T > 0, device=device)
    other = "interp" if device.backend != "interp" else "cpu"
    with pytest.raises(PlacementError):
        y @ cb.asarray(np.eye(3), device=other)
