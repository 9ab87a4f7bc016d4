"""A new process gets Numba's runtime library from the disk cache (``backends/cpu_nrt.py``) and loads a
cached launcher without Numba's typeof/extension set-up (``backends/cpu_preload.preload``); what
invalidates the runtime's entry is tested here: a corrupt file, another Numba setting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from .test_cpu_support import cpu_device  # noqa: F401

pytestmark = pytest.mark.usefixtures("cpu_device")

SCRIPT = textwrap.dedent('''
    import json, warnings
    import numpy as np
    import cambrian as cb
    from cambrian.backends import cpu_nrt, get_backend

    @cb.kernel
    def nrt_local(a, b):
        i = cb.get_global_id(0)
        t = cb.local_array(64, cb.float64)
        t[cb.get_local_id(0)] = a[i] * 3.0
        cb.barrier()
        b[i] = t[cb.get_local_id(0)] + 1.0

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = cb.select_device("cpu")
        x = cb.asarray(np.arange(128.0), device=d)
        y = cb.zeros(128, device=d)
        nrt_local[128, 64](x, y).wait()
    hits = sum(sum(fn.stats.cache_hits.values()) for prog in get_backend("cpu")._programs._data.values()
               for fn in (prog.launchg, prog.serialg) if fn is not None)

    import numba

    @numba.njit
    def user_code(n):
        return np.ones(n).sum()  # allocates through the runtime

    print(json.dumps({"source": cpu_nrt.source, "ok": bool((cb.asnumpy(y) == np.arange(128.0) * 3 + 1).all()),
                      "hits": hits, "user": float(user_code(7)),
                      "warnings": [str(w.message) for w in caught if "cache" in str(w.message)]}))
''')


def _run(tmp_path: Path, **env: str) -> dict:
    script = tmp_path / "nrt_script.py"
    script.write_text(SCRIPT)
    full = {**os.environ, "CAMBRIAN_CACHE_DIR": str(tmp_path / "cache"), **env}
    full.pop("CAMBRIAN_DISABLE_CACHE", None)
    out = subprocess.run([sys.executable, str(script)], env=full, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _nrt_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "cpu").glob("*/*/nrt.o"))


def test_runtime_from_cache_then_rebuilt_when_corrupt(tmp_path: Path) -> None:
    first = _run(tmp_path)
    assert first["source"] == "compiled" and first["ok"] and first["user"] == 7.0 and first["hits"] == 0
    assert len(_nrt_files(tmp_path)) == 1
    second = _run(tmp_path)
    assert second["source"] == "cache", "the second process loads the runtime's machine code"
    assert second["ok"] and second["user"] == 7.0 and second["hits"] == 1 and not second["warnings"]
    obj = _nrt_files(tmp_path)[0]
    obj.write_bytes(obj.read_bytes()[:-40] + b"\0" * 40)  # altered: its digest no longer matches
    third = _run(tmp_path)
    assert third["source"] == "compiled" and third["ok"] and third["user"] == 7.0
    assert any("does not match its digest" in w for w in third["warnings"])
    assert _run(tmp_path)["source"] == "cache"


def test_another_numba_setting_is_another_entry(tmp_path: Path) -> None:
    assert _run(tmp_path)["source"] == "compiled"
    other = _run(tmp_path, NUMBA_OPT="2")
    assert other["source"] == "compiled" and other["ok"], "NUMBA_* variables are part of the key"
    assert len(_nrt_files(tmp_path)) == 2


def test_key_names_versions_target_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from numba.core.registry import cpu_target

    from cambrian.backends import cpu_nrt

    codegen = cpu_target.target_context.codegen()
    base = cpu_nrt.key(codegen)
    monkeypatch.setenv("NUMBA_DEBUG_NRT", "1")
    assert cpu_nrt.key(codegen) != base
    monkeypatch.delenv("NUMBA_DEBUG_NRT")
    assert cpu_nrt.key(codegen) == base
    monkeypatch.setattr(codegen, "magic_tuple", lambda: ("x86_64-unknown-linux-gnu", "other-cpu", ""))
    assert cpu_nrt.key(codegen) != base


def test_launcher_argument_types_are_numbas() -> None:
    """``preload`` types the launchers' arguments as Numba's typeof does (else it only loses time)."""
    import numba

    from cambrian.backends.cpu_preload import _numba_type

    readonly = np.zeros(3)
    readonly.flags.writeable = False
    values = [3, 2**40, -5, 2**63 - 1, np.float32(1), np.int8(3), np.bool_(True), np.complex64(1j),
              np.uint64(3), np.zeros(4), np.zeros((3, 4))[:, 1], np.zeros((3, 4), order="F"),
              np.zeros((3, 4))[::2], np.zeros(0, np.int16), np.zeros((1, 5), np.uint8), readonly]
    for v in values:
        assert _numba_type(v) == numba.typeof(v), v
    for v in (1.5, "x", [1], 2**64):
        with pytest.raises(TypeError):
            _numba_type(v)
