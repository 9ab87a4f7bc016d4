"""Cambrian's array namespace as one more array library of the benchmark (``cambrian-array``).

The same expressions as NumPy, CuPy, PyTorch, JAX and Dask (``impls_arrays.FUNCS``) with ``xp = cambrian``,
on every Cambrian device: arrays are copied in with ``cambrian.asarray(x, device=...)`` (copies timed
separately, like the kernel rows), results are synchronised and read back with ``cambrian.asnumpy``. The
``interp`` device's reductions run in the reference interpreter: it runs at the tiny size and is scaled.

Its matmul rows are the library path (BLAS where the memory is host memory, cuBLAS on CUDA);
``cambrian-array-kernel`` (:data:`KERNEL_IMPLS`) times the same products through Cambrian's own generated
kernels (``matmul_kernel``: what OpenCL GPUs without a BLAS get), side by side.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import numpy as np

from .core import DeviceSpec, Impl, Prepared, Skip, Workload
from .impls_arrays import FUNCS, Tool, _builder, _host_value, _map

#: Workloads whose array form needs parts of the namespace that have not landed yet: kind -> (probe, why).
#: A probe is an attribute of ``cambrian`` (or of ``cambrian.Array``) whose presence lifts the skip.
MISSING: dict[str, tuple[str, str]] = {
    "nbody": ("Array.sum", "the shared N-body expression uses the NumPy method x.sum(axis=...)"),
}


def _cb() -> Any:
    try:
        return importlib.import_module("cambrian")
    except Exception as exc:  # an in-progress API is a skipped row, never a crash
        raise Skip(f"cambrian unavailable: {type(exc).__name__}: {exc}") from None


def _devices() -> list[DeviceSpec]:
    cb = _cb()
    for name in ("asarray", "asnumpy", "sum", "exp"):
        if not callable(getattr(cb, name, None)):
            raise Skip(f"cambrian array namespace incomplete: cambrian.{name} is missing")
    return [DeviceSpec(str(d), d.kind, d, "tiny" if d.backend == "interp" else None)
            for d in cb.devices() if getattr(d, "usable", True)]


def _to_device(x: np.ndarray, dev: DeviceSpec) -> Any:
    return _sync(_cb().asarray(x, device=dev.handle), dev)


def _to_host(x: Any) -> Any:
    return _host_value(_cb().asnumpy(x)) if hasattr(x, "__cambrian_array__") else x


def _sync(result: Any, dev: DeviceSpec) -> Any:
    _map(lambda r: r.synchronize() if hasattr(r, "synchronize") else None, result)
    return result


TOOL = Tool("cambrian-array", "cambrian", _devices, lambda d: _cb(), _to_device, _to_host, _sync)


def _has(cb: Any, probe: str) -> bool:
    owner, _, attr = probe.rpartition(".")
    return hasattr(getattr(cb, owner) if owner else cb, attr)


def build(workload: Workload, device: DeviceSpec) -> Prepared:
    """The shared array expression of ``workload`` with ``xp = cambrian`` on ``device``."""
    missing = MISSING.get(workload.kind)
    if missing and not _has(_cb(), missing[0]):
        raise Skip(f"cambrian array namespace: {missing[1]}")
    if workload.kind not in FUNCS:
        raise Skip(f"no array expression for {workload.kind}")
    prep = _builder(TOOL)(workload, device)
    prep.offloaded = True  # device arrays, even in host memory: copy in/out shown apart, as kernel rows
    return prep


IMPLS = [Impl("cambrian-array", "cambrian", build, requires=("cambrian",), devices=_devices, threaded=True,
              description="cambrian array namespace (xp = cambrian) on each device", array_library=True)]


def _kernel_matmul(a: Any, b: Any, xp: Any) -> Any:
    from ..array._linear_algebra import matmul_kernel

    return matmul_kernel(a, b)


KERNEL_TOOL = dataclasses.replace(TOOL, name="cambrian-array-kernel",
                                  funcs={"matmul_naive": _kernel_matmul, "matmul_tiled": _kernel_matmul})


def build_kernel(workload: Workload, device: DeviceSpec) -> Prepared:
    """``matmul_kernel(a, b)`` on ``device`` for the matmul workloads (others: a skipped row)."""
    if workload.kind not in (KERNEL_TOOL.funcs or {}):
        raise Skip("the kernel-path row times matmul only")
    _cb()
    prep = _builder(KERNEL_TOOL)(workload, device)
    prep.offloaded = True
    return prep


KERNEL_IMPLS = [Impl("cambrian-array-kernel", "cambrian", build_kernel, requires=("cambrian",),
                     devices=_devices, threaded=True, array_library=True,
                     description="cambrian matmul through its generated tiled kernels (no BLAS)")]
