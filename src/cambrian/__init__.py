"""Cambrian: one Python kernel, every device."""

from __future__ import annotations

from . import dtypes, random
from .array import (
    Array,
    asarray,
    asnumpy,
    empty,
    empty_like,
    full,
    full_like,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from .backends.base import Device
from .compiler.lang import (
    DTYPES as _DTYPES,
)
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
    PlacementError,
    UnsupportedFeatureError,
)
from .kernels import Func, Kernel, func, kernel
from .queues import Event, Queue
from .reduction import reduction
from .reduction_ops import max, min, prod, sum
from .vectorize import vectorize

__version__ = "0.1.0"

bool_ = _DTYPES["bool"]
int8, int16, int32, int64 = (_DTYPES[n] for n in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (_DTYPES[n] for n in ("uint8", "uint16", "uint32", "uint64"))
float32, float64 = _DTYPES["float32"], _DTYPES["float64"]
complex64, complex128 = _DTYPES["complex64"], _DTYPES["complex128"]

__all__ = [
    "Array",
    "CambrianError",
    "CompileError",
    "Device",
    "DeviceError",
    "Event",
    "FilterSyntaxError",
    "Func",
    "Kernel",
    "KernelIndexError",
    "KernelRuntimeError",
    "KernelSyntaxError",
    "KernelTypeError",
    "LaunchError",
    "PlacementError",
    "Queue",
    "UnsupportedFeatureError",
    "asarray",
    "asnumpy",
    "atomic_add",
    "atomic_cas",
    "atomic_max",
    "atomic_min",
    "atomic_sub",
    "atomic_xchg",
    "barrier",
    "bool_",
    "complex64",
    "complex128",
    "default_device",
    "devices",
    "dtypes",
    "empty",
    "empty_like",
    "float32",
    "float64",
    "full",
    "full_like",
    "func",
    "get_global_id",
    "get_global_size",
    "get_group_id",
    "get_local_id",
    "get_local_size",
    "get_num_groups",
    "int8",
    "int16",
    "int32",
    "int64",
    "kernel",
    "local_array",
    "max",
    "min",
    "ones",
    "ones_like",
    "private_array",
    "prod",
    "random",
    "reduction",
    "select_device",
    "sum",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "using",
    "vectorize",
    "zeros",
    "zeros_like",
]
