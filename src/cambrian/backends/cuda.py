"""The ``cuda`` backend: CUDA C from the kernel compiler, built with NVRTC, run through CuPy.

Devices appear as ``cuda:0``, ``cuda:1``...; memory comes from CuPy's pool; each device has one
non-blocking stream as its in-order queue; launches and copies are asynchronous and an error of that
work is raised at the next wait, naming the kernels launched since the last synchronisation. CuPy is
imported lazily: without it, or without a driver or GPU, the backend yields no devices (the reason is
kept for ``cambrian devices --verbose``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import cache, config
from ..compiler import ir
from ..errors import CompileError, KernelRuntimeError, forked_child_error
from ..queues import Event, Queue, completed
from . import cuda_launch as cl
from . import cuda_nvrtc
from .base import Backend, BackendUnavailable, Device, out_of_memory

_INSTALL = "cupy is not installed: pip install 'cambrian[cuda]'"
#: Kernel names remembered per stream for error messages (the most recent ones).
_MAX_INFLIGHT = 16


def import_cupy() -> Any:
    """``cupy``, or :class:`BackendUnavailable` saying why it can't be used."""
    try:
        import cupy
    except ImportError as exc:
        raise BackendUnavailable(_INSTALL) from exc
    except Exception as exc:  # a CuPy wheel for another CUDA, broken install...
        raise BackendUnavailable(f"cupy could not be imported: {exc}") from exc
    return cupy


class _State:
    """Per-device runtime state, kept in ``Device.handle``."""

    def __init__(self, cupy: Any, ordinal: int, cc: int):
        self.cupy = cupy
        self.ordinal = ordinal
        self.cc = cc
        self.label = f"cuda:{ordinal}"
        self._stream: Any = None
        self._t0: Any = None
        self._lock = threading.Lock()
        self.inflight: dict[str, None] = {}
        self.arch: tuple[str, str] | None = None
        #: ``CAMBRIAN_PROFILE``, read when the state is made and at each full synchronisation (reading
        #: the environment on every launch would cost more than the launch).
        self.profiling = config.profiling()

    @property
    def device(self) -> Any:
        """A fresh ``cupy.cuda.Device`` context manager (CuPy's keeps a per-object stack, so one shared
        object must not be entered from several threads)."""
        check_not_forked()
        return self.cupy.cuda.Device(self.ordinal)

    @property
    def stream(self) -> Any:
        if self._stream is None:
            with self._lock, self.device:
                if self._stream is None:
                    self._stream = self.cupy.cuda.Stream(non_blocking=True)
        return self._stream

    def origin(self) -> Any:
        """An event recorded when profiling began: event times are seconds since it."""
        if self._t0 is None:
            with self.device:
                t0 = self.cupy.cuda.Event()
                t0.record(self.stream)
                self._t0 = t0
        return self._t0

    def note(self, name: str) -> None:
        """Remember a launched kernel's name for error messages until the next full wait."""
        inflight = self.inflight
        if name not in inflight:
            inflight[name] = None
            if len(inflight) > _MAX_INFLIGHT:
                del inflight[next(iter(inflight))]

    def finish(self, event: Any = None) -> None:
        """Wait for the stream (or one event on it); a CUDA error becomes KernelRuntimeError."""
        try:
            (self.stream if event is None else event).synchronize()
        except Exception as exc:
            self.fail(exc)
        if event is None:
            self.inflight.clear()
            self.profiling = config.profiling()

    def fail(self, exc: BaseException) -> None:
        """Raise a driver error of the stream as KernelRuntimeError naming the kernels in flight."""
        names = ", ".join(self.inflight) or "none"
        self.inflight.clear()
        raise KernelRuntimeError(f"CUDA error in asynchronous work on {self.label} (kernels launched "
                                 f"since the last wait: {names}): {exc}") from None


class _Times:
    """Native object of a profiled launch's Event: start and end CUDA events."""

    __slots__ = ("end", "origin", "start")

    def __init__(self, origin: Any, start: Any, end: Any):
        self.origin, self.start, self.end = origin, start, end

    def cambrian_times(self) -> tuple[float, float]:
        """Seconds since the device's origin event; the duration is measured directly (CUDA's
        float milliseconds lose resolution far from the origin)."""
        from cupy.cuda import get_elapsed_time

        start = get_elapsed_time(self.origin, self.start) / 1e3
        return start, start + get_elapsed_time(self.start, self.end) / 1e3


