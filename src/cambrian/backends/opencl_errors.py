"""Error records of OpenCL launches: one record per launch, read at the next wait on the queue.

A kernel with bounds checks (or a ``range()`` step known only at run time) writes its first error into
a record of 8 int64 (``render_c``: ``[flag, line, site, index, size]``). Each launch gets a record of
its own, a sub-buffer of a chunk allocated per queue, so the error names the failing launch's own
shapes, and is raised in the thread that launched it: the queue's check reads every pending record in
launch order after the queue drained and hands each error to its launching thread
(:meth:`~cambrian.queues.Queue.set_error`), where it is raised at that thread's next wait, exactly once.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

import numpy as np

from ..errors import KernelIndexError, KernelRuntimeError, bounds_message
from ..queues import Queue
from .base import ArrayArg

#: Records per chunk (a chunk is one buffer; more chunks are made while launches are pending).
CHUNK = 64


class _Pending(NamedTuple):
    chunk: int
    index: int
    program: Any  # OpenCLProgram
    shapes: dict[str, tuple[int, ...]]
    owner: int  # the launching thread


class ErrorRecords:
    """The error records of one OpenCL queue."""

    def __init__(self, cl: Any, ctx: Any, queue: Queue, align_bits: int):
        self._cl, self._ctx, self._queue = cl, ctx, queue
        self._stride = max(64, int(align_bits) // 8) // 8  # int64 per record (sub-buffer alignment)
        self._chunks: list[tuple[Any, list[Any]]] = []  # (buffer, its sub-buffers)
        self._free: list[tuple[int, int]] = []
        self._pending: list[_Pending] = []
        self._armed = False
        self._lock = threading.Lock()

    def take(self) -> tuple[tuple[int, int], Any]:
        """A zeroed record for one launch: ``(slot, sub-buffer)``; :meth:`commit` it once the launch is
        enqueued (a record committed earlier could be read before its kernel ran), else :meth:`release`."""
        with self._lock:
            if not self._free:
                self._grow()
            slot = self._free.pop()
        return slot, self._chunks[slot[0]][1][slot[1]]

    def release(self, slot: tuple[int, int]) -> None:
        with self._lock:
            self._free.append(slot)

    def commit(self, slot: tuple[int, int], program: Any, args: list[Any]) -> None:
        """The launch of ``program`` with ``args`` that writes ``slot`` is enqueued: check it (with its
        shapes, for the calling thread) at the queue's next wait."""
        shapes = {name: a.shape for name, a in zip(program.params, args) if isinstance(a, ArrayArg)}  # noqa: B905
        with self._lock:
            self._pending.append(_Pending(*slot, program, shapes, threading.get_ident()))
            arm, self._armed = not self._armed, True
        if arm:
            self._queue.add_check(self.check)

    def _grow(self) -> None:
        cl, n = self._cl, len(self._chunks)
        mf = cl.mem_flags
        buf = cl.Buffer(self._ctx, mf.READ_WRITE | mf.COPY_HOST_PTR,
                        hostbuf=np.zeros(CHUNK * self._stride, np.int64))
        subs = [buf.get_sub_region(i * self._stride * 8, 64) for i in range(CHUNK)]
        self._chunks.append((buf, subs))
        self._free.extend((n, i) for i in reversed(range(CHUNK)))

    def check(self) -> None:
        """Read the records of the launches so far (waits for them) and give each error to the thread
        that launched it; re-arm the failing records and free them all."""
        with self._lock:
            pending, self._pending, self._armed = self._pending, [], False
        if not pending:
            return
        clq = self._queue.native
        host = {}
        for c in sorted({p.chunk for p in pending}):
            host[c] = np.empty(CHUNK * self._stride, np.int64)
            self._cl.enqueue_copy(clq, host[c], self._chunks[c][0], is_blocking=True)
        try:
            for p in pending:
                at = p.index * self._stride
                record = host[p.chunk][at:at + 8]
                if record[0] != 0:
                    self._cl.enqueue_copy(clq, self._chunks[p.chunk][0], np.zeros(8, np.int64),
                                          dst_offset=at * 8, is_blocking=True)
                    self._queue.set_error(record_error(p.program, record, p.shapes), p.owner)
        finally:
            with self._lock:
                self._free.extend((p.chunk, p.index) for p in pending)


def record_error(program: Any, record: np.ndarray, shapes: dict[str, tuple[int, ...]]) -> Exception:
    """The exception an error record stands for (the words of every backend)."""
    flag, line, site_no, index, size = (int(x) for x in record[:5])
    site = program.sites[site_no] if 0 <= site_no < len(program.sites) else None
    where = f"{site.file}:{line}" if site is not None and site.file else f"line {line}"
    if flag == 2:
        return KernelRuntimeError(f"range() step is zero in kernel {program.py_name!r} at {where}")
    if site is None:
        return KernelIndexError(bounds_message(program.py_name, index, size))
    shape = site.shape or shapes.get(site.array)
    return KernelIndexError(bounds_message(program.py_name, index, size, site.axis, site.array,
                                           tuple(shape) if shape else None, where))
