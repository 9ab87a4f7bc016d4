"""The array API conformance suite (data-apis/array-api-tests, 2024.12) against ``cambrian`` on each CPU
device, as issues 12-14 ask: every test of the suite passes except the ids in ``xfails.txt`` (each
with its reason), nothing else is deselected (``deselected.txt`` is empty: parts 1-3 are in), and both
devices fail the same tests.

The suite is not on PyPI: it is looked for in ``../shared/array-api-tests`` beside the repository and these
tests skip without it. ``scripts/conformance.sh`` runs the same thing by hand and prints the summary.
"""

from __future__ import annotations

import pytest

from cambrian.devices import devices
from cambrian.errors import DeviceError

from . import suite

DEVICES = ("cpu", "opencl:cpu:0")
#: A whole run may take minutes per device (Hypothesis examples on every dtype, first compiles).
TIMEOUT_S = 3600

needs_suite = pytest.mark.skipif(
    not suite.SUITE.is_dir(),
    reason="../shared/array-api-tests not found (the array API conformance suite is not on PyPI)")

_runs: dict[str, suite.Run] = {}


@pytest.mark.parametrize("name", ["xfails.txt", "deselected.txt"])
def test_every_listed_id_has_a_reason(name: str) -> None:
    entries = suite.read_list(suite.HERE / name)  # raises on a line without "  # reason"
    ids = [test_id for test_id, _ in entries]
    assert len(ids) == len(set(ids)), f"{name} lists an id twice"
    assert all(reason for _, reason in entries)


def _usable(device: str) -> str | None:
    """None when ``device`` is usable here, else why not."""
    try:
        found = devices(device, include_unusable=True)
    except DeviceError as exc:
        return f"{device}: {exc}"
    if not found:
        return f"device {device} is not present"
    return None if found[0].usable else f"device {device} is not usable ({found[0].reason})"


@pytest.mark.slow
@needs_suite
@pytest.mark.parametrize("device_name", DEVICES)
def test_conformance(device_name: str, tmp_path) -> None:
    device = device_name  # not `device`: that name is cambrian.testing's fixture
    why = _usable(device)
    if why:
        pytest.skip(why)
    result = suite.run(device, workdir=tmp_path, timeout=TIMEOUT_S)
    print(suite.summary(result))
    assert result.outcomes, f"the suite ran no test (exit code {result.returncode}):\n{result.output[-3000:]}"
    _runs[device] = result
    failed = result.unexpected()
    listing = "\n".join(f"  {k}: {m}" for k, m in sorted(failed.items())[:60])
    assert result.returncode == 0 and not failed, (
        f"{len(failed)} unexpected failures on {device} (exit code {result.returncode}):\n{listing}")


@pytest.mark.slow
@needs_suite
def test_devices_fail_the_same_tests() -> None:
    if len(_runs) < 2:
        pytest.skip(f"needs runs on two devices; ran on {sorted(_runs) or 'none'}")
    (first, a), (second, b) = list(_runs.items())[:2]
    differ = {k: (a.outcomes.get(k), b.outcomes.get(k)) for k in set(a.not_passed()) ^ set(b.not_passed())}
    listing = "\n".join(f"  {k}: {first} {x}, {second} {y}" for k, (x, y) in sorted(differ.items())[:60])
    assert not differ, f"{len(differ)} tests pass on one device only:\n{listing}"
