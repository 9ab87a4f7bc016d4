"""The on-disk cache's size: what it holds (``cambrian cache info``), clearing it (``cambrian cache
clear``) and its bound (``CAMBRIAN_CACHE_MAX_MB``, least recently used entries removed first).

An entry is a directory ``<base>/<namespace>/<key[:2]>/<key>``; its mtime is its last use: writing a
file into it sets it, and :func:`used` touches it on the first read of the process. Keeping the bound
costs no directory walk per write: the last measured total is kept in ``<base>/usage.json``; a process
adds what it writes and walks the cache (and evicts) only when that estimate passes the bound or the
measure is older than :data:`RECHECK_S` (Numba's files and other processes' writes are counted then).
Eviction goes down to :data:`LOW_WATER` of the bound; it spares the entries this process used and the
device verdicts (tiny, and costly to redo).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from . import config

RECHECK_S = 600.0
LOW_WATER = 0.8
STATE_FILE = "usage.json"
KEEP = frozenset({"verdicts"})  # namespaces never evicted (cleared only on request)

_LOCK = threading.Lock()
_USED: set[Path] = set()  # entry directories this process read or wrote: not evicted by it
_STATE: dict[Path, dict[str, float]] = {}  # base -> {"bytes": estimate, "time": when measured}


class Entry(NamedTuple):
    namespace: str
    path: Path
    size: int
    mtime: float


def _dirs(path: str | Path) -> Iterator[os.DirEntry[str]]:
    """Subdirectories of ``path`` (links not followed; unreadable: none)."""
    try:
        with os.scandir(path) as it:
            items = list(it)
    except OSError:
        return
    for e in items:
        with contextlib.suppress(OSError):
            if e.is_dir(follow_symlinks=False):
                yield e


def _size(path: str) -> int:
    total = 0
    try:
        with os.scandir(path) as it:
            for e in it:
                with contextlib.suppress(OSError):
                    if e.is_dir(follow_symlinks=False):
                        total += _size(e.path)
                    else:
                        total += e.stat(follow_symlinks=False).st_size
    except OSError:
        pass
    return total


def entries(base: Path | None = None, namespace: str | None = None) -> list[Entry]:
    """Every entry of the cache under ``base`` (default: the configured directory)."""
    base = config.cache_dir() if base is None else base
    out = []
    for ns in _dirs(base):
        if namespace is not None and ns.name != namespace:
            continue
        for prefix in _dirs(ns.path):
            for e in _dirs(prefix.path):
                with contextlib.suppress(OSError):
                    mtime = e.stat(follow_symlinks=False).st_mtime
                    out.append(Entry(ns.name, Path(e.path), _size(e.path), mtime))
    return out


def usage(base: Path | None = None) -> dict[str, Any]:
    """``{"directory", "enabled", "max_bytes", "total_bytes", "entries", "namespaces": {name: {"entries",
    "bytes"}}}`` of the on-disk cache."""
    base = config.cache_dir() if base is None else base
    found = entries(base)
    spaces: dict[str, dict[str, int]] = {}
    for e in found:
        ns = spaces.setdefault(e.namespace, {"entries": 0, "bytes": 0})
        ns["entries"] += 1
        ns["bytes"] += e.size
    total = sum(e.size for e in found)
    return {"directory": str(base), "exists": base.is_dir(), "enabled": config.disk_cache_enabled(),
            "max_bytes": config.cache_max_bytes(), "total_bytes": total, "entries": len(found),
            "namespaces": dict(sorted(spaces.items()))}


def clear(namespace: str | None = None, base: Path | None = None) -> tuple[int, int]:
    """Remove every entry (of one namespace): ``(entries removed, bytes freed)``."""
    base = config.cache_dir() if base is None else base
    found = entries(base, namespace)
    for e in found:
        shutil.rmtree(e.path, ignore_errors=True)
    for ns in _dirs(base):
        if namespace is None or ns.name == namespace:
            for prefix in _dirs(ns.path):
                with contextlib.suppress(OSError):
                    os.rmdir(prefix.path)  # empty now (unless written meanwhile)
    with contextlib.suppress(OSError):
        (base / STATE_FILE).unlink()
    with _LOCK:
        _STATE.pop(base, None)
    return len(found), sum(e.size for e in found)


def evict(base: Path, max_bytes: int) -> tuple[int, int]:
    """Walk the cache; past ``max_bytes``, remove the least recently used entries down to the low
    water mark. Records the measured total. ``(entries removed, total bytes now)``."""
    found = entries(base)
    total = sum(e.size for e in found)
    removed = 0
    if max_bytes and total > max_bytes:
        target = int(max_bytes * LOW_WATER)
        with _LOCK:
            spared = set(_USED)
        for e in sorted(found, key=lambda e: e.mtime):
            if total <= target:
                break
            if e.namespace in KEEP or e.path in spared:
                continue
            shutil.rmtree(e.path, ignore_errors=True)
            total -= e.size
            removed += 1
    _save_state(base, total)
    return removed, total


def used(entry: Path) -> None:
    """An entry was read: mark it recently used (its mtime; once per process)."""
    if entry in _USED:
        return
    with _LOCK:
        _USED.add(entry)
    with contextlib.suppress(OSError):
        os.utime(entry)


def written(entry: Path, nbytes: int) -> None:
    """``nbytes`` were written into ``entry``: keep the cache under its bound (walks rarely, see above)."""
    limit = config.cache_max_bytes()
    base = entry.parent.parent.parent
    with _LOCK:
        _USED.add(entry)
        if not limit:
            return
        state = _STATE.get(base)
        if state is None:
            state = _STATE[base] = _load_state(base)
        state["bytes"] += nbytes
        now = time.time()
        due = state["bytes"] > limit or now - state["time"] > RECHECK_S
        if due:
            state["time"] = now  # one walk at a time in this process
    if due:
        try:
            _, total = evict(base, limit)
        except OSError:
            return
        with _LOCK:  # what this process spared may keep it over: walk again after LOW_WATER's margin
            _STATE[base] = {"bytes": float(min(total, limit * LOW_WATER)), "time": time.time()}


def _load_state(base: Path) -> dict[str, float]:
    try:
        state = json.loads((base / STATE_FILE).read_text())
        return {"bytes": float(state["bytes"]), "time": float(state["time"])}
    except (OSError, ValueError, KeyError, TypeError):
        return {"bytes": 0.0, "time": 0.0}


def _save_state(base: Path, total: int) -> None:
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=base, prefix=f".{STATE_FILE}.", suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump({"bytes": total, "time": time.time()}, f)
        os.replace(tmp, base / STATE_FILE)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
