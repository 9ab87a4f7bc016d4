"""Non-temporal stores: the kernel language's ``store_nontemporal`` and the streaming elementwise kernels.

``store_nontemporal(a, i, v)`` is ``a[i] = v`` with a hint; every device must give the plain store's
result (the interpreter is the oracle), for every element kind (complex: a plain store), for views, and
with bounds checks. Elementwise functions marked ``stream`` write results of ``STREAM_MIN_BYTES`` or more
through such stores (on ``cpu`` too, instead of NumPy's loops): the results must equal NumPy's bits.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import cambrian as cb
from cambrian import elementwise
from cambrian.compiler import render_c, render_py
from cambrian.errors import KernelSyntaxError, KernelTypeError

vectorize = importlib.import_module("cambrian.vectorize")  # (cambrian.vectorize is the decorator)


@cb.kernel
def stream_axpy(out, a, b):
    i = cb.get_global_id(0)
    cb.store_nontemporal(out, i, a[i] * 2.0 + b[i])


@cb.kernel
def stream_2d(out, a):
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    cb.store_nontemporal(out, i, j, a[i, j] > 0.5)
    cb.store_nontemporal(out, (i, j), a[i, j] > 0.25)  # the index as one tuple, the last store wins


@cb.kernel
def stream_view(out, z):
    i = cb.get_global_id(0)
    tail = out[1:]
    cb.store_nontemporal(tail, i, cb.int32(i * 3))
    cb.store_nontemporal(z, i, z[i] * 1j)  # complex: a plain store everywhere


@cb.kernel(boundscheck=True)
def stream_checked(out):
    i = cb.get_global_id(0)
    cb.store_nontemporal(out, i + 1, 1.0)


def test_store_nontemporal_on_every_device(device):
    rng = np.random.default_rng(3)
    a, b = rng.random(1000), rng.random(1000)
    dtype = "float64" if device.supports_float64 else "float32"
    a, b = a.astype(dtype), b.astype(dtype)
    out = cb.empty(1000, dtype=dtype, device=device)
    stream_axpy[1000](out, cb.asarray(a, device=device), cb.asarray(b, device=device))
    np.testing.assert_array_equal(cb.asnumpy(out), a * 2 + b)

    m = rng.random((30, 40)).astype(dtype)
    flags = cb.zeros((30, 40), dtype=cb.bool, device=device)
    stream_2d[30, 40](flags, cb.asarray(m, device=device))
    np.testing.assert_array_equal(cb.asnumpy(flags), m > 0.25)

    ctype = "complex128" if device.supports_float64 else "complex64"
    z0 = (rng.random(9) + 1j * rng.random(9)).astype(ctype)
    ints, z = cb.zeros(10, dtype=cb.int32, device=device), cb.asarray(z0, device=device)
    stream_view[9](ints, z)
    np.testing.assert_array_equal(cb.asnumpy(ints), [0, *range(0, 27, 3)])
    np.testing.assert_array_equal(cb.asnumpy(z), z0 * 1j)


def test_store_nontemporal_is_bounds_checked(device):
    out = cb.zeros(8, dtype=cb.float32, device=device)
    with pytest.raises(cb.KernelIndexError, match="index 8 out of bounds for axis 0 with size 8"):
        stream_checked[8](out).wait()
        device.synchronize()


def test_store_nontemporal_misuse_is_a_clear_error():
    def as_value(out):
        i = cb.get_global_id(0)
        out[i] = cb.store_nontemporal(out, i, 1.0)

    def too_few(out):
        cb.store_nontemporal(out, 1.0)

    def a_slice(out):
        cb.store_nontemporal(out, slice(0, 2), 1.0)

    x = np.zeros(4)
    with pytest.raises(KernelSyntaxError, match="store_nontemporal\\(\\) is a statement"):
        cb.kernel(as_value).ir(x)
    with pytest.raises(KernelTypeError, match="takes the array, its indices and the value"):
        cb.kernel(too_few).ir(x)
    with pytest.raises((KernelSyntaxError, KernelTypeError)):
        cb.kernel(a_slice).ir(x)


def test_store_nontemporal_spellings():
    f64 = np.zeros(4)
    module = stream_axpy.ir(f64, f64, f64)
    assert "rt.store_nt(" in render_py.render(module).text
    assert "CB_STORE_NT(" in render_c.render_opencl(module).source
    assert "CB_STORE_NT" not in render_c.render_cuda(module)  # a plain store
    zmod = stream_view.ir(np.zeros(4, np.int32), np.zeros(4, np.complex128))
    assert "CB_STORE_NT(" in render_c.render_opencl(zmod).source
    assert render_py.render(zmod).text.count("rt.store_nt(") == 1  # the complex store is plain


@pytest.fixture
def small_stream(monkeypatch):
    """Stream from 64 bytes on, with fresh kernel and plan caches for the functions used."""
    from cambrian.array._elementwise import FUNCTIONS
    from cambrian.array._searching import _where

    fns = [FUNCTIONS[n] for n in ("add", "multiply", "maximum", "less")] + [_where, elementwise.copy_into]
    monkeypatch.setattr(vectorize, "STREAM_MIN_BYTES", 64)  # (read by vectorize.streams, for both)
    for fn in fns:
        monkeypatch.setattr(fn, "_fast", {})
        monkeypatch.setattr(fn, "_vec", {})
    return fns


def test_streaming_functions_match_numpy(device, small_stream):
    """Cheap functions (``Elementwise(stream=True)``) write large results with non-temporal stores, as
    a kernel on every compiled device (cpu included): NumPy's bits, new results and ``out=``, contiguous
    and broadcast (the n-d kernel)."""
    dtype = "float64" if device.supports_float64 else "float32"
    rng = np.random.default_rng(11)
    a, b = rng.random((40, 50)).astype(dtype), rng.random((40, 50)).astype(dtype)
    row = rng.random(50).astype(dtype)
    x, y, r = (cb.asarray(v, device=device) for v in (a, b, row))
    out = cb.empty((40, 50), dtype=dtype, device=device)
    cb.add(x, y, out=out)
    got = {"x + y": (cb.asnumpy(x + y), a + b), "x * 3 (out=)": (cb.asnumpy(out), a + b),
           "x * 3": (cb.asnumpy(cb.multiply(x, 3.0)), a * np.asarray(3.0, dtype)),
           "maximum(x, row)": (cb.asnumpy(cb.maximum(x, r)), np.maximum(a, row)),
           "x < y": (cb.asnumpy(x < y), a < b),
           "where": (cb.asnumpy(cb.where(x < 0.5, x, y)), np.where(a < 0.5, a, b)),
           "astype": (cb.asnumpy(x.astype(cb.float32)), a.astype(np.float32)),
           "x.T copy": (cb.asnumpy(cb.asarray(x.T, copy=True)), a.T)}
    for what, (mine, ref) in got.items():
        assert mine.dtype == ref.dtype and mine.tobytes() == np.ascontiguousarray(ref).tobytes(), what
    if device.backend != "interp":  # interp always runs NumPy on its memory
        used = [k for fn in small_stream for v in fn._vec.values() for k in v._kernels if k[-1]]
        assert len(used) >= 6, "the streaming kernels did not run"
