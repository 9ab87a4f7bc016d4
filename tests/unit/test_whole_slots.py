"""``array/_whole.scalar``: 0-d results in slots of a shared buffer only where the device's buffers are
Cambrian-owned host memory; elsewhere None, asked of the device once."""

from __future__ import annotations

from typing import Any

from cambrian.array import _whole


class _DeviceMemory:
    """A device whose buffers are not host memory (``host_bytes`` finds no ``cambrian_host``)."""

    def __init__(self) -> None:
        self.impl = self
        self.allocations = 0

    def alloc(self, device: Any, nbytes: int) -> object:
        self.allocations += 1
        return object()


def test_no_slots_without_host_memory():
    device = _DeviceMemory()
    try:
        assert _whole.scalar(device, "float64", 1.5) is None
        assert _whole.scalar(device, "int64", 3) is None
        assert device.allocations == 1  # the answer is kept: no buffer per call
    finally:
        _whole._SLABS.pop(device, None)
