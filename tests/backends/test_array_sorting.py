"""Sorting (sort, argsort) and set functions (unique_*) on every device against NumPy; on ``cpu`` both
NumPy on its memory and Cambrian's kernels (merge sort, compaction), which OpenCL devices always run."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import _sorting

RNG = np.random.default_rng(11)
DTYPES = ["bool", "int8", "int32", "uint64", "float32", "float64", "complex128"]


def _paths(device) -> list[bool]:
    """SORT_HOST settings that run each path of ``device`` (the kernels only on the interpreter's
    dedicated test: they are slow there)."""
    return [True, False] if device.backend == "cpu" else [True]


def _data(dtype: str, shape: tuple[int, ...], levels: int = 5) -> np.ndarray:
    """Values with many ties; floats also with NaN, -0.0, 0.0 and infinities."""
    a = RNG.integers(0, levels, shape)
    if dtype == "bool":
        return (a % 2).astype(bool)
    if dtype.startswith("uint"):
        return (a * (np.iinfo(dtype).max // levels)).astype(dtype)
    if dtype.startswith("int"):
        return (a - levels // 2).astype(dtype)
    out = (a - levels // 2).astype(dtype) * 1.5
    flat = out.reshape(-1)
    specials = [np.nan, -0.0, 0.0, np.inf, -np.inf, np.nan]
    where = RNG.choice(flat.size, min(len(specials), flat.size), replace=False)
    flat[where] = specials[: where.size]
    if dtype.startswith("complex"):
        flat[: flat.size // 2] += 1j * (RNG.integers(0, 2, flat.size // 2))
        if flat.size > 3:
            flat[1] = complex(1.0, np.nan)
    return out


def _ranks(row: np.ndarray) -> np.ndarray:
    """Dense ranks in NumPy's sort order (equal values, -0.0 and 0.0, or NaNs alike: one rank)."""
    order = np.argsort(row, kind="stable")
    s = row[order]
    parts = [s.real, s.imag] if s.dtype.kind == "c" else [s]
    same = np.ones(max(s.size - 1, 0), bool)
    for p in parts:
        nan = np.isnan(p) if p.dtype.kind == "f" else np.zeros(p.shape, bool)
        same &= (p[1:] == p[:-1]) | (nan[1:] & nan[:-1])
    rank = np.empty(row.size, np.int64)
    rank[order] = np.cumsum(np.concatenate([[0], ~same]))
    return rank


