"""Pure helpers of the CUDA backend: versions, NVRTC architecture and options, cache keys, launch
geometry and kernel-argument packing. No CuPy and no GPU needed, so all of it is unit-tested in CI.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import cache
from ..compiler import ir
from ..errors import LaunchError
from .base import ArrayArg

#: NVRTC options: IEEE floats without contraction (docs/semantics.md), headers-free device code.
BASE_OPTIONS: tuple[str, ...] = ("--fmad=false", "-default-device", "--std=c++17")

#: CUDA limits that hold on every GPU Cambrian supports (compute capability >= 5.0).
MAX_GRID = (2**31 - 1, 65535, 65535)
MAX_BLOCK = (1024, 1024, 64)

#: Block shape tried first per launch dimensionality when the caller gives no local size.
DEFAULT_BLOCK = {1: (256,), 2: (16, 16), 3: (8, 8, 4)}


def version_string(v: int) -> str:
    """CUDA's integer versions (``12040``) as ``"12.4"``."""
    return f"{v // 1000}.{(v % 1000) // 10}"


def driver_version_text(driver: int, runtime: int, cc: int) -> str:
    """``Device.driver_version`` of a CUDA device: ``"CUDA driver 12.4 / runtime 12.6, sm_90"``."""
    return f"CUDA driver {version_string(driver)} / runtime {version_string(runtime)}, sm_{cc}"


def choose_arch(cc: int, supported: Sequence[int]) -> tuple[str, str]:
    """The NVRTC ``-arch`` option and output kind for a device of compute capability ``cc`` (``90``).

    A real architecture (``sm_XX``, cubin) when NVRTC knows the device, so nothing is JIT-compiled at
    load time; otherwise PTX for the newest virtual architecture NVRTC knows, which the driver
    JIT-compiles (forward compatible).
    """
    known = sorted(int(a) for a in supported)
    if not known or cc in known:
        return f"-arch=sm_{cc}", "cubin"
    below = [a for a in known if a <= cc]
    return f"-arch=compute_{below[-1] if below else known[0]}", "ptx"


def nvrtc_options(arch_option: str, extra: Sequence[str] = ()) -> tuple[str, ...]:
    """Every NVRTC option of a build (part of the cache key)."""
    return (*BASE_OPTIONS, arch_option, *extra)


def program_key(module_key: str, identity: str, options: Sequence[str], nvrtc_version: Any) -> str:
    """Cache key of one compiled module: IR, device identity, options, the NVRTC version and the math mode."""
    from ..compiler import mathlib

    return cache.make_key("cuda", module_key, identity, " ".join(options), nvrtc_version, mathlib.mode())


# ------------------------------------------------------------------------------ launch geometry


def _largest_divisor(n: int, cap: int) -> int:
    """The largest divisor of ``n`` that is at most ``cap`` (1 for n == 0)."""
    for d in range(min(n, cap), 0, -1):
        if n % d == 0:
            return d
    return 1


