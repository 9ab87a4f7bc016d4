"""The ``interp`` backend: a pure-Python reference interpreter of the IR, the semantic oracle.

Every other backend is compared with it, so it implements docs/semantics.md exactly (see
``interp_ops``) rather than fast. The IR is compiled once per module into nested closures
(``interp_eval``); a launch runs work-groups one after another and, inside a group, every work-item
as a Python generator that yields at each ``barrier()``; items run round-robin from barrier to
barrier. Local arrays are allocated (zero-filled) once per group, private arrays per item.

Differences from device backends, on purpose:

* Out-of-bounds indexing (negative indices included) always raises ``IndexError`` naming the kernel,
  the ``file:line`` of the access, the index, the shape and the work-item.
* Barrier divergence (an item finishing, or reaching another barrier, while others wait at one)
  raises :class:`~cambrian.errors.KernelRuntimeError`.
* Default local size (``local_size=None``): along dimension 0 the largest divisor of the global size
  that is <= 64, 1 along the other dimensions. The global size must be a multiple of the local size.

Stepping through a kernel
-------------------------
:func:`trace` calls a callback before every executed statement with a :class:`TraceEvent`
(``kernel``, ``function``, ``loc``, ``global_id``, ``local_id``, ``group_id``, ``locals``)::

    from cambrian.backends import interp

    def show(ev):
        if ev.global_id == (3,):                      # follow one work-item
            print(ev.loc.line, ev.locals)             # or: import pdb; pdb.set_trace()

    with interp.trace(show):
        vadd[8](a, b, c)                              # on the "interp" device

Inside the callback ``pdb`` shows the event; ``ev.locals`` is a copy of the scalar variables
(locals not yet assigned read as zero; arrays are the live NumPy views).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import config, queues
from ..cache import MemoryCache
from ..compiler import ir
from ..compiler.group_passes import inline_barrier_funcs
from ..errors import KernelRuntimeError, LaunchError, Loc
from ..queues import Event, Queue
from . import interp_build, interp_source
from .base import ArrayArg, Backend, Device, out_of_memory
from .host_pool import POOL
from .interp_eval import CompiledFunction, FunctionCompiler, WorkItem, where

MAX_WORK_GROUP_SIZE = 1024
DEFAULT_LOCAL_SIZE = 64


@dataclass(frozen=True)
class TraceEvent:
    """What :func:`trace` callbacks receive before each statement."""

    kernel: str
    function: str
    loc: Loc | None
    global_id: tuple[int, ...]
    local_id: tuple[int, ...]
    group_id: tuple[int, ...]
    locals: dict[str, Any]


_TRACE: contextvars.ContextVar[Callable[[TraceEvent], None] | None] = contextvars.ContextVar(
    "cambrian_interp_trace", default=None)


@contextlib.contextmanager
def trace(callback: Callable[[TraceEvent], None]) -> Iterator[None]:
    """Call ``callback(event)`` before each statement of every interpreted launch in this block."""
    token = _TRACE.set(callback)
    try:
        yield
    finally:
        _TRACE.reset(token)


class InterpProgram:
    """A module compiled to closures; the traced variant is built on first use."""

    def __init__(self, module: ir.Module):
        self.module = inline_barrier_funcs(module)  # barrier() in device functions: in the kernel body
        self.name = module.kernel.py_name or module.kernel.name
        self._variants: dict[bool, CompiledFunction] = {}
        self._lock = threading.Lock()
        self.kernel(False)  # compile eagerly so errors surface at compile time

    def kernel(self, traced: bool) -> CompiledFunction:
        if traced not in self._variants:
            with self._lock:
                if traced not in self._variants:
                    funcs: dict[str, Any] = dict.fromkeys(fn.name for fn in self.module.funcs)
                    for fn in self.module.funcs:
                        funcs[fn.name] = FunctionCompiler(fn, self.name, funcs, traced).compile()
                    self._variants[traced] = FunctionCompiler(
                        self.module.kernel, self.name, funcs, traced).compile()
        return self._variants[traced]


def default_local_size(global_size: tuple[int, ...]) -> tuple[int, ...]:
    """Largest divisor of ``global_size[0]`` that is <= 64, then 1 along the other dimensions."""
    g0 = global_size[0]
    l0 = next((d for d in range(min(g0, DEFAULT_LOCAL_SIZE), 0, -1) if g0 % d == 0), 1)
    return (l0, *(1 for _ in global_size[1:]))


def _sizes(global_size: tuple[int, ...], local_size: tuple[int, ...] | None, name: str
           ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    g = tuple(int(x) for x in global_size)
    if not 1 <= len(g) <= 3 or any(x < 0 for x in g):
        raise LaunchError(f"kernel {name!r}: global size {global_size} must be 1 to 3 sizes >= 0")
    lsize = default_local_size(g) if local_size is None else tuple(int(x) for x in local_size)
    if len(lsize) != len(g) or any(x < 1 for x in lsize):
        raise LaunchError(f"kernel {name!r}: local size {local_size} must be {len(g)} sizes >= 1")
    if any(gi % li for gi, li in zip(g, lsize, strict=True)):
        raise LaunchError(f"kernel {name!r}: global size {g} is not a multiple of local size {lsize}")
    if math.prod(lsize) > MAX_WORK_GROUP_SIZE:
        raise LaunchError(f"kernel {name!r}: work-group of {math.prod(lsize)} items exceeds "
                          f"{MAX_WORK_GROUP_SIZE}")
    return g, lsize


def element_view(arg: ArrayArg) -> np.ndarray:
    """The NumPy view of an array argument's elements inside its uint8 buffer."""
    if arg.view is not None:
        return arg.view
    itemsize = np.dtype(arg.dtype).itemsize
    return np.ndarray(arg.shape, arg.dtype, buffer=arg.buffer, offset=arg.offset * itemsize,
                      strides=[s * itemsize for s in arg.strides])


