"""Data types (array API "Data Types" and "Data Type Functions"): the dtype objects ``cb.bool`` ...
``cb.complex128`` (also kernel casts: ``cb.float32(x)``) and ``astype``, ``can_cast``, ``finfo``,
``iinfo``, ``isdtype``, ``result_type``.

Promotion is NumPy 2's (NEP 50), which contains the standard's table: Python scalars are weak, mixed
kinds follow NumPy (``int32`` with ``float32`` is ``float64``). With arrays, promotion happens on their
device: a result a device cannot hold (float64 without fp64 support) raises UnsupportedFeatureError.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import dtypes
from ..backends.base import Device
from ..compiler.lang import DTYPES, DType
from ..devices import resolve_device
from ..errors import PlacementError
from ._array import Array, check_dtype_on

__all__ = ["astype", "bool", "bool_", "can_cast", "complex64", "complex128", "finfo", "float32", "float64",
           "iinfo", "int8", "int16", "int32", "int64", "isdtype", "result_type", "uint8", "uint16", "uint32",
           "uint64"]

#: The standard's dtype kinds (``isdtype``, ``__array_namespace_info__().dtypes(kind=)``).
KINDS: dict[str, tuple[str, ...]] = {
    "bool": dtypes.BOOL, "signed integer": dtypes.SIGNED, "unsigned integer": dtypes.UNSIGNED,
    "integral": dtypes.INTEGER, "real floating": dtypes.FLOATING, "complex floating": dtypes.COMPLEX,
    "numeric": dtypes.INTEGER + dtypes.FLOATING + dtypes.COMPLEX,
}

_WEAK_SAMPLE = {"bool": False, "int": 0, "float": 0.0, "complex": 0j}


def dtype_name(obj: Any, what: str) -> str:
    """The dtype name of a dtype object (``cb.float32``, ``np.dtype``, ``np.float32``, ``"float32"``);
    TypeError naming ``what`` for anything else (None, ``float``, arrays)."""
    if isinstance(obj, DType):
        return obj.name
    if isinstance(obj, np.dtype | str) or (isinstance(obj, type) and issubclass(obj, np.generic)):
        try:
            return dtypes.name(obj)
        except TypeError as exc:
            raise TypeError(f"{what}: {exc}") from None
    raise TypeError(f"{what}: expected a dtype (such as cambrian.float32), got {obj!r}")


def _name_or_array(obj: Any, what: str) -> str:
    dt = None if isinstance(obj, type) else getattr(obj, "dtype", None)
    if dt is not None and hasattr(obj, "shape"):  # an array
        return dtype_name(dt, what)
    return dtype_name(obj, what)


def _on_device(device: Device | None, name: str) -> str:
    if device is not None:
        check_dtype_on(device, name)
    return name


def _device_of(arrays: list[Array], what: str) -> Device | None:
    """The one device of ``arrays`` (None if there are none); PlacementError if they differ."""
    for a in arrays[1:]:
        if a.device != arrays[0].device:
            raise PlacementError(f"{what}: arrays are on {arrays[0].device} and {a.device}; move one with "
                                 f"x.to_device({str(arrays[0].device)!r})")
    return arrays[0].device if arrays else None


def result_type(*arrays_and_dtypes: Any) -> DType:
    """The dtype of an operation on these arrays, dtypes and Python scalars (weak, NEP 50). With arrays,
    on their device: a float64 result where it has no float64 raises UnsupportedFeatureError."""
    strong: list[str] = []
    weak: list[str] = []
    arrays: list[Array] = []
    for a in arrays_and_dtypes:
        kind = dtypes.weak_kind(a)
        if kind is not None:
            weak.append(kind)
            continue
        if isinstance(a, Array):
            arrays.append(a)
        strong.append(_name_or_array(a, "result_type"))
    if not strong:
        raise ValueError("result_type needs at least one array or dtype (Python scalars alone have no "
                         "dtype)")
    # NumPy's n-ary promotion, not a left-to-right fold: the fold depends on the order with mixed kinds
    # ((int8, uint16, float32) would give float64, (float32, int8, uint16) float32)
    name = np.result_type(*map(np.dtype, strong), *(_WEAK_SAMPLE[w] for w in weak)).name
    return DTYPES[_on_device(_device_of(arrays, "result_type"), name)]


def can_cast(from_: Any, to: Any, /) -> builtins.bool:
    """Whether promotion can turn ``from_`` (a dtype, or an array: then on its device) into ``to``
    without losing values (NumPy's "safe" casting among the standard's dtypes)."""
    target = dtype_name(to, "can_cast: to")
    if isinstance(from_, Array):
        if dtypes.needs_float64(target) and not from_.device.supports_float64:
            return False
        source = from_.dtype.name
    else:
        source = dtype_name(from_, "can_cast: from_")
    return dtypes.promote(source, target) == target


@dataclass(frozen=True)
class finfo_object:
    """Limits of a real floating dtype: ``bits``, ``eps``, ``max``, ``min``, ``smallest_normal``,
    ``dtype`` (the namespace's dtype object)."""

    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: DType


@dataclass(frozen=True)
class iinfo_object:
    """Limits of an integer dtype: ``bits``, ``max``, ``min``, ``dtype``."""

    bits: int
    max: int
    min: int
    dtype: DType


def finfo(type: Any, /) -> finfo_object:
    """Machine limits of a floating dtype (or an array's); for a complex dtype, of its components."""
    name = _name_or_array(type, "finfo")
    if not (dtypes.is_float(name) or dtypes.is_complex(name)):
        raise TypeError(f"finfo: {name} is not a floating-point dtype (use iinfo for integers)")
    real = dtypes.real_of(name)
    f = np.finfo(real)
    return finfo_object(int(f.bits), float(f.eps), float(f.max), float(f.min), float(f.smallest_normal),
                        DTYPES[real])


def iinfo(type: Any, /) -> iinfo_object:
    """Machine limits of an integer dtype (or an array's)."""
    name = _name_or_array(type, "iinfo")
    if not dtypes.is_integer(name):
        raise TypeError(f"iinfo: {name} is not an integer dtype (use finfo for floating dtypes)")
    i = np.iinfo(name)
    return iinfo_object(int(i.bits), int(i.max), int(i.min), DTYPES[name])


def isdtype(dtype: Any, kind: Any) -> builtins.bool:
    """Whether ``dtype`` is ``kind``: a dtype, one of the standard's kind names (``"bool"``,
    ``"signed integer"``, ``"unsigned integer"``, ``"integral"``, ``"real floating"``,
    ``"complex floating"``, ``"numeric"``), or a tuple of those."""
    name = dtype_name(dtype, "isdtype")
    kinds = kind if isinstance(kind, tuple) else (kind,)
    for k in kinds:
        if isinstance(k, str):
            if k not in KINDS:
                raise ValueError(f"isdtype: unknown kind {k!r}; kinds are {', '.join(map(repr, KINDS))}")
            if name in KINDS[k]:
                return True
        elif isinstance(k, DType | np.dtype) or (isinstance(k, builtins.type) and issubclass(k, np.generic)):
            if dtype_name(k, "isdtype: kind") == name:
                return True
        else:
            raise TypeError(f"isdtype: a kind is a dtype, a kind name or a tuple of those, got {k!r}")
    return False


def astype(x: Array, dtype: Any, /, *, copy: builtins.bool = True, device: Any = None) -> Array:
    """``x`` cast to ``dtype`` (as NumPy casts: floats truncate towards zero; anything to bool is
    ``!= 0``), computed on ``x``'s device and returned on ``device`` (default: ``x``'s).

    ``copy=False`` returns ``x`` itself when nothing changes. Complex to a real dtype raises TypeError
    (take ``real(x)`` or ``imag(x)`` explicitly, as the standard asks); a dtype the target device cannot
    hold raises UnsupportedFeatureError.
    """
    if not isinstance(x, Array):
        raise TypeError(f"astype: expected a cambrian.Array, got {builtins.type(x).__name__}")
    name = dtype_name(dtype, "astype")
    source = x.dtype.name
    if dtypes.is_complex(source) and not (dtypes.is_complex(name) or name == "bool"):
        raise TypeError(f"astype: casting {source} to {name} would discard the imaginary part; cast "
                        f"real(x) or imag(x) instead")
    target = x.device if device is None else resolve_device(device)
    check_dtype_on(target, name)
    if name == source and target == x.device and not copy:
        return x
    here = x.device.supports_float64 or not dtypes.needs_float64(name)
    if here:  # cast where the data is, then move
        out = _cast(x, name)
        return out if target == x.device else out.to_device(target)
    return _cast(x.to_device(target), name)  # the source device cannot hold the result


def _cast(x: Array, name: str) -> Array:
    """A new C-contiguous copy of ``x`` with dtype ``name``, on ``x``'s device (the elementwise engine's
    ``copy_into``: NumPy on host memory, a generated kernel elsewhere)."""
    from ..elementwise import copy_into

    out = Array._empty(x.shape, name, x.device)
    if not x.size:
        return out
    if name == x.dtype.name and x.c_contiguous:
        x.device.impl.copy(x.device, out._buffer, 0, x._buffer, x.offset, x.nbytes, x.device.queue)
    else:
        copy_into(x, out=out)
    return out


bool = bool_ = DTYPES["bool"]
int8, int16, int32, int64 = (DTYPES[n] for n in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (DTYPES[n] for n in ("uint8", "uint16", "uint32", "uint64"))
float32, float64 = DTYPES["float32"], DTYPES["float64"]
complex64, complex128 = DTYPES["complex64"], DTYPES["complex128"]