def default_block(global_size: Sequence[int], max_threads: int = 1024, guarded: bool = False
                  ) -> tuple[int, ...]:
    """A block shape for a launch without a local size.

    CUDA has no partial work-groups: unless the kernel itself skips work-items beyond the global size
    (``guarded``), the block must divide the global size exactly, so each dimension takes the largest
    divisor of its size up to the preferred shape (then dimension 0 grows while the block is small).
    """
    prefer = DEFAULT_BLOCK[len(global_size)]
    if guarded:
        return tuple(max(1, min(p, g)) for p, g in zip(prefer, global_size, strict=True))
    block = [_largest_divisor(g, p) for g, p in zip(global_size, prefer, strict=True)]
    rest = math.prod(block[1:])
    if block[0] * rest < 128:
        block[0] = _largest_divisor(global_size[0], min(MAX_BLOCK[0], max_threads // rest, 256 // rest))
    return tuple(block)


def launch_dims(global_size: Sequence[int], local_size: Sequence[int] | None, max_threads: int = 1024,
                guarded: bool = False, name: str = "kernel") -> tuple[tuple[int, int, int],
                                                                      tuple[int, int, int]]:
    """CUDA ``(grid, block)`` 3-tuples for an OpenCL-style global and local size.

    Global dimension d maps to CUDA x, y, z. Raises :class:`LaunchError` for sizes CUDA can't launch.
    """
    gs = tuple(int(g) for g in global_size)
    ls = default_block(gs, max_threads, guarded) if local_size is None else tuple(int(x) for x in local_size)
    if len(ls) != len(gs):
        raise LaunchError(f"{name}: local size {ls} and global size {gs} differ in dimensions")
    if any(x < 1 for x in ls) or math.prod(ls) > max_threads or any(
            x > m for x, m in zip(ls, MAX_BLOCK, strict=False)):
        raise LaunchError(f"{name}: local size {ls} exceeds the CUDA block limits ({max_threads} threads, "
                          f"at most {MAX_BLOCK[: len(ls)]} per dimension)")
    if guarded:
        grid = tuple(-(-g // x) for g, x in zip(gs, ls, strict=True))
    else:
        if any(g % x for g, x in zip(gs, ls, strict=True)):
            raise LaunchError(f"{name}: local size {ls} does not divide global size {gs}")
        grid = tuple(g // x for g, x in zip(gs, ls, strict=True))
    if any(n > m for n, m in zip(grid, MAX_GRID, strict=False)):
        raise LaunchError(f"{name}: global size {gs} needs a grid of {grid} blocks, beyond CUDA's "
                          f"{MAX_GRID[: len(grid)]}; use a larger local size")
    pad = (1,) * (3 - len(gs))
    return (*grid, *pad), (*ls, *pad)  # type: ignore[return-value]


# ------------------------------------------------------------------------------ kernel arguments


@dataclass(frozen=True)
class ParamSlot:
    """How one kernel parameter becomes C arguments: an array expands to (pointer, offset, shape...,
    strides...) — strides omitted for C-contiguous ("C" layout) parameters — a scalar to one value of
    its C type (bool as an unsigned char)."""

    name: str
    dtype: str
    ndim: int = -1  # -1 for scalars
    strides: bool = True

    @property
    def is_array(self) -> bool:
        return self.ndim >= 0

    @property
    def ctype(self) -> type:
        """NumPy scalar type of a scalar parameter's C type."""
        return _SCALAR_C.get(self.dtype, np.dtype(self.dtype).type)


_SCALAR_C: dict[str, type] = {"bool": np.uint8}
#: int64 slots of the bounds-check error record: flag, line, site, index, size (+ spare).
ERR_RECORD = 8


def global_size_args(global_size: Sequence[int]) -> tuple[np.int64, np.int64, np.int64]:
    """The trailing ``cb_gs0..2`` arguments of a CUDA kernel: the true global size (1 beyond it)."""
    g = (*global_size, 1, 1)
    return np.int64(g[0]), np.int64(g[1]), np.int64(g[2])


Packer = Callable[[Sequence[Any]], list[Any]]
#: ArrayArg instances can carry cached launch values (no ``__slots__``).
_ARG_DICT = not hasattr(ArrayArg, "__slots__")


def arg_plan(kernel: ir.Function) -> tuple[tuple[ParamSlot, ...], Packer]:
    """The packing plan of a kernel's parameters: the slots and a packer made for them."""
    slots = []
    for p in kernel.params:
        if isinstance(p.type, ir.ArrayT):
            slots.append(ParamSlot(p.name, p.type.dtype, p.type.ndim, p.type.layout != "C"))
        else:
            slots.append(ParamSlot(p.name, p.type.dtype))
    return tuple(slots), make_packer(tuple(slots), kernel.py_name or kernel.name)


def _cache_key(slot: ParamSlot) -> str:
    return f"_cuda_args_{slot.ndim}{'s' if slot.strides else 'c'}"


def _array_values(a: Any, slot: ParamSlot, name: str) -> tuple[Any, ...]:
    """(buffer, offset, shape..., [strides...]) of an ArrayArg as launch values, kept on the ArrayArg
    (frozen, so through its ``__dict__``): an Array caches its ArrayArg, so launches reuse them."""
    if not isinstance(a, ArrayArg) or len(a.shape) != slot.ndim:
        raise LaunchError(f"{name}: argument {slot.name!r} must be a {slot.ndim}-d {slot.dtype} array, "
                          f"got {a!r}")
    i64 = np.int64
    values = (a.buffer, i64(a.offset), *(i64(n) for n in a.shape),
              *(i64(s) for s in (a.strides if slot.strides else ())))
    cache = getattr(a, "__dict__", None)
    if cache is not None:
        cache[_cache_key(slot)] = values
    return values


def make_packer(slots: tuple[ParamSlot, ...], name: str = "kernel") -> Packer:
    """A function flattening launch arguments (ArrayArg or scalars) into CuPy launch values: the buffer
    object for a pointer and NumPy scalars of the exact C type for everything else.

    Generated per kernel (the launch path runs it every time): straight-line code, no loop. Only
    indices and our own cache keys enter the generated text, never user identifiers.
    """
    n = len(slots)
    env: dict[str, Any] = {"ArrayArg": ArrayArg, "values": _array_values, "slots": slots, "name": name,
                           "LaunchError": LaunchError}
    body, items = [], []
    for i, slot in enumerate(slots):
        if slot.is_array:
            cached = f"a{i}.__dict__.get({_cache_key(slot)!r})" if _ARG_DICT else "None"
            body.append(f"    v{i} = {cached} if type(a{i}) is ArrayArg else None")
            body.append(f"    if v{i} is None: v{i} = values(a{i}, slots[{i}], name)")
            items.append(f"*v{i}")
        else:
            env[f"T{i}"] = slot.ctype
            items.append(f"(a{i} if type(a{i}) is T{i} else T{i}(a{i}))")
    names = "".join(f"a{i}, " for i in range(n))
    src = "\n".join([
        "def pack(args):",
        f"    if len(args) != {n}:",
        f"        raise LaunchError(f'{{name}}: expected {n} arguments, got {{len(args)}}')",
        f"    ({names}) = args" if n else "    pass",
        *body,
        f"    return [{', '.join(items)}]",
    ])
    exec(compile(src, f"<cambrian cuda packer {name}>", "exec"), env)
    return env["pack"]


def pack_args(plan: tuple[tuple[ParamSlot, ...], Packer], args: Sequence[Any], name: str = "kernel"
              ) -> list[Any]:
    """Launch values of ``args`` for a kernel with packing ``plan`` (see :func:`make_packer`)."""
    return plan[1](args)
