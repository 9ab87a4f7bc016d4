"""Regression tests of issue 20 for device discovery: failed self-test verdicts are retried and say they
are cached (#13), and a broken OpenCL driver that crashes or hangs is probed in a child process and
reported as unusable, never fatal (#10)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cambrian as cb
from cambrian import verdicts
from cambrian.devices import Verdicts
from cambrian.testing import FakeBackend, use_fake_backends


# -- #20.13: failed verdicts are retried; their reason says they are cached --------------------------
def test_failed_verdict_is_cached_with_its_date_then_retried(tmp_path: Path, monkeypatch) -> None:
    fake = FakeBackend("fakegpu", [{"name": "flaky", "kind": "gpu"}], failing=("flaky",))
    use_fake_backends(monkeypatch, tmp_path, fake)
    (dev,) = cb.devices(include_unusable=True)
    assert not dev.usable and "self-test failed" in dev.reason and "cached" not in dev.reason
    assert fake.self_tests == 1
    cb.devices.refresh()  # a new process, as far as the verdicts know: the disk verdict stands
    (dev,) = cb.devices(include_unusable=True)
    assert fake.self_tests == 1 and "cached verdict from " + time.strftime("%Y-%m-%d") in dev.reason
    fake.failing = ()  # the failure was transient
    monkeypatch.setenv("POCL_DEVICES", "pthread")  # a changed driver environment: retried at once
    cb.devices.refresh()
    (dev,) = cb.devices(include_unusable=True)
    assert dev.usable and fake.self_tests == 2


def test_failed_verdict_is_retried_after_a_day(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CAMBRIAN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("CAMBRIAN_RETEST", raising=False)
    runs: list[int] = []

    def fail() -> None:
        runs.append(1)
        raise RuntimeError("transient")

    store = verdicts.VerdictStore("test")
    t0 = time.time()
    assert store.get("subject", fail, now=t0)[0] is False
    for dt, expect_runs in [(3600, 1), (verdicts.RETRY_FAILED_S - 60, 1), (verdicts.RETRY_FAILED_S + 60, 2)]:
        store.clear_memory()
        ok, reason = store.get("subject", fail, now=t0 + dt)
        assert not ok and len(runs) == expect_runs, (dt, reason)


def test_a_real_devices_stale_failed_verdict_is_retried(device, tmp_path: Path, monkeypatch) -> None:
    """A failure recorded two days ago (before this fix: forever) gives way to a new self-test."""
    monkeypatch.setenv("CAMBRIAN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("CAMBRIAN_RETEST", raising=False)
    v = Verdicts()
    key = verdicts.make_key("verdict", device.identity())
    v._store._disk.write_json(key, {"identity": device.identity(), "usable": False, "reason": "old failure",
                                    "time": time.time() - 2 * 86400, "environment": verdicts.environment()},
                              "verdict.json")
    assert v.get(device, lambda: device.impl.self_test(device)) == (True, "")
    saved = json.loads((tmp_path / "verdicts" / key[:2] / key / "verdict.json").read_text())
    assert saved["usable"] is True


# -- #20.10: a broken OpenCL driver is probed in a child process ------------------------------------
_BAD_ICD = r"""
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
__attribute__((constructor)) static void broken(void) {
    if (getenv("CAMBRIAN_TEST_HANG")) { for (;;) pause(); }
    raise(SIGSEGV);
}
void *clGetExtensionFunctionAddress(const char *name) { return 0; }
"""

_LIST = ("import cambrian as cb, json\n"
         "print(json.dumps([[str(d) for d in cb.devices()], cb.devices.unavailable_backends()]))\n")


@pytest.fixture(scope="module")
def bad_icd(tmp_path_factory) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build a broken OpenCL driver")
    pytest.importorskip("pyopencl")
    d = tmp_path_factory.mktemp("icd")
    (d / "bad.c").write_text(_BAD_ICD)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(d / "libbad.so"), str(d / "bad.c")], check=True)
    (d / "vendors").mkdir()
    (d / "vendors" / "bad.icd").write_text(str(d / "libbad.so") + "\n")
    return d


@pytest.mark.parametrize("hang", [False, True])
def test_broken_opencl_driver_is_reported_not_fatal(bad_icd: Path, tmp_path: Path, hang: bool) -> None:
    env = {**os.environ, "OCL_ICD_VENDORS": str(bad_icd / "vendors"), "CAMBRIAN_CACHE_DIR": str(tmp_path),
           "CAMBRIAN_OPENCL_PROBE_TIMEOUT": "3"}
    env.pop("CAMBRIAN_DISABLE_CACHE", None)
    env.pop("CAMBRIAN_RETEST", None)
    if hang:
        env["CAMBRIAN_TEST_HANG"] = "1"
    for attempt in range(2):
        proc = subprocess.run([sys.executable, "-c", _LIST], capture_output=True, text=True, env=env,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        listed, missing = json.loads(proc.stdout.strip().splitlines()[-1])
        assert "cpu" in listed and not any(d.startswith("opencl") for d in listed)
        assert ("hung" if hang else "crashed the process (SIGSEGV)") in missing["opencl"]
        assert ("cached verdict from" in missing["opencl"]) == (attempt == 1)
