"""Python kernels through the front end (``translate``) into the interpreter: the whole path, source
locations in errors and traces, and the ``@kernel`` launch API on the ``interp`` device."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import cambrian as cb
from cambrian.backends import interp
from cambrian.compiler import ir

try:
    from cambrian.compiler.frontend import translate
except ImportError:  # pragma: no cover - only while the front end is being written
    pytest.skip("front end not available", allow_module_level=True)


def arr(dtype: str, ndim: int = 1) -> ir.ArrayT:
    return ir.ArrayT(dtype, ndim, "global", "C")


def run(pyfunc, gsize, *args, lsize=None) -> ir.Module:
    """Translate for the argument types and run in the interpreter; returns the module."""
    types = tuple(arr(a.dtype.name, a.ndim) if isinstance(a, np.ndarray)
                  else ir.Scalar(np.asarray(a).dtype.name) for a in args)
    module = translate(pyfunc, types)
    interp.run(interp.InterpProgram(module), gsize, lsize, list(args))
    return module


def line_of(pyfunc, text: str) -> int:
    lines, first = inspect.getsourcelines(pyfunc)
    return first + next(k for k, line in enumerate(lines) if text in line)


def vadd(a, b, c):
    i = cb.get_global_id(0)
    c[i] = a[i] + b[i]


def test_vadd():
    a, b, c = np.arange(16, dtype=np.float32), np.full(16, 0.25, np.float32), np.zeros(16, np.float32)
    run(vadd, (16,), a, b, c)
    assert np.array_equal(c, a + b)


def int_ops(a, b, out):
    i = cb.get_global_id(0)
    out[i, 0] = a[i] // b[i]
    out[i, 1] = a[i] % b[i]
    out[i, 2] = a[i] << b[i]
    out[i, 3] = a[i] >> b[i]
    out[i, 4] = a[i] * b[i] + 1


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint16"])
def test_integer_rules_through_the_front_end(dtype):
    info = np.iinfo(dtype)
    vals = sorted(v for v in {info.min, -5, -1, 0, 1, 3, 9, info.max} if info.min <= v <= info.max)
    a = np.repeat(np.array(vals, dtype), len(vals))
    b = np.tile(np.array(vals, dtype), len(vals))
    out = np.zeros((a.size, 5), dtype)
    run(int_ops, (a.size,), a, b, out)
    with np.errstate(all="ignore"):
        want = [a // b, a % b, np.left_shift(a, b), np.right_shift(a, b), a * b + dtype_one(dtype)]
    for k, w in enumerate(want):
        assert np.array_equal(out[:, k], w), k


def dtype_one(dtype: str):
    return np.dtype(dtype).type(1)


def float_mix(x, out):
    i = cb.get_global_id(0)
    out[i] = x[i] * 2.0 + x[i] // 0.75 + min(x[i], 0.5) + math.sqrt(x[i])


def test_weak_literals_keep_float32():
    x = np.array([0.25, 1.5, -1.0, np.nan], np.float32)
    out = np.zeros(4, np.float32)
    module = run(float_mix, (4,), x, out)
    assert all(n.type.dtype == "float32" for n in ir.walk(module.kernel.body[-1].value)
               if isinstance(n, ir.Binary))
    with np.errstate(all="ignore"):
        want = x * np.float32(2) + x // np.float32(0.75) + np.minimum(x, np.float32(0.5)) + np.sqrt(x)
    np.testing.assert_array_equal(out, want)


def cplx(a, b, out):
    i = cb.get_global_id(0)
    out[i, 0] = a[i] * b[i]
    out[i, 1] = a[i] / b[i]
    out[i, 2] = complex(a[i].real, -a[i].imag) + abs(b[i])


def test_complex_matches_cpython():
    a = np.array([1 + 2j, -3.5 + 0.25j, 1e300 + 1j, 0j])
    b = np.array([0.5 - 1j, 2 + 8j, 1e-300 + 3j, 1j])
    out = np.zeros((4, 3), np.complex128)
    run(cplx, (4,), a, b, out)
    for k in range(4):
        x, y = complex(a[k]), complex(b[k])
        assert out[k].tolist() == [x * y, x / y, x.conjugate() + abs(y)]


def block_sum(a, out):
    tmp = cb.local_array((8,), cb.float64)
    lid = cb.get_local_id(0)
    tmp[lid] = a[cb.get_global_id(0)]
    cb.barrier()
    s = 4
    while s > 0:
        if lid < s:
            tmp[lid] += tmp[lid + s]
        cb.barrier()
        s //= 2
    if lid == 0:
        out[cb.get_group_id(0)] = tmp[0]


def test_local_memory_reduction():
    a, out = np.arange(32, dtype=np.float64), np.zeros(4)
    run(block_sum, (32,), a, out, lsize=(8,))
    assert out.tolist() == a.reshape(4, 8).sum(axis=1).tolist()


def histogram(data, hist):
    i = cb.get_global_id(0)
    cb.atomic_add(hist, data[i], 1)


def test_atomic_histogram():
    data = np.random.default_rng(1).integers(0, 16, 300).astype(np.int64)
    hist = np.zeros(16, np.int32)
    run(histogram, (300,), data, hist)
    assert np.array_equal(hist, np.bincount(data, minlength=16))


@cb.func
def poly(x):
    return x * x - 1


def loops(n, out):
    acc = 0
    for k in range(n):
        if k == 3:
            continue
        if k > 6:
            break
        acc += poly(k)
    out[cb.get_global_id(0)] = acc


def test_device_function_and_loops():
    out = np.zeros(2, np.int64)
    run(loops, (2,), np.int64(100), out)
    assert out.tolist() == [sum(k * k - 1 for k in range(7) if k != 3)] * 2


def shifted(a, out):
    i = cb.get_global_id(0)
    out[i] = a[i + 1]


def test_bounds_error_names_python_source_line():
    with pytest.raises(IndexError) as err:
        run(shifted, (4,), np.zeros(4), np.zeros(4))
    msg = str(err.value)
    assert f"{__file__}:{line_of(shifted, 'out[i] = a[i + 1]')}" in msg
    assert "'shifted'" in msg and "index 4 out of bounds for axis 0" in msg and "shape (4,)" in msg


def test_trace_locations_are_python_lines():
    events = []
    with interp.trace(events.append):
        run(vadd, (2,), np.ones(2), np.ones(2), np.zeros(2))
    first = line_of(vadd, "i = cb.get_global_id(0)")
    assert [e.loc.line for e in events] == [first, first + 1] * 2
    assert events[1].locals["i"] == 0 and events[3].global_id == (1,)


def test_kernel_api_on_interp_device():
    kernels = pytest.importorskip("cambrian.kernels", reason="kernel API not available")
    devices = pytest.importorskip("cambrian.devices", reason="device API not available")
    kern = kernels.kernel(vadd)
    a, c = np.arange(6.0), np.zeros(6)
    with devices.using("interp"):
        kern[6](a, a, c).wait()
    assert np.array_equal(c, 2 * a)
    assert "c[i] = a[i] + b[i]" in kern.source("interp", a, a, c)
