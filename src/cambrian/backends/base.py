"""The backend contract (after tinygrad's Compiled/Allocator/Compiler/Program).

A backend is one module exposing a :class:`Backend` subclass instance named ``BACKEND``. It provides:

1. ``discover()``: its devices (raise :class:`BackendUnavailable` with the reason when its library or
   driver is missing: that yields no devices and no error).
2. Allocator: ``alloc``, ``write``, ``read``, ``copy`` on native buffers.
3. Renderer + Compiler: ``compile(device, module, argtypes)`` -> a program (cached).
4. Launch: ``launch(device, queue, program, global_size, local_size, args)`` -> ``Event``.
5. ``self_test(device)``: build and run a tiny kernel natively and check the result; raise on failure.

Buffers are opaque to everything above the backend except through these calls; kernels receive array
arguments as :class:`ArrayArg` (buffer, element offset, shape, element strides, dtype).
"""

from __future__ import annotations

import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import OutOfMemoryError
from ..queues import Event, Queue


def contiguous_strides(shape: Sequence[int], itemsize: int) -> tuple[int, ...]:
    """C-order byte strides of ``shape``."""
    strides, step = [], itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(int(n), 1)
    return tuple(reversed(strides))


def byte_extent(shape: tuple[int, ...], strides: tuple[int, ...], offset: int,
                itemsize: int) -> tuple[int, int]:
    """The ``[lo, hi)`` byte range that the elements of a (non-empty) strided array touch."""
    lo = hi = offset
    for n, s in zip(shape, strides, strict=True):
        (lo, hi) = (lo + (n - 1) * s, hi) if s < 0 else (lo, hi + (n - 1) * s)
    return lo, hi + itemsize


def out_of_memory(device: Device, nbytes: int, why: object) -> OutOfMemoryError:
    """The error of a failed allocation of ``nbytes`` on ``device``."""
    return OutOfMemoryError(f"cannot allocate {nbytes} bytes on {device} ({device.name}): {why}")


class BackendUnavailable(Exception):
    """Raised by ``discover()``: the backend's library or driver is missing (the text says why)."""


@dataclass(eq=False)
class Device:
    """One device of one backend. ``str(device)`` is its unique filter string."""

    backend: str
    kind: str  # "cpu", "gpu" or "accelerator"
    ordinal: int | None  # index among the backend's devices of this kind; None for single-device backends
    name: str
    vendor: str = ""
    driver_version: str = ""
    global_memory: int = 0
    compute_units: int = 1
    max_work_group_size: int = 1024
    max_work_item_sizes: tuple[int, ...] = (1024, 1024, 1024)
    #: The most work-items a launch may have, in total and along each dimension (ids are int64).
    max_global_size: int = 2**63 - 1
    #: The most work-groups a launch may have (PoCL's CPU drivers count them in 32 bits).
    max_work_groups: int = 2**63 - 1
    #: The largest single allocation in bytes (OpenCL's CL_DEVICE_MAX_MEM_ALLOC_SIZE; 0: no limit known).
    max_alloc_size: int = 0
    local_memory_size: int = 0
    supports_float64: bool = True
    supports_atomics: bool = True
    #: Work-items per sub-group (warp) of ``cb.sub_group_*`` (32 on CUDA; 1 where sub-groups are emulated).
    sub_group_size: int = 1
    supports_local_memory: bool = True
    usable: bool = True
    reason: str = ""  # why it is unusable (failed self-test)
    handle: Any = field(default=None, repr=False)  # backend-native object
    platform: str = ""
    _queue: Queue | None = field(default=None, repr=False)
    _impl: Backend | None = field(default=None, repr=False)
    _hash: int | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def filter_string(self) -> str:
        if self.ordinal is None:
            return self.backend
        if self.backend == "cuda":
            return f"cuda:{self.ordinal}"
        return f"{self.backend}:{self.kind}:{self.ordinal}"

    def __str__(self) -> str:
        return self.filter_string

    def __repr__(self) -> str:
        return f"<cambrian.Device {self.filter_string} {self.name!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Device) and other.filter_string == self.filter_string

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash(self.filter_string)
        return h

    @property
    def impl(self) -> Backend:
        """The backend object that drives this device."""
        impl = self._impl
        if impl is None:
            from . import get_backend

            impl = self._impl = get_backend(self.backend)
        return impl

    @property
    def queue(self) -> Queue:
        """The device's default in-order queue (created on first use)."""
        if self._queue is None:
            with self._lock:
                if self._queue is None:
                    self._queue = self.impl.create_queue(self)
        return self._queue

    def synchronize(self) -> None:
        """Wait for all work on the default queue; raise errors of that work."""
        self.queue.synchronize()

    def identity(self) -> str:
        """Device identity for cache keys: backend, platform, name and driver version."""
        return f"{self.backend}|{self.platform}|{self.name}|{self.driver_version}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready properties (``cambrian devices --json``)."""
        keys = ("backend", "kind", "ordinal", "name", "vendor", "driver_version", "global_memory",
                "compute_units", "max_work_group_size", "local_memory_size", "supports_float64",
                "supports_atomics", "supports_local_memory", "sub_group_size", "usable", "reason", "platform")
        return {"filter": self.filter_string} | {k: getattr(self, k) for k in keys}


