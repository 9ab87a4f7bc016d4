"""Discovery, self-test verdicts, selection and the scoped default, on fake backends (no hardware)."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from cambrian import backends
from cambrian.devices import (
    Registry,
    default_device,
    default_score,
    devices,
    select_device,
    unavailable_backends,
    using,
)
from cambrian.errors import DeviceError, FilterSyntaxError
from cambrian.testing import FakeBackend, use_fake_backends

GiB = 1 << 30


def _fakes() -> list[FakeBackend]:
    return [
        FakeBackend("interp", [{"name": "Interpreter", "kind": "cpu"}]),
        FakeBackend("cpu", [{"name": "Numba CPU", "kind": "cpu", "compute_units": 8}]),
        FakeBackend("opencl", [
            {"name": "PoCL CPU", "kind": "cpu", "ordinal": 0},
            {"name": "Small GPU", "kind": "gpu", "ordinal": 0, "compute_units": 8, "global_memory": 2 * GiB},
            {"name": "Big GPU", "kind": "gpu", "ordinal": 1, "compute_units": 80, "global_memory": 16 * GiB,
             "supports_float64": False},
            {"name": "Broken GPU", "kind": "gpu", "ordinal": 2, "compute_units": 999,
             "global_memory": 99 * GiB},
        ], failing=("Broken GPU",)),
        FakeBackend("cuda", unavailable="libcuda.so not found"),
    ]


@pytest.fixture
def fakes(monkeypatch, tmp_path):
    fb = _fakes()
    reg = use_fake_backends(monkeypatch, tmp_path, *fb)
    return {f.name: f for f in fb} | {"registry": reg, "tmp": tmp_path}


def test_listing_and_verdicts(fakes):
    usable = [str(d) for d in devices()]
    assert usable == ["interp", "cpu", "opencl:cpu:0", "opencl:gpu:0", "opencl:gpu:1"]
    (broken,) = [d for d in devices(include_unusable=True) if not d.usable]
    assert str(broken) == "opencl:gpu:2"
    assert broken.reason == "self-test failed: RuntimeError: wrong result on Broken GPU"  # one line
    assert unavailable_backends() == {"cuda": "libcuda.so not found"}


def test_unusable_device_is_never_selected(fakes):
    assert "opencl:gpu:2" not in [str(d) for d in devices("opencl:gpu")]
    with pytest.raises(DeviceError, match=r"unusable: opencl:gpu:2 \(self-test failed"):
        select_device("opencl:gpu:2")
    broken = devices("opencl:gpu:2", include_unusable=True)[0]
    with pytest.raises(DeviceError, match="unusable"):
        select_device(broken)


def test_discovery_runs_once_and_verdicts_are_cached_on_disk(fakes, monkeypatch):
    devices()
    devices("gpu")
    default_device()
    assert fakes["opencl"].self_tests == 4
    files = list((fakes["tmp"] / "verdicts").rglob("verdict.json"))
    assert len(files) == 6
    assert (fakes["tmp"] / "verdicts").stat().st_mode & 0o077 == 0
    saved = [json.loads(f.read_text()) for f in files]
    assert sorted(s["usable"] for s in saved) == [False] + [True] * 5
    # a new process (fresh registry) trusts the disk verdicts ...
    fakes["registry"].reset()
    assert len(devices()) == 5
    assert fakes["opencl"].self_tests == 4
    # ... unless CAMBRIAN_RETEST=1
    fakes["registry"].reset()
    monkeypatch.setenv("CAMBRIAN_RETEST", "1")
    assert len(devices()) == 5
    assert fakes["opencl"].self_tests == 8


def test_new_driver_version_is_tested_again(fakes):
    devices()
    fakes["registry"].reset()
    for spec in fakes["opencl"].specs:
        spec["driver_version"] = "2.0"
    devices()
    assert fakes["opencl"].self_tests == 8


def test_corrupt_verdict_is_rebuilt(fakes):
    devices()
    for f in (fakes["tmp"] / "verdicts").rglob("verdict.json"):
        f.write_text("{not json")
    fakes["registry"].reset()
    with pytest.warns(UserWarning, match="corrupt cache entry"):
        assert len(devices()) == 5
    assert fakes["opencl"].self_tests == 8


def test_discovery_is_thread_safe(fakes):
    barrier = threading.Barrier(8)
    seen = []

    def worker():
        barrier.wait()
        seen.append(len(devices()))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [5] * 8
    assert fakes["opencl"].self_tests == 4


def test_backend_errors_never_crash_discovery(monkeypatch, tmp_path):
    use_fake_backends(monkeypatch, tmp_path, FakeBackend("interp"),
                      FakeBackend("opencl", discover_error=OSError("clGetPlatformIDs failed\nmore")),
                      FakeBackend("cuda", specs=[]))
    assert [str(d) for d in devices()] == ["interp"]
    assert unavailable_backends() == {"opencl": "OSError: clGetPlatformIDs failed",
                                      "cuda": "no devices found"}


def test_missing_backend_module_is_unavailable(monkeypatch, tmp_path):
    reg = use_fake_backends(monkeypatch, tmp_path, FakeBackend("interp"))
    monkeypatch.setattr(backends, "_MODULES", {**backends._MODULES, "cuda": ".does_not_exist"})
    reg.names = ("interp", "cuda")
    assert [str(d) for d in devices()] == ["interp"]
    assert "ModuleNotFoundError" in unavailable_backends()["cuda"]


def test_select_device(fakes):
    assert str(select_device()) == "opencl:gpu:1"  # the biggest usable GPU
    assert str(select_device("cpu")) == "cpu"
    assert str(select_device(":cpu")) == "cpu"  # Numba cpu preferred among CPU devices
    assert str(select_device("opencl:cpu")) == "opencl:cpu:0"
    assert str(select_device("cuda,opencl:cpu")) == "opencl:cpu:0"  # alternatives in order
    assert str(select_device("interp,gpu")) == "interp"
    small = select_device(score=lambda d: 1 / (d.compute_units * d.global_memory) if d.kind == "gpu" else -1)
    assert str(small) == "opencl:gpu:0"
    fp64 = select_device("gpu", score=lambda d: 1 if d.supports_float64 else None)
    assert str(fp64) == "opencl:gpu:0"
    d = select_device("cpu")
    assert select_device(d) is d


def test_no_match_lists_what_exists(fakes):
    with pytest.raises(DeviceError) as info:
        select_device("cuda")
    msg = str(info.value)
    for needle in ("no usable device matches filter 'cuda'", "interp", "opencl:gpu:1",
                   "unusable: opencl:gpu:2", "cuda (libcuda.so not found)"):
        assert needle in msg
    with pytest.raises(DeviceError, match="accepted by the score function"):
        select_device(score=lambda d: None)
    with pytest.raises(FilterSyntaxError):
        select_device("opencl:gpu:0:1")


def test_default_device_rules(fakes, monkeypatch):
    assert str(default_device()) == "opencl:gpu:1"
    monkeypatch.setenv("CAMBRIAN_DEVICE", "opencl:cpu")
    assert str(default_device()) == "opencl:cpu:0"  # the environment is read when asked
    monkeypatch.setenv("CAMBRIAN_DEVICE", "cuda")
    with pytest.raises(DeviceError, match="CAMBRIAN_DEVICE='cuda'"):
        default_device()
    monkeypatch.delenv("CAMBRIAN_DEVICE")
    for spec in fakes["opencl"].specs:
        spec["kind"] = "cpu" if spec["name"] != "Broken GPU" else "gpu"
    fakes["registry"].reset()
    assert str(default_device()) == "cpu"  # no usable GPU: the Numba cpu device


def test_default_falls_back_to_interp(monkeypatch, tmp_path):
    use_fake_backends(monkeypatch, tmp_path, FakeBackend("interp"), FakeBackend("cpu", failing=("fake cpu",)))
    assert str(default_device()) == "interp"


def test_default_score_orders_kinds(fakes):
    order = sorted(devices(), key=default_score, reverse=True)
    assert [str(d) for d in order] == ["opencl:gpu:1", "opencl:gpu:0", "cpu", "opencl:cpu:0", "interp"]


def test_using_nests_and_restores(fakes):
    base = default_device()
    with using("cpu") as d:
        assert str(d) == "cpu" and default_device() is d
        with using("interp"):
            assert str(default_device()) == "interp"
        assert default_device() is d
    assert default_device() is base
    with pytest.raises(DeviceError):
        using("cuda")


def test_using_is_per_thread(fakes):
    names = ["cpu", "interp", "opencl:cpu:0", "opencl:gpu:0"]
    barrier = threading.Barrier(len(names))
    seen: dict[str, list[str]] = {}
    errors = []

    def worker(name):
        try:
            with using(name):
                barrier.wait()  # every thread has entered its own `using`
                got = [str(default_device())]
                barrier.wait()
                got.append(str(default_device()))
            seen[name] = got
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert seen == {n: [n, n] for n in names}
    assert str(default_device()) == "opencl:gpu:1"  # the main thread is untouched


def test_using_is_per_asyncio_task(fakes):
    names = ["cpu", "interp", "opencl:cpu:0"]

    async def task(name, event, ready):
        with using(name):
            ready.append(name)
            await event.wait()  # all tasks are inside their `using` now
            return str(default_device())

    async def main():
        event, ready = asyncio.Event(), []
        tasks = [asyncio.create_task(task(n, event, ready)) for n in names]
        while len(ready) < len(names):
            await asyncio.sleep(0)
        event.set()
        return await asyncio.gather(*tasks)

    assert asyncio.run(main()) == names


def test_refresh_attribute(fakes):
    assert isinstance(fakes["registry"], Registry)
    devices()
    assert fakes["registry"]._listed is not None
    devices.refresh()  # ``cambrian.devices.refresh()`` forgets the discovered devices
    assert fakes["registry"]._listed is None
    assert len(devices()) == 5
    assert devices.unavailable_backends() == {"cuda": "libcuda.so not found"}
