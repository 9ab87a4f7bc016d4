"""Package metadata: author, licence (a LICENSE file in the repository and in the wheel), classifiers."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_OFFLINE = ("No matching distribution", "Could not find a version", "Failed to establish",
            "Temporary failure in name resolution", "Network is unreachable", "ProxyError")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_pyproject_metadata() -> None:
    project = _project()
    assert project["authors"] == [{"name": "Cambrian developers"}]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    classifiers = set(project["classifiers"])
    minimum = project["requires-python"].removeprefix(">=")
    assert f"Programming Language :: Python :: {minimum}" in classifiers
    for prefix in ("Operating System ::", "Topic ::", "Development Status ::", "Intended Audience ::"):
        assert any(c.startswith(prefix) for c in classifiers), prefix
    # no placeholder addresses: the project has no public URL yet
    assert "example.com" not in str(project.get("urls", {}))


@pytest.mark.slow
def test_wheel_has_license_and_classifiers(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                           str(ROOT)], capture_output=True, text=True, timeout=600)
    if proc.returncode and any(s in proc.stderr + proc.stdout for s in _OFFLINE):
        pytest.skip("no package index reachable (pip needs setuptools>=77 to build the wheel)")
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("cambrian-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Author: Cambrian developers" in meta
    assert "License-Expression: MIT" in meta
    for c in _project()["classifiers"]:
        assert f"Classifier: {c}" in meta
