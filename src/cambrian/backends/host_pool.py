"""A pool of host memory blocks for the host-memory backends (``cpu``, ``interp``), after CuPy's
``MemoryPool``: a freed buffer's block goes back to a free list of its size class and the next
allocation of that class reuses it.

Why: a new array's memory costs page faults on first touch (a new 80 MB result: ~64 ms here, more than
the arithmetic). Reused blocks are already mapped. Buffers under 64 KiB come from ``np.empty`` (NumPy
caches small blocks itself). A pooled buffer is a ``PooledBuffer``, a NumPy ``uint8`` view of its block;
when the last reference to it dies (arrays and views hold it), ``__del__`` returns the block. The pool
keeps at most ``CAMBRIAN_POOL_BYTES`` (default 1 GiB) of free blocks; beyond that blocks go back to the
system.
"""

from __future__ import annotations

import os
import threading

import numpy as np

#: Alignment of every block (a cache line; AVX-512 loads).
ALIGN = 64
_SMALL = 512  # size classes: multiples of 512 bytes up to 1 MiB, then 1/8 steps of a power of two
#: Smaller buffers come from NumPy directly (0.5 us against ~3 us for a pooled block).
POOLED = 1 << 16


def size_class(nbytes: int) -> int:
    """The block size that serves ``nbytes`` (rounded up: at most 1/8 wasted above 1 MiB)."""
    if nbytes <= 1 << 20:
        return max(_SMALL, -(-nbytes // _SMALL) * _SMALL)
    step = 1 << (nbytes.bit_length() - 4)
    return -(-nbytes // step) * step


class Block(np.ndarray):
    """The type of pooled host memory (here and in ``opencl_host``). NumPy collapses a new view's base
    chain to the first array of another type than the view's or owning its memory; blocks of their own
    type stop that at the buffer object, so a NumPy view of a buffer keeps the buffer (and its block)
    out of the pool while the view lives."""


class PooledBuffer(np.ndarray):
    """A device buffer over a pooled block (``_block``): returns the block when it dies. Slices and
    views of it are PooledBuffers too but without ``_block``, and keep it alive."""

    def __del__(self) -> None:
        try:
            block = self.__dict__.get("_block")
            if block is not None:
                POOL.put(block)
        except Exception:  # interpreter shutdown: the pool may already be gone; nothing to keep
            pass


class HostPool:
    """Free blocks by size class, bounded in total bytes; thread-safe."""

    def __init__(self, limit: int):
        self.limit = limit
        self.free_bytes = 0
        self._free: dict[int, list[np.ndarray]] = {}
        self._lock = threading.Lock()

    def alloc(self, nbytes: int) -> np.ndarray:
        """A buffer of ``nbytes`` (contents undefined), 64-byte aligned from ``POOLED`` bytes on (NumPy's
        own 16-byte aligned allocation below: its small-block cache is faster than any pool here)."""
        n = max(int(nbytes), 1)
        if n < POOLED:
            return np.empty(n, np.uint8)
        size = size_class(n)
        block = None
        free = self._free.get(size)
        if free:
            with self._lock:
                if free:
                    block = free.pop()
                    self.free_bytes -= size
        if block is None:
            raw = np.empty(size + ALIGN, np.uint8).view(Block)
            off = -raw.__array_interface__["data"][0] % ALIGN
            block = raw[off:off + size]
        buf = block[:n].view(PooledBuffer)
        buf._block = block
        return buf

    def put(self, block: np.ndarray) -> None:
        """Take back a block whose buffer died (dropped when the pool is full)."""
        size = block.size
        with self._lock:
            if self.free_bytes + size > self.limit:
                return
            self._free.setdefault(size, []).append(block)
            self.free_bytes += size

    def release(self) -> int:
        """Give every free block back to the system; returns the bytes released."""
        with self._lock:
            freed, self.free_bytes = self.free_bytes, 0
            self._free.clear()
        return freed


POOL = HostPool(int(os.environ.get("CAMBRIAN_POOL_BYTES", 1 << 30)))
