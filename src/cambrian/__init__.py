"""Cambrian: one Python kernel, every device."""

from __future__ import annotations

from . import array as _array_namespace
from . import dtypes, random
from .array import *  # noqa: F403 - the array API namespace (its chapters' __all__)
from .array import fft, linalg  # the array API extensions
from .backends.base import Device
from .compiler.lang import (
    atomic_add,
    atomic_cas,
    atomic_max,
    atomic_min,
    atomic_sub,
    atomic_xchg,
    barrier,
    get_global_id,
    get_global_size,
    get_group_id,
    get_local_id,
    get_local_size,
    get_num_groups,
    local_array,
    private_array,
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

__version__ = "0.1.0"
__array_api_version__ = "2024.12"

from .array._pickle import register_dask as _register_dask

_register_dask()  # dask.array imported first: Cambrian chunks join its dispatch tables now (cambrian.dask)


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
    "atomic_add",
    "atomic_cas",
    "atomic_max",
    "atomic_min",
    "atomic_sub",
    "atomic_xchg",
    "barrier",
    "default_device",
    "devices",
    "dtypes",
    "fft",
    "func",
    "fuse",
    "get_global_id",
    "get_global_size",
    "get_group_id",
    "get_local_id",
    "get_local_size",
    "get_num_groups",
    "kernel",
    "linalg",
    "local_array",
    "private_array",
    "random",
    "reduction",
    "select_device",
    "using",
    "vectorize",
    *_array_namespace.__all__,
]
