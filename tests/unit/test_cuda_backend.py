"""The CUDA backend without a GPU: discovery and its reasons, launch geometry, argument packing, cache
keys, error naming and the launch path against a fake CuPy (records what would reach the driver)."""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pytest

from cambrian import cache
from cambrian.backends import cuda
from cambrian.backends import cuda_launch as cl
from cambrian.backends.base import ArrayArg, BackendUnavailable
from cambrian.compiler import ir
from cambrian.errors import KernelRuntimeError, LaunchError
from cambrian.queues import Queue

# ------------------------------------------------------------------------------ a fake CuPy


class _Ctx:
    def __init__(self, log: list[Any], what: Any):
        self.log, self.what = log, what

    def __enter__(self) -> Any:
        self.log.append(("enter", self.what))
        return self

    def __exit__(self, *exc: object) -> None:
        self.log.append(("exit", self.what))


class FakeCupy(types.SimpleNamespace):
    """Just enough of ``cupy`` for discovery, streams, allocation and launches."""

    def __init__(self, count: int = 2, error: Exception | None = None, sync_error: Exception | None = None):
        log: list[Any] = []

        def get_count() -> int:
            if error is not None:
                raise error
            return count

        props = {"name": b"Fake H100", "major": 9, "minor": 0, "totalGlobalMem": 80 << 30,
                 "multiProcessorCount": 132, "maxThreadsPerBlock": 1024, "sharedMemPerBlock": 49152,
                 "maxThreadsDim": (1024, 1024, 64)}

        class Stream:
            ptr = 0x5000

            def __init__(self, non_blocking: bool = False):
                log.append(("stream", non_blocking))

            def synchronize(self) -> None:
                log.append(("sync",))
                if sync_error is not None:
                    raise sync_error

            def __enter__(self) -> Any:
                return self

            def __exit__(self, *exc: object) -> None:
                pass

        runtime = types.SimpleNamespace(
            getDeviceCount=get_count, driverGetVersion=lambda: 12040, runtimeGetVersion=lambda: 12060,
            getDeviceProperties=lambda i: dict(props), getDevice=lambda: 0)
        cuda_ns = types.SimpleNamespace(runtime=runtime, Device=lambda i: _Ctx(log, ("device", i)),
                                        Stream=Stream, alloc=lambda n: ("mem", n))
        super().__init__(cuda=cuda_ns, log=log)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeCupy:
    fc = FakeCupy()
    monkeypatch.setitem(sys.modules, "cupy", fc)
    return fc


# ------------------------------------------------------------------------------ discovery


