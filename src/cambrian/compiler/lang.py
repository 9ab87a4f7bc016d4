"""Python-visible names of the kernel language (``cb.get_global_id``, ``cb.barrier``, ``cb.int32``...).

Each object carries a marker the front end resolves: ``__cambrian_intrinsic__`` (an intrinsic or a
special form by name) or ``__cambrian_dtype__`` (a cast). Called from ordinary Python they raise a
clear error, except the dtype casts, which convert host scalars like their NumPy namesakes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..errors import CambrianError
from . import intrinsics


class OutsideKernelError(CambrianError):
    """A kernel-only function was called from ordinary Python."""


def _intrinsic(name: str, doc: str) -> Callable[..., Any]:
    def stub(*args: Any, **kwargs: Any) -> Any:
        raise OutsideKernelError(
            f"cambrian.{name}() can only be called inside a @cambrian.kernel or @cambrian.func")

    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = doc
    stub.__cambrian_intrinsic__ = name  # type: ignore[attr-defined]
    return stub


class DType:
    """A dtype usable as a cast inside kernels (``cb.float32(x)``) and as a dtype argument
    (``cb.local_array((16, 16), cb.float32)``). On the host it converts like NumPy."""

    def __init__(self, name: str):
        self.name = name
        self.__cambrian_dtype__ = name
        self.__name__ = name
        self._np = np.dtype(name)

    def __call__(self, value: Any = 0) -> Any:
        return self._np.type(value)

    @property
    def type(self) -> type:
        return self._np.type

    def __repr__(self) -> str:
        return f"cambrian.{self.name}"

    def __eq__(self, other: object) -> bool:
        """Exact and never raises: True only for the same dtype, the equal NumPy dtype (native byte
        order) or its NumPy scalar type (``np.float32``); False for anything else (None, strings...)."""
        if isinstance(other, DType):
            return other.name == self.name
        if isinstance(other, np.dtype):
            return bool(other == self._np)
        if isinstance(other, type) and issubclass(other, np.generic) and not other.__subclasses__():
            return other is self._np.type or np.dtype(other) == self._np  # np.longlong is int64
        return False

    def __hash__(self) -> int:
        return hash(self._np)  # equal to the NumPy dtype's hash: dicts keyed by ``x.dtype`` find it

    # NumPy accepts objects with a ``dtype`` attribute as dtypes: ``np.dtype(cb.float32)`` works.
    @property
    def dtype(self) -> np.dtype:
        return self._np


DTYPES: dict[str, DType] = {n: DType(n) for n in dtypes.ALL}

_WORKITEM_DOC = "Index or size along dimension ``dim`` (0, 1 or 2), as in OpenCL. Kernels only."
get_global_id = _intrinsic("get_global_id", _WORKITEM_DOC)
get_local_id = _intrinsic("get_local_id", _WORKITEM_DOC)
get_group_id = _intrinsic("get_group_id", _WORKITEM_DOC)
get_global_size = _intrinsic("get_global_size", _WORKITEM_DOC)
get_local_size = _intrinsic("get_local_size", _WORKITEM_DOC)
get_num_groups = _intrinsic("get_num_groups", _WORKITEM_DOC)
barrier = _intrinsic("barrier", "Work-group barrier (with local and global memory fence). Kernels only.")
local_array = _intrinsic("local_array", "local_array(shape, dtype): work-group shared array. Kernels only.")
private_array = _intrinsic("private_array", "private_array(shape, dtype): per-work-item array.")
store_nontemporal = _intrinsic(
    "store_nontemporal", "store_nontemporal(array, *index, value): ``array[index] = value`` with a hint "
    "that the element is not read again soon, so the store may bypass the caches (non-temporal stores on "
    "CPUs through OpenCL and the cpu device; a plain store elsewhere). For streaming results larger than "
    "the last-level cache. A statement; kernels only.")
_ATOMIC_DOC = "{}(array, index, value): atomic read-modify-write; returns the old value. Kernels only."
atomic_add = _intrinsic("atomic_add", _ATOMIC_DOC.format("atomic_add"))
atomic_sub = _intrinsic("atomic_sub", _ATOMIC_DOC.format("atomic_sub"))
atomic_min = _intrinsic("atomic_min", _ATOMIC_DOC.format("atomic_min"))
atomic_max = _intrinsic("atomic_max", _ATOMIC_DOC.format("atomic_max"))
atomic_xchg = _intrinsic("atomic_xchg", _ATOMIC_DOC.format("atomic_xchg"))
atomic_cas = _intrinsic("atomic_cas", "atomic_cas(array, index, expected, value) -> old value.")
atomic_and = _intrinsic("atomic_and", _ATOMIC_DOC.format("atomic_and") + " Integers only.")
atomic_or = _intrinsic("atomic_or", _ATOMIC_DOC.format("atomic_or") + " Integers only.")
atomic_xor = _intrinsic("atomic_xor", _ATOMIC_DOC.format("atomic_xor") + " Integers only.")
atomic_inc = _intrinsic("atomic_inc", "atomic_inc(array, index, bound) -> old; stores "
                        "0 if old >= bound else old + 1 (CUDA's atomicInc). Integers only.")
atomic_dec = _intrinsic("atomic_dec", "atomic_dec(array, index, bound) -> old; stores bound if "
                        "old == 0 or old > bound else old - 1 (CUDA's atomicDec). Integers only.")

_GROUP_DOC = ("{}: a work-group collective (OpenCL 2.0's work_group_*): every work-item of the group must "
              "call it, as with barrier(). Kernels only.")
group_reduce_add = _intrinsic("group_reduce_add", _GROUP_DOC.format("group_reduce_add(x)"))
group_reduce_min = _intrinsic("group_reduce_min", _GROUP_DOC.format("group_reduce_min(x)"))
group_reduce_max = _intrinsic("group_reduce_max", _GROUP_DOC.format("group_reduce_max(x)"))
group_scan_inclusive_add = _intrinsic("group_scan_inclusive_add", _GROUP_DOC.format("inclusive scan"))
group_scan_inclusive_min = _intrinsic("group_scan_inclusive_min", _GROUP_DOC.format("inclusive scan"))
group_scan_inclusive_max = _intrinsic("group_scan_inclusive_max", _GROUP_DOC.format("inclusive scan"))
group_scan_exclusive_add = _intrinsic("group_scan_exclusive_add", _GROUP_DOC.format("exclusive scan"))
group_scan_exclusive_min = _intrinsic("group_scan_exclusive_min", _GROUP_DOC.format("exclusive scan"))
group_scan_exclusive_max = _intrinsic("group_scan_exclusive_max", _GROUP_DOC.format("exclusive scan"))
group_broadcast = _intrinsic("group_broadcast", _GROUP_DOC.format("group_broadcast(x, local_id)"))
group_any = _intrinsic("group_any", _GROUP_DOC.format("group_any(pred)"))
group_all = _intrinsic("group_all", _GROUP_DOC.format("group_all(pred)"))
syncthreads_count = _intrinsic("syncthreads_count", _GROUP_DOC.format("CUDA's syncthreads_count(pred)"))
syncthreads_and = _intrinsic("syncthreads_and", _GROUP_DOC.format("CUDA's syncthreads_and(pred)"))
syncthreads_or = _intrinsic("syncthreads_or", _GROUP_DOC.format("CUDA's syncthreads_or(pred)"))
_SUB_DOC = "{} (sub-group size: ``device.sub_group_size``; 1 where a device has no sub-groups). Kernels only."
get_sub_group_size = _intrinsic("get_sub_group_size", _SUB_DOC.format("The sub-group (warp) size"))
get_sub_group_local_id = _intrinsic("get_sub_group_local_id", _SUB_DOC.format("The lane in the sub-group"))
sub_group_shuffle = _intrinsic("sub_group_shuffle", _SUB_DOC.format("sub_group_shuffle(x, lane)"))
sub_group_broadcast = _intrinsic("sub_group_broadcast", _SUB_DOC.format("sub_group_broadcast(x, lane)"))
sub_group_reduce_add = _intrinsic("sub_group_reduce_add", _SUB_DOC.format("sub_group_reduce_add(x)"))
sub_group_reduce_min = _intrinsic("sub_group_reduce_min", _SUB_DOC.format("sub_group_reduce_min(x)"))
sub_group_reduce_max = _intrinsic("sub_group_reduce_max", _SUB_DOC.format("sub_group_reduce_max(x)"))

_BITS_DOC = ("{}(x) -> int32: CUDA's __{}/__{}ll over the integer operand's own width (int8: 8 bits). "
             "Kernels only.")
popc = _intrinsic("popc", _BITS_DOC.format("popc", "popc", "popc") + " The number of set bits.")
clz = _intrinsic("clz", _BITS_DOC.format("clz", "clz", "clz") + " Leading zero bits (the width for 0).")
ffs = _intrinsic("ffs", _BITS_DOC.format("ffs", "ffs", "ffs") + " The 1-based position of the lowest set "
                 "bit (0 for 0).")

fma = _intrinsic("fma", "fma(a, b, c): a * b + c rounded once (IEEE fused multiply-add; also math.fma), in "
                  "the promoted float type. Kernels only.")
float_as_int = _intrinsic("float_as_int", "float_as_int(x): the bits of a float32/float64 as an int32/int64 "
                          "(CUDA's __float_as_int/__double_as_longlong, OpenCL's as_int/as_long). "
                          "Kernels only.")
int_as_float = _intrinsic("int_as_float", "int_as_float(i): the float32/float64 whose bits are the 32/64-bit "
                          "integer i (CUDA's __int_as_float/__longlong_as_double). Kernels only.")

#: Names exported by ``cambrian`` for kernel code.
KERNEL_NAMES = (
    "get_global_id", "get_local_id", "get_group_id", "get_global_size", "get_local_size",
    "get_num_groups", "barrier", "local_array", "private_array", "atomic_add", "atomic_sub",
    "atomic_min", "atomic_max", "atomic_xchg", "atomic_cas",
    "atomic_and", "atomic_or", "atomic_xor", "atomic_inc", "atomic_dec",
    *intrinsics.GROUP_FORMS, *intrinsics.SUB_GROUP, "popc", "clz", "ffs",
    "fma", "float_as_int", "int_as_float", "store_nontemporal",
)

assert all(n in intrinsics.TABLE or n in intrinsics.SPECIAL_FORMS or n in intrinsics.GROUP_FORMS
           or n in intrinsics.LOWERED
           for n in KERNEL_NAMES)