def _bind(cf: CompiledFunction, args: list[Any], name: str) -> list:
    params = cf.fn.params
    if len(args) != len(params):
        raise LaunchError(f"kernel {name!r} takes {len(params)} arguments, got {len(args)}")
    frame = cf.template.copy()
    for k, (p, a) in enumerate(zip(params, args, strict=True), 2):
        if isinstance(p.type, ir.ArrayT):
            view = element_view(a) if isinstance(a, ArrayArg) else a
            if not isinstance(view, np.ndarray) or view.ndim != p.type.ndim \
                    or view.dtype.name != p.type.dtype:
                raise LaunchError(f"kernel {name!r}: argument {p.name!r} must be a {p.type.ndim}-d "
                                  f"{p.type.dtype} array, got {getattr(view, 'dtype', type(view))}")
            frame[k] = view
        else:
            t = np.dtype(p.type.dtype).type
            try:
                frame[k] = a if type(a) is t else np.asarray(a).astype(t)[()]
            except (TypeError, ValueError) as exc:
                raise LaunchError(f"kernel {name!r}: argument {p.name!r}: {exc}") from None
    return frame


def _tracer(callback: Callable[[TraceEvent], None], kernel: str, dims: int) -> Callable[..., None]:
    def tracer(f: list, cf: CompiledFunction, loc: Loc | None) -> None:
        w = f[0]
        callback(TraceEvent(kernel, cf.display_name, loc, tuple(int(x) for x in w.gid[:dims]),
                            tuple(int(x) for x in w.lid[:dims]), tuple(int(x) for x in w.grp[:dims]),
                            cf.locals_of(f)))

    return tracer


def _run_group(cf: CompiledFunction, frames: list[list], name: str) -> None:
    """Run the work-items of one group round-robin from barrier to barrier."""
    pending = [(cf.body(f), f) for f in frames]
    while pending:
        waiting, finished = [], []
        for gen, f in pending:
            try:
                waiting.append((gen, f, next(gen)))
            except StopIteration:
                finished.append(f)
        if waiting and (finished or any(w[2][0] != waiting[0][2][0] for w in waiting)):
            first = waiting[0]
            other = next((w for w in waiting if w[2][0] != first[2][0]), None)
            what = (f"reached the barrier at {where(other[2][1])}" if other is not None
                    else "finished")
            lid = (other[1] if other is not None else finished[0])[0].local_id()
            raise KernelRuntimeError(
                f"barrier divergence in kernel {name!r}: work-item with local id {lid} {what} while "
                f"others wait at the barrier at {where(first[2][1])}; every work-item of a group must "
                "reach the same barriers")
        pending = [(gen, f) for gen, f, _ in waiting]


