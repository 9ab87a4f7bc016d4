"""NumPy-style methods of cb.Array (x.sum(0), x.mean(), x.std(ddof=1), x.reshape(4, 3), ...) on every
device against NumPy, and Dask reductions over Cambrian chunks (Dask calls these methods on chunks)."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb

A = np.arange(12.0).reshape(3, 4) ** 1.5

CASES = {
    "sum axis": (lambda x: x.sum(0), lambda a: a.sum(0)),
    "sum dtype": (lambda x: x.sum(axis=1, dtype=cb.float32), lambda a: a.sum(axis=1, dtype=np.float32)),
    "prod keepdims": (lambda x: x.prod(1, keepdims=True), lambda a: a.prod(1, keepdims=True)),
    "mean": (lambda x: x.mean(), lambda a: a.mean()),
    "std ddof": (lambda x: x.std(ddof=1), lambda a: a.std(ddof=1)),
    "var axis": (lambda x: x.var(axis=0), lambda a: a.var(axis=0)),
    "min max": (lambda x: x.max(axis=1) - x.min(axis=1), lambda a: a.max(1) - a.min(1)),
    "argmax": (lambda x: x.argmax(), lambda a: a.argmax()),
    "any all": (lambda x: x.any(axis=0) & x.all(axis=0), lambda a: a.any(0) & a.all(0)),
    "reshape ints": (lambda x: x.reshape(4, 3), lambda a: a.reshape(4, 3)),
    "reshape tuple": (lambda x: x.reshape((2, -1)), lambda a: a.reshape((2, -1))),
    "copy": (lambda x: x.copy(), lambda a: a.copy()),
    "flatten": (lambda x: x.T.flatten(), lambda a: a.T.flatten()),
    "ravel": (lambda x: x.ravel(), lambda a: a.ravel()),
    "transpose": (lambda x: x.transpose(), lambda a: a.transpose()),
    "squeeze": (lambda x: x[:1].squeeze(), lambda a: a[:1].squeeze()),
}


@pytest.mark.parametrize("case", CASES)
def test_methods_against_numpy(device, case):
    fn, ref = CASES[case]
    got = fn(cb.asarray(A, device=device))
    assert isinstance(got, cb.Array) and got.device == device
    np.testing.assert_allclose(cb.asnumpy(got), ref(A), rtol=1e-12)


def test_copy_is_a_copy_and_numpy_only_options_refused(device):
    x = cb.asarray(A, device=device)
    y = x.copy()
    y[0, 0] = -1.0
    assert float(x[0, 0]) == A[0, 0]
    with pytest.raises(TypeError, match="out="):
        x.sum(out=x)


def test_dask_reductions_keep_cambrian_chunks(device):
    da = pytest.importorskip("dask.array", reason="dask is not installed")
    x = cb.asarray(A, device=device)
    d = da.from_array(x, chunks=(2, 2), asarray=False)
    for got, want in [(d.mean(), A.mean()), (d.std(), A.std()), (d.sum(axis=0), A.sum(0)), (d + 1, A + 1)]:
        value = got.compute()
        assert isinstance(value, cb.Array) and value.device == device
        np.testing.assert_allclose(cb.asnumpy(value), want, rtol=1e-12)
