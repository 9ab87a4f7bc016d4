"""Helpers shared by the ``test_cpu_*`` files: run a kernel on the ``cpu`` device and on the interpreter
with NumPy arguments (copied, so both see the same inputs)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

from cambrian.devices import devices, using
from cambrian.kernels import kernel

INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


@functools.cache
def cpu_usable() -> bool:
    return bool(devices("cpu"))


@pytest.fixture
def cpu_device() -> str:
    if not cpu_usable():
        pytest.skip("no cpu device (Numba missing or its self-test failed)")
    return "cpu"


@functools.cache
def as_kernel(fn: Any, boundscheck: bool = False) -> Any:
    return kernel(fn, boundscheck=boundscheck)


def run(device: str, fn: Any, gsize: Any, *args: Any, lsize: Any = None, boundscheck: bool = False
        ) -> list[Any]:
    """Launch ``fn`` as a kernel on ``device`` with copies of ``args``; return the (updated) copies."""
    args_ = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    k = as_kernel(fn, boundscheck)
    with using(device):
        launcher = k[gsize, lsize]
        launcher(*args_).wait()
    return args_


def run_both(fn: Any, gsize: Any, *args: Any, lsize: Any = None) -> tuple[list[Any], list[Any]]:
    """Results on ``cpu`` and on ``interp`` (the oracle)."""
    return run("cpu", fn, gsize, *args, lsize=lsize), run("interp", fn, gsize, *args, lsize=lsize)