def run(program: InterpProgram, global_size: tuple[int, ...], local_size: tuple[int, ...] | None,
        args: list[Any]) -> None:
    """Execute one launch synchronously (the body of :meth:`InterpBackend.launch`)."""
    name = program.name
    g, lsize = _sizes(global_size, local_size, name)
    dims = len(g)
    callback = _TRACE.get()
    cf = program.kernel(traced=callback is not None)
    base = _bind(cf, args, name)
    tracer = _tracer(callback, name, dims) if callback is not None else None
    i64 = np.int64
    g3, l3 = (*g, 1, 1, 1)[:3], (*lsize, 1, 1, 1)[:3]
    n3 = tuple(a // b for a, b in zip(g3, l3, strict=True))
    gsize, lsz, ngroups = (tuple(i64(x) for x in t) for t in (g3, l3, n3))
    local_ids = [tuple(reversed(t)) for t in itertools.product(*(range(x) for x in reversed(l3)))]
    with np.errstate(all="ignore"):
        for grp in _groups(n3):
            grp64 = tuple(i64(x) for x in grp)
            group: dict = {}
            frames = []
            for lid in local_ids:
                f = base.copy()
                f[0] = WorkItem(tuple(i64(a * b + c) for a, b, c in zip(grp, l3, lid, strict=True)),
                                tuple(i64(x) for x in lid), grp64, gsize, lsz, ngroups, group, tracer, dims)
                frames.append(f)
            if cf.is_gen:
                _run_group(cf, frames, name)
            else:
                body = cf.body
                for f in frames:
                    body(f)


def _groups(n3: tuple[int, ...]) -> Iterator[tuple[int, int, int]]:
    """Group ids, dimension 0 fastest, generated lazily (``itertools.product`` would first make a tuple
    of every range: a MemoryError for a launch of 2**40 work-items)."""
    for z in range(n3[2]):
        for y in range(n3[1]):
            for x in range(n3[0]):
                yield x, y, z


class InterpBackend(Backend):
    """The reference interpreter as a backend (one host device, synchronous)."""

    name = "interp"
    asynchronous = False
    host_memory = True

    def __init__(self) -> None:
        self._programs = MemoryCache()

    def discover(self) -> list[Device]:
        from .. import __version__

        try:
            memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            memory = 0
        return [Device(backend="interp", kind="cpu", ordinal=None, name="Cambrian reference interpreter",
                       vendor="Cambrian", driver_version=__version__, global_memory=memory,
                       compute_units=1, max_work_group_size=MAX_WORK_GROUP_SIZE,
                       local_memory_size=64 * 1024, supports_float64=True, supports_atomics=True,
                       supports_local_memory=True, platform="python")]

    def self_test(self, device: Device) -> None:
        n = 8
        a, b = np.arange(n, dtype=np.float32), np.full(n, 0.5, np.float32)
        c = np.zeros(n, np.float32)
        program = self.compile(device, interp_build.vadd_module())
        self.launch(device, Queue(device), program, (n,), None, [a, b, c])
        if not np.array_equal(c, a + b):
            raise RuntimeError(f"interp self-test: vector add gave {c}, expected {a + b}")

    # -- allocator: buffers are NumPy uint8 arrays in host memory -------------------------------
    def alloc(self, device: Device, nbytes: int) -> np.ndarray:
        try:
            return POOL.alloc(nbytes)  # reused blocks: no page faults, no np.empty per array
        except MemoryError as exc:
            raise out_of_memory(device, nbytes, exc) from None

    def write(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> Event:
        data = np.ascontiguousarray(host).reshape(-1).view(np.uint8)
        buffer[byte_offset:byte_offset + data.size] = data
        return queues.completed(queue, "write")

    def read(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> None:
        out = host.reshape(-1).view(np.uint8)
        out[...] = buffer[byte_offset:byte_offset + out.size]

    def copy(self, device: Device, dst: Any, dst_offset: int, src: Any, src_offset: int, nbytes: int,
             queue: Queue) -> Event:
        dst[dst_offset:dst_offset + nbytes] = src[src_offset:src_offset + nbytes]
        return queues.completed(queue, "copy")

    def host_view(self, device: Device, buffer: Any) -> np.ndarray:
        return buffer

    # -- compile and launch ---------------------------------------------------------------------
    def compile(self, device: Device, module: ir.Module) -> InterpProgram:
        key = module.key()
        program = self._programs.get(key)
        if program is None:
            program = self._programs.put(key, InterpProgram(module))
        return program

    def launch(self, device: Device, queue: Queue, program: InterpProgram, global_size: tuple[int, ...],
               local_size: tuple[int, ...] | None, args: list[Any]) -> Event:
        start = time.perf_counter()
        run(program, tuple(global_size), None if local_size is None else tuple(local_size), args)
        times = (start, time.perf_counter()) if config.profiling() else None
        return queues.completed(queue, program.name, times)

    def source(self, device: Device | None, module: ir.Module) -> str:
        return interp_source.render(module)


BACKEND = InterpBackend()

__all__ = ["BACKEND", "InterpBackend", "InterpProgram", "TraceEvent", "default_local_size",
           "element_view", "run", "trace"]
