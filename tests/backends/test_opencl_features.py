"""OpenCL backend: barriers and local memory, atomics, bounds checks, asynchronous errors, compile
errors, discovery, profiling and direct backend calls with hand-built IR."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import asarray, asnumpy, zeros
from cambrian.backends import opencl, opencl_build
from cambrian.backends.base import ArrayArg, BackendUnavailable
from cambrian.compiler import ir
from cambrian.compiler.render_c import Rendered
from cambrian.devices import devices
from cambrian.errors import CompileError, LaunchError
from cambrian.kernels import kernel


@pytest.fixture(scope="module")
def dev():
    found = devices("opencl")
    if not found:
        pytest.skip("no OpenCL device")
    return found[0]


# --------------------------------------------------------------------------- barriers, local memory
@kernel
def matmul_tiled(a, b, c):
    row = cb.get_global_id(0)
    col = cb.get_global_id(1)
    lr = cb.get_local_id(0)
    lc = cb.get_local_id(1)
    ta = cb.local_array((8, 8), cb.float32)
    tb = cb.local_array((8, 8), cb.float32)
    acc = cb.float32(0)
    for t in range(0, a.shape[1], 8):
        ta[lr, lc] = a[row, t + lc]
        tb[lr, lc] = b[t + lr, col]
        cb.barrier()
        for k in range(8):
            acc += ta[lr, k] * tb[k, lc]
        cb.barrier()
    c[row, col] = acc


def test_tiled_matmul_with_local_memory(dev):
    rng = np.random.default_rng(0)
    a = rng.integers(-8, 8, (32, 24)).astype(np.float32)  # small integers: every sum is exact
    b = rng.integers(-8, 8, (24, 40)).astype(np.float32)
    c = zeros((32, 40), dtype="float32", device=dev)
    matmul_tiled[(32, 40), (8, 8)](asarray(a, device=dev), asarray(b, device=dev), c).wait()
    np.testing.assert_array_equal(asnumpy(c), a @ b)


@kernel
def group_sum(x, out):
    lid = cb.get_local_id(0)
    scratch = cb.local_array((64,), cb.int64)
    scratch[lid] = x[cb.get_global_id(0)]
    cb.barrier()
    step = 32
    while step > 0:
        if lid < step:
            scratch[lid] += scratch[lid + step]
        cb.barrier()
        step //= 2
    if lid == 0:
        cb.atomic_add(out, 0, scratch[0])
        out[cb.get_group_id(0) + 1] = scratch[0]


def test_work_group_reduction(dev):
    x = np.arange(64 * 16, dtype=np.int64) * 3 - 1000
    out = zeros((17,), dtype="int64", device=dev)
    group_sum[x.size, 64](asarray(x, device=dev), out).wait()
    got = asnumpy(out)
    assert got[0] == x.sum()
    np.testing.assert_array_equal(got[1:], x.reshape(16, 64).sum(axis=1))


# --------------------------------------------------------------------------- atomics
@kernel
def histogram(values, hist32, hist64, histu):
    i = cb.get_global_id(0)
    v = values[i]
    cb.atomic_add(hist32, v, cb.int32(1))
    cb.atomic_add(hist64, v, cb.int64(2))
    cb.atomic_sub(histu, v, cb.uint32(1))


def test_histogram_under_contention_is_exact(dev):
    values = np.random.default_rng(1).integers(0, 8, 200_000).astype(np.int64)
    h32 = zeros((8,), dtype="int32", device=dev)
    h64 = zeros((8,), dtype="int64", device=dev)
    hu = asarray(np.full(8, 1_000_000, dtype=np.uint32), device=dev)
    histogram[values.size](asarray(values, device=dev), h32, h64, hu).wait()
    counts = np.bincount(values, minlength=8)
    np.testing.assert_array_equal(asnumpy(h32), counts)
    np.testing.assert_array_equal(asnumpy(h64), 2 * counts)
    np.testing.assert_array_equal(asnumpy(hu), 1_000_000 - counts)


@kernel
def float_atomics(x, acc32, acc64, mn, mx, old):
    i = cb.get_global_id(0)
    cb.atomic_add(acc32, 0, cb.float32(x[i]))
    cb.atomic_sub(acc64, 0, x[i])
    cb.atomic_min(mn, 0, x[i])
    cb.atomic_max(mx, 0, cb.float32(x[i]))
    if i == 0:
        old[0] = cb.atomic_xchg(mn, 1, 5.0)
        old[1] = cb.atomic_cas(mn, 2, 2.0, 7.0)


def test_float_atomics(dev):
    x = (np.arange(4096) % 17 - 8).astype(np.float64) * 0.5  # all partial sums exact
    acc32 = zeros((1,), dtype="float32", device=dev)
    acc64 = zeros((1,), dtype="float64", device=dev)
    mn = asarray(np.array([0.0, 1.0, 2.0]), device=dev)
    mx = zeros((1,), dtype="float32", device=dev)
    old = zeros((2,), dtype="float64", device=dev)
    float_atomics[x.size](asarray(x, device=dev), acc32, acc64, mn, mx, old).wait()
    assert asnumpy(acc32)[0] == np.float32(x.sum())
    assert asnumpy(acc64)[0] == -x.sum()
    assert asnumpy(mn).tolist() == [x.min(), 5.0, 7.0]
    assert asnumpy(mx)[0] == x.max()
    assert asnumpy(old).tolist() == [1.0, 2.0]


# --------------------------------------------------------------------------- bounds checks, async errors
@kernel(boundscheck=True)
def shifted_copy(src, dst):
    i = cb.get_global_id(0)
    dst[i] = src[i + 1]


def test_bounds_error_raised_at_next_wait(dev):
    src = asarray(np.arange(10.0), device=dev)
    dst = zeros((10,), dtype="float64", device=dev)
    ev = shifted_copy[10](src, dst)  # returns: the error is asynchronous
    with pytest.raises(IndexError) as info:
        ev.wait()
    msg = str(info.value)
    assert "index 10" in msg and "'shifted_copy'" in msg and "'src'" in msg and "(10,)" in msg
    assert "test_opencl_features.py" in msg and "size 10" in msg
    shifted_copy[9](src, dst).wait()  # the error record was reset: a good launch passes
    np.testing.assert_array_equal(asnumpy(dst)[:9], np.arange(1.0, 10.0))


def test_async_error_propagates_to_synchronize(dev):
    src = asarray(np.arange(4.0), device=dev)
    dst = zeros((4,), dtype="float64", device=dev)
    shifted_copy[4](src, dst)
    shifted_copy[4](src, dst)
    with pytest.raises(IndexError, match="index 4 out of bounds"):
        dev.synchronize()
    dev.synchronize()  # raised once, then the queue is clean


# --------------------------------------------------------------------------- hand-built IR, direct calls
def _strided_module(name: str) -> ir.Module:
    """``out[i] = a[i, 1] * k`` on a strided 2-D float32 array and a bool scalar selecting the sign."""
    f32, i64 = ir.Scalar("float32"), ir.INT64
    a_t, out_t = ir.ArrayT("float32", 2), ir.ArrayT("float32", 1, layout="C")
    a, out, i = ir.Name(a_t, name="a"), ir.Name(out_t, name="out"), ir.Name(i64, name="i")
    k, neg = ir.Name(f32, name="k"), ir.Name(ir.BOOL, name="neg")
    gid = ir.Call(i64, name="get_global_id", args=(ir.Const(ir.INT32, value=0),))
    val = ir.Binary(f32, op="mul", left=ir.Index(f32, array=a, indices=(i, ir.Const(i64, value=1))), right=k)
    body = (ir.Assign(name="i", value=gid),
            ir.Store(array=out, indices=(i,),
                     value=ir.Select(f32, cond=neg, a=ir.Unary(f32, op="neg", operand=val), b=val)))
    fn = ir.Function(name, (ir.Param("a", a_t), ir.Param("out", out_t), ir.Param("k", f32),
                            ir.Param("neg", ir.BOOL)), None, body, locals=(("i", i64),), is_kernel=True,
                     py_name=name)
    return ir.Module(fn)


def test_direct_backend_strided_offset_and_bool_scalar(dev):
    be = dev.impl
    prog = be.compile(dev, _strided_module("strided"))
    assert "s0_a" in prog.source and "s0_out" not in prog.source and "uchar v_neg" in prog.source
    host = np.arange(60, dtype=np.float32).reshape(10, 6)
    buf, out = be.alloc(dev, host.nbytes), be.alloc(dev, 5 * 4)
    be.write(dev, buf, 0, host, dev.queue).wait()
    view = host[2::2, ::2]  # offset 12 elements, strides (12, 2)
    arg = ArrayArg(buf, 12, view.shape, (12, 2), "float32")
    ev = be.launch(dev, dev.queue, prog, (4,), None,
                   [arg, ArrayArg(out, 0, (5,), (1,), "float32"), np.float32(0.5), np.uint8(1)])
    ev.wait()
    got = np.zeros(5, np.float32)
    be.read(dev, out, 0, got, dev.queue)
    np.testing.assert_array_equal(got[:4], -0.5 * view[:, 1])
    with pytest.raises(LaunchError, match="exceeds the maximum work-group size"):
        be.launch(dev, dev.queue, prog, (8192,), (8192,),
                  [arg, ArrayArg(out, 0, (5,), (1,), "float32"), np.float32(1), np.uint8(0)])
    with pytest.raises(LaunchError, match="takes 4 arguments"):
        be.launch(dev, dev.queue, prog, (4,), None, [arg])


def test_compile_error_carries_source_and_log(dev, monkeypatch):
    monkeypatch.setenv("CAMBRIAN_DISABLE_CACHE", "1")
    monkeypatch.setattr(opencl_build, "render_opencl",
                        lambda m, *rest: Rendered("__kernel void k_bad(__global float* a) { a[0] = oops; }",
                                           "k_bad"))
    with pytest.raises(CompileError) as info:
        opencl.OpenCLBackend().compile(dev, _strided_module("bad_kernel"))
    assert "oops" in info.value.source and "oops" in info.value.log and "'bad_kernel'" in str(info.value)


def test_discovery_properties_and_self_test(dev):
    assert dev.backend == "opencl" and dev.kind in ("cpu", "gpu", "accelerator")
    assert str(dev) == f"opencl:{dev.kind}:{dev.ordinal}"
    assert dev.compute_units >= 1 and dev.max_work_group_size >= 1 and dev.global_memory > 0
    assert dev.platform and dev.driver_version and len(dev.max_work_item_sizes) == 3
    assert type(dev.handle).__name__ == "Device"
    dev.impl.self_test(dev)


def test_unavailable_reasons(monkeypatch):
    be = opencl.OpenCLBackend()
    monkeypatch.setitem(__import__("sys").modules, "pyopencl", None)
    with pytest.raises(BackendUnavailable, match=r"pip install 'cambrian\[opencl\]'"):
        be.discover()
    monkeypatch.undo()
    be = opencl.OpenCLBackend()
    monkeypatch.setattr(be.cl, "get_platforms", lambda: [])
    with pytest.raises(BackendUnavailable, match="pocl-opencl-icd"):
        be.discover()


def test_profiling_times(dev, monkeypatch):
    monkeypatch.setenv("CAMBRIAN_PROFILE", "1")
    be = opencl.OpenCLBackend()  # a fresh backend: its queue is created with profiling on
    queue = be.create_queue(dev)
    prog = be.compile(dev, _strided_module("profiled"))
    buf = be.alloc(dev, 4 * 64)
    ev = be.launch(dev, queue, prog, (4,), None, [ArrayArg(buf, 0, (4, 4), (4, 1), "float32"),
                                                  ArrayArg(buf, 0, (16,), (1,), "float32"), 1.0, 0])
    assert ev.start is not None and ev.end is not None and ev.end >= ev.start
    assert ev.elapsed is not None and ev.elapsed >= 0
