"""Host memory for the buffers of OpenCL CPU devices (``CL_MEM_USE_HOST_PTR``), and its safe release.

Measured on PoCL 3.1 (2 cores, 80 MB of float64, sum of squares kernel): 0.92 ms from page-aligned
host memory with transparent huge pages, 1.3 ms with ``CL_MEM_ALLOC_HOST_PTR`` and 2.6 ms from a
buffer the driver allocates; ``np.dot`` takes 0.85 ms. So Cambrian allocates that memory itself.

The driver does not own it, so it must outlive every command enqueued on the buffer, and a buffer's
Python object can die while a kernel still writes it (a temporary dropped right after an
asynchronous launch). When it dies, its memory waits here with the last event enqueued on the
device's in-order queue; once that event has completed, the block joins a free list of its size class
(bounded like the host pool, ``CAMBRIAN_POOL_BYTES``) and serves the next buffer of that size.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from typing import Any

import numpy as np

from .host_pool import POOL, Block, size_class

_PAGE, _HUGE = 4096, 2 << 20

#: Buffers of at least this many bytes live in Cambrian-owned host memory: all of them, so that every
#: array of an OpenCL CPU device is host memory NumPy can address (zero-copy DLPack export; BLAS, LAPACK
#: and pocketfft in place). A small one costs ~8 us more to make than the driver's (0.9 us), and its
#: block is reused from the free list.
HOST_MEMORY_MIN = 0


def aligned_host_memory(nbytes: int) -> np.ndarray:
    """``nbytes`` of uninitialised host memory aligned to a page, or to 2 MiB from 4 MiB on (where
    NumPy asks the kernel for transparent huge pages)."""
    align = _HUGE if nbytes >= 2 * _HUGE else _PAGE
    raw = np.empty(nbytes + align, np.uint8).view(Block)
    start = -raw.__array_interface__["data"][0] % align
    return raw[start:start + nbytes]


class HostMemory:
    """The host memory of one device's buffers: allocation, and release after the queue is past it."""

    def __init__(self, cl: Any):
        self._cl = cl
        self._complete = cl.command_execution_status.COMPLETE
        self._lock = threading.Lock()
        self._waiting: deque[tuple[Any, np.ndarray]] = deque()
        #: Completed blocks by size, reused by later buffers (no page faults on a reused block).
        self._free: dict[int, list[np.ndarray]] = {}
        self.free_bytes = 0
        #: The buffer class of this memory (``cambrian_host`` is a class attribute: nothing set per buffer).
        self._buffer_type = type("HostBuffer", (_buffer_type(cl),), {"cambrian_host": self})
        self._classes: dict[int, int] = {}  # nbytes -> its size class
        self._flags = cl.mem_flags.READ_WRITE | cl.mem_flags.USE_HOST_PTR
        #: The last event enqueued on the device's queue (set by every enqueue of the backend).
        self.last: Any = None

    def buffer(self, ctx: Any, nbytes: int) -> Any:
        """A new read-write buffer of at least ``nbytes`` over Cambrian-owned host memory (a block of
        its size class, reused from a dead buffer when one has completed)."""
        size = self._classes.get(nbytes)
        if size is None:
            size = size_class(nbytes)
            if len(self._classes) < 4096:
                self._classes[nbytes] = size
        free = self._free.get(size)
        if not free and self._waiting:  # free what has completed (in batches: a query per event)
            self.collect()
            free = self._free.get(size)
        block = None
        if free:
            with self._lock:
                if free:
                    block = free.pop()
                    self.free_bytes -= size
        block = aligned_host_memory(size) if block is None else block
        return self._buffer_type(ctx, self._flags, hostbuf=block)

    def retire(self, memory: np.ndarray) -> None:
        """``memory``'s buffer is gone: free it once the work enqueued so far has completed."""
        self._waiting.append((self.last, memory))  # (deque.append is atomic; collect pops under the lock)

    def collect(self) -> None:
        """Free the retired memory whose event has completed (all of it after a queue finish)."""
        with self._lock:
            while self._waiting:
                event = self._waiting[0][0]
                if event is not None and event.command_execution_status != self._complete:
                    break
                memory = self._waiting.popleft()[1]
                if self.free_bytes + memory.size <= POOL.limit:  # keep it for reuse, bounded
                    self._free.setdefault(memory.size, []).append(memory)
                    self.free_bytes += memory.size

    @property
    def waiting(self) -> int:
        """Number of retired buffers whose memory is still held."""
        return len(self._waiting)


class _Held(np.ndarray):
    """Host memory of a buffer, as a NumPy array that keeps the buffer object (``owner``) alive."""

    owner: Any


def host_block(buffer: Any) -> np.ndarray | None:
    """The block under ``buffer`` when it is Cambrian-owned, else None: for a copy finished within the
    caller's call, which holds the buffer (a view that may outlive it comes from :func:`host_bytes`)."""
    return buffer.hostbuf if getattr(buffer, "cambrian_host", None) is not None else None


def host_bytes(buffer: Any) -> np.ndarray | None:
    """The uint8 host memory under ``buffer`` when it is Cambrian-owned (a buffer of a HostMemory),
    else None (a driver-allocated buffer, or any other object). Every NumPy view made from it keeps
    ``buffer`` alive, so its memory is not retired (and reused by a new buffer) while a view lives (a
    DLPack export, a view held across calls): NumPy collapses a view's base chain to the first array of
    another type or owning its memory, and the blocks' own type (``host_pool.Block``) stops it here."""
    if getattr(buffer, "cambrian_host", None) is None:
        return None
    held = buffer.hostbuf.view(_Held)
    held.owner = buffer
    return held


@functools.cache
def _buffer_type(cl: Any) -> type:
    """``cl.Buffer`` whose Python object hands its host memory to its HostMemory when it dies."""

    class HostBuffer(cl.Buffer):  # type: ignore[name-defined,misc]
        cambrian_host: HostMemory

        def __del__(self) -> None:
            try:
                self.cambrian_host.retire(self.hostbuf)
            except Exception:  # interpreter shutdown: nothing left to protect
                pass

    return HostBuffer
