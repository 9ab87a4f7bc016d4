"""The Numba ``cpu`` backend against the interpreter (the oracle) and NumPy: integer semantics for every
dtype (negative operands, zero divisors, MIN // -1, shifts out of range, powers, wrapping), IEEE floats
(no FMA contraction), complex arithmetic, casts and work-item queries in 1-3 dimensions."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cambrian as cb

from .test_cpu_support import INT_DTYPES, cpu_device, run, run_both  # noqa: F401

pytestmark = pytest.mark.usefixtures("cpu_device")


def intops(a, b, out):
    i = cb.get_global_id(0)
    x = a[i]
    y = b[i]
    out[i, 0] = x + y
    out[i, 1] = x - y
    out[i, 2] = x * y
    out[i, 3] = x // y
    out[i, 4] = x % y
    out[i, 5] = x << y
    out[i, 6] = x >> y
    out[i, 7] = x ** y
    out[i, 8] = -x
    out[i, 9] = abs(x)
    out[i, 10] = min(x, y)
    out[i, 11] = max(x, y)
    out[i, 12] = (x ^ y) | (x & ~y)
    out[i, 13] = x * y + x - y * y
    out[i, 14] = x << 3
    out[i, 15] = x >> 1
    out[i, 16] = x // 7 + x % 7
    out[i, 17] = x ** 3


def _int_operands(dtype: str) -> tuple[np.ndarray, np.ndarray]:
    info = np.iinfo(dtype)
    vals = [0, 1, 2, 3, 7, 63, 64, 100, info.max, info.max - 1, info.min, info.min + 1]
    if info.min < 0:
        vals += [-1, -2, -7, -64, -100]
    v = np.array(vals, dtype=object)
    a, b = np.meshgrid(v, v)
    return a.ravel().astype(dtype), b.ravel().astype(dtype)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_ops_match_interp(dtype: str) -> None:
    a, b = _int_operands(dtype)
    out = np.zeros((a.size, 18), dtype)
    got, ref = run_both(intops, a.size, a, b, out)
    bad = np.argwhere(got[2] != ref[2])
    assert bad.size == 0, [(a[i], b[i], f"col {j}", got[2][i, j], ref[2][i, j]) for i, j in bad[:5]]


def floatops(a, b, out):
    i = cb.get_global_id(0)
    x = a[i]
    y = b[i]
    out[i, 0] = x + y
    out[i, 1] = x - y
    out[i, 2] = x * y
    out[i, 3] = x / y
    out[i, 4] = x // y
    out[i, 5] = x % y
    out[i, 6] = min(x, y)
    out[i, 7] = max(x, y)
    out[i, 8] = abs(x)
    out[i, 9] = x * y + y  # must not be contracted into an FMA
    out[i, 10] = x * 2.0 - 0.5
    out[i, 11] = x ** y
    out[i, 12] = math.floor(x) + math.ceil(y) + math.trunc(x)
    out[i, 13] = math.sqrt(x)
    out[i, 14] = math.copysign(x, y) + math.fmod(x, y)
    out[i, 15] = 1.0 if x < y else (2.0 if x == y else 3.0)


def _float_operands(dtype: str) -> tuple[np.ndarray, np.ndarray]:
    specials = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 7.25, -7.25, 1e-30, 1e30, math.inf, -math.inf,
                math.nan]
    v = np.array(specials, dtype)
    a, b = np.meshgrid(v, v)
    rng = np.random.default_rng(7)
    ra, rb = rng.standard_normal((2, 200)).astype(dtype) * 10
    return np.concatenate([a.ravel(), ra]), np.concatenate([b.ravel(), rb])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_ops_match_interp_bit_exact(dtype: str) -> None:
    a, b = _float_operands(dtype)
    out = np.zeros((a.size, 16), dtype)
    got, ref = run_both(floatops, a.size, a, b, out)
    g, r = got[2], ref[2]
    nan = np.isnan(g) & np.isnan(r)
    same = nan | ((g == r) & (np.signbit(g) == np.signbit(r)))  # -0.0 vs 0.0 too (NaN sign is free)
    # x ** y (column 11) is Cambrian's pow on cpu: within 2 ulp of NumPy's, its special values exact
    with np.errstate(invalid="ignore"):
        same[:, 11] |= np.abs(g[:, 11] - r[:, 11]) <= 2 * np.spacing(np.abs(r[:, 11]))
    bad = np.argwhere(~same)
    assert bad.size == 0, [(a[i], b[i], f"col {j}", g[i, j], r[i, j]) for i, j in bad[:5]]


def fma_probe(a, b, c, out):
    i = cb.get_global_id(0)
    out[i] = a[i] * b[i] + c[i]


def test_no_fma_contraction() -> None:
    rng = np.random.default_rng(3)
    a, b, c = rng.standard_normal((3, 4096))
    (_, _, _, out), = [run("cpu", fma_probe, 4096, a, b, c, np.zeros(4096))]
    np.testing.assert_array_equal(out, a * b + c)


def mathfuncs(x, out):
    i = cb.get_global_id(0)
    v = x[i]
    out[i, 0] = math.exp(v)
    out[i, 1] = math.log(abs(v) + 1.0)
    out[i, 2] = math.sin(v)
    out[i, 3] = math.cos(v)
    out[i, 4] = math.tanh(v)
    out[i, 5] = math.atan2(v, 1.5)
    out[i, 6] = math.hypot(v, 2.0)
    out[i, 7] = math.erf(v)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_math_functions_within_4_ulp(dtype: str) -> None:
    x = np.linspace(-5, 5, 101).astype(dtype)
    got, ref = run_both(mathfuncs, x.size, x, np.zeros((x.size, 8), dtype))
    g, r = got[1], ref[1]
    assert g.dtype == np.dtype(dtype)
    assert np.all(np.abs(g - r) <= 4 * np.spacing(np.abs(r).astype(dtype)))


def complexops(a, b, out, absout):
    i = cb.get_global_id(0)
    x = a[i]
    y = b[i]
    out[i, 0] = x + y
    out[i, 1] = x - y
    out[i, 2] = x * y
    out[i, 3] = x / y
    out[i, 4] = x.conjugate()
    out[i, 5] = complex(x.real * 2.0, -y.imag)
    out[i, 6] = x if x == y else -y
    absout[i] = abs(x)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_ops_match_interp(dtype: str) -> None:
    vals = np.array([0, 1, -1, 1j, 2 + 3j, -4.5 + 0.25j, 1e30 + 1e-30j, complex(math.inf, 1),
                     complex(math.nan, 0), 3 - 7j], dtype)
    a, b = (x.ravel() for x in np.meshgrid(vals, vals))
    real = np.float32 if dtype == "complex64" else np.float64
    got, ref = run_both(complexops, a.size, a, b, np.zeros((a.size, 7), dtype), np.zeros(a.size, real))
    for g, r in ((got[2], ref[2]), (got[3], ref[3])):
        same = (g == r) | (np.isnan(g) & np.isnan(r))
        assert same.all(), (g[~same][:3], r[~same][:3])


def casts(f, i8, u32, outi, outf, outb, outc):
    i = cb.get_global_id(0)
    outi[i, 0] = cb.int32(f[i])
    outi[i, 1] = cb.int32(i8[i])
    outi[i, 2] = cb.int32(u32[i])
    outi[i, 3] = cb.int32(cb.int8(u32[i]))
    outi[i, 4] = cb.int32(f[i] > 0.0)
    outf[i, 0] = cb.float32(u32[i])
    outf[i, 1] = cb.float32(f[i])
    outf[i, 2] = cb.float32(i8[i]) / 3
    outb[i, 0] = cb.bool_(f[i])
    outb[i, 1] = cb.bool_(i8[i])
    outc[i] = cb.complex64(f[i])


def test_casts_match_interp() -> None:
    f = np.array([0.0, -0.0, 1.9, -1.9, 2.5, -2.5, 1e9, -1e9, 123.456, math.nan])
    i8 = np.array([0, 1, -1, 127, -128, 5, -5, 100, -100, 3], np.int8)
    u32 = np.array([0, 1, 2**32 - 1, 2**31, 255, 256, 65535, 7, 2**24 + 1, 3], np.uint32)
    n = f.size
    outs = [np.zeros((n, 5), np.int32), np.zeros((n, 3), np.float32), np.zeros((n, 2), np.bool_),
            np.zeros(n, np.complex64)]
    got, ref = run_both(casts, n, f, i8, u32, *outs)
    ok = ~np.isnan(f)  # NaN -> int is unspecified
    np.testing.assert_array_equal(got[3][ok], ref[3][ok])
    for k in (4, 5, 6):
        np.testing.assert_array_equal(got[k], ref[k])


def workitems(out):
    gx = cb.get_global_id(0)
    gy = cb.get_global_id(1)
    gz = cb.get_global_id(2)
    out[gz, gy, gx, 0] = cb.get_local_id(0) + 10 * cb.get_local_id(1) + 100 * cb.get_local_id(2)
    out[gz, gy, gx, 1] = cb.get_group_id(0) + 10 * cb.get_group_id(1) + 100 * cb.get_group_id(2)
    out[gz, gy, gx, 2] = cb.get_local_size(0) + 10 * cb.get_local_size(1) + 100 * cb.get_local_size(2)
    out[gz, gy, gx, 3] = cb.get_num_groups(0) + 10 * cb.get_num_groups(1) + 100 * cb.get_num_groups(2)
    out[gz, gy, gx, 4] = cb.get_global_size(0) + 10 * cb.get_global_size(1) + 100 * cb.get_global_size(2)


@pytest.mark.parametrize("gsize,lsize", [((12,), None), ((12,), (4,)), ((6, 4), None), ((6, 4), (3, 2)),
                                         ((4, 3, 2), (2, 3, 1)), ((130, 1, 1), None)])
def test_work_item_queries_match_interp(gsize, lsize) -> None:
    g3 = tuple(gsize) + (1,) * (3 - len(gsize))
    out = np.full((g3[2], g3[1], g3[0], 5), -1, np.int64)
    got, ref = run_both(workitems, gsize, out, lsize=lsize)
    np.testing.assert_array_equal(got[0], ref[0])
    assert (got[0] >= 0).all()


def strided(a, out):
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    out[i, j] = a[i, j] * 2


def test_non_contiguous_arrays() -> None:
    base = np.arange(60, dtype=np.int32).reshape(6, 10)
    a = base[::2, ::3]  # non-contiguous view
    out = np.zeros((3, 4), np.int32)
    _, res = run("cpu", strided, (3, 4), a, out)
    np.testing.assert_array_equal(res, a * 2)


def loops(n, out):
    i = cb.get_global_id(0)
    acc = 0
    for k in range(n, -1, -3):
        if k == 4:
            continue
        acc += k
    j = 0
    while True:
        j += 1
        if j * j > i:
            break
    out[i] = acc * 1000 + j


def test_control_flow_match_interp() -> None:
    got, ref = run_both(loops, 20, np.int64(17), np.zeros(20, np.int64))
    np.testing.assert_array_equal(got[1], ref[1])


def decompose(out, row):
    g = cb.get_global_id(0)
    j = g % out.shape[1]
    g = g // out.shape[1]
    out[g, j] = row[0, j] * 10 + g


def test_global_id_arithmetic_stays_integer() -> None:
    """Regression: Numba may type a prange index as uint64; mixed with int64 it became float64."""
    row = np.arange(5, dtype=np.int64).reshape(1, 5)
    out, _ = run("cpu", decompose, 20, np.zeros((4, 5), np.int64), row)
    np.testing.assert_array_equal(out, row * 10 + np.arange(4).reshape(4, 1))
