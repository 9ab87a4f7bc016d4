"""Reduction and vectorize call forms ported code uses (issue 19), on every device against NumPy:
``init=`` at the call, numbers as broadcast map arguments, ``vectorized.reduce(x, axis=)`` (NumPy's
``ufunc.reduce``), ``f(a, b, out)`` with a positional output, and tuples/lists as operands."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.testing import requires


def add(a, b):
    return a + b


def scaled(u, s):
    return u * s


def shifted_product(u, s, v):
    return (u + s) * v


total = cb.reduction(add, identity=0)
scaled_sum = cb.reduction(add, identity=0, map=scaled)
shifted_dot = cb.reduction(add, identity=0, map=shifted_product)


@cb.vectorize(identity=0)
def vadd(a, b):
    return a + b


@cb.vectorize
def vmax(a, b):
    return max(a, b)


def n_for(device) -> int:
    return 60 if device.backend == "interp" else 12_000


def test_init_at_the_call(device) -> None:
    x = np.arange(n_for(device), dtype=np.int64)
    d = cb.asarray(x, device=device)
    assert int(total(d, init=7)) == x.sum() + 7
    with cb.using(device):
        assert total(x, init=-3) == x.sum() - 3
    m = x.reshape(-1, 6)
    np.testing.assert_array_equal(cb.asnumpy(total(cb.asarray(m, device=device), axis=1, init=100)),
                                  m.sum(1) + 100)


@pytest.mark.parametrize("scalar", [3, np.int32(3), -2])
def test_numbers_are_broadcast_map_arguments(device, scalar) -> None:
    x = (np.arange(n_for(device)) % 50).astype(np.int32)  # int32 sums: no wrapping
    d = cb.asarray(x, device=device)
    assert int(scaled_sum(d, scalar)) == (x.astype(np.int64) * scalar).sum()
    assert int(shifted_dot(d, scalar, d)) == ((x.astype(np.int64) + scalar) * x).sum()
    m = x.reshape(-1, 4)
    got = cb.asnumpy(scaled_sum(cb.asarray(m, device=device), scalar, axis=0, init=1))
    np.testing.assert_array_equal(got, (m.astype(np.int64) * scalar).sum(0) + 1)
    with cb.using(device):  # NumPy operands
        assert scaled_sum(x, scalar) == (x.astype(np.int64) * scalar).sum()


def test_numbers_alone_reduce_as_0d_arrays(device) -> None:
    with cb.using(device):
        assert total(5) == 5
        assert scaled_sum(np.int64(4), 3) == 12


@pytest.mark.parametrize("axis", [0, 1, -1, None, (0, 2), ()])
def test_vectorized_reduce_matches_numpy(device, axis) -> None:
    x = np.arange(2 * 5 * 3, dtype=np.int64).reshape(2, 5, 3) % 7 - 3
    d = cb.asarray(x, device=device)
    want = np.add.reduce(x, axis=axis)
    np.testing.assert_array_equal(cb.asnumpy(vadd.reduce(d, axis=axis)), want)
    np.testing.assert_array_equal(cb.asnumpy(vmax.reduce(d, axis=axis)), np.maximum.reduce(x, axis=axis))
    with cb.using(device):
        np.testing.assert_array_equal(vadd.reduce(x, axis=axis, keepdims=True),
                                      np.add.reduce(x, axis=axis, keepdims=True))
        np.testing.assert_array_equal(vadd.reduce(x, axis=axis, initial=10),
                                      np.add.reduce(x, axis=axis, initial=10))


def test_vectorized_reduce_identity_dtype_out(device) -> None:
    requires(device, "float64")
    with cb.using(device):
        np.testing.assert_array_equal(vadd.reduce(np.zeros((0, 3))), np.zeros(3))
        with pytest.raises(ValueError, match="no identity"):
            vmax.reduce(np.zeros((0, 3)))
        x = np.arange(12, dtype=np.int8).reshape(3, 4)  # int8 sums that do not wrap
        np.testing.assert_array_equal(vadd.reduce(x, axis=0, dtype=np.int64), x.astype(np.int64).sum(0))
        out = np.zeros(3)
        assert vadd.reduce(x, axis=1, out=out) is out
        np.testing.assert_array_equal(out, np.add.reduce(x, axis=1))
        assert vadd.reduce([1.5, 2.5, 3.0]) == 7.0
    with pytest.raises(TypeError, match="two arguments"):
        cb.vectorize(lambda v: v).reduce(np.ones(3))


def test_positional_output_and_sequences(device) -> None:
    a = np.arange(6, dtype=np.float32)
    with cb.using(device):
        out = np.zeros(6, np.float32)
        vadd(a, 1.0, out)
        np.testing.assert_array_equal(out, a + 1)
        np.testing.assert_array_equal(vadd((1, 2, 3), [10, 20, 30]), [11, 22, 33])
        np.testing.assert_array_equal(vmax([[1, 5], [7, 2]], (3, 3)), [[3, 5], [7, 3]])
    d = cb.asarray(a, device=device)
    dout = cb.zeros(6, dtype=cb.float32, device=device)
    vadd(d, d, dout)
    np.testing.assert_array_equal(cb.asnumpy(dout), a * 2)
