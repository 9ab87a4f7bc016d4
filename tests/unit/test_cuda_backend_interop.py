"""CUDA Array Interface / DLPack plumbing without a GPU: the dictionaries, strides and extents, and
``from_foreign`` against a fake CuPy (pointer wrapping and stream ordering)."""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pytest

from cambrian.backends import cuda, cuda_interop
from cambrian.backends.cuda_interop import (
    c_strides,
    describe_interface,
    extent,
    interface_dict,
    is_cuda_array,
)


def test_strides_and_extent() -> None:
    assert c_strides((3, 4), 8) == (32, 8) and c_strides((), 4) == ()
    assert c_strides((0, 5), 4) == (20, 4)
    assert extent((3, 4), (32, 8), 8) == (0, 96)
    assert extent((10,), (-4,), 4) == (36, 40)          # a[::-1]: element 0 is 36 bytes up
    assert extent((3, 4), (-32, 16), 8) == (64, 120)
    assert extent((0, 4), (32, 8), 8) == (0, 0)


def test_interface_dict_is_version_3() -> None:
    d = interface_dict(0x1000, (3, 4), (16, 4), "float32", stream=0x77)
    assert d == {"shape": (3, 4), "typestr": "<f4", "descr": [("", "<f4")], "data": (0x1000, False),
                 "strides": None, "version": 3, "stream": 0x77}
    t = interface_dict(0x1000, (3, 4), (4, 12), "complex128", stream=None, readonly=True)
    assert t["strides"] == (4, 12) and t["typestr"] == "<c16" and t["data"] == (0x1000, True)
    assert interface_dict(0x1000, (0,), (4,), "int32", stream=1)["data"] == (0, False)
    assert interface_dict(0x1000, (), (), "bool", stream=1)["typestr"] == "|b1"


def test_describe_interface() -> None:
    d = describe_interface({"shape": (2, 3), "typestr": "<i8", "data": (123, True), "version": 2})
    assert d == cuda_interop.Described(123, (2, 3), (24, 8), "int64", None, True)
    d = describe_interface({"shape": (5,), "typestr": "<f8", "data": (8, False), "strides": (-8,),
                            "version": 3, "stream": 2})
    assert d.strides == (-8,) and d.stream == 2
    with pytest.raises(TypeError, match="mask"):
        describe_interface({"shape": (1,), "typestr": "<f4", "data": (1, False), "mask": object()})
    with pytest.raises(TypeError, match="unsupported dtype"):
        describe_interface({"shape": (1,), "typestr": "<f2", "data": (1, False)})
    with pytest.raises(ValueError, match="stream 0"):
        describe_interface({"shape": (1,), "typestr": "<f4", "data": (1, False), "stream": 0})
    with pytest.raises(TypeError, match="whole elements"):
        describe_interface({"shape": (2,), "typestr": "<f4", "data": (1, False), "strides": (6,)})


class _CAI:
    def __init__(self, iface: dict[str, Any]):
        self.__cuda_array_interface__ = iface


class _DL:
    def __init__(self, kind: int):
        self.kind = kind

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.kind, 0

    def __dlpack__(self, stream: Any = None) -> None:
        raise AssertionError("not expected")


class _NeedsGrad:
    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        raise RuntimeError("Can't get __cuda_array_interface__ on Variable that requires grad")

    def __dlpack_device__(self) -> tuple[int, int]:
        return 2, 1


def test_is_cuda_array() -> None:
    assert is_cuda_array(_CAI({"shape": (1,), "typestr": "<f4", "data": (1, False)}))
    assert is_cuda_array(_DL(2)) and is_cuda_array(_DL(13))
    assert not is_cuda_array(_DL(1))  # CPU DLPack
    assert is_cuda_array(_NeedsGrad())
    assert not is_cuda_array(np.zeros(3)) and not is_cuda_array([1, 2])


@pytest.fixture
def fake_backend(monkeypatch: pytest.MonkeyPatch) -> tuple[cuda.CUDABackend, list[Any]]:
    log: list[Any] = []

    class Ctx:
        def __init__(self, *a: Any, **k: Any):
            pass

        def __enter__(self) -> Any:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    class Stream(Ctx):
        ptr = 0xABC

    runtime = types.SimpleNamespace(
        getDeviceProperties=lambda i: {"major": 8, "minor": 0}, getDevice=lambda: 0,
        pointerGetAttributes=lambda ptr: types.SimpleNamespace(device=1),
        eventDisableTiming=2, eventCreateWithFlags=lambda f: "ev",
        eventRecord=lambda ev, s: log.append(("record", ev, s)),
        streamWaitEvent=lambda s, ev: log.append(("wait", s, ev)),
        eventDestroy=lambda ev: log.append(("destroy", ev)))

    def unowned(ptr: int, size: int, owner: Any, device_id: int) -> Any:
        return types.SimpleNamespace(ptr=ptr, size=size, owner=owner, device_id=device_id)

    fake = types.SimpleNamespace(cuda=types.SimpleNamespace(
        runtime=runtime, Device=Ctx, Stream=Stream, UnownedMemory=unowned,
        MemoryPointer=lambda mem, off: types.SimpleNamespace(mem=mem, ptr=mem.ptr + off),
        alloc=lambda n: types.SimpleNamespace(ptr=0x9, size=n)))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    backend = cuda.CUDABackend()
    monkeypatch.setattr(cuda_interop, "_backend", lambda: backend)
    return backend, log


def test_from_foreign_wraps_the_pointer_without_copy(fake_backend: Any) -> None:
    _backend, log = fake_backend
    src = _CAI({"shape": (10,), "typestr": "<f4", "data": (0x1000 + 36, False), "strides": (-4,),
                "version": 3, "stream": 0x55})
    f = cuda_interop.from_foreign(src)
    assert (f.ordinal, f.byte_offset, f.shape, f.strides, f.dtype) == (1, 36, (10,), (-4,), "float32")
    assert f.buffer.ptr == 0x1000 and f.buffer.mem.size == 40 and f.buffer.mem.owner is src
    # the foreign stream's pending work is ordered before ours
    assert log == [("record", "ev", 0x55), ("wait", 0xABC, "ev"), ("destroy", "ev")]


def test_from_foreign_without_stream_and_empty(fake_backend: Any) -> None:
    _backend, log = fake_backend
    f = cuda_interop.from_foreign(_CAI({"shape": (2, 2), "typestr": "<i4", "data": (0x2000, True)}))
    assert f.strides == (8, 4) and f.readonly and f.byte_offset == 0 and not log
    empty = cuda_interop.from_foreign(_CAI({"shape": (0,), "typestr": "<i4", "data": (0, False)}))
    assert empty.shape == (0,) and empty.buffer.size == 1
    with pytest.raises(TypeError, match="not a CUDA array"):
        cuda_interop.from_foreign(_DL(1))


def test_dlpack_device() -> None:
    dev = types.SimpleNamespace(ordinal=3)
    assert cuda_interop.dlpack_device(dev) == (2, 3)


def test_array_interface_of_a_device_array() -> None:
    dev = types.SimpleNamespace(handle=types.SimpleNamespace(stream=types.SimpleNamespace(ptr=0x42)))
    buf = types.SimpleNamespace(ptr=0x1000)
    d = cuda_interop.cuda_array_interface(dev, buf, 8, (4,), (8,), "float64")
    assert d["data"] == (0x1008, False) and d["stream"] == 0x42 and d["strides"] is None
