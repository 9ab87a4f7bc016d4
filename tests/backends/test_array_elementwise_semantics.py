"""The elementwise engine's semantics on every device (and both paths of ``cpu``): broadcasting, strided
and negative-step views, Python scalars (NEP 50), ``out=`` (also overlapping), in-place and reflected
operators, comparisons, ``clip``, errors (placement, dtype groups, float64 on a device without it),
empty arrays, and the namespace's functions inside ``@cb.kernel`` and ``@cb.func``.

Most cases use float64 ``add`` so that the generated kernels (one per layout) are shared between tests.
"""

from __future__ import annotations

import operator
import re

import numpy as np
import pytest

import cambrian as cb
from cambrian.array._elementwise import FUNCTIONS
from cambrian.devices import select_device
from cambrian.elementwise import GROUPS
from cambrian.errors import PlacementError, UnsupportedFeatureError
from cambrian.testing import FakeBackend, all_devices, use_fake_backends

from .elementwise_cases import DTYPES, assert_matches
from .elementwise_cases import elementwise_path as elementwise_path  # the fixture

I8 = np.array([-128, -3, -1, 0, 1, 5, 127], np.int8)


def on(device, *arrays):
    return [cb.asarray(a, device=device) for a in arrays]


def check(got, expected) -> None:
    assert isinstance(got, cb.Array), type(got)
    host = cb.asnumpy(got)
    assert host.dtype == expected.dtype and host.shape == expected.shape, (host.dtype, host.shape)
    np.testing.assert_array_equal(host, expected)


def grid(shape: tuple[int, ...]) -> np.ndarray:
    return np.arange(float(np.prod(shape))).reshape(shape) * 1.5 - 4.0


# -- broadcasting, views, scalars ------------------------------------------------------------------------
@pytest.mark.parametrize("shapes", [((3, 1), (1, 4)), ((), (3, 4)), ((3, 4), ()), ((4,), (2, 3, 4)),
                                    ((), ()), ((1,), (5,)), ((2, 1, 4), (3, 1))], ids=str)
def test_broadcasting(device, elementwise_path, shapes):
    a, b = grid(shapes[0]), grid(shapes[1])[..., ::-1] if shapes[1] else grid(shapes[1])
    got = cb.add(*on(device, a, b))
    check(got, a + b)
    assert got.shape == np.broadcast_shapes(*shapes)


def test_broadcast_comparison_gives_bool(device, elementwise_path):
    a, b = grid((3, 1)), grid((1, 4))
    x, y = on(device, a, b)
    check(x < y, a < b)
    check(x == y[:, ::-1], a == b[:, ::-1])
    check(cb.less(0.5, y), 0.5 < b)


def test_strided_and_negative_step_views(device, elementwise_path):
    base, m = np.arange(20.0), grid((4, 6))
    x, y = on(device, base, m)
    check(cb.add(x[::-2], x[1::2]), base[::-2] + base[1::2])
    check(cb.add(y[:, ::-1], y[::-1, :]), m[:, ::-1] + m[::-1, :])
    check(cb.add(y.T, 1.0), m.T + 1.0)
    check(cb.add(y[::2, 1::3], y[1::2, ::-3]), m[::2, 1::3] + m[1::2, ::-3])
    out = cb.zeros((6, 4), device=device)
    cb.add(y.T, y.T, out=out[::-1, ::-1])
    check(out, (m.T + m.T)[::-1, ::-1])


def test_python_scalars_are_weak(device, elementwise_path):
    x, u = on(device, I8, np.array([0, 1, 255], np.uint8))
    f32 = cb.asarray(np.array([0.5, -1.5, 3.0], np.float32), device=device)
    check(x + 1, I8 + 1)  # int8, wrapping at 127
    check(1 + x, 1 + I8)
    check(3 - x, 3 - I8)
    check(cb.add(1, x), np.add(1, I8))
    check(u - 1, np.array([0, 1, 255], np.uint8) - 1)
    check(f32 * 2.5, np.float32([0.5, -1.5, 3.0]) * 2.5)  # stays float32
    check(x + 1.5, I8 + 1.5)  # a Python float with integers: the default float
    check(f32 + 1j, np.float32([0.5, -1.5, 3.0]) + 1j)  # complex64
    check(x < 3, I8 < 3)
    check(3 < x, 3 < I8)
    for bad in (lambda: x + 1000, lambda: 1000 + x, lambda: cb.add(x, -129), lambda: u + (-1),
                lambda: cb.maximum(x, 128)):
        with pytest.raises(OverflowError, match="out of bounds for"):
            bad()
    # comparisons are exact, as in NumPy 2: an integer beyond the dtype still compares
    big = np.array([0, 1, 2**64 - 1], np.uint64)
    (ub,) = on(device, big)
    for got, want in [(x < 1000, I8 < 1000), (x >= -1000, I8 >= -1000), (x == 300, I8 == 300),
                      (1000 > x, 1000 > I8), (ub > -1, big > -1), (ub != -5, big != -5)]:
        check(got, want)


