"""OpenCL disk cache: a second process loads the binary instead of building; a corrupt binary is a
warning and a rebuild, never a crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cambrian.devices import devices

SCRIPT = '''
import json, warnings
import numpy as np
import cambrian as cb
from cambrian.array import asarray, asnumpy
from cambrian.devices import devices
from cambrian.kernels import kernel

@kernel
def triple(x):
    i = cb.get_global_id(0)
    x[i] = x[i] * 3 + 1

dev = devices("opencl")[0]
x = asarray(np.arange(8, dtype=np.int32), device=dev)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    triple[8](x).wait()
print(json.dumps({"stats": dev.impl.builder.stats, "out": asnumpy(x).tolist(),
                  "warnings": [str(w.message) for w in caught]}))
'''


def _run(script: Path, cache: Path) -> dict:
    env = dict(os.environ, CAMBRIAN_CACHE_DIR=str(cache))
    env.pop("CAMBRIAN_DISABLE_CACHE", None)
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_disk_cache_reused_across_processes_and_corrupt_entry_rebuilt(tmp_path):
    if not devices("opencl"):
        pytest.skip("no OpenCL device")
    script, cache = tmp_path / "kern.py", tmp_path / "cache"
    script.write_text(SCRIPT)
    expected = [3 * i + 1 for i in range(8)]

    first = _run(script, cache)
    assert first["out"] == expected and first["stats"] == {"source_builds": 1, "binary_loads": 0}
    entries = list((cache / "opencl").glob("*/*/binary.bin"))
    assert len(entries) == 1
    entry = entries[0].parent
    assert {p.name for p in entry.iterdir()} >= {"binary.bin", "source.cl", "meta.json"}
    assert "__kernel void k_triple" in (entry / "source.cl").read_text()
    assert json.loads((entry / "meta.json").read_text())["kernel"] == "triple"

    second = _run(script, cache)
    assert second["out"] == expected and second["stats"] == {"source_builds": 0, "binary_loads": 1}

    (entry / "binary.bin").write_bytes(b"not a binary at all" * 10)
    third = _run(script, cache)
    assert third["out"] == expected and third["stats"] == {"source_builds": 1, "binary_loads": 0}
    assert any("corrupt cache entry" in w for w in third["warnings"])
    assert (entry / "binary.bin").read_bytes()[:7] != b"not a b"  # rewritten by the rebuild


def test_no_binary_asked_of_pocl_for_kernels_with_barriers() -> None:
    """PoCL compiles a binary's work-group functions for every local size: minutes for a kernel with many
    barriers (a hang in CI on a fresh machine). Such binaries are not kept; others are, on every driver."""
    from typing import NamedTuple

    from cambrian.backends.opencl_build import keeps_binary

    class Fake(NamedTuple):  # the fields is_pocl_cpu reads; hashable, as devices are
        backend: str
        kind: str
        platform: str

    pocl = Fake("opencl", "cpu", "Portable Computing Language")
    other = Fake("opencl", "gpu", "NVIDIA CUDA")
    with_barrier = "__kernel void k(){ barrier(CLK_LOCAL_MEM_FENCE); }"
    assert not keeps_binary(pocl, with_barrier)  # type: ignore[arg-type]
    assert keeps_binary(pocl, "__kernel void k(){ }")  # type: ignore[arg-type]
    assert keeps_binary(other, with_barrier)  # type: ignore[arg-type]
    for dev in devices("opencl"):  # the real devices' platform strings
        pocl_cpu = dev.kind == "cpu" and "Portable Computing Language" in (dev.platform or "")
        assert keeps_binary(dev, with_barrier) == (not pocl_cpu)
