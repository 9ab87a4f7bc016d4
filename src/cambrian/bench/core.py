"""Data types shared by the benchmark tables: workloads, implementations, prepared runs, records."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Inputs = tuple[Any, ...]
Check = Callable[[Any, Any], tuple[bool, str]]


class Skip(Exception):
    """An implementation cannot run here; the message is the reason shown in the skipped row."""


def _identity(x: Any) -> Any:
    return x


@dataclass(frozen=True)
class Workload:
    """One computation, with its inputs, its reference result and how to check an answer.

    ``kind`` names the kernel family implementations provide (``vadd_f32`` and ``vadd_f64`` share
    ``vadd``); ``work(size)`` counts work units (elements, pixels, multiply-adds, interactions) used to
    scale reduced-size runs and to compute bandwidth (``bytes_per_unit``) and GFLOP/s (``flops_per_unit``).
    ``arrays_only`` workloads are array expressions: only array libraries (``Impl.array_library``) run them.
    """

    name: str
    kind: str
    title: str
    size: int
    quick_size: int
    reduced_size: int  # pure Python / interpreter runs, scaled per work unit
    tiny_size: int  # the Cambrian interp device (an interpreter of the IR: slower still)
    make_inputs: Callable[[int, np.random.Generator], Inputs]
    reference: Callable[[Inputs], Any]
    check: Check
    work: Callable[[int], float]
    bytes_per_unit: float = 0.0
    flops_per_unit: float = 0.0
    size_multiple: int = 1
    arrays_only: bool = False  # array-expression workloads: only array libraries (Impl.array_library) run

    def fit(self, size: int) -> int:
        """``size`` rounded up to a multiple of ``size_multiple`` (tiled kernels need whole tiles)."""
        m = self.size_multiple
        return max(m, -(-int(size) // m) * m)


@dataclass(frozen=True)
class DeviceSpec:
    """Where an implementation runs: ``label`` is shown in the table (``host``, ``opencl:cpu:0``...)."""

    label: str
    kind: str = "cpu"  # cpu / gpu / accelerator
    handle: Any = None
    reduced: str | None = None  # None, "reduced" or "tiny": run at a smaller size and scale


HOST = DeviceSpec("host")


@dataclass
class Prepared:
    """A runnable implementation of one workload on one device.

    ``copy_in(inputs) -> state``; ``compute(state) -> result`` (synchronised: the work is done when
    it returns); ``copy_out(result) -> host result`` (NumPy arrays or floats). Host implementations
    keep the identity copies; offloaded ones time the three phases separately.
    """

    compute: Callable[[Any], Any]
    copy_in: Callable[[Inputs], Any] = _identity
    copy_out: Callable[[Any], Any] = _identity
    offloaded: bool = False
    set_threads: Callable[[int], None] | None = None
    note: str = ""


@dataclass(frozen=True)
class Impl:
    """One implementation family: ``build(workload, device) -> Prepared`` or raise :class:`Skip`.

    ``devices()`` lists where it runs (host only when None); ``requires`` are modules that must import.
    """

    name: str
    family: str
    build: Callable[[Workload, DeviceSpec], Prepared]
    requires: Sequence[str] = ()
    devices: Callable[[], list[DeviceSpec]] | None = None
    reduced: bool = False
    threaded: bool = False
    description: str = ""
    array_library: bool = False  # an array namespace (NumPy, CuPy, Cambrian...): runs arrays_only workloads


@dataclass
class Record:
    """One row of results: a (workload, implementation, device) triple."""

    workload: str
    implementation: str
    family: str
    device: str
    size: int
    measured_size: int | None = None
    scaled: bool = False
    first_s: float | None = None
    median_s: float | None = None
    min_s: float | None = None
    max_s: float | None = None
    repeat: int = 0
    copy_in_s: float | None = None
    copy_out_s: float | None = None
    end_to_end_s: float | None = None
    speedup_vs_python: float | None = None
    speedup_vs_numpy: float | None = None
    gb_s: float | None = None
    gflop_s: float | None = None
    correct: bool | None = None
    detail: str = ""
    skipped_reason: str | None = None
    thread_scaling: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @property
    def ok(self) -> bool:
        """Timed and correct: eligible for speedups and for "best" labels."""
        return self.skipped_reason is None and bool(self.correct) and self.median_s is not None


# ---- checks: each returns (ok, detail) ---------------------------------------------------------------

def _parts(x: Any) -> list[np.ndarray]:
    if isinstance(x, tuple | list):
        return [np.asarray(p) for p in x]
    return [np.asarray(x)]


def _per_part(compare: Callable[[np.ndarray, np.ndarray], str]) -> Check:
    """A check applying ``compare(part, ref_part) -> problem ('' if none)`` to each output part, after
    checking that the outputs pair up with the same shapes."""

    def check(result: Any, ref: Any) -> tuple[bool, str]:
        res, exp = _parts(result), _parts(ref)
        if len(res) != len(exp):
            return False, f"expected {len(exp)} outputs, got {len(res)}"
        for r, e in zip(res, exp, strict=True):
            problem = f"shape {r.shape} != {e.shape}" if r.shape != e.shape else compare(r, e)
            if problem:
                return False, problem
        return True, ""

    return check


def close(rtol: float, atol: float = 0.0) -> Check:
    """Elementwise ``|r - ref| <= atol + rtol * |ref|`` on every part of the result."""

    def compare(r: np.ndarray, e: np.ndarray) -> str:
        err = np.abs(r.astype(np.float64) - e)
        bad = ~(err <= atol + rtol * np.abs(e))
        if not bad.any():
            return ""
        return f"{int(bad.sum())} of {r.size} values off (max abs error {np.nanmax(err):.3g})"

    return _per_part(compare)


def close_to_max(rtol: float) -> Check:
    """``max |r - ref| <= rtol * max |ref|`` per part: for sums whose order differs between tools."""

    def compare(r: np.ndarray, e: np.ndarray) -> str:
        err = float(np.max(np.abs(r.astype(np.float64) - e))) if r.size else 0.0
        scale = float(np.max(np.abs(e))) if e.size else 0.0
        return "" if err <= rtol * scale else f"max abs error {err:.3g} > {rtol:g} x max |ref| {scale:.3g}"

    return _per_part(compare)


def mismatch_fraction(max_fraction: float) -> Check:
    """Integer maps (Mandelbrot counts): at most ``max_fraction`` of the entries may differ."""

    def check(result: Any, ref: Any) -> tuple[bool, str]:
        r, e = np.asarray(result), np.asarray(ref)
        if r.shape != e.shape:
            return False, f"shape {r.shape} != {e.shape}"
        frac = float(np.mean(r != e)) if e.size else 0.0
        if frac > max_fraction:
            return False, f"{frac:.2%} of entries differ (allowed {max_fraction:.2%})"
        return True, ""

    return check


def match_scalars(inputs: Inputs) -> Inputs:
    """Python float scalars take the dtype of the first floating-point array (float32 kernels stay so)."""
    ftype = next((x.dtype.type for x in inputs if isinstance(x, np.ndarray) and x.dtype.kind == "f"), None)
    if ftype is None:
        return inputs
    return tuple(ftype(x) if isinstance(x, float) else x for x in inputs)


@dataclass(frozen=True)
class Partials:
    """Layout of a two-pass reduction: ``groups`` work-items, each summing ``chunk`` elements.

    Element ``j`` of work-item ``g`` is ``g * outer + j * inner``: contiguous chunks on CPU devices
    (``outer=chunk, inner=1``), a grid stride on GPUs (``outer=1, inner=groups``: coalesced loads).
    """

    groups: int
    chunk: int
    outer: int
    inner: int

    @classmethod
    def layout(cls, n: int, kind: str, compute_units: int) -> Partials:
        groups = max(1, min(n, max(1, compute_units) * (2048 if kind == "gpu" else 8)))
        chunk = -(-n // groups)
        return cls(groups, chunk, 1, groups) if kind == "gpu" else cls(groups, chunk, chunk, 1)


def finish_partials(kind: str, partials: np.ndarray, n: int) -> float:
    """Host pass of a reduction over per-work-item partial results."""
    total = partials.sum()
    return 4.0 * int(total) / n if kind == "pi" else float(total)
