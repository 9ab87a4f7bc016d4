"""pytest plugin and helpers: one test body, every device.

Register it in ``conftest.py`` with ``pytest_plugins = ["cambrian.testing"]``. Then

* a test taking a ``device`` argument runs once per usable device (ids like ``test_add[opencl:cpu:0]``),
  narrowed by ``CAMBRIAN_TEST_DEVICES`` (a filter string) or per test by ``@pytest.mark.devices("cpu")``;
* ``interp_device`` is the reference interpreter device (for differential tests);
* ``requires(device, "float64")`` skips with "device opencl:gpu:0 has no float64";
* :class:`FakeBackend` and :func:`use_fake_backends` give made-up devices (no float64, failing
  self-tests, missing backends) that test device semantics without hardware.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from . import backends, config
from .backends.base import Backend, BackendUnavailable, Device
from .devices import Registry, devices, parse_filter, select_device
from .errors import DeviceError
from .queues import Event, Queue, completed

#: Capability name (for :func:`requires`) -> Device attribute.
CAPABILITIES = {"float64": "supports_float64", "atomics": "supports_atomics",
                "local_memory": "supports_local_memory"}


def all_devices(filter: str | None = None) -> list[Device]:
    """The usable devices the suite runs on: ``filter``, else ``CAMBRIAN_TEST_DEVICES``, else all."""
    return devices(filter or config.test_devices())


def requires(device: Device, *capabilities: str) -> None:
    """Skip the running test unless ``device`` has every capability (float64, atomics, local_memory)."""
    for cap in capabilities:
        if cap not in CAPABILITIES:
            raise ValueError(f"unknown capability {cap!r}; known: {', '.join(CAPABILITIES)}")
        if not getattr(device, CAPABILITIES[cap]):
            pytest.skip(f"device {device} has no {cap}")


# -- the pytest plugin ---------------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "devices(filter): run the `device` fixture only on devices "
                                       "matching this filter string")
    env = _env_filter()
    if env:
        try:
            parse_filter(env)
        except DeviceError as exc:
            raise pytest.UsageError(f"CAMBRIAN_TEST_DEVICES: {exc}") from None


def _env_filter() -> str | None:
    return config.test_devices()


def pytest_report_header(config: pytest.Config) -> str:
    listed = devices(include_unusable=True)
    text = "cambrian devices: " + (", ".join(str(d) for d in listed if d.usable) or "none")
    bad = [f"{d} ({d.reason})" for d in listed if not d.usable]
    if bad:
        text += "; unusable: " + ", ".join(bad)
    if _env_filter():
        text += f"; CAMBRIAN_TEST_DEVICES={_env_filter()}"
    return text


def _device_params(marker_filter: str | None) -> list[Any]:
    found = all_devices()
    why = f"CAMBRIAN_TEST_DEVICES={_env_filter()!r}" if _env_filter() else "the present devices"
    if marker_filter:
        wanted = set(devices(marker_filter))
        found = [d for d in found if d in wanted]
        why = f"devices({marker_filter!r}) among {why}"
    if not found:
        skip = pytest.mark.skip(reason=f"no usable device in {why}")
        return [pytest.param(None, id="no-device", marks=skip)]
    return [pytest.param(d, id=str(d)) for d in found]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "device" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("devices")
    metafunc.parametrize("device", _device_params(marker.args[0] if marker else None), indirect=True)


@pytest.fixture
def device(request: pytest.FixtureRequest) -> Device:
    """Each usable device in turn (see the module docstring)."""
    return request.param


@pytest.fixture(scope="session")
def interp_device() -> Device:
    """The reference interpreter device (skips when the interp backend is missing)."""
    try:
        return select_device("interp")
    except DeviceError as exc:
        pytest.skip(f"no interp device: {exc}")


# -- fake devices --------------------------------------------------------------------------------
class FakeBackend(Backend):
    """A host-memory backend with made-up devices (after array-api-strict's fake devices).

    ``specs`` are keyword dicts for :class:`Device` (``name`` and ``kind`` at least); names listed in
    ``failing`` fail their self-test; ``unavailable`` makes ``discover()`` raise BackendUnavailable.
    Buffers are NumPy uint8 arrays, so arrays work; kernels do not run.
    """

    def __init__(self, name: str, specs: list[dict[str, Any]] | None = None, *, failing: tuple[str, ...] = (),
                 unavailable: str | None = None, discover_error: Exception | None = None):
        self.name = name
        self.specs = specs if specs is not None else [{"name": f"fake {name}", "kind": "cpu"}]
        self.failing = failing
        self.unavailable = unavailable
        self.discover_error = discover_error
        self.self_tests = 0  # how many self-tests ran

    def discover(self) -> list[Device]:
        if self.unavailable:
            raise BackendUnavailable(self.unavailable)
        if self.discover_error is not None:
            raise self.discover_error
        return [Device(backend=self.name, **{"ordinal": None, **s}) for s in self.specs]

    def self_test(self, device: Device) -> None:
        self.self_tests += 1
        if device.name in self.failing:
            raise RuntimeError(f"wrong result on {device.name}\n(details on a second line)")

    def alloc(self, device: Device, nbytes: int) -> np.ndarray:
        return np.zeros(max(nbytes, 1), np.uint8)

    def write(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> Event:
        raw = host.reshape(-1).view(np.uint8)
        buffer[byte_offset:byte_offset + raw.size] = raw
        return completed(queue, "write")

    def read(self, device: Device, buffer: Any, byte_offset: int, host: np.ndarray, queue: Queue) -> None:
        raw = host.reshape(-1).view(np.uint8)
        raw[:] = buffer[byte_offset:byte_offset + raw.size]

    def copy(self, device: Device, dst: Any, dst_offset: int, src: Any, src_offset: int, nbytes: int,
             queue: Queue) -> Event:
        dst[dst_offset:dst_offset + nbytes] = src[src_offset:src_offset + nbytes]
        return completed(queue, "copy")

    def host_view(self, device: Device, buffer: Any) -> np.ndarray:
        return buffer

    def compile(self, device: Device, module: Any) -> Any:
        raise NotImplementedError("fake devices run no kernels")

    def launch(self, device: Device, queue: Queue, program: Any, global_size: tuple[int, ...],
               local_size: tuple[int, ...] | None, args: list[Any]) -> Event:
        raise NotImplementedError("fake devices run no kernels")


def use_fake_backends(monkeypatch: pytest.MonkeyPatch, cache_dir: Path, *fakes: FakeBackend) -> Registry:
    """Replace the backend registry with ``fakes`` for one test (verdicts cached under ``cache_dir``);
    returns the fresh device Registry now behind ``cambrian.devices()``."""
    import importlib

    devmod = importlib.import_module("cambrian.devices")
    monkeypatch.setenv("CAMBRIAN_CACHE_DIR", str(cache_dir))
    monkeypatch.delenv("CAMBRIAN_DEVICE", raising=False)
    monkeypatch.delenv("CAMBRIAN_RETEST", raising=False)
    monkeypatch.setattr(backends, "_loaded", {f.name: f for f in fakes})
    registry = Registry(names=tuple(f.name for f in fakes))
    monkeypatch.setattr(devmod, "_registry", registry)
    return registry
