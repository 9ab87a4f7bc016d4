"""OpenCL backend: generated C reproduces the interpreter bit for bit (integers, float floor division,
complex arithmetic, NaN min/max, casts)."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import asarray, asnumpy, zeros
from cambrian.devices import devices
from cambrian.kernels import kernel

INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


@pytest.fixture(scope="module")
def cl_device():
    found = devices("opencl")
    if not found:
        pytest.skip("no OpenCL device")
    return found[0]


@pytest.fixture(scope="module")
def interp():
    return devices("interp")[0]


def _run(kern, device, inputs, out_dtypes, n):
    arrs = [asarray(x, device=device) for x in inputs]
    arrs += [zeros((n,), dtype=d, device=device) for d in out_dtypes]
    kern[n](*arrs).wait()
    return [asnumpy(x) for x in arrs[len(inputs):]]


def _same(got, ref):
    for g, r in zip(got, ref, strict=True):
        assert g.dtype == r.dtype
        assert g.tobytes() == r.tobytes() or np.array_equal(g, r, equal_nan=True), (g, r)


@kernel
def int_ops(a, b, fd, md, pw, sl, sr, wr):
    i = cb.get_global_id(0)
    fd[i] = a[i] // b[i]
    md[i] = a[i] % b[i]
    pw[i] = a[i] ** b[i]
    sl[i] = a[i] << b[i]
    sr[i] = a[i] >> b[i]
    wr[i] = (a[i] * b[i] + a[i]) - (-b[i]) + abs(a[i]) + ~a[i]


def _int_inputs(dt: str) -> tuple[np.ndarray, np.ndarray]:
    info = np.iinfo(dt)
    base = [info.min, info.min + 1, -7, -3, -1, 0, 1, 2, 3, 7, 64, info.max - 1, info.max]
    vals = [v for v in base if info.min <= v <= info.max]
    bs = vals + [v for v in (-1, 0, 5, 8, 9, 70) if info.min <= v <= info.max]
    a = np.array([x for x in vals for _ in bs], dtype=dt)
    b = np.array([y for _ in vals for y in bs], dtype=dt)
    return a, b


@pytest.mark.parametrize("dt", INT_DTYPES)
def test_integer_semantics_match_interp_and_numpy(cl_device, interp, dt):
    a, b = _int_inputs(dt)
    got = _run(int_ops, cl_device, [a, b], [dt] * 6, a.size)
    _same(got, _run(int_ops, interp, [a, b], [dt] * 6, a.size))
    with np.errstate(all="ignore"):  # NumPy agrees where it is defined
        nz = b != 0
        np.testing.assert_array_equal(got[0][nz], (a // b)[nz])
        np.testing.assert_array_equal(got[1][nz], (a % b)[nz])
        assert (got[0][~nz] == 0).all() and (got[1][~nz] == 0).all()
        if dt.startswith("int"):
            mn = np.iinfo(dt).min
            assert (got[0][(a == mn) & (b == -1)] == mn).all()
        shift_ok = (b >= 0) & (b < 8 * a.itemsize)
        np.testing.assert_array_equal(got[3][shift_ok], np.left_shift(a, b)[shift_ok])
        np.testing.assert_array_equal(got[4][shift_ok], np.right_shift(a, b)[shift_ok])


@kernel
def float_ops(a, b, fd, md, mn, mx, pw):
    i = cb.get_global_id(0)
    fd[i] = a[i] // b[i]
    md[i] = a[i] % b[i]
    mn[i] = min(a[i], b[i])
    mx[i] = max(a[i], b[i])
    pw[i] = a[i] ** b[i]


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_float_floordiv_mod_minmax(cl_device, interp, dt):
    specials = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 7.0, -7.0, 0.1, 1e30, -1e-30, np.inf, -np.inf, np.nan, 3.0]
    a = np.array([x for x in specials for _ in specials], dtype=dt)
    b = np.array([y for _ in specials for y in specials], dtype=dt)
    got = _run(float_ops, cl_device, [a, b], [dt] * 5, a.size)
    ref = _run(float_ops, interp, [a, b], [dt] * 5, a.size)
    _same(got[:4], ref[:4])
    with np.errstate(all="ignore"):
        for g, r in zip(got[:4], [a // b, a % b, np.minimum(a, b), np.maximum(a, b)], strict=True):
            assert np.array_equal(g, r, equal_nan=True)
            num = ~np.isnan(r)
            assert np.array_equal(np.signbit(g[num]), np.signbit(r[num]))
        np.testing.assert_allclose(got[4], a ** b, rtol=4 * np.finfo(dt).eps)


@kernel
def complex_ops(a, b, mul, div, add, neg):
    i = cb.get_global_id(0)
    mul[i] = a[i] * b[i]
    div[i] = a[i] / b[i]
    add[i] = a[i] + b[i] - a[i].conjugate()
    neg[i] = -a[i]


@pytest.mark.parametrize("dt", ["complex64", "complex128"])
def test_complex_mul_div_like_cpython(cl_device, interp, dt):
    parts = [0.0, 1.0, -2.5, 3e-3, 1e20, np.inf, np.nan]
    zs = [complex(x, y) for x in parts for y in parts[:5]]
    a = np.array([z for z in zs for _ in zs[:12]], dtype=dt)
    b = np.array([w for _ in zs for w in zs[:12]], dtype=dt)
    got = _run(complex_ops, cl_device, [a, b], [dt] * 4, a.size)
    _same(got, _run(complex_ops, interp, [a, b], [dt] * 4, a.size))
    if dt == "complex128":  # CPython's own formulas on finite, non-zero divisors
        for k in range(0, a.size, 7):
            x, y = complex(a[k]), complex(b[k])
            if y != 0 and all(np.isfinite([x.real, x.imag, y.real, y.imag])):
                assert complex(got[1][k]) == x / y
                assert complex(got[0][k]) == complex(x.real * y.real - x.imag * y.imag,
                                                     x.real * y.imag + x.imag * y.real)


@kernel
def casts(f, i8, u16, i64, bo, c64):
    i = cb.get_global_id(0)
    i8[i] = cb.int8(cb.int32(f[i]))
    u16[i] = cb.uint16(cb.int64(f[i]))
    i64[i] = cb.int64(f[i])
    bo[i] = cb.bool_(f[i])
    c64[i] = cb.complex64(f[i])


def test_casts_match_interp(cl_device, interp):
    f = np.array([0.0, -0.0, 0.5, -0.5, 1.9, -1.9, 127.9, 128.5, -129.7, 65535.9, 1e6, -1e6, np.nan],
                 dtype="float64")
    outs = ["int8", "uint16", "int64", "bool", "complex64"]
    finite = np.isfinite(f)  # float -> int of NaN is unspecified: compare the rest
    got = _run(casts, cl_device, [f], outs, f.size)
    ref = _run(casts, interp, [f], outs, f.size)
    for k, (g, r) in enumerate(zip(got, ref, strict=True)):
        sel = finite if k < 3 else slice(None)
        assert np.array_equal(g[sel], r[sel], equal_nan=True), outs[k]
    assert got[3].tolist() == [False, False] + [True] * 11
