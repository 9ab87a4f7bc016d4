"""cambrian.Array on every usable device: round trips, views, creation, copies, Python protocols."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import cambrian.array as ca
from cambrian import dtypes
from cambrian.array import Array
from cambrian.backends.base import ArrayArg
from cambrian.errors import UnsupportedFeatureError
from cambrian.testing import requires

RNG = np.random.default_rng(7)


def sample(dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """Random data using every bit pattern class of ``dtype`` (incl. nan/inf/-0.0 for floats)."""
    n = int(np.prod(shape))
    if dtype == "bool":
        return RNG.integers(0, 2, n).astype(bool).reshape(shape)
    if dtypes.is_integer(dtype):
        info = np.iinfo(dtype)
        return RNG.integers(info.min, info.max, n, dtype=dtype, endpoint=True).reshape(shape)
    real = np.dtype(dtypes.real_of(dtype))
    vals = RNG.standard_normal(n * 2).astype(real) * real.type(1e3)
    vals[:4] = [np.nan, np.inf, -np.inf, -0.0][: min(4, n * 2)]
    if not dtypes.is_complex(dtype):
        return vals[:n].reshape(shape)
    out = np.empty(n, dtype)
    out.real, out.imag = vals[:n], vals[n:]
    return out.reshape(shape)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def need(device, dtype: str) -> None:
    if dtypes.needs_float64(dtype):
        requires(device, "float64")


@pytest.mark.parametrize("dtype", dtypes.ALL)
def test_round_trip_every_dtype(device, dtype):
    need(device, dtype)
    host = sample(dtype, (5, 7))
    x = ca.asarray(host, device=device)
    assert isinstance(x, Array)
    assert (x.shape, x.dtype, x.device, x.ndim, x.size) == ((5, 7), np.dtype(dtype), device, 2, 35)
    assert x.itemsize == host.itemsize and x.nbytes == host.nbytes and x.strides == host.strides
    assert same_bits(ca.asnumpy(x), host)
    assert same_bits(np.asarray(x), host)


@pytest.mark.parametrize("dtype", ["int8", "float32", "complex64", "uint64"])
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (1,), (4, 1, 3)])
def test_round_trip_shapes(device, dtype, shape):
    host = sample(dtype, shape)
    x = ca.asarray(host, device=device)
    back = ca.asnumpy(x)
    assert back.shape == shape and same_bits(back, host)


@pytest.mark.parametrize("make", [
    lambda a: a[::2, ::-3], lambda a: np.asfortranarray(a), lambda a: a.T, lambda a: a[1:, 2],
    lambda a: a.astype(a.dtype.newbyteorder()),
], ids=["step", "fortran", "transpose", "column", "byteswapped"])
def test_non_contiguous_numpy_inputs(device, make):
    host = make(sample("int32", (6, 9)))
    x = ca.asarray(host, device=device)
    assert x.strides == np.ascontiguousarray(host).strides
    assert np.array_equal(ca.asnumpy(x), host) and ca.asnumpy(x).dtype == np.dtype("int32")


def test_strided_views(device):
    host = np.arange(60, dtype=np.int16).reshape(5, 12)
    x = ca.asarray(host, device=device)
    cases = [  # (offset in elements, shape, element strides) and the matching NumPy view
        ((2, (5, 5), (12, 2)), host[:, 2::2]),
        ((59, (5, 12), (-12, -1)), host[::-1, ::-1]),
        ((13, (3,), (13,)), np.diagonal(host)[1:4]),
        ((7, (), ()), host.reshape(-1)[7]),
        ((0, (0, 3), (12, 1)), host[:0, :3]),
        ((1, (11, 3), (1, 24)), host.T[1:, ::2]),
    ]
    for (off, shape, estrides), expected in cases:
        v = x._view(off * 2, shape, tuple(s * 2 for s in estrides))
        assert (v.shape, v.strides, v.offset) == (shape, tuple(s * 2 for s in estrides), off * 2)
        assert np.array_equal(ca.asnumpy(v), expected)
        arg = v.__cambrian_array__()
        assert (arg.offset, arg.shape, arg.strides, arg.dtype) == (off, shape, estrides, "int16")
        if arg.view is not None and v.size:
            assert np.array_equal(arg.view, expected)
    assert not x._view(4, (5, 5), (24, 4)).c_contiguous and x.c_contiguous
    for bad in [(0, (6, 12), (24, 2)), (-2, (2,), (2,)), (1, (2,), (2,)), (0, (2,), (3,))]:
        with pytest.raises(ValueError):
            x._view(*bad)


def test_strided_view_round_trips_through_to_device(device, interp_device):
    host = np.arange(24, dtype=np.float32).reshape(4, 6)
    v = ca.asarray(host, device=device)._view(4, (4, 3), (24, 8))
    moved = v.to_device(interp_device)
    assert moved is v if device == interp_device else moved.c_contiguous
    assert np.array_equal(ca.asnumpy(moved), host[:, 1::2])


def test_cambrian_array_is_cached(device):
    x = ca.asarray(np.arange(6, dtype=np.int32).reshape(2, 3), device=device)
    arg = x.__cambrian_array__()
    assert isinstance(arg, ArrayArg) and x.__cambrian_array__() is arg
    expected = (0, (2, 3), (3, 1), "int32", True)
    assert (arg.offset, arg.shape, arg.strides, arg.dtype, arg.c_contiguous) == expected
    if arg.view is not None:  # host-memory devices expose a ready element view
        assert arg.view.shape == (2, 3) and np.array_equal(arg.view, np.arange(6).reshape(2, 3))


def test_python_inputs_and_default_dtypes(device):
    flt = "float64" if device.supports_float64 else "float32"
    cpx = "complex128" if device.supports_float64 else "complex64"
    for obj, dtype in [([1, 2], "int64"), ([1.5, 2], flt), (True, "bool"), ([[1j]], cpx), (3, "int64")]:
        x = ca.asarray(obj, device=device)
        assert x.dtype == np.dtype(dtype)
        assert np.array_equal(ca.asnumpy(x), np.asarray(obj, dtype=dtype))
    assert ca.asarray([1, 2], "uint8", device=device).dtype == np.uint8
    with pytest.raises(TypeError, match="unsupported dtype"):
        ca.asarray(np.zeros(3, np.float16), device=device)


def test_copy_semantics(device, interp_device):
    x = ca.asarray(np.arange(4, dtype=np.int32), device=device)
    assert ca.asarray(x) is x and ca.asarray(x, copy=False) is x and ca.asarray(x, device=device) is x
    y = ca.asarray(x, copy=True)
    assert y is not x and y._buffer is not x._buffer and np.array_equal(ca.asnumpy(y), [0, 1, 2, 3])
    z = ca.asarray(x, dtype="float32")
    assert z.dtype == np.float32 and np.array_equal(ca.asnumpy(z), [0, 1, 2, 3])
    with pytest.raises(ValueError, match="copy=False"):
        ca.asarray(np.arange(3), device=device, copy=False)
    with pytest.raises(ValueError, match="copy=False"):
        ca.asarray(x, dtype="int64", copy=False)
    if interp_device != device:
        with pytest.raises(ValueError, match="copy=False"):
            ca.asarray(x, device=interp_device, copy=False)
        w = ca.asarray(x, device="interp")
        assert w.device == interp_device and np.array_equal(ca.asnumpy(w), [0, 1, 2, 3])
    with pytest.raises(ValueError, match="always copies"):
        np.asarray(x, copy=False)


def test_to_device(device, interp_device):
    host = sample("int64", (3, 4))
    x = ca.asarray(host, device=device)
    assert x.to_device(device) is x and x.to_device(str(device)) is x
    y = x.to_device(interp_device)
    assert y.device == interp_device and same_bits(ca.asnumpy(y), host)
    back = y.to_device(str(device))
    assert back.device == device and same_bits(ca.asnumpy(back), host)


@pytest.mark.parametrize("fn", ["empty", "zeros", "ones"])
def test_creation(device, fn):
    default = "float64" if device.supports_float64 else "float32"
    make = getattr(ca, fn)
    for shape, dtype in [((2, 3), None), (4, "int16"), ((), "complex64"), ((0, 5), "bool")]:
        x = make(shape, dtype=dtype, device=device)
        assert x.shape == ((shape,) if isinstance(shape, int) else shape)
        assert x.dtype == np.dtype(dtype or default) and x.device == device and x.c_contiguous
        if fn != "empty":
            assert np.array_equal(ca.asnumpy(x), np.full(x.shape, fn == "ones", x.dtype))
    with pytest.raises(ValueError, match="negative"):
        make((2, -1), device=device)


def test_full_and_like(device):
    assert ca.full((2, 2), 7, device=device).dtype == np.int64
    assert ca.full(3, True, device=device).dtype == np.bool_
    f = ca.full((2,), 2.5, dtype="float32", device=device)
    assert np.array_equal(ca.asnumpy(f), [2.5, 2.5])
    for fn, value in [(ca.zeros_like, 0), (ca.ones_like, 1), (ca.empty_like, None)]:
        y = fn(f)
        assert (y.shape, y.dtype, y.device) == (f.shape, f.dtype, f.device)
        if value is not None:
            assert np.array_equal(ca.asnumpy(y), [value, value])
    z = ca.full_like(f, 9, dtype="int8")
    assert z.dtype == np.int8 and np.array_equal(ca.asnumpy(z), [9, 9])


def test_python_protocols(device):
    x = ca.asarray(np.array([1.5, 2.0, 3.0], np.float32), device=device)
    assert len(x) == 3
    one = ca.asarray(np.array([2.5], np.float32), device=device)
    assert float(one) == 2.5 and int(one) == 2 and bool(one) and complex(one) == 2.5
    assert operator.index(ca.asarray(np.int32(5), device=device)) == 5
    with pytest.raises(TypeError):
        float(x)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x)
    with pytest.raises(TypeError):
        len(ca.asarray(np.float32(1), device=device))
    with pytest.raises(TypeError):
        operator.index(one)
    assert x.queue is device.queue
    x.synchronize()


def test_repr(device):
    x = ca.asarray(np.array([1.0, 2.0, 3.0], np.float32), device=device)
    assert repr(x) == f"cambrian.Array([1., 2., 3.], dtype=float32, device='{device}')"
    m = ca.asarray(np.arange(4, dtype=np.int8).reshape(2, 2), device=device)
    assert repr(m) == f"cambrian.Array([[0, 1],\n                [2, 3]], dtype=int8, device='{device}')"
    big = repr(ca.zeros(5000, dtype="int32", device=device))
    assert "..." in big and len(big) < 200
    assert repr(ca.zeros((0, 2), dtype="int8", device=device)).startswith("cambrian.Array([], shape=(0, 2)")
    assert repr(ca.asarray(np.int16(3), device=device)).startswith("cambrian.Array(3, dtype=int16")


def test_float64_on_device_without_it(device):
    if device.supports_float64:
        pytest.skip(f"device {device} has float64 (tested with fake devices in test_array_fakes.py)")
    for dtype in ("float64", "complex128"):
        with pytest.raises(UnsupportedFeatureError, match=f"{device}.*{dtype}"):
            ca.asarray(np.zeros(2, dtype), device=device)
