"""Queues and events: in-order queues per device, events with profiling times, and errors from
asynchronous device work raised at the next wait on their queue."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .errors import CambrianError, KernelRuntimeError


class Event:
    """Completion of one piece of device work.

    ``wait()`` blocks until done and raises the error of that work (or of any earlier work on its
    queue that failed). ``start``/``end`` are seconds (floats) when profiling was on, else None.
    """

    __slots__ = ("_native", "_wait", "label", "queue")

    def __init__(self, queue: Queue | None = None, wait: Callable[[], None] | None = None,
                 native: Any = None, label: str = ""):
        self.queue = queue
        self._wait = wait
        self._native = native
        self.label = label

    @property
    def native(self) -> Any:
        """The backend's own event object (``pyopencl.Event``, ``cupy.cuda.Event``...) or None."""
        return self._native

    def wait(self) -> None:
        if self._wait is not None:
            try:
                self._wait()
            except CambrianError:
                raise
            except Exception as exc:  # a driver error of asynchronous work: name the work
                raise KernelRuntimeError(f"{self.label or 'device work'} failed: {exc}") from None
            self._wait = None
        if self.queue is not None:
            self.queue.raise_pending()

    @property
    def complete(self) -> bool:
        return self._wait is None

    @property
    def start(self) -> float | None:
        return self._times()[0]

    @property
    def end(self) -> float | None:
        return self._times()[1]

    @property
    def elapsed(self) -> float | None:
        """``end - start`` in seconds when profiling was on."""
        s, e = self._times()
        return None if s is None or e is None else e - s

    def _times(self) -> tuple[float | None, float | None]:
        times = getattr(self._native, "cambrian_times", None)
        if callable(times):
            self.wait()
            return times()
        if isinstance(self._native, tuple):
            return self._native
        return None, None

    def __repr__(self) -> str:
        state = "complete" if self.complete else "pending"
        return f"<cambrian.Event {self.label or 'work'} {state}>"


class Queue:
    """An in-order queue on one device, shared by every thread that uses the device.

    Backends enqueue work and register *checks* (callables run after the queue drains, e.g. reading a
    bounds-check error record). ``synchronize()`` waits for all work, runs the checks and raises the
    first error of the calling thread's own work, as a Python exception naming the kernel. Errors
    belong to the thread that enqueued the failing work: raised once, at that thread's next wait on
    the queue or on an event of it, never in another thread's.
    """

    def __init__(self, device: Any, native: Any = None, finish: Callable[[], None] | None = None):
        self.device = device
        self.native = native
        self._finish = finish
        self._lock = threading.Lock()
        self._checking = threading.Lock()
        self._checks: list[tuple[int, Callable[[], None]]] = []
        self._errors: dict[int, BaseException] = {}  # thread id -> its first pending error

    def add_check(self, check: Callable[[], None], owner: int | None = None) -> None:
        """Run ``check`` at the next synchronisation (of any thread); what it raises is an error of the
        thread ``owner`` (default: the calling thread). A check may instead call :meth:`set_error`
        for the threads whose work failed."""
        with self._lock:
            self._checks.append((threading.get_ident() if owner is None else owner, check))

    def set_error(self, error: BaseException, owner: int | None = None) -> None:
        """Record ``error`` for the thread ``owner`` (default: the calling thread); its first error wins."""
        with self._lock:
            self._errors.setdefault(threading.get_ident() if owner is None else owner, error)

    def synchronize(self) -> None:
        """Wait for all enqueued work and raise the first error of this thread's work."""
        if self._finish is not None:
            try:
                self._finish()
            except Exception as exc:  # a driver error from asynchronous work
                self.set_error(KernelRuntimeError(f"device work failed on {self.device}: {exc}"))
        self.raise_pending()

    def raise_pending(self) -> None:
        """Run the pending checks, then raise the calling thread's first error (if any)."""
        with self._checking:  # also waits for checks another thread is running (they may be ours)
            if self._checks:
                with self._lock:
                    checks, self._checks = self._checks, []
                for owner, check in checks:
                    try:
                        check()
                    except Exception as exc:
                        self.set_error(exc, owner)
        if self._errors:
            with self._lock:
                error = self._errors.pop(threading.get_ident(), None)
            if error is not None:
                raise error

    def __repr__(self) -> str:
        return f"<cambrian.Queue on {self.device}>"


def completed(queue: Queue | None = None, label: str = "", times: tuple[float, float] | None = None) -> Event:
    """An already-complete event (synchronous backends)."""
    return Event(queue, None, times, label)
