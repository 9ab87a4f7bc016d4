"""The CUDA backend's guard for forked children, without a GPU: a child forked after a CUDA device was
set up raises a DeviceError naming the way out (``tests/backends/test_fork_safety.py`` runs the real
fork on every device present)."""

from __future__ import annotations

import pytest

from cambrian.backends import cuda
from cambrian.errors import DeviceError


def test_cuda_guard_after_fork(monkeypatch):
    monkeypatch.setattr(cuda, "_FORKED", False)
    monkeypatch.setattr(cuda.BACKEND, "_states", {})
    cuda._after_fork_in_child()
    cuda.check_not_forked()  # no CUDA device was set up before the fork: nothing to refuse
    monkeypatch.setattr(cuda.BACKEND, "_states", {0: object()})
    cuda._after_fork_in_child()
    with pytest.raises(DeviceError, match="spawn"):
        cuda.check_not_forked()
    with pytest.raises(DeviceError, match="forked"):
        cuda._State(None, 0, 90).device  # noqa: B018 (every CUDA operation enters the device first)
