"""Cambrian: one Python kernel, every device."""

# ruff: noqa: E402 (the imports below run inside the dataclass code session begun first)

from __future__ import annotations

from typing import TYPE_CHECKING

from .compiler import dataclass_code as _dataclass_code

# The methods of the dataclasses defined while Cambrian imports (the compiler IR's ~30 and a dozen
# more) come compiled from the disk cache: the same code, without ~200 compilations (dataclass_code.py).
_dataclass_session = _dataclass_code.begin(__file__)

from . import array as _array_namespace
from . import dtypes
from .backends.base import Device
from .compiler.lang import (
    atomic_add,
    atomic_and,
    atomic_cas,
    atomic_dec,
    atomic_inc,
    atomic_max,
    atomic_min,
    atomic_or,
    atomic_sub,
    atomic_xchg,
    atomic_xor,
    barrier,
    clz,
    ffs,
    float_as_int,
    fma,
    get_global_id,
    get_global_size,
    get_group_id,
    get_local_id,
    get_local_size,
    get_num_groups,
    get_sub_group_local_id,
    get_sub_group_size,
    group_all,
    group_any,
    group_broadcast,
    group_reduce_add,
    group_reduce_max,
    group_reduce_min,
    group_scan_exclusive_add,
    group_scan_exclusive_max,
    group_scan_exclusive_min,
    group_scan_inclusive_add,
    group_scan_inclusive_max,
    group_scan_inclusive_min,
    int_as_float,
    local_array,
    popc,
    private_array,
    store_nontemporal,
    sub_group_broadcast,
    sub_group_reduce_add,
    sub_group_reduce_max,
    sub_group_reduce_min,
    sub_group_shuffle,
    syncthreads_and,
    syncthreads_count,
    syncthreads_or,
)
from .devices import default_device, devices, select_device, using
from .errors import (
    CambrianError,
    CompileError,
    DeviceError,
    FilterSyntaxError,
    KernelIndexError,
    KernelRuntimeError,
    KernelSyntaxError,
    KernelTypeError,
    LaunchError,
    OutOfMemoryError,
    PlacementError,
    UnsupportedFeatureError,
)
from .fuse import fuse
from .kernels import Func, Kernel, func, kernel
from .launch_objects import Grid, LocalAccessor, NDRange
from .queues import Event, Queue
from .reduction import reduction
from .vectorize import vectorize

if TYPE_CHECKING:
    from . import random
    from .array import *  # noqa: F403 - the array API namespace, for type checkers
    from .array import fft, linalg

__version__ = "0.1.0"
__array_api_version__ = "2024.12"

from .array._pickle import register_dask as _register_dask

_register_dask()  # dask.array imported first: Cambrian chunks join its dispatch tables now (cambrian.dask)
_dataclass_code.end(_dataclass_session)
del _dataclass_code, _dataclass_session

#: The array API namespace (its chapters' ``__all__``; no name of it is imported above): the chapters a
#: kernel launch needs are bound now, the others (``sum``, ``reshape``, ``linalg``, ``fft``...) on first
#: use, by ``__getattr__``.
globals().update({name: getattr(_array_namespace, name) for name in _array_namespace.EAGER})


def __getattr__(name: str) -> object:
    """Imported on first use, as not needed to launch kernels (a faster start): ``cambrian.random`` and
    the array namespace's later chapters (``cambrian.array.LAZY``) and extensions."""
    if name == "random":
        import importlib

        return importlib.import_module(".random", __name__)
    if name in _array_namespace.LAZY_NAMES:
        value = getattr(_array_namespace, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cambrian' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_array_namespace.LAZY_NAMES, "random"})


__all__ = [
    "CambrianError",
    "CompileError",
    "Device",
    "DeviceError",
    "Event",
    "FilterSyntaxError",
    "Func",
    "Grid",
    "Kernel",
    "KernelIndexError",
    "KernelRuntimeError",
    "KernelSyntaxError",
    "KernelTypeError",
    "LaunchError",
    "LocalAccessor",
    "NDRange",
    "OutOfMemoryError",
    "PlacementError",
    "Queue",
    "UnsupportedFeatureError",
    *_array_namespace.__all__,
    "atomic_add",
    "atomic_and",
    "atomic_cas",
    "atomic_dec",
    "atomic_inc",
    "atomic_max",
    "atomic_min",
    "atomic_or",
    "atomic_sub",
    "atomic_xchg",
    "atomic_xor",
    "barrier",
    "clz",
    "default_device",
    "devices",
    "dtypes",
    "ffs",
    "fft",
    "func",
    "fuse",
    "float_as_int",
    "fma",
    "get_global_id",
    "get_global_size",
    "get_group_id",
    "get_local_id",
    "get_local_size",
    "get_num_groups",
    "get_sub_group_local_id",
    "get_sub_group_size",
    "group_all",
    "group_any",
    "group_broadcast",
    "group_reduce_add",
    "group_reduce_max",
    "group_reduce_min",
    "group_scan_exclusive_add",
    "group_scan_exclusive_max",
    "group_scan_exclusive_min",
    "group_scan_inclusive_add",
    "group_scan_inclusive_max",
    "group_scan_inclusive_min",
    "int_as_float",
    "kernel",
    "linalg",
    "local_array",
    "popc",
    "private_array",
    "random",
    "reduction",
    "select_device",
    "store_nontemporal",
    "sub_group_broadcast",
    "sub_group_reduce_add",
    "sub_group_reduce_max",
    "sub_group_reduce_min",
    "sub_group_shuffle",
    "syncthreads_and",
    "syncthreads_count",
    "syncthreads_or",
    "using",
    "vectorize",
]
