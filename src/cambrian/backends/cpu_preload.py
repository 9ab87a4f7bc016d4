"""The first call of a ``cpu`` launcher: LLVM's SLP vectorizer on while Numba compiles it, and its
machine code loaded from Numba's disk cache without Numba's first-call set-up."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

_SLP_LOCK = threading.Lock()


class CompileWithSLP:
    """A Numba launcher whose first call (where Numba compiles it, or loads it from its cache) runs
    with LLVM's SLP vectorizer on. Numba keeps SLP off by default for all code (miscompilations in
    older LLVMs); Cambrian turns it on for its own kernels only, as C compilers (and PoCL) do at -O2:
    it packs the independent lanes of reductions into vector instructions (~10% on a sum of squares).
    ``CAMBRIAN_CPU_SLP=0`` turns it off."""

    __slots__ = ("fn", "warm")

    def __init__(self, fn: Any):
        self.fn = fn
        self.warm = False

    def __call__(self, *args: Any) -> Any:
        if self.warm:
            return self.fn(*args)
        import numba

        with _SLP_LOCK:
            old = numba.config.SLP_VECTORIZE
            numba.config.SLP_VECTORIZE = 1
            try:
                preload(self.fn, args)
                out = self.fn(*args)
            finally:
                numba.config.SLP_VECTORIZE = old
        self.warm = True
        return out

    def __getattr__(self, name: str) -> Any:  # the dispatcher's attributes (stats, signatures, ...)
        return getattr(self.fn, name)


def preload(fn: Any, args: tuple[Any, ...]) -> bool:
    """Load the Numba dispatcher ``fn``'s machine code for ``args`` from its disk cache before the first
    call, which then finds it. Numba's own first call does more before it looks in its cache: it reads
    the ``numba_extensions`` entry points of every installed distribution (5-10 ms of a warm start
    here; they are still loaded at the first compilation). Only for the arguments Cambrian passes (ints,
    NumPy scalars, arrays of NumPy dtypes), typed as Numba's ``typeof`` types them; otherwise, on a
    miss or on any surprise, False: the call does it all as before (a mistyped signature costs a
    lookup, never a compile)."""
    try:
        sig = tuple(_numba_type(a) for a in args)
        if sig in fn.overloads:
            return True
        from numba.core.compiler_lock import global_compiler_lock

        with global_compiler_lock:  # Dispatcher.compile's load from the disk cache, without compiling
            cres = fn._cache.load_overload(sig, fn.targetctx)
            if cres is None:
                return False
            fn._cache_hits[sig] += 1
            if not cres.objectmode:
                fn.targetctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
            fn.add_overload(cres)
        return True
    except Exception:
        return False


def _numba_type(a: Any) -> Any:
    """Numba's ``typeof(a)`` for the arguments of Cambrian's launchers (TypeError for others)."""
    from numba.core import types
    from numba.np.numpy_support import from_dtype

    cls = a.__class__
    if cls is np.ndarray:
        flags = a.flags
        layout = "C" if flags.c_contiguous else "F" if flags.f_contiguous else "A"
        return types.Array(from_dtype(a.dtype), a.ndim, layout, readonly=not flags.writeable)
    if cls is int and -(1 << 63) <= a < (1 << 63):
        return types.int64
    if issubclass(cls, np.generic) and cls in _SCALARS:
        return from_dtype(np.dtype(cls))
    raise TypeError(f"no preloading for {cls.__name__} arguments")


_SCALARS = frozenset(np.dtype(c).type for c in "?bBhHiIlLqQefdFD")
