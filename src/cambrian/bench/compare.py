"""``cambrian.bench.compare``: time your own implementations of one computation and validate them.

>>> import numpy as np
>>> from cambrian.bench import compare
>>> x = np.arange(1e5)
>>> res = compare({"sum": lambda a: a.sum(), "dot": lambda a: float(a @ np.ones_like(a))},
...               args=(x,), repeat=3)
>>> [r["correct"] for r in res.records]
[True, True]
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import report


def to_numpy(x: Any) -> Any:
    """A result as NumPy (or a tuple of them): Cambrian arrays, CuPy (``.get``), PyTorch, JAX, scalars."""
    if isinstance(x, tuple | list):
        return tuple(to_numpy(v) for v in x)
    if hasattr(x, "__cambrian_array__"):
        import cambrian

        return cambrian.asnumpy(x)
    if hasattr(x, "detach"):  # PyTorch
        return x.detach().cpu().numpy()
    if hasattr(x, "get") and hasattr(x, "__cuda_array_interface__"):  # CuPy
        return x.get()
    return np.asarray(x)


def default_sync(result: Any) -> Any:
    """Wait for asynchronous results: JAX ``block_until_ready``, Cambrian ``synchronize``, events."""
    for item in result if isinstance(result, tuple | list) else (result,):
        for attr in ("block_until_ready", "synchronize", "wait"):
            fn = getattr(item, attr, None)
            if callable(fn):
                fn()
                break
    return result


@dataclass
class CompareResult:
    """Records (one dict per implementation) with ``table()`` for display and ``best`` for the winner."""

    records: list[dict[str, Any]]
    reference: str

    @property
    def best(self) -> str | None:
        """Name of the fastest implementation whose result is correct."""
        ok = [r for r in self.records if r["correct"] and r["median_s"] is not None]
        return min(ok, key=lambda r: r["median_s"])["name"] if ok else None

    def table(self) -> str:
        """A text table: first call, median [min..max], speedup vs the reference, correctness."""
        head = ["implementation", "first call", "median", "min..max", f"vs {self.reference}", "status"]
        rows = [head]
        for r in self.records:
            status = "ok" if r["correct"] else (r["error"] or "WRONG")
            mark = " *" if r["name"] == self.best else ""
            rows.append([r["name"] + mark, report.fmt_time(r["first_s"]), report.fmt_time(r["median_s"]),
                         f"{report.fmt_time(r['min_s'])}..{report.fmt_time(r['max_s'])}",
                         report.fmt_ratio(r["speedup"]), status])
        widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
        return "\n".join("  ".join(row[i].ljust(widths[i]) for i in range(len(widths))) + "  " + row[-1]
                         for row in rows)

    def __str__(self) -> str:
        return self.table()


def _default_check(rtol: float, atol: float) -> Callable[[Any, Any], tuple[bool, str]]:
    def check(result: Any, ref: Any) -> tuple[bool, str]:
        res = result if isinstance(result, tuple) else (result,)
        exp = ref if isinstance(ref, tuple) else (ref,)
        if len(res) != len(exp):
            return False, f"{len(res)} outputs, reference has {len(exp)}"
        for r, e in zip(res, exp, strict=True):
            r, e = np.asarray(r), np.asarray(e)
            if r.shape != e.shape:
                return False, f"shape {r.shape} != reference {e.shape}"
            if not np.allclose(r, e, rtol=rtol, atol=atol, equal_nan=True):
                err = np.max(np.abs(r.astype(np.complex128) - e)) if r.size else 0.0
                return False, f"differs from reference (max abs error {float(err):.3g})"
        return True, ""

    return check


def compare(implementations: Mapping[str, Callable[..., Any]], args: Sequence[Any] = (),
            kwargs: Mapping[str, Any] | None = None, *, reference: str | None = None, repeat: int = 7,
            rtol: float = 1e-7, atol: float = 0.0,
            check: Callable[[Any, Any], tuple[bool, str] | bool] | None = None,
            sync: Callable[[Any], Any] = default_sync) -> CompareResult:
    """Time several implementations of the same computation on the same inputs and validate them.

    Each callable gets ``*args, **kwargs``; the first call (compilation included) is timed alone, then
    ``repeat`` more calls give the median/min/max. ``sync(result)`` runs inside the timed region (default:
    waits for JAX/Cambrian/CUDA results). Results are converted to NumPy and compared with the
    ``reference`` implementation's (default: the first) by ``np.allclose(rtol, atol)`` or ``check(result,
    ref) -> bool | (bool, why)``. A failing implementation is recorded with ``correct=False`` and its error,
    never as the fastest. Speedups are relative to the reference's median.
    """
    if not implementations:
        raise ValueError("compare() needs at least one implementation")
    reference = reference or next(iter(implementations))
    if reference not in implementations:
        raise ValueError(f"reference {reference!r} is not one of {list(implementations)}")
    kwargs = dict(kwargs or {})
    order = [reference] + [n for n in implementations if n != reference]
    checker = check or _default_check(rtol, atol)
    records: dict[str, dict[str, Any]] = {}
    ref_value: Any = None
    for name in order:
        fn = implementations[name]
        rec: dict[str, Any] = dict(name=name, first_s=None, median_s=None, min_s=None, max_s=None,
                                   repeat=0, speedup=None, correct=False, error="")
        records[name] = rec
        try:
            t0 = time.perf_counter()
            value = sync(fn(*args, **kwargs))
            rec["first_s"] = time.perf_counter() - t0
            host = to_numpy(value)
            if name == reference:
                ref_value, ok, why = host, True, ""
            else:
                verdict = checker(host, ref_value)
                ok, why = verdict if isinstance(verdict, tuple) else (bool(verdict), "")
            rec["correct"], rec["error"] = bool(ok), ("" if ok else f"WRONG: {why}".rstrip(": "))
            times = []
            for _ in range(max(1, repeat)):
                t0 = time.perf_counter()
                sync(fn(*args, **kwargs))
                times.append(time.perf_counter() - t0)
            rec.update(median_s=statistics.median(times), min_s=min(times), max_s=max(times),
                       repeat=len(times))
        except Exception as exc:
            rec["correct"], rec["error"] = False, f"ERROR: {type(exc).__name__}: {exc}"
            if name == reference:
                raise RuntimeError(f"reference implementation {name!r} failed: {exc}") from exc
    base = records[reference]["median_s"]
    for rec in records.values():
        if rec["correct"] and rec["median_s"]:
            rec["speedup"] = base / rec["median_s"]
    return CompareResult([records[n] for n in implementations], reference)
