"""``cambrian bench``: validated comparison of pure Python, NumPy, Numba, PyOpenCL, Cambrian and friends.

Public API: :func:`compare` (benchmark your own implementations against each other) and :func:`run`
(the built-in workloads, as ``cambrian bench`` runs them). See docs/bench.md.
"""

from __future__ import annotations

from typing import Any

from .compare import CompareResult, compare
from .core import Record, Skip, Workload
from .runner import Options


def run(workloads: str | None = None, implementations: str | None = None, **options: Any) -> list[Record]:
    """Run the built-in workloads (comma lists as on the command line); ``options`` as :class:`Options`."""
    from . import registry
    from . import workloads as wl
    from .runner import run as run_rows

    options.setdefault("progress", False)
    return run_rows(wl.select(workloads), registry.select(implementations), Options(**options))


__all__ = ["CompareResult", "Options", "Record", "Skip", "Workload", "compare", "run"]
