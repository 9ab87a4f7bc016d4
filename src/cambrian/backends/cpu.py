"""The ``cpu`` backend: IR -> Python source (``compiler/render_py``) compiled by Numba
(``@njit(parallel=True, nogil=True)`` over ``prange``), running on host memory.

Local size: when a launch gives none, dimension 0 uses the largest divisor of the global size that is
<= 64 and the other dimensions 1 (as the interp backend); it only matters to kernels that ask for local
ids, group ids or local sizes, and to kernels with barriers or local arrays, which run per work-group.
Small launches (``config.cpu_serial_items()``) run each launcher's serial twin (``cpu_build``) on the
calling thread; larger ones the parallel launcher on Numba's thread pool (see ``SERIAL_BUDGET``).
Numba is imported lazily: importing this module is cheap and never fails.
"""

from __future__ import annotations

import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from .. import config
from ..errors import (
    CompileError,
    KernelIndexError,
    KernelRuntimeError,
    LaunchError,
    bounds_message,
    first_out_of_bounds,
    is_user_file,
)
from ..queues import Event, Queue, completed
from . import cpu_nrt
from .base import ArrayArg, Backend, BackendUnavailable, Device, out_of_memory
from .cpu_preload import CompileWithSLP
from .host_pool import POOL

ALIGN = 64

#: Numba's OpenMP workers spin between launches by default; when other processes hold the cores (a
#: second Dask worker, a neighbour's job), each launch then waits for a scheduler time slice: a
#: 100,000-element sum took 24 ms instead of 0.06 ms here under load. Passive waiting costs a few
#: microseconds per launch on an idle machine. Set before Numba loads its threading layer; a user's own
#: OMP_WAIT_POLICY wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

#: A launch of at most ``config.cpu_serial_items()`` work-items runs the kernel's serial twin on the
#: calling thread: no pool wake-up (~9 us with passive waiting here, ~20 us for 100,000 items), and no
#: wait for a pool thread that a busy machine has descheduled (a time slice, several ms). Each kernel
#: adapts its limit to the work-items that fit in this much time: lower when its serial launches take
#: more CPU time, higher (up to ``_SERIAL_MAX``) when a launch near the limit takes under a quarter.
SERIAL_BUDGET = 30e-6
_STRIKES = 3  # slow serial launches in a row before a kernel's limit drops
_SERIAL_MAX = 1 << 20
#: Whether this process ran a launch on Numba's pool, and whether it is a child forked after one: GNU
#: OpenMP is not fork-safe, and Numba's pool terminates such a child at its first parallel launch (a
#: ``multiprocessing`` pool with the "fork" start method then waits forever for the lost task). There
#: every launch runs its serial twin on the calling thread instead (one warning says so).
_POOL_STARTED = False
_FORKED = False
_WARNED_FORK: list[bool] = []


