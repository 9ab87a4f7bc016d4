"""Launch objects and launch-sized local memory (issue 19).

``kern[NDRange(global_size, local_size)]`` (the OpenCL/SYCL convention) and ``kern[Grid(blocks,
threads)]`` (the CUDA convention, global = blocks * threads) say which convention a launch uses;
``LocalAccessor(shape, dtype)`` passed as a kernel argument is local memory sized at launch.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes
from .compiler import ir
from .errors import LaunchError

__all__ = ["ACCESSOR_ARG", "Grid", "LocalAccessor", "NDRange", "lower_accessors"]

#: The launch argument that stands for a LocalAccessor (its unused uint8 parameter).
ACCESSOR_ARG = np.uint8(0)


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


class NDRange:
    """An explicit launch configuration in the OpenCL/SYCL convention: ``kern[cb.NDRange(global_size,
    local_size)](...)``. ``global_size`` is the total number of work-items per dimension; ``local_size``
    (optional: the device chooses) the work-group size. Each is an int or a tuple of 1-3 ints."""

    __slots__ = ("global_size", "local_size")

    def __init__(self, global_size: int | Sequence[int], local_size: int | Sequence[int] | None = None):
        self.global_size = _size_arg(global_size, "NDRange global_size")
        self.local_size = None if local_size is None else _size_arg(local_size, "NDRange local_size")

    def sizes(self) -> tuple[Any, Any]:
        """``(global_size, local_size)`` as given."""
        return self.global_size, self.local_size

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.sizes() == other.sizes()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.sizes()))

    def __repr__(self) -> str:
        return f"cambrian.NDRange({self.global_size!r}, {self.local_size!r})"


class Grid(NDRange):
    """An explicit launch configuration in the CUDA convention: ``kern[cb.Grid(blocks, threads)](...)``
    runs ``blocks`` work-groups of ``threads`` work-items per dimension (global size = blocks * threads),
    as Numba-CUDA's ``kern[blocks, threads]``. Each is an int or a tuple of 1-3 ints of the same length."""

    __slots__ = ("blocks", "threads")

    def __init__(self, blocks: int | Sequence[int], threads: int | Sequence[int]):
        self.blocks = _size_arg(blocks, "Grid blocks")
        self.threads = _size_arg(threads, "Grid threads")
        b = self.blocks if isinstance(self.blocks, tuple) else (self.blocks,)
        t = self.threads if isinstance(self.threads, tuple) else (self.threads,)
        if len(b) != len(t):
            raise LaunchError(f"cambrian.Grid: blocks {self.blocks!r} and threads {self.threads!r} have "
                              "different numbers of dimensions")
        if any(x == 0 for x in t):
            raise LaunchError(f"cambrian.Grid: threads per block must be >= 1, got {self.threads!r}")
        glob = tuple(x * y for x, y in zip(b, t, strict=True))
        super().__init__(glob, t)

    def __repr__(self) -> str:
        return f"cambrian.Grid({self.blocks!r}, {self.threads!r})"


class LocalAccessor:
    """Local (work-group shared) memory sized at launch, passed as a kernel argument (as numba-dpex's
    kapi ``LocalAccessor``): ``kern[g, l](cb.LocalAccessor((l,), cb.float32), x)``. In the kernel the
    parameter is a local array of that shape and dtype, zero-filled and shared by the work-items of each
    work-group (one allocation per group). The kernel is specialised on the shape, as on dtypes: each
    new size compiles once per device."""

    __slots__ = ("dtype", "shape")

    def __init__(self, shape: int | Sequence[int], dtype: Any):
        items = tuple(shape) if isinstance(shape, tuple | list) else (shape,)
        if not 1 <= len(items) <= 3 or not all(_is_int(v) and v > 0 for v in items):
            raise LaunchError(f"cambrian.LocalAccessor: the shape must be a positive int or a tuple of 1 "
                              f"to 3 of them, got {shape!r}")
        try:
            self.dtype = dtypes.name(getattr(dtype, "__cambrian_dtype__", dtype))
        except TypeError as exc:
            raise LaunchError(f"cambrian.LocalAccessor: {exc}") from None
        self.shape = tuple(int(v) for v in items)

    @property
    def nbytes(self) -> int:
        """Bytes of local memory per work-group."""
        return math.prod(self.shape) * np.dtype(self.dtype).itemsize

    @property
    def typekey(self) -> tuple[str, str, tuple[int, ...]]:
        return ("local", self.dtype, self.shape)

    def __repr__(self) -> str:
        return f"cambrian.LocalAccessor({self.shape!r}, {self.dtype!r})"


#: Prefix of the unused uint8 parameter that stands for a LocalAccessor argument in the compiled kernel.
_ACCESSOR_PARAM = "cb_local_accessor_"


def lower_accessors(module: ir.Module) -> ir.Module:
    """Local-array parameters (LocalAccessor arguments) become local arrays declared at the top of the
    kernel, so every backend allocates them per work-group as ``cb.local_array``; the parameter stays
    as an unused uint8 (the launch passes 0) so argument positions do not move."""
    kern = module.kernel
    local = [p for p in kern.params if isinstance(p.type, ir.ArrayT) and p.type.space == "local"]
    if not local:
        return module
    params = tuple(ir.Param(_ACCESSOR_PARAM + p.name, ir.Scalar("uint8")) if p in local else p
                   for p in kern.params)
    decls = tuple(ir.ArrayDecl(name=p.name, type=p.type, loc=kern.loc) for p in local)  # type: ignore[arg-type]
    kern = dataclasses.replace(kern, params=params, body=(*decls, *kern.body),
                               locals=(*((p.name, p.type) for p in local), *kern.locals))
    return dataclasses.replace(module, kernel=kern)


def _size_arg(value: Any, what: str) -> int | tuple[int, ...]:
    """An int or a tuple of 1-3 non-negative ints (lists become tuples); LaunchError otherwise."""
    items = tuple(value) if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(items) <= 3 or not all(_is_int(v) and v >= 0 for v in items):
        raise LaunchError(f"cambrian.{what} must be a non-negative int or a tuple of 1 to 3 of them, "
                          f"got {value!r}")
    out = tuple(int(v) for v in items)
    return out if isinstance(value, tuple | list) else out[0]
