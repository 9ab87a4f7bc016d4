"""In-memory and on-disk cache of compiled programs. Knows bytes and keys, nothing else.

Layout: ``<cache_dir>/<namespace>/<key[:2]>/<key>/<file>``: generated source, JSON metadata and
binaries (with a size and a digest over the key: :meth:`DiskCache.write_checked`). Cambrian itself writes
no pickle, but Numba keeps the ``cpu`` backend's machine code next to the generated source in
``__pycache__`` (``*.nbi``/``*.nbc``, read with pickle): the directory's ownership and mode are what
protect it. So the directory is per user with mode 0700; if it, or a directory below it, is a link, owned
by someone else or writable by group/others, the disk cache is refused (the base) or the subdirectory
removed, with a warning. A base that is read-only, immutable or full turns the disk cache off for the
process with one warning: programs live in memory only. Writes go through a temporary file and
``os.replace``; a corrupt entry is reported by the caller via :meth:`DiskCache.discard` (a warning),
then rebuilt.

Size bound (``CAMBRIAN_CACHE_MAX_MB``, :mod:`cambrian.cache_bound`): an entry directory's mtime is its
last use (reads touch it); past the bound, writes remove the least recently used entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

from . import cache_bound, config

__version_key__ = "cambrian-0.1.0"


class CacheWarning(UserWarning):
    """A cache directory was refused or an entry was corrupt (and rebuilt)."""


_MAGIC = b"CBBIN\x00\x01\x00"  # checked binaries: magic, size (8 bytes LE), sha256(key, data), data


def _digest(key: str, data: bytes) -> bytes:
    return hashlib.sha256(key.encode() + b"\x00" + data).digest()


def make_key(*parts: object) -> str:
    """sha256 hex over the parts (strings joined with a separator, Cambrian version included)."""
    h = hashlib.sha256(__version_key__.encode())
    for p in parts:
        h.update(b"\x00")
        h.update(str(p).encode())
    return h.hexdigest()


#: Base directories found unusable in this process -> why (one warning each; programs stay in memory).
_REFUSED: dict[Path, str] = {}
_LOCK = threading.Lock()


def _unsafe(path: Path, st: os.stat_result) -> str | None:
    """Why a cache directory must not be trusted (Numba's part of the cache is pickled), or None."""
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(st.st_mode):
        return "is not a directory"
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return "is owned by another user"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "is writable by others"
    return None


def refuse(base: Path, why: str) -> None:
    """Use no disk cache under ``base`` for the rest of the process; warn once."""
    with _LOCK:
        if base in _REFUSED:
            return
        _REFUSED[base] = why
    warnings.warn(f"cache directory {base} {why}; compiling in memory only", CacheWarning, stacklevel=3)


def _check_base(base: Path) -> bool:
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        why = _unsafe(base, base.stat())  # the base itself may be a link (a user's choice): follow it
        if why is None and not os.access(base, os.W_OK | os.X_OK):
            why = "is not writable (read-only file system or immutable)"
    except OSError as exc:
        why = f"is unusable ({exc.strerror or exc})"
    if why is not None:
        refuse(base, why)
    return why is None


def check_subdir(path: Path) -> bool:
    """A directory below the base is safe, or is removed with a warning (a link to a world-writable
    place, a directory of another user): True when ``path`` is now safe or absent."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    why = _unsafe(path, st)
    if why is None:
        return True
    warnings.warn(f"cache directory {path} {why}; removing it", CacheWarning, stacklevel=4)
    try:
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError:
        return False
    return True


class DiskCache:
    """Files of compiled programs under one namespace (a backend name).

    Faults degrade softly: a base directory that is refused (another owner, writable by others,
    read-only, full) or a write that fails turns the disk cache off for the process with one
    :class:`CacheWarning`; compilation goes on in memory."""

    def __init__(self, namespace: str):
        self.namespace = namespace
        self._checked: tuple[Path, bool] | None = None

    def root(self) -> Path | None:
        """The namespace directory, or None when the disk cache is disabled or refused."""
        if not config.disk_cache_enabled():
            return None
        base = config.cache_dir()
        if base in _REFUSED:
            return None
        if self._checked is None or self._checked[0] != base:
            root = base / self.namespace
            ok = _check_base(base) and check_subdir(root)
            if ok:
                try:
                    root.mkdir(exist_ok=True, mode=0o700)
                except OSError as exc:
                    refuse(base, f"is unusable ({exc.strerror or exc})")
                    ok = False
            self._checked = (base, ok)
        return base / self.namespace if self._checked[1] and base not in _REFUSED else None

    def entry_dir(self, key: str, create: bool = False) -> Path | None:
        """The directory of entry ``key`` (created when ``create``); None when the cache is off or the
        entry cannot be made safe."""
        root = self.root()
        if root is None:
            return None
        d = root / key[:2] / key
        if not (check_subdir(d.parent) and check_subdir(d)):
            return None
        if create:
            try:
                d.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                refuse(root.parent, f"is unusable ({exc.strerror or exc})")
                return None
        return d

    def read(self, key: str, name: str) -> bytes | None:
        d = self.entry_dir(key)
        if d is None:
            return None
        try:
            data = (d / name).read_bytes()
        except OSError:
            return None
        cache_bound.used(d)
        return data

    def write(self, key: str, name: str, data: bytes) -> Path | None:
        """Atomically write one file of an entry; returns its path (None when the cache is off)."""
        d = self.entry_dir(key, create=True)
        if d is None:
            return None
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, d / name)
        except OSError as exc:  # full, read-only, immutable: memory only from now on
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            refuse(d.parent.parent.parent, f"is unusable (writing {name}: {exc.strerror or exc})")
            return None
        cache_bound.written(d, len(data))
        return d / name

    def write_checked(self, key: str, name: str, data: bytes) -> Path | None:
        """Write a binary with its size and a digest over the entry's key and the bytes (a header):
        :meth:`read_checked` hands out only bytes that were written for this very key."""
        return self.write(key, name, _MAGIC + len(data).to_bytes(8, "little") + _digest(key, data) + data)

    def read_checked(self, key: str, name: str) -> bytes | None:
        """The bytes :meth:`write_checked` stored, or None; a truncated, altered or swapped file (another
        entry's binary) is discarded with a warning, so the caller rebuilds instead of handing the
        driver bytes that can crash it."""
        raw = self.read(key, name)
        if raw is None:
            return None
        head = len(_MAGIC) + 8 + 32
        size = int.from_bytes(raw[len(_MAGIC):len(_MAGIC) + 8], "little") if len(raw) >= head else -1
        if not raw.startswith(_MAGIC) or size != len(raw) - head:
            self.discard(key, f"{name} is truncated or not a Cambrian binary ({len(raw)} bytes)")
            return None
        data = raw[head:]
        if raw[head - 32:head] != _digest(key, data):
            self.discard(key, f"{name} does not match its digest (altered, or another entry's)")
            return None
        return data

    def read_json(self, key: str, name: str = "meta.json") -> dict[str, Any] | None:
        raw = self.read(key, name)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            self.discard(key, f"{name} is not valid JSON")
            return None
        return value if isinstance(value, dict) else None

    def write_json(self, key: str, value: dict[str, Any], name: str = "meta.json") -> None:
        self.write(key, name, json.dumps(value, sort_keys=True).encode())

    def discard(self, key: str, why: str) -> None:
        """Warn about a corrupt entry and delete it so it is rebuilt."""
        d = self.entry_dir(key)
        warnings.warn(f"corrupt cache entry {d} ({why}); rebuilding", CacheWarning, stacklevel=2)
        if d is not None and d.is_dir() and not d.is_symlink():
            shutil.rmtree(d, ignore_errors=True)


class MemoryCache:
    """A thread-safe dict of built programs for this process."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        return self._data.get(key)

    def put(self, key: str, value: Any) -> Any:
        with self._lock:
            return self._data.setdefault(key, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
