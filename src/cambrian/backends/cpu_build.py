"""Turn generated kernel source into a live Python module, through the disk cache when it is on.

With the disk cache, the source is written once as ``<cache>/cpu/<k>/<key>/kernel_<key>.py`` and
imported from there with ``@njit(cache=True)``: Numba keeps its compiled code next to the file
(``__pycache__``), so a second process running the same kernel loads machine code instead of
compiling. The file is never rewritten while its content is right (rewriting would change its
timestamp and invalidate Numba's cache). Without the disk cache the source is executed from memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import linecache
import os
import sys
import threading
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from .. import config
from ..cache import CacheWarning, DiskCache, check_subdir, make_key, refuse
from ..compiler import ir, mathlib
from ..compiler.render_py import PySource

_DISK = DiskCache("cpu")
_LOCK = threading.Lock()
_IMPL_FILES = ("compiler/render_py.py", "compiler/render_py_expr.py", "compiler/render_py_group.py",
               "backends/cpu_rt.py", "backends/cpu_atomics.py", "backends/cpu_stores.py",
               "backends/cpu_build.py",
               "backends/cpu_math.py", "compiler/mathlib.py", "math_kernels.py",
               "math_kernels_f32.py", "compiler/tiering.py", "compiler/group_passes.py")


@cache
def impl_hash() -> str:
    """Hash of the renderer and runtime helpers: part of every key (their change invalidates)."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for rel in _IMPL_FILES:
        h.update((root / rel).read_bytes())
    return h.hexdigest()


def program_key(module: ir.Module, identity: str) -> str:
    import llvmlite
    import numba

    return make_key(module.key(), identity, f"numba {numba.__version__}",
                    f"llvmlite {llvmlite.__version__}", impl_hash(), f"slp {config.cpu_slp()}",
                    f"math {mathlib.mode()}")


_PARALLEL = "@njit(parallel=True, "


def with_serial_twins(text: str) -> str:
    """``text`` plus, for each parallel launcher ``_launchX`` (``@njit(parallel=True, ...)``), a serial
    twin ``_launchX_serial``: the same function compiled without ``parallel=True`` (``prange`` is then
    ``range``), run on the calling thread for small launches (no wake-up of the thread pool)."""
    lines, twins, i = text.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(_PARALLEL) and i + 1 < len(lines) and lines[i + 1].startswith("def _launch"):
            name = lines[i + 1][4:lines[i + 1].index("(")]
            block = ["@njit(" + line[len(_PARALLEL):], lines[i + 1].replace(name, name + "_serial", 1)]
            i += 2
            while i < len(lines) and (not lines[i] or lines[i][0] in " \t"):
                block.append(lines[i])
                i += 1
            twins.append("\n".join(block).rstrip() + "\n")
        else:
            i += 1
    if not twins:
        return text
    head = text.rstrip("\n") + "\n\n# serial twins: small launches run on the calling thread\n\n"
    return head + "\n\n".join(twins)


def load(key: str, render: Callable[[bool], PySource]) -> tuple[object, PySource]:
    """The generated module (an object with ``_launch*`` attributes, and the ``_launch*_serial`` twins)
    and its source."""
    with _LOCK:
        name = f"kernel_{key}"
        if _DISK.root() is not None:
            src = render(True)
            data, fname = with_serial_twins(src.text).encode(), f"{name}.py"
            old = _DISK.read(key, fname)
            entry = _DISK.entry_dir(key)
            if old == data and entry is not None:
                path: Path | None = entry / fname
            else:
                if old is not None:  # rewriting changes the file's timestamp: Numba's entries go stale
                    warnings.warn(f"corrupt cache entry {entry} (generated source differs); rebuilding",
                                  CacheWarning, stacklevel=3)
                path = _DISK.write(key, fname, data)
            if path is not None and _numba_dir_ok(path.parent):
                try:
                    mod = _import_file(name, path)
                except Exception as exc:  # Numba cannot cache there (read-only...): compile in memory
                    warnings.warn(f"cannot use cache entry {path.parent} ({type(exc).__name__}: {exc}); "
                                  "compiling in memory", CacheWarning, stacklevel=3)
                else:
                    _harden(mod, path.parent)
                    return mod, src
        src = render(False)
        return _exec_memory(name, with_serial_twins(src.text)), src


