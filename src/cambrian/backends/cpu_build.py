"""Turn generated kernel source into a live Python module, through the disk cache when it is on.

With the disk cache, the source is written once as ``<cache>/cpu/<k>/<key>/kernel_<key>.py`` and
imported from there with ``@njit(cache=True)``: Numba keeps its compiled code next to the file
(``__pycache__``), so a second process running the same kernel loads machine code instead of
compiling. The file is never rewritten while its content is right (rewriting would change its
timestamp and invalidate Numba's cache). Without the disk cache the source is executed from memory.
"""

from __future__ import annotations

import hashlib
import importlib.util
import linecache
import sys
import threading
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType, SimpleNamespace

from .. import config
from ..cache import CacheWarning, DiskCache, make_key
from ..compiler import ir
from ..compiler.render_py import PySource

_DISK = DiskCache("cpu")
_LOCK = threading.Lock()
_IMPL_FILES = ("compiler/render_py.py", "compiler/render_py_expr.py", "compiler/render_py_group.py",
               "backends/cpu_rt.py", "backends/cpu_atomics.py", "backends/cpu_build.py")


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
                    f"llvmlite {llvmlite.__version__}", impl_hash(), f"slp {config.cpu_slp()}")


def load(key: str, render: Callable[[bool], PySource]) -> tuple[object, PySource]:
    """The generated module (an object with ``_launch*`` attributes) and its source."""
    with _LOCK:
        name = f"kernel_{key}"
        if _DISK.root() is not None:
            src = render(True)
            data, fname = src.text.encode(), f"{name}.py"
            old = _DISK.read(key, fname)
            entry = _DISK.entry_dir(key)
            if old == data and entry is not None:
                path: Path | None = entry / fname
            else:
                if old is not None:  # rewriting changes the file's timestamp: Numba's entries go stale
                    warnings.warn(f"corrupt cache entry {entry} (generated source differs); rebuilding",
                                  CacheWarning, stacklevel=3)
                path = _DISK.write(key, fname, data)
            if path is not None:
                return _import_file(name, path), src
        src = render(False)
        return _exec_memory(name, src.text), src


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
