"""Counter-based random numbers (Philox4x32-10, as Random123 defines it): the same stream on every device.

In kernels (stateless ``@cb.func`` device functions, uint32/uint64 arithmetic only)::

    cb.random.uniform(seed, counter)       # float64 in [0, 1), 53 random bits
    cb.random.uniform_f32(seed, counter)   # float32 in [0, 1), 24 random bits
    cb.random.normal(seed, counter)        # float64 standard normal (Box-Muller, + - * / sqrt only)
    cb.random.bits64(seed, counter)        # uint64 raw bits

``seed`` and ``counter`` are uint64 (any integer is cast); each ``(seed, counter)`` gives one value,
bit-identical on every device. On the host, in the style of NumPy's ``Generator``::

    rng = cb.random.default_rng(42)
    x = rng.random((1000,), dtype="float32", device="opencl")   # generated on the device
    y = rng.normal(0.0, 2.0, size=1000)                         # continues the stream

Element ``i`` of a call is ``f(seed, offset + i)``; ``offset`` then advances by the number of elements,
so successive calls continue the stream. The exact definition is in :mod:`cambrian.random_philox`.
"""

from __future__ import annotations

import inspect
import math
import secrets
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes
from .kernels import Func, Kernel, Prepared
from .random_philox import KERNEL_SOURCE, MATH_SOURCE
from .vectorize import flat, kernel_namespace, make_function, remember

PUBLIC_FUNCS = ("uniform", "uniform_f32", "normal", "bits64")
_MASK64 = (1 << 64) - 1
_funcs: dict[str, Func] = {}


def device_functions() -> dict[str, Func]:
    """The Philox device functions (built once, on first use), by name."""
    if not _funcs:
        ns = kernel_namespace()
        make_function(MATH_SOURCE + "\n\n" + KERNEL_SOURCE, "uniform", "random philox", ns)
        for name, obj in list(ns.items()):
            if inspect.isfunction(obj):
                ns[name] = Func(obj)  # callees resolve through these globals: they must be @func too
        _funcs.update({n: f for n, f in ns.items() if isinstance(f, Func)})
    return _funcs


def __getattr__(name: str) -> Any:
    if name in PUBLIC_FUNCS:
        return device_functions()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- host generator

#: ``out[i] = ...`` of the fill kernels; ``low``/``scale`` are of the output dtype (uniform), float64
#: (normal) or uint64 (integers: ``scale`` is the span).
_FILL_SOURCE = {
    "uniform": "cb.{t}(low + scale * {u}(seed, offset + cb.uint64(i)))",
    "normal": "cb.{t}(low + scale * _normal(seed, offset + cb.uint64(i)))",
    "integers": "cb.{t}(cb.uint64(low) + _bits64(seed, offset + cb.uint64(i)) % scale)",
}
_kernels: dict[tuple[str, str], Kernel] = {}
#: Fill launches prepared once per (kind, dtype, size, device): a draw skips the launch checks.
_plans: dict[tuple[Any, ...], Prepared] = {}


def _fill_kernel(kind: str, dtype: str) -> Kernel:
    kern = _kernels.get((kind, dtype))
    if kern is None:
        funcs = device_functions()
        u = "_uniform_f32" if dtype == "float32" else "_uniform"
        expr = _FILL_SOURCE[kind].format(t=dtype, u=u)
        src = (f"def fill_{kind}_{dtype}(out, seed, offset, low, scale):\n"
               f"    i = cb.get_global_id(0)\n    out[i] = {expr}\n")
        ns = kernel_namespace(_uniform=funcs["uniform"], _uniform_f32=funcs["uniform_f32"],
                              _normal=funcs["normal"], _bits64=funcs["bits64"])
        kern = _kernels[(kind, dtype)] = Kernel(make_function(src, f"fill_{kind}_{dtype}", "random", ns))
    return kern


def _shape(size: int | Sequence[int] | None) -> tuple[int, ...]:
    if size is None:
        return ()
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    return tuple(int(s) for s in size)