def _numba_dir_ok(entry: Path) -> bool:
    """Numba reads its ``__pycache__`` with pickle: it must be ours and private (else removed), and
    the entry writable (Numba caches nowhere else: a read-only cache compiles in memory)."""
    return check_subdir(entry / "__pycache__") and os.access(entry, os.W_OK | os.X_OK)


def _harden(mod: ModuleType, entry: Path) -> None:
    """Make the Numba caches of ``mod``'s functions fail softly: an entry that does not load (a
    corrupt ``*.nbi``/``*.nbc``: UnpicklingError...) is deleted with a warning and compiled again; an
    entry that cannot be saved (a full disk) warns and stays in memory."""
    for fn in list(vars(mod).values()):
        nb = getattr(fn, "_cache", None)
        if nb is None or not hasattr(nb, "load_overload") or not hasattr(nb, "_cache_file"):
            continue  # not a caching Numba dispatcher
        load, save = nb.load_overload, nb.save_overload
        quick = all(hasattr(nb, a) for a in ("_enabled", "_guard_against_spurious_io_errors", "_cache_file",
                                             "_index_key", "_impl"))

        def safe_load(sig: Any, ctx: Any, load: Any = load, nb: Any = nb, quick: bool = quick) -> Any:
            try:
                return _load_cached(nb, sig, ctx) if quick else load(sig, ctx)
            except Exception as exc:
                index = Path(getattr(nb._cache_file, "_index_path", entry / "__pycache__" / "?"))
                warnings.warn(f"corrupt Numba cache file {index} ({type(exc).__name__}: {exc}); rebuilding",
                              CacheWarning, stacklevel=2)
                for f in (index, *index.parent.glob(index.name[:-len(".nbi")] + ".*.nbc")):
                    with contextlib.suppress(OSError):
                        f.unlink()
                return None

        def safe_save(sig: Any, data: Any, save: Any = save) -> None:
            try:
                save(sig, data)
            except Exception as exc:
                refuse(entry.parent.parent.parent, f"is unusable (Numba could not save: {exc})")

        nb.load_overload, nb.save_overload = safe_load, safe_save


def _load_cached(nb: Any, sig: Any, ctx: Any) -> Any:
    """Numba's ``FunctionCache.load_overload`` without its ``target_context.refresh()``: the refresh
    imports and installs every lazy registry of Numba (NumPy, linalg with SciPy, typed containers...),
    ~0.25 s of a new process's first launch, and loading machine code needs none of them. Numba's
    runtime (NRT: ~20 ms to compile) is initialized only for code that calls it (local arrays,
    bounds-checked loads). A compilation still refreshes (Numba's compiler does it), so later
    compiles in the process see every registry."""
    if not nb._enabled:
        return None
    with nb._guard_against_spurious_io_errors():
        data = nb._cache_file.load(nb._index_key(sig, ctx.codegen()))
        if data is None:
            return None
        if not _nrt_free(data):
            from numba.core.runtime import rtsys

            rtsys.initialize(ctx)
        return nb._impl.rebuild(ctx, data)
    return None  # the guard swallowed an I/O error: compile instead


def _nrt_free(data: Any) -> bool:
    """Whether a cached compile result's object code calls no NRT function (False when unsure)."""
    try:
        obj = data[0][2][0]  # (libdata = (name, "object", (object code, bitcode)), fndesc, ...)
    except (TypeError, IndexError, KeyError):
        return False
    return isinstance(obj, bytes) and b"NRT_" not in obj


def _import_file(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return mod


def _exec_memory(name: str, text: str) -> SimpleNamespace:
    filename = f"<cambrian-cpu {name[:24]}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    ns: dict[str, object] = {"__name__": name}
    exec(compile(text, filename, "exec"), ns)
    return SimpleNamespace(**ns)
