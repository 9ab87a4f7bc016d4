"""``cb.fma``, ``cb.float_as_int``/``cb.int_as_float`` on every device against exact references, and
Cambrian's own math functions (src/cambrian/math_kernels.py, CAMBRIAN_MATH=cambrian): the same bits on
every device that runs them (cpu, OpenCL, CUDA), the device library with CAMBRIAN_MATH=native."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import cambrian as cb
from cambrian.compiler import mathlib, render_c
from cambrian.errors import KernelTypeError

DTYPES = ("float64", "float32")
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 3.0, 1e-310, -5e-324, 1e300, -1e300, math.inf, -math.inf, math.nan]


@cb.kernel
def k_exact(a, b, c, out, bits, back):
    i = cb.get_global_id(0)
    out[i] = cb.fma(a[i], b[i], c[i])
    bits[i] = cb.float_as_int(a[i])
    back[i] = cb.int_as_float(bits[i])


def _fma_reference(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a * b + c rounded once, from exact fractions (NaN/inf from IEEE arithmetic)."""
    out = []
    for x, y, z in zip(a.tolist(), b.tolist(), c.tolist(), strict=True):
        if not all(math.isfinite(v) for v in (x, y, z)):
            out.append(x * y + z)
            continue
        exact = Fraction(x) * Fraction(y) + Fraction(z)
        if exact == 0:
            out.append(x * y + z if x * y == 0 else 0.0)
        elif a.dtype == np.float64:
            try:
                out.append(float(exact))
            except OverflowError:
                out.append(-math.inf if exact < 0 else math.inf)
        else:  # round the exact value to float32 by comparing with both neighbours
            f = np.float32(float(exact))
            cands = [f, np.nextafter(f, np.float32(-np.inf)), np.nextafter(f, np.float32(np.inf))]
            best = min(cands, key=lambda v: (abs(Fraction(float(v)) - exact), int(v.view(np.int32)) & 1))
            out.append(float(best))
    return np.array(out, a.dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fma_and_bit_casts_exact(device, dtype) -> None:
    if dtype == "float64" and not device.supports_float64:
        pytest.skip("needs float64")
    rng = np.random.default_rng(3)
    with np.errstate(all="ignore"):
        a = np.concatenate([rng.standard_normal(200), np.repeat(SPECIAL, len(SPECIAL))]).astype(dtype)
        b = np.concatenate([rng.standard_normal(200), np.tile(SPECIAL, len(SPECIAL))]).astype(dtype)
        c = -(a.astype(np.float64) * b).astype(dtype)  # cancellation: the product's rounding error
    c[200:] = b[200:][::-1]
    if dtype == "float32":  # exact 1 + 2**-11 + 2**-24 + 2**-60: in float64 a float32 midpoint (ties down)
        a[0], b[0], c[0] = np.float32(1 + 2**-12), np.float32(1 + 2**-12), np.float32(2**-60)
    it = "int32" if dtype == "float32" else "int64"
    out, bits, back = np.zeros_like(a), np.zeros(a.size, it), np.zeros_like(a)
    with cb.using(device), np.errstate(all="ignore"):
        k_exact[a.size](a, b, c, out, bits, back)
        want = _fma_reference(a, b, c)
    np.testing.assert_array_equal(out, want)
    if dtype == "float32":
        assert out[0] == np.float32(1 + 2**-11 + 2**-23)  # rounded once: up
    num = ~np.isnan(want)  # (a NaN's sign is not specified)
    assert np.array_equal(np.signbit(out[num]), np.signbit(want[num]))  # signed zeros
    np.testing.assert_array_equal(bits, a.view(it))
    np.testing.assert_array_equal(back.view(it), a.view(it))  # NaN payloads too


def test_bit_cast_type_errors() -> None:
    @cb.kernel
    def bad(a, out):
        i = cb.get_global_id(0)
        out[i] = cb.float_as_int(a[i])

    with pytest.raises(KernelTypeError, match="float_as_int"):
        bad.ir(np.zeros(4, np.int16), np.zeros(4, np.int16))


def _mathf(name: str):  # type: ignore[no-untyped-def]
    fn = getattr(math, name)

    def f(x):  # type: ignore[no-untyped-def]
        return fn(x)

    f.__name__ = f"k_{name}"
    return cb.vectorize(f)


#: every unary function with a Cambrian implementation for some dtype (float32 sin/cos only, for now)
UNARY = sorted({name for name, _ in mathlib.LOWERED} - {"pow"})
MATH = {name: _mathf(name) for name in UNARY}


@cb.vectorize
def POW(x, y):
    return x ** y


def _inputs(name: str, dtype: str) -> np.ndarray:
    rng = np.random.default_rng(5)
    lo, hi = {"log": (0.0, 800.0), "erf": (-7.0, 7.0), "tanh": (-25.0, 25.0)}.get(name, (-760.0, 720.0))
    with np.errstate(over="ignore"):
        x = np.concatenate([rng.uniform(lo, hi, 3000), rng.uniform(-2, 2, 1000),
                            10.0 ** rng.uniform(-320, 3, 500), SPECIAL]).astype(dtype)
        if name in ("sin", "cos"):  # the whole float32 range (the reduction's chunks of 2/pi)
            big = 10.0 ** rng.uniform(0, 38.5, 1000) * rng.choice([-1, 1], 1000)
            x = np.concatenate([x, big.astype(dtype)])
    return x


@pytest.mark.parametrize("dtype", DTYPES)
def test_cambrian_math_same_bits_on_every_device(device, dtype) -> None:
    """Every device that runs Cambrian's math functions returns the cpu device's bits (the same
    operations in the same order, fused multiply-adds); interp computes with NumPy (the oracle of the
    accuracy tests) and is compared within the documented bound there."""
    if device.backend == "interp":
        pytest.skip("interp computes math with NumPy/CPython, not Cambrian's functions (see the ULP tests)")
    if dtype == "float64" and not device.supports_float64:
        pytest.skip("needs float64")
    if mathlib.mode() != "cambrian":
        pytest.skip("CAMBRIAN_MATH=native is set")
    it = "int32" if dtype == "float32" else "int64"
    diffs = []
    for name, f in MATH.items():
        if (name, dtype) not in mathlib.LOWERED:
            continue
        if (name, dtype) in mathlib.VIA_FLOAT64 and not device.supports_float64:
            continue  # the device's library
        x = _inputs(name, dtype)
        with np.errstate(all="ignore"):
            got = cb.asnumpy(f(cb.asarray(x, device=device)))
            want = cb.asnumpy(f(cb.asarray(x, device="cpu")))
        bad = np.flatnonzero(got.view(it) != want.view(it))
        if bad.size:
            j = bad[0]
            diffs.append(f"{name}: {bad.size} differ, e.g. x={x[j]!r}: {got[j]!r} != {want[j]!r}")
    if device.supports_float64 or dtype == "float64":  # float32 pow computes in float64
        x, y = _inputs("log", dtype)[:4000], _inputs("erf", dtype)[:4000] * 40
        with np.errstate(all="ignore"):
            got = cb.asnumpy(POW(cb.asarray(x, device=device), cb.asarray(y, device=device)))
            want = cb.asnumpy(POW(cb.asarray(x, device="cpu"), cb.asarray(y, device="cpu")))
        bad = np.flatnonzero(got.view(it) != want.view(it))
        if bad.size:
            diffs.append(f"pow: {bad.size} differ, e.g. {x[bad[0]]!r} ** {y[bad[0]]!r}")
    assert not diffs, diffs


@cb.kernel
def k_lib(x, y):
    i = cb.get_global_id(0)
    y[i] = math.exp(x[i]) + math.log(x[i]) + math.expm1(x[i]) + math.tanh(x[i]) + math.erf(x[i])
    y[i] += math.sin(x[i]) + math.cos(x[i])


@pytest.mark.parametrize("dtype", DTYPES)
def test_c_renderers_use_cambrian_math_unless_native(monkeypatch, dtype) -> None:
    module = k_lib.ir(np.zeros(4, dtype), np.zeros(4, dtype))
    suffix = "f32" if dtype == "float32" else "f64"
    for render in (lambda m: render_c.render_opencl(m).source, render_c.render_cuda):
        monkeypatch.setenv("CAMBRIAN_MATH", "cambrian")
        src = render(module)
        for name in UNARY:
            assert (f"cambrian_{name}_{suffix}" in src) == ((name, dtype) in mathlib.LOWERED), name
        monkeypatch.setenv("CAMBRIAN_MATH", "native")
        assert "cambrian_" not in render(module)


@cb.kernel
def k_pow(x, y, out, sq):
    i = cb.get_global_id(0)
    out[i] = x[i] ** y[i] + math.pow(x[i], 0.5)
    sq[i] = x[i] ** 2.0


def test_float64_pow_lowered_except_integer_constant_exponents(monkeypatch) -> None:
    monkeypatch.setenv("CAMBRIAN_MATH", "cambrian")
    a = np.zeros(4)
    src = render_c.render_opencl(k_pow.ir(a, a, a, a)).source
    assert src.count("f_cambrian_pow_f64") == 3  # the definition and two calls
    assert "= pow(v_x[" in src  # x ** 2.0: the device's pow (folded to x * x)
    f32 = np.zeros(4, np.float32)
    assert "cambrian_pow" not in render_c.render_opencl(k_pow.ir(f32, f32, f32, f32), float64=False).source