# -- out= and in-place -------------------------------------------------------------------------------
def test_out(device, elementwise_path):
    a = np.arange(10.0)
    x, z, w = on(device, a, a, a)
    assert cb.add(x, 1.0, out=x) is x
    check(x, a + 1.0)
    cb.add(z[1:], z[:-1], out=z[1:])  # overlapping: the result of non-overlapping inputs (NumPy)
    check(z, np.concatenate([a[:1], a[1:] + a[:-1]]))
    cb.add(w[:-1], w[1:], out=w[1:])
    check(w, np.concatenate([a[:1], a[:-1] + a[1:]]))
    wide = cb.zeros((3, 10), device=device)
    cb.add(x, 1.0, out=wide)  # inputs broadcast to out's shape
    check(wide, np.broadcast_to(a + 2.0, (3, 10)))
    i8 = cb.asarray(I8, device=device)
    f = cb.zeros(7, device=device)
    cb.add(i8, i8, out=f)  # computed in int8 (wrapping), then cast as NumPy's same_kind casting
    check(f, (I8 + I8).astype(np.float64))
    with pytest.raises(ValueError, match="shape"):
        cb.add(x, 1.0, out=cb.zeros(3, device=device))
    with pytest.raises(TypeError, match="float64"):
        cb.add(x, 1.0, out=cb.zeros(10, dtype=cb.int64, device=device))
    with pytest.raises(TypeError, match="out"):
        cb.add(x, 1.0, out=np.zeros(10))


def test_in_place_operators(device, elementwise_path):
    x = cb.asarray(I8, device=device)
    same, host = x, I8.copy()
    x += 1
    x *= 3
    x //= 2
    x |= 1
    host += 1
    host *= 3
    host //= 2
    host |= 1
    assert x is same
    check(x, host)
    for bad in ("x *= 2.5", "x /= 2"):  # a float result into int8: NumPy's UFuncTypeError
        with pytest.raises(TypeError, match="int8"):
            exec(bad, {}, {"x": x})
    m = grid((3, 4))
    y = cb.asarray(m, device=device)
    y += y[0]
    y /= 2
    check(y, (m + m[0]) / 2)
    row = y[0]
    with pytest.raises(ValueError, match="shape"):
        row += y
    f32 = cb.asarray(m.astype(np.float32), device=device)
    f32 += cb.asarray(m, device=device)  # float64 into float32: same kind, allowed as in NumPy
    check(f32, m.astype(np.float32) + m.astype(np.float32))


def test_in_place_special_values(device, elementwise_path):
    """Results with special values where out is an operand (the host path corrects NumPy's results
    after writing out: the corrections must come from the operands, not from out)."""
    q = cb.asarray(np.array([np.inf, -np.inf, 3.0, -3.0, -1.0, 1.0]), device=device)
    q //= cb.asarray(np.array([2.0, 2.0, np.inf, -np.inf, -0.0, -0.0]), device=device)
    got = cb.asnumpy(q)  # the standard: +-inf // finite = +-inf, finite // +-inf = +-0
    np.testing.assert_array_equal(got, [np.inf, -np.inf, 0.0, 0.0, np.inf, -np.inf])
    assert not np.signbit(got[2:4]).any()
    p = cb.asarray(np.array([-1, 1, 2, -2, -1], np.int8), device=device)
    p **= cb.asarray(np.array([-1, -2, -1, -3, -2], np.int8), device=device)
    check(p, np.array([-1, 1, 0, 0, 1], np.int8))  # the kernels' integer **; NumPy raises
    if elementwise_path == "host":  # complex corrections of the host path (kernels: test_array_elementwise)
        zs = np.array([complex(np.inf, np.nan), complex(np.nan, 0.0), complex(-np.inf, 1.0), 1 + 1j])
        z = cb.asarray(zs, device=device)
        cb.expm1(z, out=z)
        np.testing.assert_array_equal(cb.asnumpy(z), [complex(np.inf, np.nan), complex(np.nan, 0.0),
                                                      complex(-1.0, 0.0), np.expm1(1 + 1j)])
        w = cb.asarray(zs, device=device)
        cb.sign(w, out=w)
        np.testing.assert_array_equal(cb.asnumpy(w)[:2], [complex(np.nan, np.nan)] * 2)


# -- operators ---------------------------------------------------------------------------------------
BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
          "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
          "and": operator.and_, "or": operator.or_, "xor": operator.xor, "lshift": operator.lshift,
          "rshift": operator.rshift, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
          "ge": operator.ge, "eq": operator.eq, "ne": operator.ne}