class Generator:
    """A Philox stream: ``seed`` (uint64 key) and ``offset`` (the next counter). Draws run on the
    requested device (default: the default device) and return ``cb.Array``."""

    def __init__(self, seed: int | None = None, offset: int = 0):
        if seed is None:
            seed = secrets.randbits(64)
        self.seed = int(seed) & _MASK64
        self.offset = int(offset) & _MASK64

    def __repr__(self) -> str:
        return f"Generator(Philox4x32-10, seed={self.seed}, offset={self.offset})"

    def advance(self, n: int) -> Generator:
        """Skip ``n`` values of the stream (in place); returns self."""
        self.offset = (self.offset + int(n)) & _MASK64
        return self

    def _fill(self, kind: str, shape: tuple[int, ...], dtype: str, device: Any, a: Any, b: Any) -> Any:
        from .array import Array
        from .devices import resolve_device

        target = resolve_device(device)
        out = Array._empty(shape, dtype, target)
        n = math.prod(shape)
        if n:
            key = (kind, dtype, n, target)
            args = [np.uint64(self.seed), np.uint64(self.offset), a, b]
            prepared = _plans.get(key)
            if prepared is None:
                prepared, launch_args = _fill_kernel(kind, dtype)[n].prepare(flat(out), *args)
                remember(_plans, key, prepared)
            else:
                launch_args = [out.__cambrian_array__().flat(), *args]
            prepared(launch_args)
        self.advance(n)
        return out

    def random(self, size: int | Sequence[int] | None = None, dtype: Any = "float64", *,
               device: Any = None) -> Any:
        """Uniform floats in [0, 1) (float64: 53 random bits; float32: 24)."""
        return self.uniform(0.0, 1.0, size, dtype=dtype, device=device)

    def uniform(self, low: float = 0.0, high: float = 1.0, size: int | Sequence[int] | None = None,
                dtype: Any = "float64", *, device: Any = None) -> Any:
        """Uniform floats in [low, high): ``low + (high - low) * u`` in ``dtype``."""
        d = _float_dtype(dtype)
        t = np.dtype(d).type
        return self._fill("uniform", _shape(size), d, device, t(low), t(high) - t(low))

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: int | Sequence[int] | None = None,
               dtype: Any = "float64", *, device: Any = None) -> Any:
        """Normal floats: ``loc + scale * z`` with ``z`` = ``cb.random.normal`` (computed in float64)."""
        d = _float_dtype(dtype)
        return self._fill("normal", _shape(size), d, device, np.float64(loc), np.float64(scale))

    def integers(self, low: int, high: int | None = None, size: int | Sequence[int] | None = None,
                 dtype: Any = "int64", *, endpoint: bool = False, device: Any = None) -> Any:
        """Integers in [low, high) (``endpoint=True``: [low, high]); ``high=None`` means [0, low).
        ``bits64 % span``: the modulo bias is below ``span / 2**64``."""
        if high is None:
            low, high = 0, low
        d = dtypes.name(dtype)
        if not dtypes.is_integer(d):
            raise TypeError(f"integers() needs an integer dtype, got {d}")
        span = int(high) - int(low) + (1 if endpoint else 0)
        info = np.iinfo(d)
        if span <= 0 or int(low) < info.min or int(low) + span - 1 > info.max or span > _MASK64:
            raise ValueError(f"integers(): empty or out-of-range interval [{low}, {high}"
                             f"{']' if endpoint else ')'} for {d}")
        return self._fill("integers", _shape(size), d, device, np.uint64(int(low) & _MASK64),
                          np.uint64(span))


def _float_dtype(dtype: Any) -> str:
    d = dtypes.name(dtype)
    if d not in ("float32", "float64"):
        raise TypeError(f"expected float32 or float64, got {d}")
    return d


def default_rng(seed: int | None = None) -> Generator:
    """A :class:`Generator` for ``seed`` (a non-negative int; None draws one from the OS)."""
    return Generator(seed)
