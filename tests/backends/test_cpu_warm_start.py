"""A new process loads cached ``cpu`` kernels without Numba's registry refresh
(``cpu_build._load_cached``): kernels with local arrays or bounds checks (Numba's runtime allocates)
run right from the cache, and Numba code compiled afterwards in the same process still sees every
registry (``np.dot`` through BLAS, ``np.sum``)."""

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
    import json
    import numpy as np
    import cambrian as cb
    from cambrian.backends import get_backend

    @cb.kernel
    def warm_group_sum(a, out):
        i = cb.get_global_id(0)
        s = cb.group_reduce_add(a[i])
        if cb.get_local_id(0) == 0:
            out[cb.get_group_id(0)] = s

    @cb.kernel
    def warm_big(a, b):
        i = cb.get_global_id(0)
        b[i] = a[i] * 2.0

    @cb.kernel(boundscheck=True)
    def warm_checked(a, b):
        i = cb.get_global_id(0)
        b[i] = a[i + 1]

    d = cb.select_device("cpu")
    try:
        warm_checked[4](cb.zeros(4, device=d), cb.zeros(4, device=d)).wait()
        error = None
    except cb.CambrianError as exc:
        error = type(exc).__name__
    x = cb.asarray(np.arange(256.0), device=d)
    out = cb.zeros(4, device=d)
    warm_group_sum[256, 64](x, out).wait()
    y = cb.asarray(np.arange(50_000.0), device=d)
    z = cb.zeros(50_000, device=d)
    warm_big[50_000](y, z).wait()
    hits = 0
    for prog in get_backend("cpu")._programs._data.values():
        for fn in (prog.launchg, prog.serialg, prog.launch1, prog.serial1):
            if fn is not None:
                hits += sum(fn.stats.cache_hits.values())

    import numba

    @numba.njit
    def user_code(m):
        return np.dot(m, m).sum()

    big = bool((cb.asnumpy(z) == np.arange(50_000.0) * 2).all())
    print(json.dumps({"groups": cb.asnumpy(out).tolist(), "big": big, "hits": hits, "error": error,
                      "user": float(user_code(np.eye(3)))}))
''')


def _run(tmp_path: Path) -> dict:
    script = tmp_path / "warm_script.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "CAMBRIAN_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("CAMBRIAN_DISABLE_CACHE", None)
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cached_kernels_load_and_numba_still_compiles(tmp_path: Path) -> None:
    want = [float(sum(range(64 * g, 64 * g + 64))) for g in range(4)]
    first = _run(tmp_path)
    assert first["hits"] == 0 and first["groups"] == want and first["big"] and first["user"] == 3.0
    assert first["error"] == "KernelIndexError"
    second = _run(tmp_path)
    assert second["hits"] == 3, "each of the three kernels' launchers loads from the cache"
    assert second["groups"] == want and second["big"] and second["user"] == 3.0
    assert second["error"] == "KernelIndexError"