def test_module_imports_without_cupy_and_reports_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` raises ImportError
    assert cuda.BACKEND.name == "cuda" and cuda.BACKEND.asynchronous
    with pytest.raises(BackendUnavailable, match=r"cupy is not installed: pip install 'cambrian\[cuda\]'"):
        cuda.CUDABackend().discover()


def test_no_driver_gives_the_drivers_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    err = RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")
    monkeypatch.setitem(sys.modules, "cupy", FakeCupy(error=err))
    with pytest.raises(BackendUnavailable, match="no CUDA-capable device is detected"):
        cuda.CUDABackend().discover()
    monkeypatch.setitem(sys.modules, "cupy", FakeCupy(count=0))
    with pytest.raises(BackendUnavailable, match="no CUDA GPU found"):
        cuda.CUDABackend().discover()


def test_real_environment_without_gpu_lists_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    from cambrian import devices

    try:
        gpus = cuda.CUDABackend().discover()
    except BackendUnavailable as exc:
        devices.refresh()
        assert devices.unavailable_backends().get("cuda") == str(exc)
        from cambrian.cli import main

        assert main(["devices", "--verbose"]) == 0
        assert f"cuda: no devices: {exc}" in capsys.readouterr().out
    else:
        pytest.skip(f"a CUDA GPU is present ({gpus[0].name}): covered by tests/backends/test_cuda.py")


def test_discovery_describes_each_gpu(fake: FakeCupy) -> None:
    found = cuda.CUDABackend().discover()
    assert [str(d) for d in found] == ["cuda:0", "cuda:1"]
    d = found[0]
    assert (d.kind, d.vendor, d.name) == ("gpu", "NVIDIA", "Fake H100")
    assert d.driver_version == "CUDA driver 12.4 / runtime 12.6, sm_90"
    assert (d.compute_units, d.global_memory, d.max_work_group_size) == (132, 80 << 30, 1024)
    assert d.local_memory_size == 49152 and d.max_work_item_sizes == (1024, 1024, 64)
    assert d.supports_float64 and d.supports_atomics and d.supports_local_memory
    assert d.handle.cc == 90 and "sm_90" in d.identity()


def test_versions_and_architectures() -> None:
    assert cl.version_string(12040) == "12.4" and cl.version_string(13000) == "13.0"
    archs = (75, 80, 86, 89, 90, 100, 120)
    assert cl.choose_arch(90, archs) == ("-arch=sm_90", "cubin")
    assert cl.choose_arch(87, archs) == ("-arch=compute_86", "ptx")  # NVRTC lacks sm_87: PTX, JIT
    assert cl.choose_arch(130, archs) == ("-arch=compute_120", "ptx")  # newer GPU than NVRTC
    assert cl.choose_arch(80, ()) == ("-arch=sm_80", "cubin")
    opts = cl.nvrtc_options("-arch=sm_90")
    assert "--fmad=false" in opts and opts[-1] == "-arch=sm_90"


def test_cache_key_covers_ir_device_options_and_nvrtc() -> None:
    base = ("irkey", "cuda||H100|CUDA driver 12.4", ("--fmad=false", "-arch=sm_90"), (12, 6))
    key = cl.program_key(*base)
    assert key == cl.program_key(*base) and len(key) == 64
    for i, other in enumerate(("irkey2", "cuda||A100|x", ("--fmad=false", "-arch=sm_80"), (12, 8))):
        changed = list(base)
        changed[i] = other
        assert cl.program_key(*changed) != key
    assert key != cache.make_key(*base)  # namespaced


# ------------------------------------------------------------------------------ launch geometry


@pytest.mark.parametrize("gsize, lsize, guarded, grid, block", [
    ((1024,), None, False, (4, 1, 1), (256, 1, 1)),
    ((1000,), None, False, (4, 1, 1), (250, 1, 1)),     # largest divisor <= 256
    ((1009,), None, False, (1009, 1, 1), (1, 1, 1)),    # a prime: correct, if slow, without a guard
    ((1009,), None, True, (4, 1, 1), (256, 1, 1)),      # guarded kernels pad to whole blocks
    ((64, 48), None, False, (4, 3, 1), (16, 16, 1)),
    ((64, 48), (8, 8), False, (8, 6, 1), (8, 8, 1)),
    ((3, 1009), None, False, (1, 1009, 1), (3, 1, 1)),
    ((16, 16, 16), None, False, (2, 2, 4), (8, 8, 4)),
    ((5,), None, True, (1, 1, 1), (5, 1, 1)),
])
def test_launch_dims(gsize: tuple[int, ...], lsize: Any, guarded: bool, grid: tuple[int, ...],
                     block: tuple[int, ...]) -> None:
    g, b = cl.launch_dims(gsize, lsize, 1024, guarded)
    assert (g, b) == (grid, block)
    covered = [gi * bi for gi, bi in zip(g, b, strict=True)][: len(gsize)]
    assert all(c >= n for c, n in zip(covered, gsize, strict=True))
    if not guarded:
        assert tuple(covered) == gsize


@pytest.mark.parametrize("gsize, lsize, message", [
    ((100,), (3,), "does not divide"),
    ((2048,), (2048,), "exceeds the CUDA block limits"),
    ((64, 64), (64, 32), "exceeds the CUDA block limits"),
    ((1, 1, 128), (1, 1, 128), "exceeds the CUDA block limits"),  # z is limited to 64
    ((1, 2**20), (1, 1), "beyond CUDA's"),
    ((4,), (4, 1), "differ in dimensions"),
])
def test_launch_dims_errors(gsize: tuple[int, ...], lsize: tuple[int, ...], message: str) -> None:
    with pytest.raises(LaunchError, match=message):
        cl.launch_dims(gsize, lsize, 1024, name="k")


# ------------------------------------------------------------------------------ arguments


def _kernel(*params: ir.Param) -> ir.Function:
    return ir.Function("vk", params, None, (), is_kernel=True, py_name="vk")


def test_argument_plan_and_packing() -> None:
    fn = _kernel(ir.Param("a", ir.ArrayT("float32", 1, layout="C")),
                 ir.Param("b", ir.ArrayT("float64", 2, layout="A")),
                 ir.Param("flag", ir.Scalar("bool")), ir.Param("x", ir.Scalar("float32")),
                 ir.Param("z", ir.Scalar("complex64")))
    plan = cl.arg_plan(fn)
    assert [(s.name, s.ndim, s.strides) for s in plan[0]] == [
        ("a", 1, False), ("b", 2, True), ("flag", -1, True), ("x", -1, True), ("z", -1, True)]
    a = ArrayArg("bufA", 3, (10,), (1,), "float32")
    b = ArrayArg("bufB", 0, (4, 5), (1, 4), "float64")
    out = cl.pack_args(plan, [a, b, np.bool_(True), np.float32(1.5), np.complex64(1 + 2j)])
    assert out[0] == "bufA" and out[1:3] == [3, 10]
    assert out[3] == "bufB" and out[4:9] == [0, 4, 5, 1, 4]
    assert all(type(v) is np.int64 for v in out[1:3] + out[4:9])
    assert type(out[9]) is np.uint8 and out[9] == 1  # bool scalars are unsigned char in C
    assert type(out[10]) is np.float32 and out[10] == 1.5
    assert type(out[11]) is np.complex64 and out[11] == 1 + 2j
    assert cl.pack_args(plan, [a, b, True, 1.5, 1 + 2j])[:9] == out[:9]  # values cached on the ArrayArg
    assert type(cl.pack_args(plan, [a, b, True, 1.5, 1 + 2j])[10]) is np.float32
    assert [type(v) for v in cl.global_size_args((7, 3))] == [np.int64] * 3
    assert [int(v) for v in cl.global_size_args((7, 3))] == [7, 3, 1]


def test_packing_rejects_wrong_arguments() -> None:
    plan = cl.arg_plan(_kernel(ir.Param("a", ir.ArrayT("float32", 2))))
    with pytest.raises(LaunchError, match="2-d float32 array"):
        cl.pack_args(plan, [ArrayArg("buf", 0, (4,), (1,), "float32")])
    with pytest.raises(LaunchError, match="expected 1 arguments, got 2"):
        cl.pack_args(plan, [1, 2])


# ------------------------------------------------------------------------------ launch path (fake)


def _program(guarded: bool = True, boundscheck: bool = False, barrier: bool = False) -> cuda.CUDAProgram:
    fn = _kernel(ir.Param("a", ir.ArrayT("float32", 1, layout="C")), ir.Param("s", ir.Scalar("int32")))
    module = ir.Module(fn, boundscheck=boundscheck, uses_barrier=barrier)
    calls: list[Any] = []

    def function(grid: Any, block: Any, args: Any, shared: int, stream: Any) -> None:
        calls.append((grid, block, list(args), shared, stream))

    prog = cuda.CUDAProgram("k_vk", function, cl.arg_plan(fn), "src", module, guarded=guarded)
    prog.calls = calls  # type: ignore[attr-defined]
    return prog


def test_launch_packs_arguments_onto_the_devices_stream(fake: FakeCupy) -> None:
    backend = cuda.CUDABackend()
    dev = backend.discover()[0]
    queue = backend.create_queue(dev)
    prog = _program()
    arr = ArrayArg(backend.alloc(dev, 4000), 0, (1000,), (1,), "float32")
    ev = backend.launch(dev, queue, prog, (1000,), None, [arr, np.int32(7)])
    (grid, block, args, shared, stream), = prog.calls  # type: ignore[attr-defined]
    assert (grid, block, shared) == ((4, 1, 1), (256, 1, 1), 0)
    assert args[0] == ("mem", 4000) and [int(v) for v in args[1:]] == [0, 1000, 7, 1000, 1, 1]
    assert stream is dev.handle.stream and ("stream", True) in fake.log  # a non-blocking stream
    ev.wait()
    assert fake.log[-1] == ("sync",) and ev.complete


def test_barrier_kernels_are_never_padded(fake: FakeCupy) -> None:
    backend = cuda.CUDABackend()
    dev = backend.discover()[0]
    prog = _program(barrier=True)
    arr = ArrayArg("buf", 0, (1000,), (1,), "float32")
    backend.launch(dev, backend.create_queue(dev), prog, (1000,), None, [arr, np.int32(0)])
    grid, block = prog.calls[0][:2]  # type: ignore[attr-defined]
    assert grid[0] * block[0] == 1000


def test_async_errors_name_the_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    fc = FakeCupy(sync_error=RuntimeError("cudaErrorIllegalAddress: an illegal memory access"))
    monkeypatch.setitem(sys.modules, "cupy", fc)
    backend = cuda.CUDABackend()
    dev = backend.discover()[0]
    queue = Queue(dev, native=dev.handle.stream, finish=dev.handle.finish)
    ev = backend.launch(dev, queue, _program(), (256,), None, [ArrayArg("b", 0, (256,), (1,), "float32"), 1])
    with pytest.raises(KernelRuntimeError, match=r"cuda:0 \(kernels launched since the last wait: vk\)"
                                                 r".*illegal memory access"):
        ev.wait()
    with pytest.raises(KernelRuntimeError, match="illegal memory access"):
        queue.synchronize()


def test_bounds_message_names_array_axis_and_line() -> None:
    from cambrian.backends.cuda_checks import bounds_message
    from cambrian.compiler.render_c import Site

    prog = _program(boundscheck=True)
    prog.sites = (Site("a", 0, "/x/k.py", 12),)
    prog.last_shapes["a"] = (1000,)
    text = bounds_message(prog, np.array([1, 12, 0, 1000, 1000, 0, 0, 0]))
    assert text == ("index 1000 out of bounds for axis 0 with size 1000 of array 'a' (shape (1000,)) "
                    "in kernel 'vk' at /x/k.py:12")
    assert "in kernel 'vk'" in bounds_message(prog, np.array([1, 3, 7, -1, 5, 0, 0, 0]))


def test_bounds_check_is_armed_once_per_synchronisation(fake: FakeCupy) -> None:
    backend = cuda.CUDABackend()
    dev = backend.discover()[0]
    queue = backend.create_queue(dev)
    prog = _program(boundscheck=True)
    fake.cuda.alloc = lambda n: types.SimpleNamespace(nbytes=n, memset_async=lambda *a: None)
    arr = ArrayArg("buf", 0, (256,), (1,), "float32")
    for _ in range(3):
        backend.launch(dev, queue, prog, (256,), None, [arr, np.int32(0)])
    assert len(queue._checks) == 1 and prog.armed and prog.last_shapes == {"a": (256,)}
    args = prog.calls[-1][2]  # type: ignore[attr-defined]
    assert args[-4].nbytes == 64 and [int(v) for v in args[-3:]] == [256, 1, 1]


def test_bounds_error_is_raised_at_the_next_wait_and_reset(fake: FakeCupy) -> None:
    import ctypes

    from cambrian.compiler.render_c import Site

    record = np.array([1, 9, 0, 300, 256, 0, 0, 0], np.int64)
    resets: list[Any] = []

    class ErrBuf:
        def copy_to_host_async(self, ptr: int, n: int, stream: Any) -> None:
            ctypes.memmove(ptr, record.ctypes.data, n)

        def memset_async(self, value: int, n: int, stream: Any) -> None:
            resets.append((value, n))

    backend = cuda.CUDABackend()
    dev = backend.discover()[0]
    queue = backend.create_queue(dev)
    fake.cuda.alloc = lambda n: ErrBuf()
    prog = _program(boundscheck=True)
    prog.sites = (Site("a", 0, "k.py", 9),)
    ev = backend.launch(dev, queue, prog, (256,), None, [ArrayArg("b", 0, (256,), (1,), "float32"), 1])
    with pytest.raises(IndexError, match=r"index 300 out of bounds .* array 'a' \(shape \(256,\)\) "
                                         r"in kernel 'vk' at k.py:9"):
        ev.wait()
    assert resets[-1] == (0, 64) and not prog.armed
    queue.synchronize()  # reported once
