"""Searching (argmax, argmin, nonzero, searchsorted), take/take_along_axis and advanced indexing
(boolean masks, integer arrays, their assignment) on every device against NumPy; on ``cpu`` both NumPy
on its memory and the kernels."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian import elementwise
from cambrian.array import _statistical

RNG = np.random.default_rng(1)
A = RNG.random((4, 5))
A[1, 2] = np.nan
BIG = RNG.random(10_007)
M = A > 0.5


def _each_path(device, monkeypatch):
    """Yield once per path of ``device`` (cpu and PoCL's CPU device: NumPy on their memory, then the
    kernels)."""
    settings = [None, 0] if device.backend == "cpu" or elementwise._is_pocl_cpu(device) else [None]
    for s in settings:
        if s is not None:
            monkeypatch.setattr(elementwise, "HOST_MATH_MAX", s)
            monkeypatch.setattr(_statistical, "REDUCE_HOST_MAX", s)
        yield


def check(got, want):
    assert isinstance(got, cb.Array)
    np.testing.assert_array_equal(cb.asnumpy(got), want)
    assert got.dtype == np.asarray(want).dtype, (got.dtype, np.asarray(want).dtype)


def test_argmax_argmin(device, monkeypatch):
    for _ in _each_path(device, monkeypatch):
        x, big = cb.asarray(A, device=device), cb.asarray(BIG, device=device)
        check(cb.argmax(x), np.argmax(A))  # the first NaN wins, as in NumPy
        check(cb.argmin(x, axis=0), np.argmin(A, 0))
        check(cb.argmax(x, axis=1, keepdims=True), np.argmax(A, 1, keepdims=True))
        check(cb.argmax(big), np.argmax(BIG))  # rows of the parallel path and its tail
        check(cb.argmin(big), np.argmin(BIG))
        ints = np.array([3, 7, 7, 1, 7], np.int8)
        check(cb.argmax(cb.asarray(ints, device=device)), np.argmax(ints))  # the first of ties


def test_nonzero(device, monkeypatch):
    for _ in _each_path(device, monkeypatch):
        for got, want in zip(cb.nonzero(cb.asarray(M, device=device)), np.nonzero(M), strict=True):
            check(got, want)
        mask = BIG > 0.3  # more than one scan chunk
        check(cb.nonzero(cb.asarray(mask, device=device))[0], np.nonzero(mask)[0])
        check(cb.nonzero(cb.asarray(np.zeros(5), device=device))[0], np.zeros(0, np.int64))


def test_searchsorted(device, monkeypatch):
    s = np.sort(BIG)
    v = np.array([0.5, 0.0, 1.0, np.nan, s[10]])
    for _ in _each_path(device, monkeypatch):
        a, q = cb.asarray(s, device=device), cb.asarray(v, device=device)
        check(cb.searchsorted(a, q), np.searchsorted(s, v))
        check(cb.searchsorted(a, q, side="right"), np.searchsorted(s, v, side="right"))
        order = np.argsort(BIG[:50])
        unsorted, sorter = cb.asarray(BIG[:50], device=device), cb.asarray(order, device=device)
        check(cb.searchsorted(unsorted, q, sorter=sorter), np.searchsorted(BIG[:50], v, sorter=order))


def test_take(device, monkeypatch):
    ii = np.array([[0], [3]])
    for _ in _each_path(device, monkeypatch):
        x = cb.asarray(A, device=device)
        check(cb.take(x, cb.asarray([3, 0, -1], device=device), axis=1), np.take(A, [3, 0, -1], axis=1))
        check(cb.take(x[0], cb.asarray([4, 4], device=device)), np.take(A[0], [4, 4]))
        check(cb.take_along_axis(x, cb.asarray(ii, device=device), axis=0), np.take_along_axis(A, ii, 0))
        with pytest.raises(IndexError, match="out of bounds"):
            cb.take(x, cb.asarray([5], device=device), axis=1)


def test_getitem_advanced(device, monkeypatch):
    for _ in _each_path(device, monkeypatch):
        x = cb.asarray(A, device=device)
        check(x[cb.asarray(M, device=device)], A[M])
        check(x[M[:, 0]], A[M[:, 0]])  # a NumPy mask moves to the device as the index
        check(x[cb.asarray([2, 0], device=device)], A[[2, 0]])
        check(x[1, cb.asarray([4, -1, 0], device=device)], A[1, [4, -1, 0]])
        check(x[[[0], [3]], [1, 2]], A[[[0], [3]], [1, 2]])
        check(x[x > 2.0], A[A > 2.0])  # an empty selection
        z = cb.asarray(3.0, device=device)
        check(z[cb.asarray(True, device=device)], np.asarray(3.0)[np.True_])  # 0-d masks, as NumPy
        check(z[cb.asarray(False, device=device)], np.asarray(3.0)[np.False_])
        with pytest.raises(IndexError):
            x[cb.asarray([5], device=device)]
        with pytest.raises(IndexError):
            x[cb.asarray(M[:2], device=device)]
        with pytest.raises(IndexError, match="take"):
            x[:, cb.asarray([0], device=device)]  # slices before an array: not supported, said so


def test_setitem_advanced(device, monkeypatch):
    for _ in _each_path(device, monkeypatch):
        y = cb.asarray(A, device=device)
        b = A.copy()
        y[cb.asarray(M, device=device)] = 0.0
        b[M] = 0.0
        check(y, b)
        y[cb.asarray([0, 2], device=device)] = cb.asarray([9.0] * 5, device=device)
        b[[0, 2]] = 9.0
        check(y, b)
        y[1, [0, 1]] = -1
        b[1, [0, 1]] = -1
        check(y, b)
        y[M] = cb.asarray(np.arange(M.sum(), dtype=float), device=device)
        b[M] = np.arange(M.sum())
        check(y, b)
        view = y[:, 1:]  # writes through a strided view land in the base array
        view[view > 0.5] = 7.0
        b[:, 1:][b[:, 1:] > 0.5] = 7.0
        check(y, b)


def test_where_repeated_and_chained(device):
    """``where`` runs its generated kernel on every device but interp (on ``cpu`` too: NumPy's masked
    copy is ~7x slower); repeated calls replay a prepared entry, and its results feed NumPy's host path
    of the next function (they carry their host view)."""
    rng = np.random.default_rng(3)
    a = rng.random(3000)
    x, m = cb.asarray(a, device=device), cb.asarray(a > 0.5, device=device)
    for _ in range(3):  # the first call prepares, the next ones replay
        w = cb.where(m, x, -1.0)
        got = cb.asnumpy(cb.add(w, 2.0) * x)
        np.testing.assert_array_equal(got, (np.where(a > 0.5, a, -1.0) + 2.0) * a)
    assert cb.where(m, x, 0).dtype == cb.float64
