"""Numba implementations: ``njit`` (serial), ``parallel=True`` with ``prange``, ``nogil`` + thread pool."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from .core import Impl, Inputs, Prepared, Skip, Workload, match_scalars
from .workloads import TILE


@dataclass(frozen=True)
class Driver:
    """How to call a kernel family: outputs to allocate, outer extent, how to finish the result."""

    outputs: Callable[[Inputs], tuple[np.ndarray, ...]]
    extent: Callable[[Inputs], int]
    finish: Callable[[list[Any], tuple[np.ndarray, ...], Inputs], Any]
    multiple: int = 1


def _like(k: int, count: int = 1) -> Callable[[Inputs], tuple[np.ndarray, ...]]:
    return lambda inp: tuple(np.empty_like(inp[k]) for _ in range(count))


def _square_out(inp: Inputs) -> tuple[np.ndarray, ...]:
    return (np.empty((inp[0].shape[0], inp[1].shape[1]), dtype=inp[0].dtype),)


def _outs(rets: list[Any], outs: tuple[np.ndarray, ...], inp: Inputs) -> Any:
    return outs[0] if len(outs) == 1 else outs


def _len0(inp: Inputs) -> int:
    return inp[0].shape[0]


_MATMUL = Driver(_square_out, _len0, _outs)
DRIVERS: dict[str, Driver] = {
    "vadd": Driver(_like(0), _len0, _outs),
    "pi": Driver(lambda inp: (), _len0, lambda rets, outs, inp: 4.0 * sum(rets) / inp[0].shape[0]),
    "mandelbrot": Driver(lambda inp: (np.empty((inp[1].shape[0], inp[0].shape[0]), np.int32),),
                         lambda inp: inp[1].shape[0], _outs),
    "sumsq": Driver(lambda inp: (), _len0, lambda rets, outs, inp: float(sum(rets))),
    "blackscholes": Driver(_like(0, 2), _len0, _outs),
    "matmul_naive": _MATMUL,
    "matmul_tiled": Driver(_square_out, _len0, _outs, multiple=TILE),
    "nbody": Driver(lambda inp: (np.empty_like(inp[0]), np.empty_like(inp[1])), lambda inp: inp[0].shape[1],
                    _outs),
}


def _kernels(kind: str) -> tuple[Any, Any, Driver]:
    from . import numba_kernels as nk

    if kind not in DRIVERS:
        raise Skip(f"no Numba version of {kind}")
    return getattr(nk, kind), getattr(nk, f"{kind}_prange"), DRIVERS[kind]


def chunks(n: int, parts: int, multiple: int = 1) -> list[tuple[int, int]]:
    """``[0, n)`` in at most ``parts`` contiguous ranges; bounds are multiples of ``multiple``."""
    units = -(-n // multiple)
    parts = max(1, min(parts, units))
    bounds = [min(n, (units * p // parts) * multiple) for p in range(parts + 1)]
    return [(lo, hi) for lo, hi in itertools.pairwise(bounds) if hi > lo]


def _max_threads() -> int:
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)


def _build_njit(workload: Workload, device: Any) -> Prepared:
    serial, _, drv = _kernels(workload.kind)

    def compute(inp: Inputs) -> Any:
        outs = drv.outputs(inp)
        return drv.finish([serial(*inp, *outs, 0, drv.extent(inp))], outs, inp)

    return Prepared(compute=compute, copy_in=match_scalars)


def _build_prange(workload: Workload, device: Any) -> Prepared:
    import numba

    _, par, drv = _kernels(workload.kind)

    def compute(inp: Inputs) -> Any:
        outs = drv.outputs(inp)
        return drv.finish([par(*inp, *outs)], outs, inp)

    return Prepared(compute=compute, copy_in=match_scalars, set_threads=numba.set_num_threads)


def _build_nogil(workload: Workload, device: Any) -> Prepared:
    serial, _, drv = _kernels(workload.kind)
    state: dict[str, Any] = {}

    def set_threads(k: int) -> None:
        if state.get("k") != k:
            if "pool" in state:
                state["pool"].shutdown()
            state["k"], state["pool"] = k, ThreadPoolExecutor(k, thread_name_prefix="bench-nogil")

    set_threads(_max_threads())

    def compute(inp: Inputs) -> Any:
        outs = drv.outputs(inp)
        parts = chunks(drv.extent(inp), 4 * state["k"], drv.multiple)
        futures = [state["pool"].submit(serial, *inp, *outs, lo, hi) for lo, hi in parts]
        return drv.finish([f.result() for f in futures], outs, inp)

    return Prepared(compute=compute, copy_in=match_scalars, set_threads=set_threads,
                    note="ThreadPoolExecutor over GIL-free chunks")


IMPLS = [
    Impl("numba-njit", "numba", _build_njit, requires=("numba",), description="@njit serial loops"),
    Impl("numba-prange", "numba", _build_prange, requires=("numba",), threaded=True,
         description="@njit(parallel=True) with prange"),
    Impl("numba-nogil", "numba", _build_nogil, requires=("numba",), threaded=True,
         description="@njit(nogil=True) chunks on a thread pool"),
]
