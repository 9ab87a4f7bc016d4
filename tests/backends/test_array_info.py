"""``cambrian.__array_namespace_info__()`` on the real devices, and the per-device dtype semantics
(``dtypes``, ``default_dtypes``, ``result_type``, ``can_cast``, ``astype``) on a fake device without float64
whose kernels run in the reference interpreter."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import cambrian as cb
from cambrian import dtypes
from cambrian.backends import interp
from cambrian.devices import select_device, using
from cambrian.errors import UnsupportedFeatureError
from cambrian.testing import FakeBackend, use_fake_backends

KINDS = {"bool": ["bool"], "signed integer": list(dtypes.SIGNED), "unsigned integer": list(dtypes.UNSIGNED),
         "integral": list(dtypes.INTEGER), "real floating": list(dtypes.FLOATING),
         "complex floating": list(dtypes.COMPLEX), "numeric": [n for n in dtypes.ALL if n != "bool"]}


def test_capabilities(device):
    caps = cb.__array_namespace_info__().capabilities()
    assert caps == {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 32}
    x = cb.asarray([1.0, -2.0, 3.0], device=device)
    assert cb.asnumpy(x[x > 0]).tolist() == [1.0, 3.0] and cb.nonzero(x > 0)[0].shape == (2,)


def test_max_dimensions_work(device):
    """An array of "max dimensions" dimensions goes through a cast kernel (strided)."""
    nd = cb.__array_namespace_info__().capabilities()["max dimensions"]
    host = np.arange(6, dtype=np.int16).reshape((1,) * (nd - 2) + (2, 3))
    x = cb.asarray(host, device=device)[..., ::-2]
    assert x.ndim == nd
    assert np.array_equal(cb.asnumpy(cb.astype(x, cb.float32)), host[..., ::-2].astype(np.float32))


def test_devices_and_default_device(device):
    info = cb.__array_namespace_info__()
    assert info is cb.__array_namespace_info__() and "array_namespace_info" in repr(info)
    listed = info.devices()
    assert isinstance(listed, list) and listed == cb.devices() and device in listed
    assert info.default_device() in listed and info.default_device() == cb.default_device()
    with using(device):
        assert info.default_device() == device
        assert cb.asarray([1]).device == device


def test_dtypes_on_each_device(device):
    info = cb.__array_namespace_info__()
    everything = info.dtypes(device=device)
    names = [n for n in dtypes.ALL if device.supports_float64 or not dtypes.needs_float64(n)]
    assert list(everything) == names and all(everything[n] is getattr(cb, n) for n in names)
    for kind, members in KINDS.items():
        got = info.dtypes(device=device, kind=kind)
        assert list(got) == [n for n in names if n in members], kind
    got = info.dtypes(device=device, kind=("bool", "complex floating"))
    assert list(got) == [n for n in names if n == "bool" or dtypes.is_complex(n)]
    assert info.dtypes(device=device, kind=()) == {}
    for name, dt in everything.items():  # each is a dtype the device takes
        assert cb.empty(1, dtype=dt, device=device).dtype == np.dtype(name)
    with using(device):
        assert info.dtypes() == everything


def test_dtypes_bad_kind():
    info = cb.__array_namespace_info__()
    with pytest.raises(ValueError, match="unknown kind 'float'"):
        info.dtypes(kind="float")
    with pytest.raises(ValueError, match="unknown kind"):
        info.dtypes(kind=("bool", "integer"))
    with pytest.raises(TypeError, match="kind"):
        info.dtypes(kind=cb.float32)


def test_default_dtypes_on_each_device(device):
    info = cb.__array_namespace_info__()
    got = info.default_dtypes(device=device)
    flt = "float64" if device.supports_float64 else "float32"
    assert got == {"real floating": getattr(cb, flt), "complex floating": getattr(cb, dtypes.complex_of(flt)),
                   "integral": cb.int64, "indexing": cb.int64}
    assert all(type(v) is type(cb.int64) for v in got.values())
    # they are what creation gives
    assert cb.asarray([1.5], device=device).dtype == got["real floating"]
    assert cb.asarray([1j], device=device).dtype == got["complex floating"]
    assert cb.asarray([1], device=device).dtype == got["integral"]
    with using(device):
        assert info.default_dtypes() == got
    assert info.default_dtypes(device=str(device)) == got


# -- a device without float64 ---------------------------------------------------------------------
class InterpFake(FakeBackend):
    """Made-up devices whose kernels run in the reference interpreter (buffers are host NumPy bytes)."""

    def compile(self, device: Any, module: Any) -> Any:
        return interp.BACKEND.compile(device, module)

    def launch(self, device: Any, queue: Any, program: Any, global_size: Any, local_size: Any,
               args: list[Any]) -> Any:
        return interp.BACKEND.launch(device, queue, program, global_size, local_size, args)


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """(a GPU without float64, a host device with it), both running kernels in the interpreter."""
    use_fake_backends(monkeypatch, tmp_path,
                      InterpFake("interp", [{"name": "fake interp", "kind": "cpu"}]),
                      InterpFake("opencl", [{"name": "no-fp64 GPU", "kind": "gpu", "ordinal": 0,
                                             "supports_float64": False}]))
    return select_device("opencl:gpu:0"), select_device("interp")


def test_info_without_float64(fake):
    gpu, host = fake
    info = cb.__array_namespace_info__()
    assert info.devices() == [host, gpu] and info.default_device() == gpu
    assert "float64" not in info.dtypes() and "complex128" not in info.dtypes(device=gpu)
    assert list(info.dtypes(device=gpu, kind="real floating")) == ["float32"]
    assert list(info.dtypes(device=gpu, kind=("complex floating", "bool"))) == ["bool", "complex64"]
    assert len(info.dtypes(device=gpu)) == 11 and len(info.dtypes(device=host)) == 13
    assert info.default_dtypes(device=gpu) == {"real floating": cb.float32, "complex floating": cb.complex64,
                                               "integral": cb.int64, "indexing": cb.int64}
    assert info.default_dtypes(device=host)["real floating"] == cb.float64
    with using(host):
        assert info.default_dtypes()["complex floating"] == cb.complex128


@pytest.mark.parametrize(("src", "dst"), [("int32", "float64"), ("float32", "float64"),
                                          ("bool", "complex128"), ("float32", "complex128"),
                                          ("complex64", "complex128")])
def test_astype_to_float64_refused_without_float64(fake, src, dst):
    gpu, host = fake
    x = cb.asarray(np.ones(3, src), device=gpu)
    with pytest.raises(UnsupportedFeatureError, match=r"opencl:gpu:0.*no-fp64 GPU.*no float64") as info:
        cb.astype(x, getattr(cb, dst))
    assert dst in str(info.value)
    y = cb.asarray(np.ones(3, src), device=host)
    with pytest.raises(UnsupportedFeatureError, match="opencl:gpu:0"):
        cb.astype(y, getattr(cb, dst), device=gpu)


def test_astype_runs_on_a_device_without_float64(fake):
    gpu, host = fake
    x = cb.asarray(np.array([[1.5, -2.5, 7.9]], np.float32), device=gpu)
    out = cb.astype(x[:, ::-1], cb.int16)
    assert out.device == gpu and cb.asnumpy(out).tolist() == [[7, -2, 1]]
    assert cb.asnumpy(cb.astype(out, cb.complex64)).tolist() == [[7, -2, 1]]
    # float64 data elsewhere, cast to float32 there, then moved to the GPU
    y = cb.asarray(np.array([0.1, 1e300]), device=host)
    moved = cb.astype(y, cb.float32, device=gpu)
    assert moved.device == gpu and cb.asnumpy(moved).tolist() == [np.float32(0.1), np.inf]
    # float32 data on the GPU cast to float64 on the host: moved first, cast there
    back = cb.astype(x, cb.float64, device=host)
    assert back.device == host and back.dtype == np.float64
    assert cb.asnumpy(back).tolist() == [[1.5, -2.5, float(np.float32(7.9))]]


def test_result_type_and_can_cast_follow_the_device(fake):
    gpu, host = fake
    i32, f32 = cb.empty(1, dtype="int32", device=gpu), cb.empty(1, dtype="float32", device=gpu)
    assert cb.result_type(cb.int32, cb.float32) == cb.float64  # dtypes alone: the full table
    assert cb.can_cast(cb.int32, cb.float64) and not cb.can_cast(i32, cb.float64)
    assert cb.can_cast(i32, cb.int64) and cb.can_cast(f32, cb.complex64)
    assert not cb.can_cast(f32, cb.complex128)
    assert cb.result_type(f32, 1.0) == cb.float32 and cb.result_type(i32, cb.int8, 3) == cb.int32
    assert cb.result_type(f32, 1j) == cb.complex64
    with pytest.raises(UnsupportedFeatureError, match="opencl:gpu:0"):
        cb.result_type(i32, f32)  # float64 on a device without it: never a silent float32
    with pytest.raises(UnsupportedFeatureError, match="opencl:gpu:0"):
        cb.result_type(i32, 1.0)
    assert cb.result_type(cb.empty(1, dtype="int32", device=host), f32.dtype) == cb.float64