def _after_fork_in_child() -> None:
    global _FORKED
    _FORKED = _FORKED or _POOL_STARTED


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _user_level() -> int:
    """``stacklevel`` of the first frame outside the cambrian package (for a warning raised in it)."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and not is_user_file(frame.f_code.co_filename):
        level, frame = level + 1, frame.f_back
    return level


def _cpuinfo() -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                info.setdefault(k.strip(), v.strip())
    except OSError:
        pass
    return info


def _ram() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


@lru_cache(maxsize=1024)
def default_local(g0: int) -> int:
    """The largest divisor of ``g0`` that is <= 64 (1 for 0)."""
    return next(d for d in range(min(64, max(g0, 1)), 0, -1) if g0 % d == 0)


_prange = range  # numba.prange once self_test has imported Numba


def _vadd(a, b, c):  # self-test kernel (jitted lazily)
    for i in _prange(a.shape[0]):
        c[i] = a[i] + b[i]


class CPUProgram:
    """A built kernel: the generated module's launchers plus launch metadata."""

    def __init__(self, mod: Any, src: Any, module: Any, key: str):
        self.source = src.text
        self.group_mode = src.group_mode
        self.needs_local = src.needs_local
        self.array_pos = src.array_params
        self.sites = src.sites
        self.key = key
        self.name = module.kernel.py_name or module.kernel.name
        self.boundscheck = module.boundscheck
        self.has_err = src.err
        from .cpu_rt import ERR_MAXDIM, ERR_SIZE

        self.err_size, self.err_maxdim = ERR_SIZE, ERR_MAXDIM
        self.scalar_types = tuple((i, np.dtype(p.type.dtype).type) for i, p in enumerate(module.kernel.params)
                                  if i not in self.array_pos)
        slp = config.cpu_slp()

        def launcher(name: str) -> Any:
            fn = getattr(mod, name, None)
            return CompileWithSLP(fn) if slp and fn is not None else fn

        self.launch1, self.launch2, self.launch3, self.launchg, self.launch1s = (
            launcher(n) for n in ("_launch1", "_launch2", "_launch3", "_launchg", "_launch1s"))
        self.serial1, self.serial2, self.serial3, self.serialg = (
            launcher(f"_launch{n}_serial") for n in ("1", "2", "3", "g"))
        limit = config.cpu_serial_items()
        #: a kernel with loops has an unknown cost per work-item (Cambrian's chunked reductions run a few
        #: long ones): it starts on the pool, and a pool launch within the budget opens the serial path
        self.probe = limit > 0 and _has_loops(src.text)
        self.serial_items = 0 if self.probe else limit  # adapted by run_serial and run_pool
        self._verify = 0  # slow serial launches in a row (run_serial)

    def run_pool(self, fn: Any, items: int, args: tuple[Any, ...]) -> None:
        """Run the parallel launcher ``fn``; while probing, a launch within ``SERIAL_BUDGET`` (wall clock,
        so an upper bound) lets launches of up to as many work-items run serially."""
        global _POOL_STARTED
        if _FORKED:
            fn = self._forked_twin(fn)
        _POOL_STARTED = True
        if not self.probe:
            fn(*args)
            return
        t = time.perf_counter()
        fn(*args)
        if time.perf_counter() - t < SERIAL_BUDGET and items > self.serial_items:
            self.serial_items = min(items, _SERIAL_MAX)

    def _forked_twin(self, fn: Any) -> Any:
        """The serial twin of the parallel launcher ``fn`` (in a child forked after a pool launch)."""
        pairs = ((self.launch1, self.serial1), (self.launch2, self.serial2), (self.launch3, self.serial3),
                 (self.launchg, self.serialg))
        twin = next((s for p, s in pairs if p is fn), None)
        if twin is None:
            raise LaunchError(f"kernel {self.name!r} has no serial launcher, and this process was forked "
                              "from one that ran Numba's OpenMP pool (not fork-safe): use the 'spawn' start "
                              "method")
        if not _WARNED_FORK:
            _WARNED_FORK.append(True)
            warnings.warn("cambrian cpu: this process was forked after parallel launches; GNU OpenMP is "
                          "not fork-safe, so launches here run on one thread (use the 'spawn' or "
                          "'forkserver' start method for parallel launches in child processes)",
                          RuntimeWarning, stacklevel=_user_level())
        return twin

    def run_serial(self, fn: Any, items: int, args: tuple[Any, ...]) -> None:
        """Run the serial twin ``fn``. A launch slower than ``SERIAL_BUDGET`` (wall clock: cheap) has the
        next ones timed in thread CPU time (a preempted launch is not slow); ``serial_items`` drops only
        after ``_STRIKES`` slow launches in a row (the first ones after a compile warm caches up), and
        rises after a launch of at least half the limit within a quarter of the budget."""
        if self._verify:
            t = time.thread_time()
            fn(*args)
            t = time.thread_time() - t
            if t <= SERIAL_BUDGET:
                self._verify = 0
            elif self._verify < _STRIKES and t < 10 * SERIAL_BUDGET:  # far over: no warm-up noise
                self._verify += 1
            else:
                self.serial_items = min(self.serial_items, int(items * SERIAL_BUDGET / t))
                self._verify, self.probe = 0, False
            return
        t = time.perf_counter()
        fn(*args)
        t = time.perf_counter() - t
        if t > SERIAL_BUDGET:
            self._verify = 1
        elif 4 * t < SERIAL_BUDGET and 2 * items >= self.serial_items and self.serial_items < _SERIAL_MAX:
            # fast near the limit (a wall-clock time is never too short): more items fit in the budget
            self.serial_items = min(_SERIAL_MAX, int(items * SERIAL_BUDGET / max(t, 1e-7)))

    def __repr__(self) -> str:
        return f"<CPUProgram {self.name} {self.key[:12]}>"


