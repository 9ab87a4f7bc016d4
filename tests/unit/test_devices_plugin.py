"""The pytest plugin (``cambrian.testing``): device ids, narrowing, capability skips, on fake devices."""

from __future__ import annotations

import pytest

from cambrian.testing import FakeBackend, use_fake_backends

BODY = '''
import pytest
from cambrian.testing import requires

def test_any(device):
    assert device.usable

def test_fp64(device):
    requires(device, "float64")

@pytest.mark.devices("interp,opencl:gpu")
def test_marked(device):
    pass

def test_reference(interp_device):
    assert str(interp_device) == "interp"

def test_unknown_capability(device):
    with pytest.raises(ValueError, match="unknown capability"):
        requires(device, "teleport")
'''


@pytest.fixture
def suite(pytester, monkeypatch, tmp_path):
    use_fake_backends(monkeypatch, tmp_path / "cache",
                      FakeBackend("interp", [{"name": "fake interp", "kind": "cpu"}]),
                      FakeBackend("opencl", [
                          {"name": "fake cpu", "kind": "cpu", "ordinal": 0},
                          {"name": "fake gpu", "kind": "gpu", "ordinal": 0, "supports_float64": False},
                          {"name": "broken", "kind": "gpu", "ordinal": 1}], failing=("broken",)))
    monkeypatch.delenv("CAMBRIAN_TEST_DEVICES", raising=False)
    pytester.makeconftest('pytest_plugins = ["cambrian.testing"]')
    pytester.makepyfile(test_suite=BODY)
    return pytester


def outcomes(result) -> dict[str, str]:
    return {r.nodeid.split("::")[1]: r.outcome for r in result.getreports("pytest_runtest_logreport")
            if r.when == "call" or r.outcome == "skipped"}


def test_ids_are_filter_strings_and_unusable_devices_are_left_out(suite):
    result = suite.inline_run("-rs")
    got = outcomes(result)
    assert got == {
        "test_any[interp]": "passed", "test_any[opencl:cpu:0]": "passed",
        "test_any[opencl:gpu:0]": "passed",
        "test_fp64[interp]": "passed", "test_fp64[opencl:cpu:0]": "passed",
        "test_fp64[opencl:gpu:0]": "skipped",
        "test_marked[interp]": "passed", "test_marked[opencl:gpu:0]": "passed",
        "test_reference": "passed",
        "test_unknown_capability[interp]": "passed", "test_unknown_capability[opencl:cpu:0]": "passed",
        "test_unknown_capability[opencl:gpu:0]": "passed",
    }
    (skip,) = [r for r in result.getreports("pytest_runtest_logreport") if r.skipped]
    assert skip.longrepr[2] == "Skipped: device opencl:gpu:0 has no float64"


def test_cambrian_test_devices_narrows(suite, monkeypatch):
    monkeypatch.setenv("CAMBRIAN_TEST_DEVICES", "opencl:cpu")
    got = outcomes(suite.inline_run())
    assert [k for k in got if k.startswith("test_any")] == ["test_any[opencl:cpu:0]"]
    assert got["test_marked[no-device]"] == "skipped"


def test_nothing_matches_skips_with_a_reason(suite, monkeypatch):
    monkeypatch.setenv("CAMBRIAN_TEST_DEVICES", "cuda")
    result = suite.inline_run("-rs")
    got = outcomes(result)
    assert got["test_any[no-device]"] == "skipped" and got["test_reference"] == "passed"
    reasons = {r.longrepr[2] for r in result.getreports("pytest_runtest_logreport") if r.skipped}
    assert "Skipped: no usable device in CAMBRIAN_TEST_DEVICES='cuda'" in reasons


def test_bad_cambrian_test_devices_is_a_usage_error(suite, monkeypatch):
    monkeypatch.setenv("CAMBRIAN_TEST_DEVICES", "opencl:gpu:0:1")
    result = suite.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*CAMBRIAN_TEST_DEVICES: bad device filter 'opencl:gpu:0:1'*"])


def test_report_header_lists_devices(suite):
    result = suite.runpytest("--collect-only", "-q", "-v")
    result.stdout.fnmatch_lines(["cambrian devices: interp, opencl:cpu:0, opencl:gpu:0; unusable: "
                                 "opencl:gpu:1 (self-test failed: RuntimeError: wrong result on broken)"])
