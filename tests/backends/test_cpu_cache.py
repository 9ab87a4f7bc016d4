"""Caching on the ``cpu`` backend: a second process running the same kernel loads Numba's cached machine
code from the disk cache instead of compiling; with the disk cache disabled nothing is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .test_cpu_support import cpu_device  # noqa: F401

pytestmark = pytest.mark.usefixtures("cpu_device")

SCRIPT = textwrap.dedent('''
    import json, sys, time
    import numba  # noqa: F401  (the goal is measured beyond importing Numba)
    t0 = time.perf_counter()
    import numpy as np
    import cambrian as cb
    from cambrian.devices import using
    from cambrian.kernels import kernel
    from cambrian.backends import get_backend

    @kernel
    def scale(a, f):
        i = cb.get_global_id(0)
        a[i] = a[i] * f

    a = np.arange(10.0)
    with using("cpu"):
        scale[10](a, 2.0).wait()
    elapsed = time.perf_counter() - t0
    progs = list(get_backend("cpu")._programs._data.values())
    stats = progs[0].serial1.stats  # 10 work-items: the serial twin ran (cpu.SERIAL_BUDGET)
    print(json.dumps({"ok": a.tolist() == [2.0 * i for i in range(10)], "seconds": elapsed,
                      "hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values())}))
''')


def _run(tmp_path: Path, **env: str) -> dict:
    script = tmp_path / "kern_script.py"
    script.write_text(SCRIPT)
    full = {**os.environ, "CAMBRIAN_CACHE_DIR": str(tmp_path / "cache"), **env}
    full.pop("CAMBRIAN_DISABLE_CACHE", None) if "CAMBRIAN_DISABLE_CACHE" not in env else None
    out = subprocess.run([sys.executable, str(script)], env=full, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_second_process_loads_compiled_kernel(tmp_path: Path) -> None:
    first = _run(tmp_path)
    assert first["ok"] and first["misses"] >= 1 and first["hits"] == 0
    sources = list((tmp_path / "cache" / "cpu").rglob("kernel_*.py"))
    assert len(sources) == 1
    assert list(sources[0].parent.glob("__pycache__/*.nbi")), "numba index files next to the source"
    second = _run(tmp_path)
    assert second["ok"] and second["hits"] >= 1 and second["misses"] == 0
    assert second["seconds"] < first["seconds"]


def test_disabled_disk_cache_compiles_in_memory(tmp_path: Path) -> None:
    res = _run(tmp_path, CAMBRIAN_DISABLE_CACHE="1")
    assert res["ok"] and res["hits"] == 0
    assert not list((tmp_path / "cache").rglob("kernel_*.py"))


def test_corrupt_source_entry_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from cambrian.backends.base import ArrayArg
    from cambrian.backends.cpu import BACKEND
    from cambrian.cache import CacheWarning
    from cambrian.compiler import ir

    monkeypatch.setenv("CAMBRIAN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("CAMBRIAN_DISABLE_CACHE", raising=False)
    arr = ir.ArrayT("int64", 1, "global", "C")
    i = ir.Call(ir.INT64, name="get_global_id", args=(ir.Const(ir.INT64, value=0),))
    store = ir.Store(array=ir.Name(arr, name="out"), indices=(i,), value=i)
    module = ir.Module(ir.Function("ids", (ir.Param("out", arr),), None, (store,), (), True, py_name="ids"))
    device = BACKEND.discover()[0]
    BACKEND.compile(device, module)
    (path,) = tmp_path.rglob("kernel_*.py")
    path.write_text("garbage = (")
    BACKEND._programs.clear()
    with pytest.warns(CacheWarning, match="corrupt"):
        prog = BACKEND.compile(device, module)
    out = np.zeros(5, np.int64)
    BACKEND.launch(device, device.queue, prog, (5,), None, [ArrayArg(None, 0, (5,), (1,), "int64", out)])
    np.testing.assert_array_equal(out, np.arange(5))
