"""``CAMBRIAN_*`` environment settings, read when asked (never cached at import)."""

from __future__ import annotations

import os
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def device_filter() -> str | None:
    """``CAMBRIAN_DEVICE``: filter string of the default device."""
    return os.environ.get("CAMBRIAN_DEVICE") or None


def test_devices() -> str | None:
    """``CAMBRIAN_TEST_DEVICES``: filter narrowing the devices the test suite runs on."""
    return os.environ.get("CAMBRIAN_TEST_DEVICES") or None


def boundscheck() -> bool:
    """``CAMBRIAN_BOUNDSCHECK=1``: bounds-check every kernel."""
    return _flag("CAMBRIAN_BOUNDSCHECK")


def debug() -> bool:
    """``CAMBRIAN_DEBUG=1``: print the generated source of every kernel compiled, on stderr, and keep
    Cambrian's own frames in the tracebacks of errors (:func:`cambrian.errors.user_error`)."""
    return _flag("CAMBRIAN_DEBUG")


def retest() -> bool:
    """``CAMBRIAN_RETEST=1``: re-run device self-tests instead of trusting cached verdicts."""
    return _flag("CAMBRIAN_RETEST")


def profiling() -> bool:
    """``CAMBRIAN_PROFILE=1``: record start/end times on events."""
    return _flag("CAMBRIAN_PROFILE")


def cpu_slp() -> bool:
    """``CAMBRIAN_CPU_SLP=0``: compile cpu kernels without LLVM's SLP vectorizer (on by default)."""
    return os.environ.get("CAMBRIAN_CPU_SLP", "1").strip().lower() not in {"0", "false", "no", "off"}


def cpu_serial_items() -> int:
    """``CAMBRIAN_CPU_SERIAL_ITEMS=N``: ``cpu`` launches of at most N work-items (default 16384) run on the
    calling thread, larger ones on Numba's thread pool; ``0``: always the pool. Each kernel then adapts
    its limit to the work-items that fit in ``SERIAL_BUDGET``; kernels with loops start at 0
    (``backends/cpu.py``)."""
    text = os.environ.get("CAMBRIAN_CPU_SERIAL_ITEMS", "").strip()
    try:
        return max(int(text), 0) if text else 16384
    except ValueError:
        raise ValueError(f"CAMBRIAN_CPU_SERIAL_ITEMS must be a number of work-items, got {text!r}") from None


def cache_dir() -> Path:
    """``CAMBRIAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/cambrian``, else ``~/.cache/cambrian``."""
    env = os.environ.get("CAMBRIAN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cambrian"


def cache_max_bytes() -> int:
    """``CAMBRIAN_CACHE_MAX_MB``: size bound of the on-disk cache in MB (default 1000; ``0``: no bound).
    Past it, the least recently used entries are removed."""
    text = os.environ.get("CAMBRIAN_CACHE_MAX_MB", "").strip()
    try:
        return max(int(float(text) * 1e6), 0) if text else 1000 * 10**6
    except ValueError:
        raise ValueError(f"CAMBRIAN_CACHE_MAX_MB must be a number of megabytes, got {text!r}") from None


def disk_cache_enabled() -> bool:
    """``CAMBRIAN_DISABLE_CACHE=1`` turns the on-disk cache off."""
    return not _flag("CAMBRIAN_DISABLE_CACHE")


def host_math_max() -> int:
    """``CAMBRIAN_HOST_MATH_MAX=N``: on host-memory devices with synchronous launches (``cpu``), array
    functions of fewer than N elements run NumPy on the device's memory, larger ones a generated
    kernel. Default: no bound (each function's measured choice: ``KERNEL_ON_HOST_MIN`` and
    ``NUMPY_ON_HOST``); 0: always the device's own kernel (PoCL's CPU device included; tests)."""
    text = os.environ.get("CAMBRIAN_HOST_MATH_MAX", "").strip()
    return int(text) if text else 1 << 62
