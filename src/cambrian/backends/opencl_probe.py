"""Probe the OpenCL drivers (ICDs) in a child process before loading them into this one.

A broken ICD can crash (SIGSEGV, an abort) or hang the process that enumerates OpenCL platforms, and
with it ``cambrian devices``, ``cb.devices()`` and every launch that picks a default device. So the
first time a set of ICDs is seen, a child process enumerates the platforms and devices, with a
timeout; its verdict is cached like the device self-tests (:mod:`cambrian.verdicts`: a failure is
retried after a day or on a changed environment). A failed probe makes the ``opencl`` backend
unavailable, with the reason, instead of fatal.
"""

from __future__ import annotations

import glob
import hashlib
import os
import signal
import subprocess
import sys

from ..verdicts import VerdictStore
from .base import BackendUnavailable

#: Seconds the child may take to list platforms and devices (``CAMBRIAN_OPENCL_PROBE_TIMEOUT``).
TIMEOUT_S = 60.0

_CHILD = ("import pyopencl as cl\n"
          "for p in cl.get_platforms():\n"
          "    try:\n        p.get_devices()\n    except cl.Error:\n        pass\n"
          "print('cambrian-probe-ok')\n")

_STORE = VerdictStore("opencl-icds")


def icd_files() -> list[str]:
    """The ICD files the loader reads: ``OCL_ICD_VENDORS`` (a directory or a file), else
    ``OPENCL_VENDOR_PATH``, else ``/etc/OpenCL/vendors``."""
    where = os.environ.get("OCL_ICD_VENDORS") or os.environ.get("OPENCL_VENDOR_PATH") or "/etc/OpenCL/vendors"
    if os.path.isfile(where):
        return [where]
    return sorted(glob.glob(os.path.join(where, "*.icd")))


def icd_set() -> str:
    """The subject of a probe verdict: each ICD file, the library it names (with its size and mtime
    where it is a path), and the loader's environment variables."""
    h = hashlib.sha256()
    for f in icd_files():
        try:
            lib = open(f, encoding="utf-8", errors="replace").read().strip()
        except OSError:
            lib = "?"
        try:
            st = os.stat(lib)
            stamp = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            stamp = ""
        h.update(f"{f}\0{lib}\0{stamp}\n".encode())
    for k in ("OCL_ICD_VENDORS", "OPENCL_VENDOR_PATH", "OCL_ICD_FILENAMES"):
        h.update(f"{k}={os.environ.get(k, '')}\n".encode())
    return f"opencl icds {h.hexdigest()[:32]} ({len(icd_files())} files)"


def run_probe(timeout: float | None = None) -> None:
    """Enumerate the OpenCL platforms and devices in a child process; raise RuntimeError saying how
    it failed (a signal, a hang, an error exit)."""
    if timeout is None:
        timeout = float(os.environ.get("CAMBRIAN_OPENCL_PROBE_TIMEOUT") or TIMEOUT_S)
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                              timeout=timeout, env=dict(os.environ), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"listing OpenCL platforms hung (no answer in {timeout:g} s)") from None
    if proc.returncode == 0 and "cambrian-probe-ok" in proc.stdout:
        return
    if proc.returncode < 0:
        try:
            name = signal.Signals(-proc.returncode).name
        except ValueError:
            name = f"signal {-proc.returncode}"
        raise RuntimeError(f"listing OpenCL platforms crashed the process ({name})")
    tail = [ln for ln in proc.stderr.splitlines() if ln.strip()][-1:] or [f"exit status {proc.returncode}"]
    raise RuntimeError(f"listing OpenCL platforms failed: {tail[0].strip()[:200]}")


def check_drivers() -> None:
    """Raise BackendUnavailable when this set of ICDs failed its probe (probing it the first time)."""
    if not icd_files() and not os.environ.get("OCL_ICD_FILENAMES"):
        return  # no ICD: pyopencl reports "no platform" itself, and nothing can crash
    ok, reason = _STORE.get(icd_set(), run_probe, lambda exc: str(exc))
    if not ok:
        raise BackendUnavailable(f"OpenCL drivers unusable: {reason} (ICDs: {', '.join(icd_files())})")
