"""In-memory and on-disk cache of compiled programs. Knows bytes and keys, nothing else.

Layout: ``<cache_dir>/<namespace>/<key[:2]>/<key>/<file>``: generated source, JSON metadata and
binaries only (no pickle). The directory is per user with mode 0700; if it is owned by someone else or
writable by group/others the disk cache is refused (with a warning) and programs live in memory only.
Writes go through a temporary file and ``os.replace``; a corrupt entry is reported by the caller via
:meth:`DiskCache.discard` (a warning), then rebuilt.
"""

from __future__ import annotations

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

from . import config

__version_key__ = "cambrian-0.1.0"


class CacheWarning(UserWarning):
    """A cache directory was refused or an entry was corrupt (and rebuilt)."""


def make_key(*parts: object) -> str:
    """sha256 hex over the parts (strings joined with a separator, Cambrian version included)."""
    h = hashlib.sha256(__version_key__.encode())
    for p in parts:
        h.update(b"\x00")
        h.update(str(p).encode())
    return h.hexdigest()


def _safe_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = path.stat()
    except OSError as exc:
        warnings.warn(f"cache directory {path} unusable ({exc}); compiling in memory only",
                      CacheWarning, stacklevel=3)
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        warnings.warn(f"cache directory {path} is owned by another user; compiling in memory only",
                      CacheWarning, stacklevel=3)
        return False
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        warnings.warn(f"cache directory {path} is writable by others; compiling in memory only",
                      CacheWarning, stacklevel=3)
        return False
    return True


class DiskCache:
    """Files of compiled programs under one namespace (a backend name)."""

    def __init__(self, namespace: str):
        self.namespace = namespace
        self._checked: tuple[Path, bool] | None = None

    def root(self) -> Path | None:
        """The namespace directory, or None when the disk cache is disabled or refused."""
        if not config.disk_cache_enabled():
            return None
        base = config.cache_dir()
        if self._checked is None or self._checked[0] != base:
            self._checked = (base, _safe_dir(base))
        if not self._checked[1]:
            return None
        root = base / self.namespace
        root.mkdir(exist_ok=True, mode=0o700)
        return root

    def entry_dir(self, key: str, create: bool = False) -> Path | None:
        root = self.root()
        if root is None:
            return None
        d = root / key[:2] / key
        if create:
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
        return d

    def read(self, key: str, name: str) -> bytes | None:
        d = self.entry_dir(key)
        if d is None:
            return None
        try:
            return (d / name).read_bytes()
        except OSError:
            return None

    def write(self, key: str, name: str, data: bytes) -> Path | None:
        """Atomically write one file of an entry; returns its path (None when the cache is off)."""
        d = self.entry_dir(key, create=True)
        if d is None:
            return None
        fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, d / name)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            warnings.warn(f"could not write cache entry {d / name}: {exc}", CacheWarning, stacklevel=2)
            return None
        return d / name

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
        if d is not None and d.is_dir():
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
