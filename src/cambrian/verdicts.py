"""Verdicts of probes that are costly or risky to repeat (device self-tests, OpenCL driver probes): in
memory and as JSON in the disk cache (``<cache_dir>/verdicts``).

A passing verdict is kept until its subject changes (the subject names the driver version, the set of
OpenCL ICDs, ...). A failing verdict may have been transient, so it is retried after
:data:`RETRY_FAILED_S` seconds or when the environment that drivers read changes (:func:`environment`);
while it stands its reason says ``cached verdict from <date>``. ``CAMBRIAN_RETEST=1`` runs every probe
again.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from collections.abc import Callable

from . import config
from .cache import DiskCache, make_key

#: A failed verdict is tried again after this many seconds (one day).
RETRY_FAILED_S = 24 * 3600

#: Environment variables that change what drivers do (prefixes and names).
_ENV_PREFIXES = ("OCL_", "OPENCL_", "POCL_", "CUDA_", "NUMBA_", "CUPY_", "NVIDIA_", "ROCM_", "HIP_",
                 "LD_LIBRARY_PATH", "LD_PRELOAD")


def environment() -> str:
    """A digest of what a probe's outcome may depend on besides its subject: the driver-related
    environment variables and the Python version."""
    h = hashlib.sha256(sys.version.encode())
    for k in sorted(os.environ):
        if k.startswith(_ENV_PREFIXES):
            h.update(f"\0{k}={os.environ[k]}".encode())
    return h.hexdigest()[:32]


def one_line(exc: BaseException) -> str:
    """The first line of an exception's text, prefixed with its type (at most 300 characters)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    text = lines[0] if lines else ""
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:300]


class VerdictStore:
    """``(ok, reason)`` verdicts per subject string."""

    def __init__(self, kind: str = "verdict"):
        self.kind = kind
        self._memory: dict[str, tuple[bool, str]] = {}
        self._disk = DiskCache("verdicts")
        self._lock = threading.Lock()

    def clear_memory(self) -> None:
        with self._lock:
            self._memory.clear()

    def get(self, subject: str, run: Callable[[], None], describe: Callable[[BaseException], str] = one_line,
            now: float | None = None) -> tuple[bool, str]:
        """The verdict on ``subject``; ``run`` probes it (raises on failure; ``describe`` words the
        exception), called when there is no standing verdict."""
        now = time.time() if now is None else now
        key = make_key(self.kind, subject)
        if not config.retest():
            if subject in self._memory:
                return self._memory[subject]
            saved = self._disk.read_json(key, "verdict.json")
            verdict = _standing(saved, subject, now)
            if verdict is not None:
                self._memory[subject] = verdict
                return verdict
        try:
            run()
            verdict = (True, "")
        except Exception as exc:
            verdict = (False, describe(exc))
        self._memory[subject] = verdict
        self._disk.write_json(key, {"identity": subject, "usable": verdict[0], "reason": verdict[1],
                                    "time": now, "environment": environment()}, "verdict.json")
        return verdict


def _standing(saved: dict | None, subject: str, now: float) -> tuple[bool, str] | None:
    """A saved verdict that still stands: passing, or failing but recent and in the same environment."""
    if not saved or saved.get("identity") != subject or not isinstance(saved.get("usable"), bool):
        return None
    if saved["usable"]:
        return True, ""
    when = saved.get("time")
    if not isinstance(when, int | float) or not 0 <= now - when < RETRY_FAILED_S:
        return None
    if saved.get("environment") != environment():
        return None
    date = time.strftime("%Y-%m-%d %H:%M", time.localtime(when))
    return False, (f"{saved.get('reason', '')} (cached verdict from {date}; retried after "
                   f"{RETRY_FAILED_S // 3600} h, on a changed environment, or with CAMBRIAN_RETEST=1)")