def _ref_argsort(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort (descending: reverse value order, ties still in index order; NaN first)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    moved = np.moveaxis(a, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = np.empty(rows.shape, np.int64)
    for k, row in enumerate(rows):
        out[k] = np.lexsort((np.arange(row.size), -_ranks(row)))
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def _check(device, a: np.ndarray, axis: int, descending: bool) -> None:
    x = cb.asarray(a, device=device)
    want = _ref_argsort(a, axis, descending)
    got = cb.argsort(x, axis=axis, descending=descending)
    assert got.dtype == np.int64 and got.shape == a.shape and got.device == device
    np.testing.assert_array_equal(cb.asnumpy(got), want)
    s = cb.sort(x, axis=axis, descending=descending)
    assert s.dtype == a.dtype and s.shape == a.shape
    ref = np.take_along_axis(a, want, axis)
    got_s = cb.asnumpy(s)
    np.testing.assert_array_equal(got_s, ref)
    if a.dtype.kind == "f":  # stability is visible in the signs of zeros
        np.testing.assert_array_equal(np.signbit(got_s), np.signbit(ref))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sort_against_numpy(device, dtype, monkeypatch):
    if dtype in ("float64", "complex128"):
        cb.testing.requires(device, "float64")
    a2 = _data(dtype, (6, 45))
    a3 = _data(dtype, (3, 20, 4))
    for host in _paths(device):
        monkeypatch.setattr(_sorting, "SORT_HOST", host)
        for descending in (False, True):
            _check(device, a2, -1, descending)
            _check(device, a2, 0, descending)
            _check(device, a3, 1, descending)


@pytest.mark.parametrize("n", [1, 2, 15, 16, 17, 33, 1000, 4097])
def test_stable_ties_many_passes(device, n, monkeypatch):
    a = RNG.integers(0, 3, n).astype(np.int32)
    for host in _paths(device):
        monkeypatch.setattr(_sorting, "SORT_HOST", host)
        _check(device, a, 0, False)
        _check(device, a, -1, True)


def test_unstable_still_sorts(device, monkeypatch):
    a = _data("int32", (5, 300), levels=4)
    for host in _paths(device):
        monkeypatch.setattr(_sorting, "SORT_HOST", host)
        x = cb.asarray(a, device=device)
        for descending in (False, True):
            idx = cb.asnumpy(cb.argsort(x, descending=descending, stable=False))
            want = np.sort(a, axis=-1)[:, ::-1] if descending else np.sort(a, axis=-1)
            np.testing.assert_array_equal(np.sort(idx, axis=-1), np.broadcast_to(np.arange(300), a.shape))
            np.testing.assert_array_equal(np.take_along_axis(a, idx, -1), want)
            np.testing.assert_array_equal(cb.asnumpy(cb.sort(x, descending=descending, stable=False)), want)


def test_strided_and_special_shapes(device, monkeypatch):
    a = RNG.random((8, 9))
    cb.testing.requires(device, "float64")
    for host in _paths(device):
        monkeypatch.setattr(_sorting, "SORT_HOST", host)
        x = cb.asarray(a, device=device)
        np.testing.assert_array_equal(cb.asnumpy(cb.sort(x[::2, ::3], axis=0)), np.sort(a[::2, ::3], 0))
        np.testing.assert_array_equal(cb.asnumpy(cb.argsort(x.mT)), np.argsort(a.T, kind="stable"))
        for shape, axis in [((0,), 0), ((3, 0), -1), ((0, 4), 0), ((0, 4), 1)]:
            e = cb.asarray(np.zeros(shape), device=device)
            assert cb.sort(e, axis=axis).shape == shape
            r = cb.argsort(e, axis=axis)
            assert r.shape == shape and r.dtype == np.int64
        z = cb.asarray(np.float64(2.5), device=device)
        assert float(cb.sort(z)) == 2.5 and int(cb.argsort(z)) == 0


def test_bad_arguments(device):
    x = cb.asarray(np.arange(4), device=device)
    with pytest.raises(IndexError, match="axis 1"):
        cb.sort(x, axis=1)
    with pytest.raises(IndexError, match="axis -2"):
        cb.argsort(x, axis=-2)
    with pytest.raises(TypeError, match=r"cambrian\.Array"):
        cb.sort(np.arange(3))
    with pytest.raises(TypeError, match=r"cambrian\.Array"):
        cb.unique_values([1, 2])


# -- sets ------------------------------------------------------------------------------------------
def _check_unique(device, a: np.ndarray) -> None:
    x = cb.asarray(a, device=device)
    v, i, inv, c = np.unique(a.reshape(-1), return_index=True, return_inverse=True, return_counts=True,
                             equal_nan=False)
    res = cb.unique_all(x)
    assert res._fields == ("values", "indices", "inverse_indices", "counts")
    assert res.values.dtype == a.dtype and res.values.ndim == 1
    assert all(r.dtype == np.int64 for r in res[1:])
    assert res.inverse_indices.shape == a.shape
    np.testing.assert_array_equal(cb.asnumpy(res.values), v)  # -0.0 == 0.0: either sign may be kept
    np.testing.assert_array_equal(cb.asnumpy(res.indices), i)
    np.testing.assert_array_equal(cb.asnumpy(res.inverse_indices), inv.reshape(a.shape))
    np.testing.assert_array_equal(cb.asnumpy(res.counts), c)
    vc = cb.unique_counts(x)
    assert vc._fields == ("values", "counts")
    np.testing.assert_array_equal(cb.asnumpy(vc.values), v)
    np.testing.assert_array_equal(cb.asnumpy(vc.counts), c)
    vi = cb.unique_inverse(x)
    assert vi._fields == ("values", "inverse_indices")
    inv_i = cb.asnumpy(vi.inverse_indices)  # the order of NaNs may differ: rebuild x
    assert inv_i.shape == a.shape and inv_i.dtype == np.int64
    np.testing.assert_array_equal(cb.asnumpy(vi.values)[inv_i], a)
    np.testing.assert_array_equal(cb.asnumpy(cb.unique_values(x)), v)


@pytest.mark.parametrize("dtype", DTYPES)
def test_unique_against_numpy(device, dtype, monkeypatch):
    if dtype in ("float64", "complex128"):
        cb.testing.requires(device, "float64")
    for host in _paths(device):
        monkeypatch.setattr(_sorting, "SORT_HOST", host)
        _check_unique(device, _data(dtype, (7, 13), levels=6))
        _check_unique(device, _data(dtype, (3,), levels=2))
        _check_unique(device, _data(dtype, (0, 3)))


def test_unique_nans_distinct_and_large(device, monkeypatch):
    cb.testing.requires(device, "float64")
    a = np.array([np.nan, 1.0, -0.0, np.nan, 0.0, 1.0, np.nan])
    big = RNG.integers(0, 1000, 20000).astype(np.float64)
    for host in _paths(device):
        monkeypatch.setattr(_sorting, "SORT_HOST", host)
        res = cb.unique_counts(cb.asarray(a, device=device))
        vals, counts = cb.asnumpy(res.values), cb.asnumpy(res.counts)
        assert vals.size == 5 and np.isnan(vals[2:]).all()
        np.testing.assert_array_equal(counts, [2, 2, 1, 1, 1])  # the zeros merge; each NaN is its own
        _check_unique(device, big)
        _check_unique(device, np.float64(3.0))


@pytest.mark.devices("interp")
def test_kernels_on_the_interpreter(device, monkeypatch):
    """The kernels against the reference semantics (small sizes: the interpreter is slow)."""
    monkeypatch.setattr(_sorting, "SORT_HOST", False)
    a = _data("float64", (2, 40))
    _check(device, a, -1, False)
    _check(device, a, 0, True)
    _check_unique(device, a)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
def test_split_sort_of_large_vectors(device, dtype, monkeypatch):
    """1-D sorts from SORT_SPLIT_MIN elements sort a part per host thread and merge them (on PoCL's CPU
    device on its buffers' memory): NumPy's order, NaNs last, -0.0 before 0.0 where it came first."""
    if dtype == "float64" and not device.supports_float64:
        pytest.skip("no float64 on this device")
    monkeypatch.setattr(_sorting, "SORT_SPLIT_MIN", 1000)
    rng = np.random.default_rng(11)
    a = (rng.integers(-50, 50, 5003) if dtype == "int32" else rng.standard_normal(5003)).astype(dtype)
    if dtype != "int32":
        a[::97] = np.nan
        a[3::89] = -0.0
        a[5::89] = 0.0
    x = cb.asarray(a, device=device)
    got = cb.asnumpy(cb.sort(x))
    want = np.sort(a, kind="stable")
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want)), "the order of -0.0 and 0.0 is not stable"
    np.testing.assert_array_equal(cb.asnumpy(cb.sort(x, descending=True)), np.flip(np.sort(np.flip(a),
                                                                                             kind="stable")))
