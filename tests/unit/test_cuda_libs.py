"""The CuPy path of ``cambrian.linalg``/``cambrian.fft``/``matmul`` on CUDA devices, without a GPU: a fake
CUDA device (host memory) and a fake ``cupy`` that runs NumPy, recording what the real one would be
asked: the arrays handed over as they are (zero copy through ``__cuda_array_interface__``), the device
and Cambrian's stream entered, ``cupyx.errstate(linalg="raise")`` around the call."""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import _cuda_libs
from cambrian.devices import select_device
from cambrian.queues import Queue
from cambrian.testing import FakeBackend, use_fake_backends


class _Context:
    def __init__(self, log: list[str], name: str):
        self.log, self.name = log, name

    def __enter__(self) -> _Context:
        self.log.append(f"enter {self.name}")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.log.append(f"exit {self.name}")


class _FakeCUDA(FakeBackend):
    def __init__(self, log: list[str]):
        super().__init__("cuda", [{"name": "fake GPU", "kind": "gpu", "ordinal": 0}])
        self.log = log

    def create_queue(self, device: Any) -> Queue:
        return Queue(device, native=_Context(self.log, "stream"))


def _fake_cupy(log: list[str]) -> types.ModuleType:
    cupy = types.ModuleType("cupy")

    def asarray(a: Any, dtype: Any = None) -> np.ndarray:
        if isinstance(a, cb.Array):
            log.append(f"asarray {a.device}")
            return np.asarray(cb.asnumpy(a), dtype=dtype)
        return np.asarray(a, dtype=dtype)

    cupy.__getattr__ = lambda name: getattr(np, name)  # type: ignore[method-assign]
    cupy.asarray = asarray  # type: ignore[attr-defined]
    cupy.cuda = types.SimpleNamespace(Device=lambda i: _Context(log, f"device {i}"))  # type: ignore[attr-defined]
    cupy.linalg, cupy.fft = np.linalg, np.fft  # type: ignore[attr-defined]
    return cupy


@pytest.fixture
def gpu(monkeypatch, tmp_path):
    log: list[str] = []
    use_fake_backends(monkeypatch, tmp_path, _FakeCUDA(log))
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(log))
    cupyx = types.ModuleType("cupyx")
    cupyx.errstate = lambda linalg: _Context(log, f"errstate {linalg}")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cupyx", cupyx)
    return select_device("cuda:0"), log


CALLS = {
    "inv": (lambda x: cb.linalg.inv(x), lambda a: np.linalg.inv(a)),
    "solve vector": (lambda x: cb.linalg.solve(x, x[0]), lambda a: np.linalg.solve(a, a[0])),
    "cholesky upper": (lambda x: cb.linalg.cholesky(x @ x.mT, upper=True),
                       lambda a: np.linalg.cholesky(a @ a.swapaxes(-1, -2)).swapaxes(-1, -2)),
    "svdvals": (lambda x: cb.linalg.svdvals(x), lambda a: np.linalg.svd(a, compute_uv=False)),
    "pinv": (lambda x: cb.linalg.pinv(x), lambda a: np.linalg.pinv(a)),
    "matrix_rank": (lambda x: cb.linalg.matrix_rank(x), lambda a: np.linalg.matrix_rank(a)),
    "matmul": (lambda x: x @ x, lambda a: a @ a),
    "rfft": (lambda x: cb.fft.rfft(x, n=5, norm="ortho"), lambda a: np.fft.rfft(a, n=5, norm="ortho")),
    "ifftn": (lambda x: cb.fft.ifftn(x, s=(4, 2), axes=(0, 2)),
              lambda a: np.fft.ifftn(a, s=(4, 2), axes=(0, 2))),
}


@pytest.mark.parametrize("call", CALLS)
def test_cupy_libraries_on_the_arrays_memory_and_stream(gpu, call):
    device, log = gpu
    a = (np.random.default_rng(0).random((2, 3, 3)) + 3 * np.eye(3)).astype(np.float32)
    ours, theirs = CALLS[call]
    x = cb.asarray(a, device=device)
    log.clear()
    got = ours(x)
    assert "asarray cuda:0" in log, "the Array itself goes to cupy.asarray (zero copy)"
    assert log.index("enter device 0") < log.index("enter stream") < log.index("asarray cuda:0")
    assert "exit stream" in log and "exit device 0" in log
    want = theirs(a)
    assert got.device == device and got.dtype == want.dtype, "float32 stays float32"
    np.testing.assert_allclose(cb.asnumpy(got), want, rtol=1e-5)


def test_singular_matrix_on_cuda_raises_linalg_error(gpu):
    device, log = gpu
    with pytest.raises(cb.linalg.LinAlgError, match="inv"):
        cb.linalg.inv(cb.asarray(np.ones((2, 2), np.float32), device=device))
    assert "enter errstate raise" in log


def test_no_cupy_libraries_without_cuda_or_when_disabled(gpu, monkeypatch):
    device, _ = gpu
    assert _cuda_libs.cupy_for(device) is sys.modules["cupy"]
    assert _cuda_libs.cupy_for(select_device("cuda:0")) is not None
    monkeypatch.setattr(_cuda_libs, "USE_CUPY", False)
    assert _cuda_libs.cupy_for(device) is None