@pytest.mark.parametrize("op", BINARY)
def test_binary_operators(device, op):
    """``x op y``, ``x op 2`` and the reflected ``2 op x`` are the namespace's functions (NumPy's
    results); comparisons give bool arrays."""
    fn = BINARY[op]
    a = np.array([-7, -2, 0, 1, 3, 6], np.int8)
    b = np.array([2, 3, 1, 4, 2, 1], np.int8)  # no zero divisors, no negative exponents or shifts
    x, y = on(device, a, b)
    with np.errstate(all="ignore"):
        check(fn(x, y), fn(a, b))
        check(fn(2, y), fn(2, b))  # reflected (comparisons: the mirrored operator)
        if op in ("sub", "lt", "eq"):
            check(fn(x, 2), fn(a, 2))
    if op in ("and", "or", "xor", "lshift", "rshift"):
        return
    fa, fb = a.astype(np.float64) / 2, b.astype(np.float64) / 4
    fx, fy = on(device, fa, fb)
    with np.errstate(all="ignore"):
        check(fn(fx, fy), fn(fa, fb))


def test_unary_operators_and_bool_results(device):
    a = np.array([-7, -2, 0, 1, 3, 127], np.int8)
    x = cb.asarray(a, device=device)
    check(-x, -a)
    check(+x, +a)
    check(abs(x), abs(a))
    check(~x, ~a)
    b = cb.asarray(a > 0, device=device)
    check(~b, ~(a > 0))
    eq = x == x
    assert isinstance(eq, cb.Array) and eq.dtype == np.bool_ and cb.asnumpy(eq).all()
    assert (x != 1).dtype == np.bool_
    for bad in (lambda: x + "1", lambda: x + [1, 2, 3, 4, 5, 6], lambda: None < x):  # noqa: RUF005
        with pytest.raises(TypeError):
            bad()


# -- clip ---------------------------------------------------------------------------------------------
def test_clip(device, elementwise_path):
    a = np.array([-3.0, -0.5, 0.0, 2.0, np.nan, np.inf])
    x, lo = on(device, a, np.array([-1.0, 0.0, 1.0, -1.0, 0.0, 1.0]))
    check(cb.clip(x, -1.0, 1.0), np.clip(a, -1.0, 1.0))
    check(cb.clip(x, lo, None), np.maximum(a, np.array([-1.0, 0.0, 1.0, -1.0, 0.0, 1.0])))
    check(cb.clip(x, max=0.5), np.minimum(a, 0.5))
    check(cb.clip(x), a)
    i = cb.asarray(I8, device=device)
    check(cb.clip(i, -1000, 1000), I8)  # bounds beyond int8 clamp to its range
    check(cb.clip(i, 0, 5), np.clip(I8, 0, 5))
    with pytest.raises(ValueError, match="broadcast"):
        cb.clip(i[:2], cb.asarray(I8, device=device))


# -- errors --------------------------------------------------------------------------------------------
def test_mixed_devices_raise_placement_error(device):
    others = [d for d in all_devices() if d != device]
    if not others:
        pytest.skip("one usable device: no other device to mix with")
    x = cb.asarray(np.arange(3.0), device=device)
    y = cb.asarray(np.arange(3.0), device=others[0])
    for call in (lambda: x + y, lambda: cb.add(x, y), lambda: y * x, lambda: cb.maximum(y, x),
                 lambda: cb.add(x, x, out=y)):
        with pytest.raises(PlacementError, match=re.escape(str(others[0]))):
            call()
    with pytest.raises(PlacementError):
        x += y


def test_dtype_group_violations_raise_type_error(device):
    """Every function refuses the dtypes outside its group (TypeError naming the function and the
    dtypes), as the standard's categories say, on any path; and non-array operands."""
    refused = 0
    for name, fn in FUNCTIONS.items():
        for dtype in DTYPES:
            if dtype in GROUPS[fn.group]:
                continue
            x = cb.asarray(np.ones(2, dtype), device=device)
            with pytest.raises(TypeError, match=f"{name}.*{dtype}"):
                fn(*[x] * fn.nin)
            refused += 1
    assert refused >= 70
    x = cb.asarray(np.ones(2, np.int8), device=device)
    with pytest.raises(TypeError, match="bitwise_and"):
        cb.bitwise_and(x, cb.asarray(np.ones(2, np.float32), device=device))
    with pytest.raises(TypeError, match=r"cambrian\.Array"):
        cb.add(1, 2)
    with pytest.raises(TypeError, match="argument"):
        cb.add(x)
    with pytest.raises(TypeError, match="str"):
        cb.add(x, "1")


@pytest.fixture
def no_fp64(monkeypatch, tmp_path):
    """A fake GPU without float64 (kernels are type-checked for it, then the fake refuses to run)."""
    use_fake_backends(monkeypatch, tmp_path, FakeBackend("opencl", [
        {"name": "no-fp64 GPU", "kind": "gpu", "ordinal": 0, "supports_float64": False}]))
    return select_device("opencl:gpu:0")


