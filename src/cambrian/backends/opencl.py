"""The ``opencl`` backend: any OpenCL device through PyOpenCL (PoCL CPU, Intel, AMD, NVIDIA GPUs).

One context and one in-order queue per device (profiling on when ``CAMBRIAN_PROFILE=1``); buffers are
``cl.Buffer``; kernels are rendered by :mod:`cambrian.compiler.render_c` and built by
:mod:`.opencl_build`. Launches are asynchronous; a bounds-check failure is raised as ``IndexError``
at the next wait on the queue.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from .. import config
from ..compiler import ir
from ..compiler.render_c import render_opencl
from ..errors import DeviceError, KernelRuntimeError, LaunchError, OutOfMemoryError, forked_child_error
from ..queues import Event, Queue, completed
from .base import ArrayArg, Backend, BackendUnavailable, Device, out_of_memory
from .opencl_build import ARRAY, Builder, OpenCLProgram
from .opencl_errors import ErrorRecords
from .opencl_host import HOST_MEMORY_MIN, HostMemory, host_block
from .opencl_probe import check_drivers

_KINDS = (("GPU", "gpu"), ("CPU", "cpu"))
#: CL_INVALID_WORK_GROUP_SIZE, CL_INVALID_WORK_ITEM_SIZE, CL_INVALID_GLOBAL_WORK_SIZE: a LaunchError.
_SIZE_ERRORS = frozenset((-54, -55, -63))
#: CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_RESOURCES, CL_OUT_OF_HOST_MEMORY, CL_INVALID_BUFFER_SIZE:
#: an OutOfMemoryError.
_MEMORY_ERRORS = frozenset((-4, -5, -6, -61))


def _import_cl() -> Any:
    try:
        import pyopencl
    except ImportError as exc:
        raise BackendUnavailable("pyopencl is not installed: pip install 'cambrian[opencl]'") from exc
    return pyopencl


class _Profiled:
    """Native event wrapper exposing profiling times in seconds (``queues.Event._times``)."""

    __slots__ = ("ev",)

    def __init__(self, ev: Any):
        self.ev = ev

    def wait(self) -> None:
        self.ev.wait()

    def cambrian_times(self) -> tuple[float, float]:
        return self.ev.profile.start * 1e-9, self.ev.profile.end * 1e-9


class OpenCLBackend(Backend):
    name = "opencl"
    asynchronous = True

    def __init__(self) -> None:
        self._cl: Any = None
        self._enqueue: Any = None
        self._launch_errors: tuple[type[BaseException], ...] = ()
        self._state: dict[str, tuple[Any, Any, Queue]] = {}
        self._lock = threading.Lock()
        self.builder = Builder()
        #: device -> (HostMemory, context) of devices whose small buffers are all Cambrian host memory
        self._fast_alloc: dict[Device, tuple[HostMemory, Any]] = {}
        #: device -> whether its driver fills buffers (clEnqueueFillBuffer, OpenCL 1.2; else fill kernels)
        self._fills: dict[Device, bool] = {}

    @property
    def cl(self) -> Any:
        if self._cl is None:
            cl = _import_cl()
            self._enqueue = cl.enqueue_nd_range_kernel
            self._launch_errors = (cl.Error, TypeError, ValueError, OverflowError)
            self._cl = cl
        return self._cl

    # --- discovery ---------------------------------------------------------------------------
    def discover(self) -> list[Device]:
        cl = self.cl
        check_drivers()  # a driver that crashes or hangs is probed in a child process first
        try:
            platforms = cl.get_platforms()
        except cl.Error as exc:
            raise BackendUnavailable(
                f"no OpenCL platform: install an ICD such as Debian's pocl-opencl-icd ({exc})") from None
        if not platforms:
            raise BackendUnavailable("no OpenCL platform: install an ICD such as Debian's pocl-opencl-icd")
        out: list[Device] = []
        counts: dict[str, int] = {}
        for plat in platforms:
            try:
                devs = plat.get_devices()
            except cl.Error:
                continue
            for d in devs:
                kind = next((k for flag, k in _KINDS if d.type & getattr(cl.device_type, flag)),
                            "accelerator")
                out.append(self._describe(cl, plat, d, kind, counts.get(kind, 0)))
                counts[kind] = counts.get(kind, 0) + 1
        return out

    def _describe(self, cl: Any, plat: Any, d: Any, kind: str, ordinal: int) -> Device:
        ext = d.extensions.split()
        version = d.version.split()  # "OpenCL 3.0 PoCL ..."
        cl_ver = float(version[1]) if len(version) > 1 and version[1][:1].isdigit() else 1.0
        return Device(
            backend="opencl", kind=kind, ordinal=ordinal, name=d.name.strip(), vendor=d.vendor.strip(),
            driver_version=d.driver_version, global_memory=int(d.global_mem_size),
            compute_units=int(d.max_compute_units), max_work_group_size=int(d.max_work_group_size),
            max_work_item_sizes=tuple(int(x) for x in d.max_work_item_sizes),
            max_global_size=min(2**63 - 1, 2 ** int(d.address_bits) - 1),  # size_t
            max_alloc_size=int(d.max_mem_alloc_size),
            max_work_groups=2**32 - 1 if "Portable Computing Language" in plat.name else 2**63 - 1,
            local_memory_size=int(d.local_mem_size),
            supports_float64="cl_khr_fp64" in ext or bool(d.double_fp_config),
            supports_atomics="cl_khr_global_int32_base_atomics" in ext or cl_ver >= 1.1,
            supports_local_memory=int(d.local_mem_type) != 0 and d.local_mem_size > 0,  # 0 = CL_NONE
            handle=d, platform=f"{plat.name.strip()} {plat.version.strip()}")

    def _ctx(self, device: Device) -> tuple[Any, Any, Queue]:
        state = self._state.get(device.filter_string)
        if state is None:
            with self._lock:
                state = self._state.get(device.filter_string)
                if state is None:
                    cl = self.cl
                    ctx = cl.Context([device.handle])
                    props = cl.command_queue_properties.PROFILING_ENABLE if config.profiling() else 0
                    clq = cl.CommandQueue(ctx, device.handle, properties=props)
                    host = (HostMemory(cl) if device.kind == "cpu" and device.handle.host_unified_memory
                            else None)
                    queue = Queue(device, native=clq, finish=_finisher(clq, host))
                    queue.cambrian_profiling = bool(props)  # type: ignore[attr-defined]
                    queue.cambrian_records = ErrorRecords(  # type: ignore[attr-defined]
                        cl, ctx, queue, device.handle.mem_base_addr_align)
                    queue.cambrian_host = host  # type: ignore[attr-defined]
                    state = (ctx, clq, queue)
                    self._state[device.filter_string] = state
        return state

    def create_queue(self, device: Device) -> Queue:
        return self._ctx(device)[2]

    def self_test(self, device: Device) -> None:
        cl = self.cl
        ctx, clq, _ = self._ctx(device)
        n = 4096
        a = (np.arange(n, dtype=np.float32) * np.float32(0.37) - np.float32(700.25)).astype(np.float32)
        b = (np.float32(1.0) / (np.arange(n, dtype=np.float32) + np.float32(1.0))).astype(np.float32)
        src = ("__kernel void vadd(__global const float* a, __global const float* b, __global float* c) {\n"
               "  size_t i = get_global_id(0);\n  c[i] = a[i] + b[i];\n}\n")
        try:
            prg = cl.Program(ctx, src).build()
        except cl.Error as exc:
            raise DeviceError(f"self-test build failed on {device}: {exc}") from None
        mf = cl.mem_flags
        bufs = [cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=x) for x in (a, b)]
        out = cl.Buffer(ctx, mf.WRITE_ONLY, size=a.nbytes)
        prg.vadd(clq, (n,), None, *bufs, out)
        c = np.empty_like(a)
        cl.enqueue_copy(clq, c, out, is_blocking=True)
        ok = int(np.count_nonzero(c == a + b))
        if ok != n:
            raise DeviceError(f"self-test on {device}: wrong results ({ok} of {n} elements correct)")

    # --- allocator ---------------------------------------------------------------------------
    def alloc(self, device: Device, nbytes: int) -> Any:
        fast = self._fast_alloc.get(device)
        if fast is not None and 0 < nbytes <= _FAST_ALLOC_MAX:  # a small buffer of Cambrian's host memory
            try:
                return fast[0].buffer(fast[1], nbytes)
            except Exception:  # the full path below tries again and raises the right error
                pass
        cl = self.cl
        nbytes = max(int(nbytes), 1)
        ctx, _, queue = self._ctx(device)
        if queue.cambrian_host is not None and HOST_MEMORY_MIN <= 1 and (
                not device.max_alloc_size or device.max_alloc_size >= _FAST_ALLOC_MAX):
            self._fast_alloc[device] = (queue.cambrian_host, ctx)
        if device.max_alloc_size and nbytes > device.max_alloc_size:
            raise out_of_memory(device, nbytes, f"more than its largest allocation, "
                                                f"CL_DEVICE_MAX_MEM_ALLOC_SIZE = {device.max_alloc_size}")
        try:
            if queue.cambrian_host is not None and nbytes >= HOST_MEMORY_MIN:  # CPU device (opencl_host)
                return queue.cambrian_host.buffer(ctx, nbytes)
            return cl.Buffer(ctx, cl.mem_flags.READ_WRITE, size=nbytes)
        except MemoryError as exc:
            raise out_of_memory(device, nbytes, exc) from None
        except cl.Error as exc:
            if getattr(exc, "code", None) in _MEMORY_ERRORS:
                raise out_of_memory(device, nbytes, exc) from None
            raise DeviceError(f"cannot allocate {nbytes} bytes on {device}: {exc}") from None

    def write(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> Event:
        _alive()
        if host.nbytes == 0:
            return completed(queue, "write")
        mem = host_block(buffer)
        if mem is not None:  # Cambrian-owned host memory: a memcpy once earlier commands are done
            queue.synchronize()
            mem[byte_offset:byte_offset + host.nbytes] = host.reshape(-1).view(np.uint8)
            return completed(queue, "write")
        # non-blocking: pyopencl's NannyEvent keeps ``host`` alive until the copy is done
        ev = self.cl.enqueue_copy(queue.native, buffer, host, dst_offset=byte_offset, is_blocking=False)
        _enqueued(queue, ev)
        return Event(queue, ev.wait, ev, "host-to-device copy")

    def fill(self, device: Device, buffer: Any, byte_offset: int, nbytes: int, pattern: np.generic,
             queue: Queue) -> Event | None:
        """Repeat ``pattern``'s bytes over ``nbytes`` of ``buffer`` from ``byte_offset`` with the driver's
        ``clEnqueueFillBuffer`` (OpenCL 1.2; in queue order like every command, so no kernel to load);
        None when the driver cannot (the caller launches a fill kernel instead)."""
        _alive()
        size = pattern.itemsize
        if nbytes == 0:
            return completed(queue, "fill")
        fills = self._fills.get(device)
        if fills is None:
            version = device.handle.version.split()  # "OpenCL 3.0 PoCL ...": the call is OpenCL 1.2's
            nums = version[1].split(".") if len(version) > 1 else []
            fills = self._fills[device] = all(x.isdigit() for x in nums) and (
                tuple(int(x) for x in nums[:2]) >= (1, 2))
        if not fills or size & (size - 1) or size > 128 or byte_offset % size or nbytes % size:
            return None
        cl = self.cl
        try:
            ev = cl.enqueue_fill_buffer(queue.native, buffer, np.array(pattern), byte_offset, nbytes)
        except (cl.Error, AttributeError, TypeError, ValueError):  # a driver without it after all
            self._fills[device] = False
            return None
        _enqueued(queue, ev)
        return Event(queue, ev.wait, ev, "fill")

    def read(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> None:
        _alive()
        if host.nbytes == 0:
            return
        mem = host_block(buffer)
        if mem is not None:  # Cambrian-owned host memory (opencl_host): a memcpy after the queue's work
            queue.synchronize()  # (PoCL's read command costs ~75 us: a wake-up of its worker thread)
            host.reshape(-1).view(np.uint8)[...] = mem[byte_offset:byte_offset + host.nbytes]
            return
        try:
            self.cl.enqueue_copy(queue.native, host, buffer, src_offset=byte_offset, is_blocking=True)
        except self.cl.Error as exc:
            raise KernelRuntimeError(f"device-to-host copy on {device} failed: {exc}") from None

    def copy(self, device: Device, dst: Any, dst_offset: int, src: Any, src_offset: int, nbytes: int,
             queue: Queue) -> Event:
        _alive()
        if nbytes == 0:
            return completed(queue, "copy")
        ev = self.cl.enqueue_copy(queue.native, dst, src, byte_count=nbytes, src_offset=src_offset,
                                  dst_offset=dst_offset)
        _enqueued(queue, ev)
        return Event(queue, ev.wait, ev, "device copy")

    # --- compile and launch ------------------------------------------------------------------
    def source(self, device: Device | None, module: ir.Module) -> str:
        return render_opencl(module).source

    def compile(self, device: Device, module: ir.Module) -> OpenCLProgram:
        ctx = self._ctx(device)[0]
        return self.builder.compile(self.cl, ctx, device, module)

    def launch(self, device: Device, queue: Queue, program: OpenCLProgram, global_size: tuple[int, ...],
               local_size: tuple[int, ...] | None, args: list[Any]) -> Event:
        _alive()
        plan = program.plan
        if len(args) != len(plan):
            raise LaunchError(f"kernel {program.py_name!r} takes {len(plan)} arguments, got {len(args)}")
        vals: list[Any] = []
        for (kind, dtype, strided), a in zip(plan, args):  # noqa: B905 (lengths checked above)
            if kind == ARRAY:
                if not isinstance(a, ArrayArg) or a.dtype != dtype:
                    raise LaunchError(f"kernel {program.py_name!r}: expected a {dtype} array, got {a!r}")
                expanded = a.memo.get("opencl" if strided else "opencl-c")
                if expanded is None:  # buffer, offset, shape[, strides]; PyOpenCL packs int64 fastest
                    extra = (a.offset, *a.shape, *(a.strides if strided else ()))
                    packed = _PACKED.get(extra)
                    if packed is None:
                        packed = tuple(np.int64(v) for v in extra)
                        if len(_PACKED) < 4096:
                            _PACKED[extra] = packed
                    expanded = a.memo["opencl" if strided else "opencl-c"] = (a.buffer, *packed)
                vals += expanded
            else:  # exactly the packed type (a bool is passed as uint8: PyOpenCL can't pack np.bool_)
                vals.append(a if type(a) is dtype else dtype(a))
        if local_size is not None:
            total = 1
            for n in local_size:
                total *= n
            limit = min(device.max_work_group_size, program.max_local)
            if total > limit:
                raise LaunchError(f"local size {local_size} ({total} work-items) exceeds the maximum "
                                  f"work-group size {limit} of kernel {program.py_name!r} on {device}")
        slot = None
        if program.needs_err:  # a record of this launch's own, checked at the next wait
            records = queue.cambrian_records  # type: ignore[attr-defined]
            slot, record = records.take()
            vals.append(record)
        try:
            kernel = program.thread_kernel()
            kernel.set_args(*vals)
            ev = self._enqueue(queue.native, kernel, global_size, local_size)
        except self._launch_errors as exc:
            if slot is not None:
                records.release(slot)
            code = getattr(exc, "code", None)
            kind = (LaunchError if isinstance(exc, OverflowError) or code in _SIZE_ERRORS else
                    OutOfMemoryError if code in _MEMORY_ERRORS else KernelRuntimeError)
            raise kind(f"launch of kernel {program.py_name!r} on {device} failed: {exc}") from None
        if slot is not None:
            records.commit(slot, program, args)
        _enqueued(queue, ev)
        native = _Profiled(ev) if getattr(queue, "cambrian_profiling", False) else ev
        return Event(queue, ev.wait, native, program.label)


#: (offset, *shape[, *strides]) -> the same as np.int64 (new arrays of a size seen before need no new ones)
_PACKED: dict[tuple[int, ...], tuple[Any, ...]] = {}
#: Buffers up to this size take the allocation fast path (the checks are done once per device).
_FAST_ALLOC_MAX = 1 << 20


def _enqueued(queue: Queue, event: Any) -> None:
    """Record the newest command of ``queue`` (host memory retired now waits for it)."""
    host = getattr(queue, "cambrian_host", None)
    if host is not None:
        host.last = event


def _finisher(clq: Any, host: HostMemory | None) -> Any:
    """The queue's finish: wait for the device, then free the host memory that waited for it."""

    def finish() -> None:
        _alive()
        clq.finish()
        if host is not None:
            host.collect()

    return finish


#: True in a process forked from one that had loaded OpenCL: the drivers' threads stayed in the parent,
#: so a command there would wait forever (PoCL); every command raises DeviceError instead.
_FORKED = False


def _after_fork_in_child() -> None:
    global _FORKED
    _FORKED = _FORKED or BACKEND._cl is not None


def _alive() -> None:
    """DeviceError in a child forked after OpenCL was loaded (see ``_FORKED``)."""
    if _FORKED:
        raise forked_child_error("OpenCL", "the driver's threads stay in the parent: the command would "
                                           "wait forever")


BACKEND = OpenCLBackend()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
