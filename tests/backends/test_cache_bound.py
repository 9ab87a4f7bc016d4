"""The disk cache's size bound on every device: compiling past ``CAMBRIAN_CACHE_MAX_MB`` removes the
least recently used entries, keeps the new program's, and the kernel still gives the right answer."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import numpy as np
import pytest

import cambrian as cb
from cambrian import cache_bound
from cambrian.vectorize import kernel_namespace, make_function

_COUNT = itertools.count(1)


def test_compiling_past_the_bound_evicts_the_oldest_entries(device, tmp_path: Path, monkeypatch):
    if device.backend == "interp":
        pytest.skip("the interpreter keeps no compiled programs on disk")
    base = tmp_path / "cache"
    monkeypatch.setenv("CAMBRIAN_CACHE_DIR", str(base))
    monkeypatch.delenv("CAMBRIAN_DISABLE_CACHE", raising=False)
    monkeypatch.setenv("CAMBRIAN_CACHE_MAX_MB", "0.2")  # 200 kB
    stale = []
    for i in range(3):  # 3 x 100 kB of entries last used a day ago
        d = base / device.backend / f"{i:02x}" / (f"{i:02x}" + "e" * 62)
        d.mkdir(parents=True, mode=0o700)
        (d / "binary.bin").write_bytes(b"\0" * 100_000)
        os.utime(d, (time.time() - 86400 + i, time.time() - 86400 + i))
        stale.append(d)
    c = next(_COUNT) * 7919 + 17 + os.getpid()
    name = f"bound_probe_{c}"
    src = f"def {name}(a):\n    i = cb.get_global_id(0)\n    a[i] = a[i] * 2 + {c}\n"
    kern = cb.kernel(make_function(src, name, "test", kernel_namespace()))
    a = np.arange(16, dtype=np.int64)
    with cb.using(device):
        kern[16](a)
    np.testing.assert_array_equal(a, np.arange(16) * 2 + c)
    left = cache_bound.entries(base, device.backend)
    assert not any(d.exists() for d in stale[:2]), [e.path.name for e in left]
    assert any(e.path not in stale for e in left)  # the new program's entry
    assert sum(e.size for e in left) <= 200_000
