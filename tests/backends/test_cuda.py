"""The CUDA backend on a real GPU (skipped with "no CUDA GPU" elsewhere): self-test, launch geometry,
local memory, event timing, errors from asynchronous work, the disk cache and zero-copy interop with
CuPy, PyTorch and numba-cuda. The kernel corpus runs on cuda:0 through tests/backends/test_corpus.py."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import cambrian as cb
from cambrian.backends import get_backend


def _cuda_devices() -> list[cb.Device]:
    try:
        from cambrian.devices import devices

        return list(devices("cuda"))
    except Exception:
        return []


GPUS = _cuda_devices()
pytestmark = pytest.mark.skipif(not GPUS, reason="no CUDA GPU")


@pytest.fixture
def gpu() -> cb.Device:
    return GPUS[0]


@cb.kernel
def vadd(a, b, c):
    i = cb.get_global_id(0)
    c[i] = a[i] + b[i]


@cb.kernel
def ids2d(out):
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    out[i, j] = i * 1000 + j + (cb.get_global_size(0) - 37) * 1000000  # 0 when the size is right


@cb.kernel
def group_sums(x, out):
    tmp = cb.local_array(128, cb.float32)
    lid = cb.get_local_id(0)
    tmp[lid] = x[cb.get_global_id(0)]
    cb.barrier()
    step = 64
    while step > 0:
        if lid < step:
            tmp[lid] += tmp[lid + step]
        cb.barrier()
        step //= 2
    if lid == 0:
        out[cb.get_group_id(0)] = tmp[0]


@cb.kernel(boundscheck=True)
def shifted(a, b):
    i = cb.get_global_id(0)
    b[i] = a[i + 1]


def test_self_test_and_properties(gpu: cb.Device) -> None:
    get_backend("cuda").self_test(gpu)
    assert str(gpu) == "cuda:0" and gpu.kind == "gpu" and gpu.vendor == "NVIDIA"
    assert gpu.compute_units > 0 and gpu.global_memory > 0 and "sm_" in gpu.driver_version


@pytest.mark.parametrize("n", [1, 1009, 100_000])
def test_vadd_any_size(gpu: cb.Device, n: int) -> None:
    rng = np.random.default_rng(n)
    a, b = (rng.standard_normal(n).astype(np.float32) for _ in range(2))
    xa, xb, xc = (cb.asarray(v, device=gpu) for v in (a, b, np.zeros_like(a)))
    vadd[n](xa, xb, xc).wait()
    np.testing.assert_array_equal(cb.asnumpy(xc), a + b)


def test_2d_launch_with_prime_sizes(gpu: cb.Device) -> None:
    out = cb.asarray(np.zeros((37, 53), np.int64), device=gpu)
    ids2d[(37, 53), None](out).wait()
    i, j = np.indices((37, 53))
    np.testing.assert_array_equal(cb.asnumpy(out), i * 1000 + j)


def test_local_memory_and_barrier(gpu: cb.Device) -> None:
    x = np.arange(128 * 40, dtype=np.float32) % 7
    out = cb.asarray(np.zeros(40, np.float32), device=gpu)
    group_sums[x.size, 128](cb.asarray(x, device=gpu), out).wait()
    np.testing.assert_array_equal(cb.asnumpy(out), x.reshape(40, 128).sum(axis=1))


def test_event_timing(gpu: cb.Device, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMBRIAN_PROFILE", "1")
    gpu.synchronize()  # CAMBRIAN_PROFILE is read at each synchronisation
    n = 1 << 22
    xs = [cb.asarray(np.ones(n, np.float32), device=gpu) for _ in range(3)]
    ev = vadd[n](*xs)
    ev.wait()
    assert ev.native is not None and ev.start is not None and ev.end is not None
    assert 0 < ev.elapsed < 1.0 and ev.start >= 0
    monkeypatch.delenv("CAMBRIAN_PROFILE")
    gpu.synchronize()
    assert vadd[n](*xs).native is None


def test_bounds_error_raised_at_next_wait(gpu: cb.Device) -> None:
    a = cb.asarray(np.arange(10, dtype=np.float32), device=gpu)
    b = cb.asarray(np.zeros(10, np.float32), device=gpu)
    ev = shifted[10](a, b)  # returns before the error is known
    with pytest.raises(IndexError, match=r"index 10 out of bounds for axis 0 .*'a'.*kernel 'shifted' at "
                                         r".*\.py:\d+"):
        ev.wait()
    shifted[9](a, b).wait()  # the error record was reset
    np.testing.assert_array_equal(cb.asnumpy(b)[:9], np.arange(1, 10, dtype=np.float32))


def test_device_fault_names_the_kernel_at_next_wait(tmp_path) -> None:
    """An illegal address poisons the CUDA context, so it runs in a child process."""
    script = textwrap.dedent("""
        import numpy as np, cambrian as cb
        @cb.kernel
        def wild(a):
            a[cb.get_global_id(0) + 4000000000000] = 1.0
        a = cb.asarray(np.zeros(4, np.float32), device="cuda:0")
        ev = wild[4](a)
        try:
            ev.wait()
        except cb.KernelRuntimeError as exc:
            print("RAISED", exc)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env=os.environ | {"CAMBRIAN_CACHE_DIR": str(tmp_path)})
    assert "RAISED" in proc.stdout and "wild" in proc.stdout, proc.stdout + proc.stderr


