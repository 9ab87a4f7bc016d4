"""Interchange: DLPack on host-memory devices, a clear refusal elsewhere, CUDA interface only on CUDA."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb


def test_dlpack_export(device) -> None:
    x = cb.asarray(np.arange(6, dtype=np.int32).reshape(2, 3), device=device)
    if device.backend in ("cpu", "interp"):
        y = np.from_dlpack(x)
        np.testing.assert_array_equal(y, np.arange(6).reshape(2, 3))
        assert x.__dlpack_device__() == (1, 0)
    elif device.backend == "cuda":
        assert x.__dlpack_device__() == (2, device.ordinal)
    elif device.kind == "cpu":  # OpenCL CPU devices: Cambrian-owned host memory, shared
        y = np.from_dlpack(x.__dlpack__(copy=False) and x)
        x[0, 0] = 7
        x.synchronize()
        assert y[0, 0] == 7 and x.__dlpack_device__() == (1, 0)
    else:  # not host memory: an explicit export copies, copy=False is refused
        np.testing.assert_array_equal(np.from_dlpack(x), np.arange(6).reshape(2, 3))
        with pytest.raises(BufferError, match="asnumpy"):
            x.__dlpack__(copy=False)


def test_cuda_array_interface_only_on_cuda(device) -> None:
    x = cb.zeros(3, dtype=cb.float32, device=device)
    assert hasattr(x, "__cuda_array_interface__") == (device.backend == "cuda")


def test_asarray_accepts_device_positionally(device) -> None:
    x = cb.asarray([1, 2, 3], cb.int16, device)
    assert x.device == device and x.dtype == np.int16


def test_host_memory_flag_matches_host_view(device) -> None:
    impl = device.impl
    assert (impl.host_view(device, impl.alloc(device, 8)) is not None) == impl.host_memory
