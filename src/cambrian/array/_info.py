"""Inspection (array API "Inspection APIs"): ``__array_namespace_info__()``: the usable devices, the
library's capabilities, and the dtypes and default dtypes **per device** (a device without float64 has
no float64/complex128; its default floating dtypes are float32/complex64, as in dpnp.tensor)."""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..backends.base import Device
from ..compiler.lang import DTYPES, DType
from ..devices import default_device as _default_device
from ..devices import devices as _devices
from ..devices import resolve_device
from ._creation import default_dtype
from ._dtypes import KINDS

__all__ = ["__array_namespace_info__"]

#: Most dimensions an array operation supports (generated kernels broadcast with NumPy's
#: ``broadcast_shapes``, which stops at 32).
MAX_DIMENSIONS = 32


class Info:
    """What ``cambrian.__array_namespace_info__()`` returns (the standard's inspection namespace)."""

    __slots__ = ()

    def capabilities(self) -> dict[str, Any]:
        """``{"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 32}``: ``x[mask]``,
        ``nonzero`` and ``unique_*`` work on every device (they read one count back to size results)."""
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": MAX_DIMENSIONS}

    def default_device(self) -> Device:
        """The current default device (``with cambrian.using(...)``, ``CAMBRIAN_DEVICE``, the best one)."""
        return _default_device()

    def devices(self) -> list[Device]:
        """The usable devices (``cambrian.devices()``)."""
        return _devices()

    def default_dtypes(self, *, device: Device | str | None = None) -> dict[str, DType]:
        """The default dtypes on ``device`` (default: the current device): keys ``"real floating"``,
        ``"complex floating"``, ``"integral"``, ``"indexing"``."""
        d = resolve_device(device)
        return {"real floating": DTYPES[default_dtype("float", d)],
                "complex floating": DTYPES[default_dtype("complex", d)],
                "integral": DTYPES["int64"], "indexing": DTYPES["int64"]}

    def dtypes(self, *, device: Device | str | None = None,
               kind: str | tuple[str, ...] | None = None) -> dict[str, DType]:
        """The dtypes ``device`` (default: the current device) can hold, by name, optionally only those
        of ``kind`` (a kind name of the standard, or a tuple of them)."""
        d = resolve_device(device)
        names = dtypes.ALL if kind is None else _of_kind(kind)
        return {n: DTYPES[n] for n in dtypes.ALL
                if n in names and (d.supports_float64 or not dtypes.needs_float64(n))}

    def __repr__(self) -> str:
        return "cambrian.__array_namespace_info__()"


def _of_kind(kind: Any) -> set[str]:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    out: set[str] = set()
    for k in kinds:
        if not isinstance(k, str):
            raise TypeError(f"dtypes: kind is a kind name or a tuple of them, got {k!r}")
        if k not in KINDS:
            raise ValueError(f"dtypes: unknown kind {k!r}; kinds are {', '.join(map(repr, KINDS))}")
        out.update(KINDS[k])
    return out


_INFO = Info()


def __array_namespace_info__() -> Info:
    """The inspection namespace: ``capabilities()``, ``default_device()``, ``devices()``,
    ``default_dtypes(device=)``, ``dtypes(device=, kind=)``."""
    return _INFO