class CPUBackend(Backend):
    name = "cpu"
    asynchronous = False
    host_memory = True

    def __init__(self) -> None:
        from ..cache import MemoryCache

        self._programs = MemoryCache()
        self._threads = os.cpu_count() or 1

    # -- discovery ---------------------------------------------------------------------------------
    def discover(self) -> list[Device]:
        try:
            import llvmlite
            import numba
        except ImportError as exc:
            raise BackendUnavailable("numba is not installed: pip install numba") from exc
        info = _cpuinfo()
        self._threads = numba.config.NUMBA_NUM_THREADS
        name = info.get("model name") or platform.processor() or platform.machine() or "CPU"
        return [Device(backend="cpu", kind="cpu", ordinal=None, name=name, vendor=info.get("vendor_id", ""),
                       driver_version=f"numba {numba.__version__} / llvmlite {llvmlite.__version__}",
                       global_memory=_ram(), compute_units=self._threads, max_work_group_size=1024,
                       local_memory_size=1 << 20, platform="numba")]

    def self_test(self, device: Device) -> None:
        global _prange
        from numba import njit, prange

        _prange = prange
        cpu_nrt.initialize()  # Numba's runtime machine code joins the disk cache on a first run too
        fn = njit(parallel=True, nogil=True, cache=True)(_vadd)
        a = np.arange(1000, dtype=np.float32)
        c = np.zeros_like(a)
        fn(a, a, c)
        if not np.array_equal(c, a + a):
            raise RuntimeError("numba self-test: vector add gave wrong results")

    # -- allocator ---------------------------------------------------------------------------------
    def alloc(self, device: Device, nbytes: int) -> np.ndarray:
        try:
            return POOL.alloc(nbytes)  # reused blocks: no page faults, no np.empty per array
        except MemoryError as exc:
            raise out_of_memory(device, nbytes, exc) from None

    def write(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> Event:
        src = np.ascontiguousarray(host).reshape(-1).view(np.uint8)
        buffer[byte_offset:byte_offset + src.size] = src
        return completed(queue)

    def read(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> None:
        dst = host.reshape(-1).view(np.uint8)
        dst[:] = buffer[byte_offset:byte_offset + dst.size]

    def copy(self, device: Device, dst: Any, dst_offset: int, src: Any, src_offset: int, nbytes: int,
             queue: Queue) -> Event:
        dst[dst_offset:dst_offset + nbytes] = src[src_offset:src_offset + nbytes]
        return completed(queue)

    def host_view(self, device: Device, buffer: Any) -> np.ndarray:
        return buffer

    # -- compile -----------------------------------------------------------------------------------
    def source(self, device: Device | None, module: Any) -> str:
        from ..compiler.render_py import render

        return render(module).text

    def compile(self, device: Device, module: Any) -> CPUProgram:
        from ..compiler.render_py import render
        from .cpu_build import load, program_key

        key = program_key(module, device.identity())
        prog = self._programs.get(key)
        if prog is None:
            if cpu_nrt.source is None:  # Numba's runtime from the disk cache: no compile of it per process
                cpu_nrt.initialize()
            mod, src = load(key, lambda cache: render(module, cache=cache))
            prog = self._programs.put(key, CPUProgram(mod, src, module, key))
        return prog

    # -- launch ------------------------------------------------------------------------------------
    def launch(self, device: Device, queue: Queue, program: CPUProgram, global_size: tuple[int, ...],
               local_size: tuple[int, ...] | None, args: list[Any]) -> Event:
        vals = _launch_values(program, args)
        err = None
        if program.has_err:
            err = np.zeros(program.err_size, np.int64)
            vals.append(err)
        try:
            if program.group_mode:
                self._run_groups(program, global_size, local_size, vals)
            elif len(global_size) == 1 and (local_size is None or global_size[0] == 1):
                g0 = global_size[0]
                if g0 == 1 and program.launch1s is not None:
                    program.launch1s(1, *vals)
                elif g0 <= program.serial_items and program.serial1 is not None:
                    program.run_serial(program.serial1, g0,
                                       (g0, default_local(g0) if program.needs_local else 1, *vals))
                else:
                    program.run_pool(program.launch1, g0,
                                     (g0, default_local(g0) if program.needs_local else 1, *vals))
            else:
                self._run_nd(program, global_size, local_size, vals)
        except Exception as exc:
            if _is_numba_error(exc):
                raise CompileError(f"Numba could not compile kernel {program.name!r}", program.source,
                                   str(exc)) from exc
            raise
        if err is not None and err[0]:
            queue.set_error(_index_error(program, err) if err[0] == 1 else _zero_step_error(program, err))
        return completed(queue)

    def long_items(self, program: CPUProgram) -> None:
        """No serial path by work-item count for ``program`` (launches of one work-item still run on the
        calling thread): its probe would open it after a small launch for the large ones."""
        program.probe = False
        program.serial_items = 0

    def bind(self, program: CPUProgram, global_size: tuple[int, ...], args: list[Any],
             slots: tuple[int, ...]) -> Callable[..., None] | None:
        """The launch :meth:`launch` makes, decided and converted once (see :meth:`Backend.bind`): one
        work-item on the calling thread, more on the pool (never the serial path by work-item count)."""
        if program.group_mode or program.has_err or len(global_size) != 1:
            return None
        g0 = global_size[0]
        serial = program.launch1s if g0 == 1 else None
        head = [1] if serial is not None else [g0, default_local(g0) if program.needs_local else 1]
        template = head + _launch_values(program, args, slots)
        at = [len(head) + i for i in slots]
        run_pool, fn = program.run_pool, program.launch1

        def run(*views: np.ndarray) -> None:
            call = list(template)
            for i, v in zip(at, views, strict=True):
                call[i] = v
            if serial is not None:
                serial(*call)
            else:
                run_pool(fn, g0, tuple(call))

        return run

    def _run_nd(self, program: CPUProgram, gs: tuple[int, ...], ls: tuple[int, ...] | None,
                vals: list[Any]) -> None:
        nd = len(gs)
        if ls is None:
            ls = (default_local(gs[0]) if program.needs_local else 1,) + (1,) * (nd - 1)
        elif len(ls) != nd:
            raise LaunchError(f"local size {ls} and global size {gs} differ in dimensions")
        rows = 1
        for g in gs[1:]:
            rows *= g
        if rows * gs[0] <= program.serial_items and program.serial1 is not None:
            fn = program.serial1 if nd == 1 else program.serial2 if nd == 2 else program.serial3
            program.run_serial(fn, rows * gs[0], (*gs, *ls, *(() if nd == 1 else (1,)), *vals))
            return
        if nd == 1:
            program.run_pool(program.launch1, gs[0], (gs[0], ls[0], *vals))
            return
        want = 4 * self._threads
        chunks = 1 if rows >= want else max(1, min(gs[0], -(-want // max(rows, 1))))
        fn = program.launch2 if nd == 2 else program.launch3
        program.run_pool(fn, rows * gs[0], (*gs, *ls, chunks, *vals))

    def _run_groups(self, program: CPUProgram, gs: tuple[int, ...], ls: tuple[int, ...] | None,
                    vals: list[Any]) -> None:
        g3 = tuple(gs) + (1,) * (3 - len(gs))
        if ls is None:
            l3 = (default_local(g3[0]), 1, 1)
        else:
            if len(ls) != len(gs):
                raise LaunchError(f"local size {ls} and global size {gs} differ in dimensions")
            l3 = tuple(ls) + (1,) * (3 - len(ls))
        if any(lsz <= 0 or g % lsz for g, lsz in zip(g3, l3, strict=True)):
            raise LaunchError(f"global size {tuple(gs)} is not a multiple of local size {tuple(ls or l3)} "
                              f"(kernel {program.name!r} uses barrier() or local arrays)")
        if l3[0] * l3[1] * l3[2] > 1024:
            raise LaunchError(f"local size {tuple(ls or l3)} exceeds the cpu device's maximum of "
                              "1024 work-items")
        if g3[0] * g3[1] * g3[2] <= program.serial_items and program.serialg is not None:
            program.run_serial(program.serialg, g3[0] * g3[1] * g3[2], (*g3, *l3, *vals))
            return
        program.run_pool(program.launchg, g3[0] * g3[1] * g3[2], (*g3, *l3, *vals))


def _has_loops(text: str) -> bool:
    """Whether a function of the generated module other than the launchers has a loop."""
    name = ""
    for line in text.splitlines():
        if line.startswith("def "):
            name = line[4:]
        elif name and not name.startswith("_launch") and line.lstrip().startswith(("for ", "while ")):
            return True
    return False


def _launch_values(program: CPUProgram, args: list[Any], skip: tuple[int, ...] = ()) -> list[Any]:
    """``args`` as the launchers take them: arrays as NumPy views, scalars as the parameters' NumPy
    types (positions in ``skip`` left as they are: :meth:`CPUBackend.bind` fills them per call)."""
    vals = list(args)
    for i in program.array_pos:
        if i not in skip:
            a = vals[i]
            v = a.view
            vals[i] = v if v is not None else _element_view(a)
    for i, t in program.scalar_types:
        if i not in skip and vals[i].__class__ is not t:
            vals[i] = t(vals[i])
    return vals


def _element_view(a: ArrayArg) -> np.ndarray:
    itemsize = np.dtype(a.dtype).itemsize
    return np.ndarray(a.shape, a.dtype, buffer=a.buffer, offset=a.offset * itemsize,
                      strides=tuple(s * itemsize for s in a.strides))


def _is_numba_error(exc: Exception) -> bool:
    from numba.core.errors import NumbaError

    return isinstance(exc, NumbaError)


def _zero_step_error(program: CPUProgram, err: np.ndarray) -> KernelRuntimeError:
    site = int(err[1])
    file, line, _ = program.sites[site] if 0 <= site < len(program.sites) else ("<unknown>", 0, "")
    return KernelRuntimeError(f"range() step is zero in kernel {program.name!r} at {file}:{line}")


def _index_error(program: CPUProgram, err: np.ndarray) -> KernelIndexError:
    site, ndim = int(err[1]), int(err[2])
    file, line, array = program.sites[site] if 0 <= site < len(program.sites) else ("<unknown>", 0, "")
    index = tuple(int(x) for x in err[3:3 + ndim])
    m = program.err_maxdim
    shape = tuple(int(x) for x in err[3 + m:3 + m + ndim])
    axis, i, n = first_out_of_bounds(index, shape)
    return KernelIndexError(bounds_message(program.name, i, n, axis, array, shape, f"{file}:{line}"))


BACKEND = CPUBackend()