@dataclass(eq=False)
class CUDAProgram:
    """A built kernel on one device: the CuPy function, its argument plan and launch geometry cache."""

    name: str
    function: Any
    plan: tuple[tuple[cl.ParamSlot, ...], tuple[Any, ...]]
    source: str
    module: ir.Module
    binary_kind: str = "cubin"
    guarded: bool = False
    dims: dict[Any, Any] = field(default_factory=dict)
    sites: tuple[Any, ...] = ()
    errbuf: Any = None
    armed: bool = False
    last_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: The kernel's Python name (for messages) and whether it writes an error record.
    label: str = field(init=False)
    boundscheck: bool = field(init=False)

    def __post_init__(self) -> None:
        self.label = self.module.kernel.py_name or self.name
        self.boundscheck = self.module.needs_error_record  # bounds checks or a run-time range() step

    @property
    def py_name(self) -> str:
        return self.label


def _at(buffer: Any, byte_offset: int) -> Any:
    """The MemoryPointer ``byte_offset`` bytes into ``buffer``."""
    return buffer + byte_offset if byte_offset else buffer


class CUDABackend(Backend):
    """CUDA GPUs through CuPy and NVRTC."""

    name = "cuda"
    asynchronous = True

    def __init__(self) -> None:
        self._programs: dict[str, CUDAProgram] = {}
        self._states: dict[int, _State] = {}
        self._lock = threading.Lock()

    @staticmethod
    def cupy() -> Any:
        """The ``cupy`` module (BackendUnavailable when missing)."""
        return import_cupy()

    def state(self, ordinal: int, cc: int | None = None) -> _State:
        """The runtime state (stream, architecture...) of GPU ``ordinal``, shared by every Device
        object describing it."""
        st = self._states.get(ordinal)
        if st is None:
            cupy = import_cupy()
            if cc is None:
                props = cupy.cuda.runtime.getDeviceProperties(ordinal)
                cc = int(props["major"]) * 10 + int(props["minor"])
            with self._lock:
                st = self._states.setdefault(ordinal, _State(cupy, ordinal, cc))
        return st

    # -- discovery -----------------------------------------------------------------------------
    def discover(self) -> list[Device]:
        cupy = import_cupy()
        runtime = cupy.cuda.runtime
        try:
            count = runtime.getDeviceCount()
        except Exception as exc:  # CUDARuntimeError: no driver, insufficient driver, no device
            raise BackendUnavailable(f"no usable CUDA driver or GPU: {exc}") from None
        if count == 0:
            raise BackendUnavailable("no CUDA GPU found")
        drv, rt = runtime.driverGetVersion(), runtime.runtimeGetVersion()
        return [self._describe(cupy, i, runtime.getDeviceProperties(i), drv, rt) for i in range(count)]

    def _describe(self, cupy: Any, i: int, props: dict[str, Any], drv: int, rt: int) -> Device:
        name = props.get("name", b"CUDA GPU")
        cc = int(props["major"]) * 10 + int(props["minor"])
        return Device(
            backend="cuda", kind="gpu", ordinal=i,
            name=name.decode(errors="replace") if isinstance(name, bytes) else str(name),
            vendor="NVIDIA", driver_version=cl.driver_version_text(drv, rt, cc),
            global_memory=int(props.get("totalGlobalMem", 0)),
            compute_units=int(props.get("multiProcessorCount", 1)),
            max_work_group_size=int(props.get("maxThreadsPerBlock", 1024)),
            max_work_item_sizes=tuple(int(x) for x in props.get("maxThreadsDim", cl.MAX_BLOCK)),
            local_memory_size=int(props.get("sharedMemPerBlock", 48 * 1024)),
            supports_float64=True, supports_atomics=True, supports_local_memory=True,
            sub_group_size=int(props.get("warpSize", 32)),
            handle=self.state(i, cc), platform=f"CUDA {cl.version_string(rt)}")

    def self_test(self, device: Device) -> None:
        from .cuda_checks import run_self_test

        run_self_test(self, device)

    def create_queue(self, device: Device) -> Queue:
        st: _State = device.handle
        return Queue(device, native=st.stream, finish=st.finish)

    # -- allocator -----------------------------------------------------------------------------
    def alloc(self, device: Device, nbytes: int) -> Any:
        st: _State = device.handle
        try:
            with st.device, st.stream:  # stream-ordered reuse in CuPy's pool
                return st.cupy.cuda.alloc(max(int(nbytes), 1))
        except (MemoryError, st.cupy.cuda.memory.OutOfMemoryError) as exc:
            raise out_of_memory(device, nbytes, exc) from None

    def write(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> Event:
        st: _State = device.handle
        host = np.ascontiguousarray(host)
        if host.nbytes:
            try:
                with st.device:
                    _at(buffer, byte_offset).copy_from_host_async(host.ctypes.data, host.nbytes, st.stream)
            except Exception as exc:
                st.fail(exc)

        def wait(keep: np.ndarray = host) -> None:  # keeps ``host`` alive until the copy is done
            st.finish()

        return Event(queue, wait=wait, label="write")

    def read(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> None:
        st: _State = device.handle
        if host.nbytes:
            try:
                with st.device:
                    _at(buffer, byte_offset).copy_to_host_async(host.ctypes.data, host.nbytes, st.stream)
            except Exception as exc:
                st.fail(exc)
        st.finish()

    def copy(self, device: Device, dst: Any, dst_offset: int, src: Any, src_offset: int, nbytes: int,
             queue: Queue) -> Event:
        st: _State = device.handle
        if nbytes:
            try:
                with st.device:
                    _at(dst, dst_offset).copy_from_device_async(_at(src, src_offset), nbytes, st.stream)
            except Exception as exc:
                st.fail(exc)
        return Event(queue, wait=st.finish, label="copy")

    # -- compile -------------------------------------------------------------------------------
    def source(self, device: Device | None, module: Any) -> str:
        return render(module).source

    def arch(self, device: Device) -> tuple[str, str]:
        """NVRTC ``-arch`` option and binary kind for ``device``."""
        st: _State = device.handle
        if st.arch is None:
            st.arch = cl.choose_arch(st.cc, cuda_nvrtc.supported_archs())
        return st.arch

    def compile(self, device: Device, module: Any) -> CUDAProgram:
        st: _State = device.handle
        arch_option, kind = self.arch(device)
        options = cl.nvrtc_options(arch_option)
        key = cl.program_key(module.key(), device.identity(), options, cuda_nvrtc.nvrtc_version())
        mem_key = f"{key}|{st.ordinal}"  # a loaded module belongs to one device's context
        program = self._programs.get(mem_key)
        if program is not None:
            return program
        rendered = render(module)
        source, name = rendered.source, rendered.kernel_name
        label = module.kernel.py_name or name
        key = cache.make_key(key, source, "checked")  # on disk: a renderer change is a new entry
        binary = cuda_nvrtc.cached_binary(key, source, options, kind, label)
        try:
            function = self._load(st, binary.data, name)
        except Exception as exc:  # a corrupt cache entry: rebuild once
            cuda_nvrtc.discard(key, f"the driver refused it: {exc}")
            binary = cuda_nvrtc.compile_source(source, options, kind, label)
            try:
                function = self._load(st, binary.data, name)
            except Exception as exc2:
                raise CompileError(f"CUDA driver could not load kernel {label} on {device}: {exc2}",
                                   source, binary.log) from None
        program = CUDAProgram(name, function, cl.arg_plan(module.kernel), source, module, kind,
                              guarded=renderer_guards(source), sites=tuple(rendered.sites))
        with self._lock:
            return self._programs.setdefault(mem_key, program)

    @staticmethod
    def _load(st: _State, data: bytes, name: str) -> Any:
        from cupy.cuda import function

        with st.device:
            mod = function.Module()
            mod.load(data)
            return mod.get_function(name)

    # -- launch --------------------------------------------------------------------------------
    def launch(self, device: Device, queue: Queue, program: CUDAProgram, global_size: tuple[int, ...],
               local_size: tuple[int, ...] | None, args: list[Any]) -> Event:
        st: _State = device.handle
        dims = program.dims.get((global_size, local_size))
        if dims is None:
            dims = self._dims(device, program, global_size, local_size)
        grid, block, tail = dims
        if not grid:
            return completed(queue, program.label)
        kargs = cl.pack_args(program.plan, args, program.label)
        if program.boundscheck:
            kargs.append(self._arm_bounds_check(device, queue, program, args))
        if tail:
            kargs.extend(tail)
        if st.profiling:
            return self._launch_profiled(st, queue, program, grid, block, kargs)
        self._call(st, program, grid, block, kargs, st.stream)
        st.note(program.label)
        return Event(queue, wait=st.finish, label=program.label)

    @staticmethod
    def _dims(device: Device, program: CUDAProgram, global_size: tuple[int, ...],
              local_size: tuple[int, ...] | None) -> tuple[Any, Any, tuple[Any, ...]]:
        """Grid, block and trailing global-size arguments of a launch configuration (cached)."""
        # Padding to whole blocks needs the kernel's guard, and no barrier (partial blocks).
        pad = program.guarded and not program.module.uses_barrier
        grid, block = cl.launch_dims(global_size, local_size, device.max_work_group_size, pad, program.label)
        tail = cl.global_size_args(global_size) if program.guarded else ()
        dims = (grid if grid[0] * grid[1] * grid[2] else (), block, tail)
        program.dims[(global_size, local_size)] = dims
        return dims

    def _launch_profiled(self, st: _State, queue: Queue, program: CUDAProgram, grid: Any, block: Any,
                         kargs: list[Any]) -> Event:
        stream = st.stream
        with st.device:
            origin = st.origin()
            start, end = st.cupy.cuda.Event(), st.cupy.cuda.Event()
            start.record(stream)
            self._call(st, program, grid, block, kargs, stream)
            end.record(stream)
        st.note(program.label)
        times = _Times(origin, start, end)
        return Event(queue, wait=lambda: st.finish(end), native=times, label=program.label)

    @staticmethod
    def _call(st: _State, program: CUDAProgram, grid: Any, block: Any, kargs: list[Any], stream: Any) -> None:
        try:
            if st.cupy.cuda.runtime.getDevice() == st.ordinal:
                program.function(grid, block, kargs, 0, stream)
            else:
                with st.device:
                    program.function(grid, block, kargs, 0, stream)
        except Exception as exc:
            raise KernelRuntimeError(f"could not launch kernel {program.label!r} on {st.label} "
                                     f"(grid {grid}, block {block}): {exc}") from None

    def _arm_bounds_check(self, device: Device, queue: Queue, program: CUDAProgram, args: list[Any]) -> Any:
        """The program's error record (``cl.ERR_RECORD`` int64, zeroed once) and, once per
        synchronisation, a check that reads it and raises IndexError."""
        from .cuda_checks import make_check

        st: _State = device.handle
        for slot, a in zip(program.plan[0], args, strict=True):
            if slot.is_array:
                program.last_shapes[slot.name] = a.shape
        if program.errbuf is None:
            program.errbuf = self.alloc(device, 8 * cl.ERR_RECORD)
            with st.device:
                program.errbuf.memset_async(0, 8 * cl.ERR_RECORD, st.stream)
        if not program.armed:
            program.armed = True
            queue.add_check(make_check(self, device, program))
        return program.errbuf


def render(module: ir.Module) -> Any:
    """CUDA C of ``module`` with its kernel symbol and bounds-check sites (``render_c.Rendered``)."""
    from ..compiler.render_c import render_cuda_info

    return render_cuda_info(module)


def renderer_guards(source: str) -> bool:
    """True when the rendered kernel takes the true global size and skips work-items beyond it (then
    launches are padded to whole blocks); else blocks must divide the global size exactly."""
    return "cb_gs0" in source


#: True in a process forked from one that had set up a CUDA device: every use of one raises DeviceError
#: (see ``_State.device``) instead of the driver's undefined behaviour.
_FORKED = False


def _after_fork_in_child() -> None:
    global _FORKED
    _FORKED = _FORKED or bool(BACKEND._states)


def check_not_forked() -> None:
    """DeviceError in a child forked after a CUDA device was set up (``_FORKED``)."""
    if _FORKED:
        raise forked_child_error("CUDA", "CUDA does not support fork() after initialisation")


BACKEND = CUDABackend()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
