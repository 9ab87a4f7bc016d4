"""The timing loop: first call, steady state, copy phases, validation, thread scaling, speedups."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import registry
from .core import DeviceSpec, Impl, Inputs, Prepared, Record, Skip, Workload

SEED = 20240501


@dataclass
class Options:
    """What to run: ``sizes`` overrides per workload name; ``scaling`` None means "unless quick"."""

    quick: bool = False
    repeat: int | None = None
    sizes: dict[str, int] = field(default_factory=dict)
    devices: str | None = None
    scaling: bool | None = None
    progress: bool = True
    row_budget_s: float | None = None

    @property
    def repeats(self) -> int:
        return self.repeat if self.repeat is not None else (3 if self.quick else 5)

    @property
    def do_scaling(self) -> bool:
        return (not self.quick) if self.scaling is None else self.scaling

    @property
    def budget(self) -> float:
        return self.row_budget_s if self.row_budget_s is not None else (1.0 if self.quick else 10.0)


def size_of(w: Workload, opts: Options, mode: str | None) -> int:
    """Problem size of a row: full (default/quick/--size), or the reduced/tiny one of scaled rows."""
    full = w.fit(opts.sizes.get(w.name, w.quick_size if opts.quick else w.size))
    if mode is None:
        return full
    small = w.reduced_size if mode == "reduced" else w.tiny_size // (4 if opts.quick else 1)
    return w.fit(min(full, max(1, small)))


class Data:
    """Inputs and reference results per size, made once (seeded: every implementation sees the same)."""

    def __init__(self, workload: Workload):
        self.w = workload
        self._cache: dict[int, tuple[Inputs, Any]] = {}

    def get(self, size: int) -> tuple[Inputs, Any]:
        if size not in self._cache:
            inputs = self.w.make_inputs(size, np.random.default_rng(SEED))
            self._cache[size] = (inputs, self.w.reference(inputs))
        return self._cache[size]


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _repeat(fn: Callable[[], Any], repeat: int, budget: float, min_runs: int = 3) -> list[float]:
    """Run ``fn`` ``repeat`` times, or fewer (at least ``min_runs``) once ``budget`` seconds are spent."""
    times: list[float] = []
    while len(times) < max(1, repeat):
        times.append(_timed(fn)[0])
        if sum(times) > budget and len(times) >= min(min_runs, repeat):
            break
    return times


#: Seconds of sleep before a threaded row's steady-state timing. OpenBLAS's worker threads spin for
#: about 0.1 s after a BLAS call returns; on 2 cores a spinning pool of the previous row's library
#: halves the speed of a threaded row timed right after it.
SETTLE = 0.12


def measure(prep: Prepared, inputs: Inputs, ref: Any, check: Callable[[Any, Any], tuple[bool, str]],
            repeat: int, budget: float, min_runs: int = 3, settle: float = 0.0) -> dict[str, Any]:
    """Time one prepared implementation; the result is validated before any steady-state timing,
    which starts after ``settle`` seconds of sleep."""
    t_in, state = _timed(lambda: prep.copy_in(inputs))
    t_compute, out = _timed(lambda: prep.compute(state))
    t_out, host = _timed(lambda: prep.copy_out(out))
    res: dict[str, Any] = {"first_s": t_in + t_compute + t_out}
    try:
        ok, detail = check(host, ref)
    except Exception as exc:
        ok, detail = False, f"result not comparable: {type(exc).__name__}: {exc}"
    res.update(correct=bool(ok), detail=detail)
    if settle:
        time.sleep(settle)
    times = _repeat(lambda: prep.compute(state), repeat, budget, min_runs)
    res.update(median_s=statistics.median(times), min_s=min(times), max_s=max(times), repeat=len(times))
    if prep.offloaded:
        n = min(3, max(1, repeat))
        res["copy_in_s"] = statistics.median(_repeat(lambda: prep.copy_in(inputs), n, budget, min_runs))
        res["copy_out_s"] = statistics.median(_repeat(lambda: prep.copy_out(out), n, budget, min_runs))
        res["end_to_end_s"] = res["copy_in_s"] + res["median_s"] + res["copy_out_s"]
    return res


def max_threads() -> int:
    try:
        import numba

        return int(numba.config.NUMBA_NUM_THREADS)
    except ImportError:
        return 1


def thread_scaling(prep: Prepared, inputs: Inputs, repeat: int, budget: float) -> dict[str, float]:
    """Median compute time for 1..N threads (N = Numba's thread count); restores N afterwards."""
    if prep.set_threads is None:
        return {}
    top = max_threads()
    state = prep.copy_in(inputs)
    out: dict[str, float] = {}
    try:
        for k in range(1, top + 1):
            prep.set_threads(k)
            prep.compute(state)  # warm-up at this thread count
            out[str(k)] = statistics.median(_repeat(lambda: prep.compute(state), min(3, repeat), budget))
    finally:
        prep.set_threads(top)
    return out


@dataclass(frozen=True)
class Task:
    workload: Workload
    impl: Impl
    device: DeviceSpec | None  # None: the implementation was skipped before choosing a device
    skip: str | None = None


def plan(workloads: list[Workload], impls: list[Impl], opts: Options) -> list[Task]:
    """Every row to produce, in table order; unavailable tools become one skipped row per workload."""
    where: dict[str, list[DeviceSpec] | str] = {}
    for impl in impls:
        reason = registry.missing_requirement(impl)
        if reason is None:
            try:
                found = [d for d in registry.devices_of(impl) if registry.device_selected(opts.devices, d)]
                where[impl.name] = found
            except Skip as exc:
                where[impl.name] = str(exc)
        else:
            where[impl.name] = reason
    tasks = []
    for w in workloads:
        for impl in impls:
            devs = where[impl.name]
            if w.arrays_only and not impl.array_library:
                tasks.append(Task(w, impl, None, "array expressions: array libraries only"))
            elif isinstance(devs, str):
                tasks.append(Task(w, impl, None, devs))
            else:
                tasks.extend(Task(w, impl, d) for d in devs)
    return tasks


def run_task(task: Task, data: Data, opts: Options) -> Record:
    """Build, validate and time one row."""
    w, impl, dev = task.workload, task.impl, task.device
    mode = "reduced" if impl.reduced else (dev.reduced if dev else None)
    full = size_of(w, opts, None)
    rec = Record(w.name, impl.name, impl.family, dev.label if dev else "-", full)
    if task.skip:
        rec.skipped_reason = task.skip
        return rec
    assert dev is not None
    size = size_of(w, opts, mode)
    inputs, ref = data.get(size)
    try:
        prep = impl.build(w, dev)
        res = measure(prep, inputs, ref, w.check, opts.repeats, opts.budget, 1 if opts.quick else 3,
                      SETTLE if impl.threaded else 0.0)
    except Skip as exc:
        rec.skipped_reason = str(exc)
        return rec
    except Exception as exc:  # a crash is a failed row, reported with its message
        rec.correct, rec.detail = False, f"error: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        return rec
    rec.note = prep.note
    for key, value in res.items():
        setattr(rec, key, value)
    if mode:
        scale_steady_state(rec, size, w.work(full) / w.work(size))
    elif opts.do_scaling and impl.threaded and rec.correct:
        rec.thread_scaling = thread_scaling(prep, inputs, opts.repeats, opts.budget)
    if rec.ok and rec.median_s:
        work = w.work(full)
        rec.gb_s = w.bytes_per_unit * work / rec.median_s / 1e9 if w.bytes_per_unit else None
        rec.gflop_s = w.flops_per_unit * work / rec.median_s / 1e9 if w.flops_per_unit else None
    return rec


#: Steady-state times of a scaled row, multiplied by the work ratio. The first call (mostly compilation)
#: and the copies are left as measured at the smaller size: scaling them would invent compile times.
SCALED_KEYS = ("median_s", "min_s", "max_s")


def scale_steady_state(rec: Record, measured_size: int, scale: float) -> None:
    """Turn a row measured at ``measured_size`` into an estimate for the full size (``rec.scaled``)."""
    rec.measured_size, rec.scaled = measured_size, True
    for key in SCALED_KEYS:
        if getattr(rec, key) is not None:
            setattr(rec, key, getattr(rec, key) * scale)
    rec.end_to_end_s = None  # copies at one size plus compute at another: not a meaningful sum
    rec.note = (rec.note + "; " if rec.note else "") + (
        f"measured at size {measured_size}; median/min/max scaled x{scale:.4g} (estimates), "
        "first call and copies as measured")


def add_speedups(records: list[Record]) -> None:
    """Speedups vs pure Python and NumPy (host) per workload; only correct rows get (or give) one."""
    base: dict[tuple[str, str], float] = {}
    for r in records:
        if r.ok and r.implementation in ("python", "numpy") and r.device == "host":
            base[(r.workload, r.implementation)] = r.median_s  # type: ignore[assignment]
    for r in records:
        if not r.ok:
            continue
        py, np_ = base.get((r.workload, "python")), base.get((r.workload, "numpy"))
        r.speedup_vs_python = py / r.median_s if py else None  # type: ignore[operator]
        r.speedup_vs_numpy = np_ / r.median_s if np_ else None  # type: ignore[operator]


def _progress(tasks: list[Task], enabled: bool) -> Iterator[Task]:
    if not enabled:
        yield from tasks
        return
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:
        bar = tqdm(tasks, file=sys.stderr, unit="row", dynamic_ncols=True)
        for t in bar:
            where = t.device.label if t.device else "(skipped)"
            bar.set_description(f"{t.workload.name} {t.impl.name} {where}")
            yield t
        return
    for i, t in enumerate(tasks, 1):
        label = t.device.label if t.device else "-"
        print(f"[{i}/{len(tasks)}] {t.workload.name} {t.impl.name} {label}", file=sys.stderr, flush=True)
        yield t


def run(workloads: list[Workload], impls: list[Impl], opts: Options) -> list[Record]:
    """Run every (workload, implementation, device) row and return the records, speedups filled in."""
    tasks = plan(workloads, impls, opts)
    data = {w.name: Data(w) for w in workloads}
    records = []
    for i, task in enumerate(_progress(tasks, opts.progress)):
        records.append(run_task(task, data[task.workload.name], opts))
        if i + 1 == len(tasks) or tasks[i + 1].workload is not task.workload:
            data[task.workload.name] = Data(task.workload)  # free the inputs of a finished workload
    add_speedups(records)
    return records
