"""The compiled methods of dataclasses from the disk cache (``import cambrian`` without ~200 compilations).

``@dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``
and ``__delattr__`` as source text and runs it with ``exec``, which compiles it: for the IR's ~30 frozen
classes (:mod:`cambrian.compiler.ir`) that was 15 ms of ``import cambrian``. Between :func:`begin` and
:func:`end` (``cambrian/__init__.py`` holds one session for the whole package import), the ``exec`` that
``dataclasses`` calls runs code objects compiled from exactly that text instead (``compile(text,
"<string>", "exec", dont_inherit=True)``: what ``exec`` compiles when called from ``dataclasses``, a
module without ``__future__`` imports), kept in the disk cache as one marshal file per Python version,
optimization level (``-O``) and session key (:meth:`~cambrian.cache.DiskCache.write_checked`). The text is
the lookup key, so the classes are the same with or without the file; a missing, stale or corrupt file
costs only the compilations (and is written again). Without the disk cache, ``dataclasses`` runs as usual.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import marshal
import sys
from types import CodeType
from typing import Any

from ..cache import DiskCache, make_key

_DISK = DiskCache("python")
_FILE = "dataclass_code.marshal"


class _Session:
    """The code objects of one module's dataclasses: loaded from the cache, completed by compiling."""

    def __init__(self, key: str, codes: dict[str, CodeType]):
        self.key = key
        self.codes = codes
        self.used: dict[str, CodeType] = {}

    def exec(self, source: Any, globals: Any = None, locals: Any = None, /) -> None:
        if isinstance(source, str):
            code = self.codes.get(source)
            if code is None:
                code = compile(source, "<string>", "exec", dont_inherit=True)
            self.used[source] = code
            source = code
        exec(source, globals, locals)


_ACTIVE: _Session | None = None


def begin(*key: object) -> _Session | None:
    """From now until :func:`end`, ``dataclasses`` takes its methods' code from the cache entry of
    ``key`` (what the texts depend on, besides Python's version) when it has them. Returns the session
    to end; None when one is active already (the outer one serves) or the disk cache is off."""
    global _ACTIVE
    if _ACTIVE is not None or "exec" in vars(dataclasses) or _DISK.root() is None:
        return None
    full = make_key("dataclass code", sys.version, importlib.util.MAGIC_NUMBER.hex(), sys.flags.optimize,
                    *key)
    codes: dict[str, CodeType] = {}
    raw = _DISK.read_checked(full, _FILE)
    if raw is not None:
        try:
            loaded = marshal.loads(raw)
        except (ValueError, EOFError, TypeError):
            loaded = None
        if isinstance(loaded, dict) and all(isinstance(k, str) and isinstance(v, CodeType)
                                            for k, v in loaded.items()):
            codes = loaded
        else:
            _DISK.discard(full, f"{_FILE} is not a table of code objects")
    _ACTIVE = _Session(full, codes)
    dataclasses.exec = _ACTIVE.exec  # type: ignore[attr-defined]  # shadows the builtin in dataclasses
    return _ACTIVE


def begin_module(module_file: str) -> _Session | None:
    """:func:`begin` for the dataclasses of one module, keyed by its source."""
    if _ACTIVE is not None:
        return None
    try:
        with open(module_file, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None
    return begin(module_file, digest)


def end(session: _Session | None) -> None:
    """End ``session`` (from :func:`begin`): ``dataclasses`` compiles with the builtin ``exec`` again,
    and a table that missed is stored with exactly the code used."""
    global _ACTIVE
    if session is None or session is not _ACTIVE:
        return
    _ACTIVE = None
    if vars(dataclasses).get("exec") == session.exec:
        del dataclasses.exec  # type: ignore[attr-defined]
    if session.used and session.used != session.codes:
        _DISK.write_checked(session.key, _FILE, marshal.dumps(session.used))
