"""Numba's runtime (NRT) from the disk cache: a new process's first ``cpu`` launch without compiling it.

Numba compiles its runtime's LLVM functions (``numba.core.runtime.nrtdynmod``: reference counts,
meminfo access) in every process that runs code calling them, and every cached kernel with array
arguments does (its Python wrapper adapts arrays through the runtime): 20-45 ms of a warm start here.
:func:`initialize` gives Numba that library from machine code kept in the disk cache instead (Numba's
own object-code serialization, the one its cache uses for compiled functions), as checked binaries
(:meth:`~cambrian.cache.DiskCache.write_checked`) in entry ``cpu/<key>``.

The key holds what the machine code depends on: Numba's and llvmlite's versions, the code generator's
target (triple, CPU name and features: Numba's ``magic_tuple``, which ``NUMBA_CPU_NAME`` and
``NUMBA_CPU_FEATURES`` change), Python's version and every ``NUMBA_*`` variable
(:func:`cambrian.verdicts.environment`: ``NUMBA_OPT``, ``NUMBA_DEBUG_NRT``...). Any change builds and
stores it again; so does a missing, truncated or altered file (with a warning), and a library that
does not load. Without the disk cache Numba compiles its runtime itself, as before.
"""

from __future__ import annotations

from typing import Any

from ..cache import DiskCache, make_key
from ..verdicts import environment

_DISK = DiskCache("cpu")
_FILES = ("nrt.o", "nrt.bc")  # object code, and the bitcode that later compilations link against

#: How this process got Numba's runtime: None (not yet by Cambrian), "cache", "compiled" or "numba"
#: (Numba had initialized it already, or the disk cache is off).
source: str | None = None


def key(codegen: Any) -> str:
    """The cache key of the runtime library's machine code for ``codegen`` (see the module docstring)."""
    import llvmlite
    import numba

    return make_key("numba runtime library", f"numba {numba.__version__}", f"llvmlite {llvmlite.__version__}",
                    codegen.magic_tuple(), environment())


def initialize() -> str:
    """Initialize Numba's runtime once per process, from cached machine code when there is some (else
    compiled as Numba does, and stored); with the disk cache off, leave it to Numba. Returns how the
    runtime came (:data:`source`)."""
    global source
    from numba.core.runtime import rtsys

    if getattr(rtsys, "_init", True):  # initialized (or another Numba: it initializes it itself)
        source = source or "numba"
        return source
    if _DISK.root() is None:  # Numba compiles it when a kernel needs it
        return "numba"
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.registry import cpu_target
    from numba.core.runtime import nrtdynmod

    with global_compiler_lock:
        if rtsys._init:
            source = source or "numba"
            return source
        compile_nrt = nrtdynmod.compile_nrt_functions
        got: list[str] = []
        nrtdynmod.compile_nrt_functions = lambda ctx: _library(ctx, compile_nrt, got)
        try:
            rtsys.initialize(cpu_target.target_context)
        finally:
            nrtdynmod.compile_nrt_functions = compile_nrt
        source = got[0] if got else "numba"
    return source


def _library(ctx: Any, compile_nrt: Any, got: list[str]) -> Any:
    """Numba's ``compile_nrt_functions(ctx)`` (``compile_nrt``), through the disk cache."""
    from numba.core.runtime import nrtdynmod

    codegen = ctx.codegen()
    k = key(codegen)
    obj, bitcode = (_DISK.read_checked(k, name) for name in _FILES)
    if obj is not None and bitcode is not None:
        try:
            lib = codegen.unserialize_library(("nrt", "object", (obj, bitcode)))
        except Exception as exc:  # any failure: compile it as Numba does
            _DISK.discard(k, f"Numba's runtime library does not load ({type(exc).__name__}: {exc})")
        else:
            got.append("cache")
            return lib
    try:
        ir_mod, lib = nrtdynmod.create_nrt_module(ctx)  # what compile_nrt does, keeping the machine code
        lib.enable_object_caching()
        lib.add_ir_module(ir_mod)
        lib.finalize()
        _, kind, (obj, bitcode) = lib.serialize_using_object_code()
    except Exception:  # another Numba: its own way
        got.append("numba")
        return compile_nrt(ctx)
    got.append("compiled")
    if kind == "object" and isinstance(obj, bytes) and isinstance(bitcode, bytes):
        for name, data in zip(_FILES, (obj, bitcode), strict=True):
            _DISK.write_checked(k, name, data)
    return lib
