"""Issue 19, builtins: ``round``, ``math.degrees/radians/modf/frexp/ldexp``, ``cb.popc/clz/ffs``, complex
``**``, ``print`` inside kernels and quiet OpenCL builds, on every device, compared with Python/NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cambrian as cb

SPECIAL = [0.5, 1.5, 2.5, -0.5, -2.5, 3.7, -3.7, 0.0, -0.0, 1e300, -1e-300, 5e-324, 2.675, 123.456,
           math.inf, -math.inf, math.nan, 7.0, 1024.0, 0.1]


def _launch(kern, n, local, *args):
    return (kern[n] if local is None else kern[n, local])(*args)


@cb.kernel
def k_round(x, r, r2, rm, d, rad, rn):
    i = cb.get_global_id(0)
    r[i] = round(x[i])
    r2[i] = round(x[i], 2)
    rn[i] = np.round(x[i]) + np.round(x[i], 1) * 1000
    rm[i] = round(x[i], -1)
    d[i] = math.degrees(x[i])
    rad[i] = math.radians(x[i])


@pytest.mark.parametrize(("dtype", "local"), [("float32", None), ("float64", None), ("float64", 2)])
def test_round_degrees_radians(device, dtype, local) -> None:
    if dtype == "float64" and not device.supports_float64:
        pytest.skip("needs float64")
    with np.errstate(over="ignore"):
        x = np.array(SPECIAL, dtype)  # 1e300 is inf in float32
    n = len(x)
    r = np.zeros(n, np.int64)
    r2, rm, d, rad, rn = (np.zeros(n, dtype) for _ in range(5))
    with cb.using(device), np.errstate(all="ignore"):
        _launch(k_round, n, local, x, r, r2, rm, d, rad, rn)
        want_rn = np.round(x) + np.round(x, 1) * 1000
    fin = np.isfinite(x) & (np.abs(x) < 2**62)
    assert list(r[fin]) == [round(float(v)) for v in x[fin]]  # Python's round half to even
    np.testing.assert_array_equal(r2, np.round(x, 2))
    np.testing.assert_array_equal(rm, np.round(x, -1))
    np.testing.assert_array_equal(d, np.degrees(x))
    np.testing.assert_array_equal(rad, np.radians(x))
    np.testing.assert_array_equal(rn, want_rn)  # numpy.round keeps the float dtype
    if dtype == "float64":
        assert [float(v) for v in d[fin]] == [math.degrees(float(v)) for v in x[fin]]


@cb.kernel
def k_round_int(x, r):
    i = cb.get_global_id(0)
    r[i] = round(x[i]) + round(7, 1) + round(2.5)  # noqa: RUF057 (round(int) is the int)


def test_round_integer_operand(device) -> None:
    x = np.array([-3, 0, 5], np.int32)
    r = np.zeros(3, np.int32)
    with cb.using(device):
        k_round_int[3](x, r)
    np.testing.assert_array_equal(r, x + 7 + 2)


@cb.kernel
def k_modf_frexp(x, f, w, m, e, back):
    i = cb.get_global_id(0)
    a, b = math.modf(x[i])
    f[i] = a
    w[i] = b
    mant, ex = math.frexp(x[i])
    m[i] = mant
    e[i] = ex
    back[i] = math.ldexp(mant, ex)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_modf_frexp_ldexp(device, dtype) -> None:
    if dtype == "float64" and not device.supports_float64:
        pytest.skip("needs float64")
    with np.errstate(over="ignore"):
        x = np.array([*SPECIAL, float(np.finfo(dtype).smallest_subnormal), float(np.finfo(dtype).max)], dtype)
    n = len(x)
    f, w, m, back = (np.full(n, 9, dtype) for _ in range(4))
    e = np.full(n, 9, np.int32)
    with cb.using(device):
        k_modf_frexp[n](x, f, w, m, e, back)
    mf, mw = np.modf(x)
    for got, want in ((f, mf), (w, mw)):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))  # modf(-0.0), modf(-inf)
    fm, fe = np.frexp(x)
    np.testing.assert_array_equal(m, fm)
    np.testing.assert_array_equal(e, fe)
    np.testing.assert_array_equal(back, x)
    if dtype == "float64":  # CPython's values
        for v, a, b, mm, ee in zip(x.tolist(), f, w, m, e, strict=True):
            if math.isfinite(v):
                assert (a, b) == math.modf(v) and (mm, ee) == math.frexp(v)


@cb.kernel
def k_ldexp(x, n, out):
    i = cb.get_global_id(0)
    out[i] = math.ldexp(x[i], n[i])


def test_ldexp_clamps_wide_exponents(device) -> None:
    x = np.array([1.0, 1.0, 3.0, 0.75, 1.0], np.float32)
    n = np.array([3, -150, 2**40, -2**40, 127], np.int64)
    out = np.zeros(5, np.float32)
    with cb.using(device):
        k_ldexp[5](x, n, out)
    np.testing.assert_array_equal(out, np.float32([8.0, 0.0, np.inf, 0.0, 2.0**127]))


@cb.kernel
def k_bits(x, p, c, s):
    i = cb.get_global_id(0)
    p[i] = cb.popc(x[i])
    c[i] = cb.clz(x[i])
    s[i] = cb.ffs(x[i])


@pytest.mark.parametrize("dtype", ["int8", "uint16", "int32", "uint32", "int64", "uint64"])
def test_popc_clz_ffs(device, dtype) -> None:
    info = np.iinfo(dtype)
    x = np.array([0, 1, 2, 3, 5, 8, 96, info.max, info.min, info.max // 3, info.max - 1], dtype)
    n = len(x)
    p, c, s = (np.full(n, -1, np.int32) for _ in range(3))
    with cb.using(device):
        k_bits[n](x, p, c, s)
    bits = 8 * np.dtype(dtype).itemsize
    u = [int(v) & ((1 << bits) - 1) for v in x.tolist()]  # the operand's own bits
    assert p.tolist() == [bin(v).count("1") for v in u]
    assert c.tolist() == [bits - v.bit_length() for v in u]
    assert s.tolist() == [(v & -v).bit_length() for v in u]


@cb.kernel
def k_cpow(z, w, out):
    i = cb.get_global_id(0)
    out[i] = z[i] ** w[i]  # one pow per kernel: Numba inlines the complex definition (slow to compile)


@cb.kernel
def k_cpow_literals(z, o2, o13, o0, ob):
    i = cb.get_global_id(0)
    o2[i] = z[i] ** 2  # literal integer exponents: multiplied out inline, as c_pow does at run time
    o13[i] = z[i] ** 13
    o0[i] = z[i] ** 0
    ob[i] = 2.0 ** z[i]


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_pow(device, dtype) -> None:
    if dtype == "complex128" and not device.supports_float64:
        pytest.skip("needs float64")
    z = np.array([1 + 2j, -1.5 + 0.5j, 0j, 3, -2 - 1j, 1j, 0.25 - 4j, 2, 1j, -1] * 3, dtype)
    w = np.array([0.5 + 1j, 2, 1, 0.5, -1 + 0.2j, 3, -2, 0.5, 2, 0.5] + [2] * 10 + [0.5] * 10, dtype)
    out = np.zeros_like(z)
    with cb.using(device):
        k_cpow[len(z)](z, w, out)
    tol = 1e-13 if dtype == "complex128" else 2e-6
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(out, z ** w, rtol=tol, atol=tol)
    np.testing.assert_array_equal(out[10:20], z[10:20] * z[10:20])  # integer powers: multiplication
    if dtype == "complex128":  # CPython's complex power agrees within a few ulp
        for a, b, got in zip(z[:7], w[:7], out[:7], strict=True):
            if a != 0:
                assert complex(got) == pytest.approx(complex(a) ** complex(b), rel=1e-14)


def test_complex_pow_literal_exponents(device) -> None:
    z = np.array([1 + 2j, -1.5 + 0.5j, 3, 1j, 0.25 - 4j, -1, 0j, -0.0 - 0.0j, complex(np.nan, 1)],
                 np.complex64)
    n = len(z)
    outs = [np.zeros_like(z) for _ in range(4)]
    runtime = [np.zeros_like(z) for _ in range(3)]
    with cb.using(device):
        k_cpow_literals[n](z, *outs)
        for e, out in zip((2, 13, 0), runtime, strict=True):
            k_cpow[n](z, np.full(n, e, z.dtype), out)
    for got, want in zip(outs[:3], runtime, strict=True):  # the same bits as the run-time exponent
        np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))
    np.testing.assert_allclose(outs[3], np.complex64(2.0) ** z, rtol=2e-6, atol=2e-6)


# ---------------------------------------------------------------------------------- print


@cb.kernel
def k_print(a, n):
    i = cb.get_global_id(0)
    print("i =", i, "a:", a[i], f"sq={a[i] * a[i]:.2f}", i > 2)
    if i == n:
        print(f"{i!r} last", complex(a[i], 1.0), cb.uint64(2**64 - 1), cb.int8(-5), sep="|", end=";\n")


def _expected_print(a: np.ndarray, n: int) -> str:
    lines = []
    for i, v in enumerate(a):
        lines.append(f"i = {i} a: {v!s} sq={float(v * v):.2f} {i > 2}\n")  # str(np.float32(1/3)): 0.33333334
        if i == n:
            z = np.result_type(a.dtype, np.complex64).type(complex(v, 1.0))
            lines.append(f"{i!r} last|{z!s}|{2**64 - 1}|-5;\n")
    return "".join(lines)


@pytest.mark.parametrize(("dtype", "local"), [("float32", None), ("float64", 2)])
def test_print_ordered_per_work_item(device, capsys, dtype, local) -> None:
    if dtype == "float64" and not device.supports_float64:
        pytest.skip("needs float64")
    a = (np.arange(6) / 3).astype(dtype)
    with cb.using(device):
        _launch(k_print, 6, local, a, 4)
    out = capsys.readouterr().out
    assert out == _expected_print(a, 4)


@cb.kernel
def k_print_many(out):
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    out[i, j] = i * 10 + j
    print(i, j)


def test_print_2d_order_and_bound(device, capsys, monkeypatch) -> None:
    from cambrian import kernel_print

    out = np.zeros((4, 3), np.int64)
    with cb.using(device):
        k_print_many[(4, 3)](out)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{i} {j}" for j in range(3) for i in range(4)]  # global linear id x + X * y
    np.testing.assert_array_equal(out, np.arange(4)[:, None] * 10 + np.arange(3))
    monkeypatch.setattr(kernel_print, "LIMIT", 5)
    with cb.using(device):
        k_print_many[(4, 3)](out)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and "7 more record(s) dropped" in lines[-1]
    assert all(len(x.split()) == 2 for x in lines[:5])


@cb.func
def frexp_product(x):
    m, e = math.frexp(x)  # in a device function too
    return m * e


@cb.kernel(boundscheck=True)
def k_print_float64_value(a, out):
    i = cb.get_global_id(0)
    if i < 2:
        out[i] = frexp_product(a[i])
        for j in range(2):
            print()
            print("j", j, math.sqrt(i + 1))  # a float64 value in a float32 kernel: a float64 table


def test_print_float64_value_loops_and_prepare(device, capsys) -> None:
    if not device.supports_float64:
        pytest.skip("needs float64")
    a = np.array([1.25, -3.75, 4], np.float32)
    want = "".join(f"\nj {j} {math.sqrt(i + 1)!r}\n" for i in range(2) for j in range(2))
    with cb.using(device):
        x, out = cb.asarray(a), cb.zeros(3, dtype=cb.float32)
        prepared, args = k_print_float64_value[3].prepare(x, out)
        prepared(args).wait()
    assert capsys.readouterr().out == want
    np.testing.assert_array_equal(cb.asnumpy(out), [0.625, -0.9375 * 2, 0])


@cb.func
def dev_prints(x):
    print(x)
    return x


@cb.kernel
def k_print_in_func(a):
    a[0] = dev_prints(a[0])


@cb.kernel
def k_print_file(a):
    print(a[0], file=None)


def test_print_errors(device) -> None:
    a = np.zeros(1)
    with cb.using(device), pytest.raises(cb.KernelSyntaxError, match="not in device functions"):
        k_print_in_func[1](a)
    with cb.using(device), pytest.raises(cb.KernelSyntaxError, match=r"print\(file=...\) is not supported"):
        k_print_file[1](a)


# ---------------------------------------------------------------------------------- quiet builds


_QUIET_SOURCE = """
import cambrian as cb

FLAG = True


@cb.kernel
def k_constant_condition(a, n):
    i = cb.get_global_id(0)
    b = n > 1 and True
    if n == n:  # always true: PoCL's clang printed "1 warning generated." (-Wtautological-compare)
        a[i] = {value}
    if FLAG and not b:
        a[i] = 0
"""


def test_compiling_writes_nothing_to_stderr(device, capfd, tmp_path, monkeypatch) -> None:
    import importlib.util
    import uuid

    value = uuid.uuid4().int % 1000003  # a source no cache has seen: the driver really compiles it
    path = tmp_path / f"quiet_{value}.py"
    path.write_text(_QUIET_SOURCE.format(value=value))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setenv("CAMBRIAN_CACHE_DIR", str(tmp_path / "cache"))
    a = np.zeros(4)
    capfd.readouterr()
    with cb.using(device):
        mod.k_constant_condition[4](a, 3)
    np.testing.assert_array_equal(a, value)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