def test_disk_cache_is_reused_by_another_process(gpu: cb.Device, tmp_path) -> None:
    script = textwrap.dedent("""
        import sys, numpy as np, cambrian as cb
        from cambrian.backends import cuda_nvrtc
        if sys.argv[1] == "second":
            def boom(*a, **k):
                raise AssertionError("recompiled")
            cuda_nvrtc.compile_source = boom
        @cb.kernel
        def twice(a):
            a[cb.get_global_id(0)] *= 2
        a = cb.asarray(np.arange(8, dtype=np.int32), device="cuda:0")
        twice[8](a).wait()
        print(cb.asnumpy(a).tolist())
    """)
    env = os.environ | {"CAMBRIAN_CACHE_DIR": str(tmp_path)}
    for run in ("first", "second"):
        proc = subprocess.run([sys.executable, "-c", script, run], capture_output=True, text=True,
                              timeout=300, env=env)
        assert proc.stdout.strip() == str([2 * i for i in range(8)]), proc.stderr
    assert list((tmp_path / "cuda").rglob("kernel.*"))


# ------------------------------------------------------------------------------ interop


def test_cupy_arrays_are_shared_both_ways(gpu: cb.Device) -> None:
    cupy = pytest.importorskip("cupy")
    from cambrian.backends.cuda_interop import from_foreign

    c = cupy.arange(10, dtype=cupy.float32)
    x = cb.asarray(c)
    assert str(x.device) == "cuda:0"
    vadd[10](x, x, x).wait()  # in place: CuPy sees it, so there was no copy
    np.testing.assert_array_equal(cupy.asnumpy(c), 2 * np.arange(10, dtype=np.float32))
    view = cupy.asarray(x)  # through __cuda_array_interface__
    assert view.data.ptr == c.data.ptr
    back = cupy.from_dlpack(x)  # through __dlpack__
    assert back.data.ptr == c.data.ptr
    rev = from_foreign(c[::-1])
    assert rev.strides == (-4,) and rev.byte_offset == 36 and rev.buffer.ptr == c.data.ptr


def test_torch_cuda_tensors_without_copy(gpu: cb.Device) -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA")
    t = torch.arange(16, dtype=torch.float32, device="cuda")
    x = cb.asarray(t)
    vadd[16](x, x, x).wait()
    torch.cuda.synchronize()
    assert t.cpu().tolist() == [2.0 * i for i in range(16)]
    assert torch.from_dlpack(x).data_ptr() == t.data_ptr()


def test_numba_cuda_arrays_without_copy(gpu: cb.Device) -> None:
    numba_cuda = pytest.importorskip("numba.cuda")
    if not numba_cuda.is_available():
        pytest.skip("numba-cuda has no GPU")
    d = numba_cuda.to_device(np.arange(8, dtype=np.float64))
    x = cb.asarray(d)
    vadd[8](x, x, x).wait()
    np.testing.assert_array_equal(d.copy_to_host(), 2 * np.arange(8.0))
    assert numba_cuda.as_cuda_array(x).device_ctypes_pointer.value == d.device_ctypes_pointer.value