def test_float64_result_refused_without_float64(no_fp64):
    i64 = cb.asarray(np.arange(3), device=no_fp64)
    f32 = cb.asarray(np.ones(3, np.float32), device=no_fp64)
    for call in (lambda: cb.add(i64, f32), lambda: i64 * f32, lambda: cb.atan2(f32, i64)):
        with pytest.raises(UnsupportedFeatureError, match=r"opencl:gpu:0.*float64"):
            call()
    for ok in (lambda: f32 + 1.5, lambda: cb.exp(i64), lambda: cb.divide(i64, i64)):
        with pytest.raises(NotImplementedError, match="fake devices run no kernels"):
            ok()  # typed float32, checked for float64, then refused by the fake backend
    assert cb.exp.types(["int8"], fp64=False)[0] == "float32"
    assert cb.divide.types(["int64", "int64"], fp64=False)[0] == "float32"


@pytest.mark.parametrize("dtype", ["float32", "complex64", "int8", "bool"])
def test_kernels_without_float64(no_fp64, dtype):
    """Every function's generated kernel for float32/complex64/integer/bool operands holds no float64
    value (a literal alone is float64: the definitions type their constants from the operands)."""
    for fn in FUNCTIONS.values():
        if dtype not in GROUPS[fn.group]:
            continue
        x = cb.asarray(np.ones(3, dtype), device=no_fp64)
        with pytest.raises(NotImplementedError, match="fake devices run no kernels"):
            fn(*[x] * fn.nin)


# -- empty arrays ----------------------------------------------------------------------------------------
def test_empty_arrays(device, elementwise_path):
    for sa, sb in [((0,), (0,)), ((3, 0), (1, 0)), ((0, 4), (4,)), ((0,), ())]:
        a, b = np.zeros(sa), np.ones(sb)
        x, y = on(device, a, b)
        check(cb.add(x, y), a + b)
        check(cb.less(x, y), a < b)
        check(cb.exp(x), np.exp(a))
        check(cb.add(x, y, out=cb.empty(np.broadcast_shapes(sa, sb), device=device)), a + b)
    x = cb.asarray(np.zeros(0, np.int8), device=device)
    with pytest.raises(OverflowError):
        x + 1000


def test_large_arrays(device, elementwise_path):
    """Arrays past the host path's threading threshold (split over threads) and large kernels."""
    a = np.linspace(-3.0, 3.0, 300 * 300).reshape(300, 300)
    x, row = on(device, a, a[:1])
    check(cb.add(x, row), a + a[:1])
    got = cb.asnumpy(cb.exp(x)).ravel()
    assert_matches("exp", [a.ravel()], got, np.exp(a).ravel(), f" on {device}")


# -- inside kernels and device functions ----------------------------------------------------------------
@cb.func
def gauss(x):  # type: ignore[no-untyped-def]
    return cb.exp(-0.5 * x * x)


@cb.func
def complex_mix(z):  # type: ignore[no-untyped-def]
    return cb.sqrt(z) * cb.exp(z)


@cb.kernel
def real_kernel(out, x, y):  # type: ignore[no-untyped-def]
    i = cb.get_global_id(0)
    out[i] = cb.maximum(gauss(x[i]), y[i]) + cb.minimum(cb.sin(x[i]), 0.25)


@cb.kernel
def complex_kernel(out, z):  # type: ignore[no-untyped-def]
    i = cb.get_global_id(0)
    out[i] = complex_mix(z[i]) + cb.log(z[i])


def test_namespace_functions_inside_kernels(device):
    """``cb.exp``, ``cb.maximum``... in a @cb.kernel or @cb.func apply to scalars (the real or complex
    definition by the argument dtype); NaN propagates through ``cb.maximum`` as in NumPy."""
    a = np.array([-2.0, -0.5, 0.0, 0.75, 3.0, np.nan])
    b = np.array([0.1, 0.9, 0.5, np.nan, -1.0, 0.0])
    out = cb.zeros(6, device=device)
    real_kernel[6](out, *on(device, a, b))
    exp = np.maximum(np.exp(-0.5 * a * a), b) + np.minimum(np.sin(a), 0.25)
    np.testing.assert_allclose(cb.asnumpy(out), exp, rtol=1e-14)
    z = np.array([1 + 1j, -2 + 0.5j, 0.25 - 3j, -1 - 1e-3j])
    zout = cb.zeros(4, dtype=cb.complex128, device=device)
    complex_kernel[4](zout, cb.asarray(z, device=device))
    np.testing.assert_allclose(cb.asnumpy(zout), np.sqrt(z) * np.exp(z) + np.log(z), rtol=1e-13)