class ArrayArg:
    """An array argument of a launch: native buffer, offset and strides in *elements*.

    Built on every new array's first launch, so a plain slotted class (a frozen dataclass cost
    several times as much). Treat it as immutable."""

    __slots__ = ("buffer", "dtype", "memo", "offset", "shape", "strides", "typekey", "view")

    def __init__(self, buffer: Any, offset: int, shape: tuple[int, ...], strides: tuple[int, ...], dtype: str,
                 view: Any = None):
        self.buffer = buffer
        self.offset = offset
        self.shape = shape
        self.strides = strides
        self.dtype = dtype
        #: For host-memory backends (cpu, interp): a ready NumPy view of the elements (or None).
        self.view = view
        #: ``(dtype, ndim, layout)``: what a kernel specialises on; layout "C" when C-contiguous, else "A".
        self.typekey: tuple[str, int, str] = (dtype, len(shape), "C" if self.c_contiguous else "A")
        #: Per-backend memo of derived launch values (e.g. OpenCL's expanded argument tuple).
        self.memo: dict[str, Any] = {}

    def __repr__(self) -> str:
        return (f"ArrayArg(buffer={self.buffer!r}, offset={self.offset}, shape={self.shape}, "
                f"strides={self.strides}, dtype={self.dtype!r})")

    def flat(self) -> ArrayArg:
        """The same elements as a 1-D argument (C-contiguous arguments only; memoized)."""
        if len(self.shape) == 1 and self.strides == (1,):
            return self  # (memoizing itself would be a reference cycle: its buffer would then be freed
            # only by the cyclic GC, so a pooled block could not be reused at once: page faults each call)
        out = self.memo.get("flat")
        if out is None:
            if not self.c_contiguous:
                raise ValueError(f"a flat view needs a C-contiguous array, not strides {self.strides}")
            else:
                size = math.prod(self.shape)
                view = None if self.view is None else self.view.reshape(-1)
                out = ArrayArg(self.buffer, self.offset, (size,), (1,), self.dtype, view=view)
            self.memo["flat"] = out
        return out

    @property
    def c_contiguous(self) -> bool:
        """C order (an empty array is: it has no element out of place)."""
        if 0 in self.shape:
            return True
        expected = 1
        for n, s in zip(reversed(self.shape), reversed(self.strides), strict=True):
            if n != 1 and s != expected:
                return False
            expected *= n
        return True


class Backend(ABC):
    """Base class of backends. Subclasses set ``name`` and implement the abstract methods."""

    name: str = ""
    #: True when launches return before the work is done (reads must wait).
    asynchronous: bool = False
    #: True when buffers are host memory (``host_view`` works): NumPy arrays are launched in place.
    host_memory: bool = False

    # -- discovery -----------------------------------------------------------------------------
    @abstractmethod
    def discover(self) -> list[Device]:
        """List devices; raise BackendUnavailable(reason) when the backend can't be used at all."""

    @abstractmethod
    def self_test(self, device: Device) -> None:
        """Build and run a tiny kernel natively on ``device``; raise any Exception on failure."""

    def create_queue(self, device: Device) -> Queue:
        return Queue(device)

    # -- allocator -----------------------------------------------------------------------------
    @abstractmethod
    def alloc(self, device: Device, nbytes: int) -> Any:
        """A native buffer of at least ``max(nbytes, 1)`` bytes."""

    @abstractmethod
    def write(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> Event:
        """Copy the C-contiguous ``host`` array into ``buffer`` at ``byte_offset``."""

    @abstractmethod
    def read(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> None:
        """Copy ``host.nbytes`` bytes from ``buffer`` at ``byte_offset`` into C-contiguous ``host``;
        returns when the data is there (waits for earlier work on ``queue``)."""

    @abstractmethod
    def copy(self, device: Device, dst: Any, dst_offset: int, src: Any, src_offset: int, nbytes: int,
             queue: Queue) -> Event:
        """Device-to-device copy of ``nbytes`` bytes within one device."""

    def host_view(self, device: Device, buffer: Any) -> np.ndarray | None:
        """A NumPy uint8 view of the buffer when it lives in host memory (cpu, interp), else None."""
        return None

    # -- compile and launch --------------------------------------------------------------------
    @abstractmethod
    def compile(self, device: Device, module: Any) -> Any:
        """Render and build an IR module (``cambrian.compiler.ir.Module``) for ``device``; cached."""

    @abstractmethod
    def launch(self, device: Device, queue: Queue, program: Any, global_size: tuple[int, ...],
               local_size: tuple[int, ...] | None, args: list[Any]) -> Event:
        """Run ``program``; ``args`` are ArrayArg or NumPy scalars typed as the kernel's parameters."""

    def long_items(self, program: Any) -> None:
        """``program``'s work-items loop over argument-sized stretches: its launches' cost does not
        follow their work-item count (``Kernel.long_items``). Nothing to do for most backends."""
        return None

    def bind(self, program: Any, global_size: tuple[int, ...], args: list[Any],
             slots: tuple[int, ...]) -> Callable[..., None] | None:
        """A launch of ``program`` over a 1-D ``global_size`` with ``args`` converted once, for callers
        that repeat it: ``run(*views)`` launches with NumPy views of the arrays at ``slots`` (host memory
        only). None when the backend has no such path (then :meth:`launch` it is)."""
        return None

    def source(self, device: Device | None, module: Any) -> str:
        """Generated source text for ``module`` (no build)."""
        raise NotImplementedError
