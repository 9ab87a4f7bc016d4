"""Checks of the CUDA backend: the device self-test and the bounds-check error record."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..errors import KernelIndexError, KernelRuntimeError
from ..errors import bounds_message as bounds_text
from . import cuda_launch, cuda_nvrtc

if TYPE_CHECKING:
    from .base import Device
    from .cuda import CUDABackend, CUDAProgram

_SELFTEST = r"""
extern "C" __global__ void cambrian_selftest(const float* a, const float* b, float* c, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}
"""


def run_self_test(backend: CUDABackend, device: Device, n: int = 4096) -> None:
    """NVRTC-compile a vector add natively, run it on the device's stream and check every element."""
    st = device.handle
    arch, kind = backend.arch(device)
    binary = cuda_nvrtc.compile_source(_SELFTEST, cuda_launch.nvrtc_options(arch), kind, "selftest")
    function = backend._load(st, binary.data, "cambrian_selftest")
    a = np.arange(n, dtype=np.float32) * np.float32(0.5)
    b = np.arange(n, 0, -1, dtype=np.float32) * np.float32(0.25) + np.float32(1)
    out = np.zeros(n, dtype=np.float32)
    queue = device.queue
    bufs = [backend.alloc(device, a.nbytes) for _ in range(3)]
    backend.write(device, bufs[0], 0, a, queue)
    backend.write(device, bufs[1], 0, b, queue)
    with st.device:
        function((-(-n // 256),), (256,), [*bufs, np.int64(n)], 0, st.stream)
    backend.read(device, bufs[2], 0, out, queue)
    good = int(np.count_nonzero(out == a + b))
    if good != n:
        raise RuntimeError(f"CUDA self-test on {device}: wrong results ({good} of {n} elements correct)")


def bounds_message(program: CUDAProgram, record: np.ndarray) -> str:
    """Text of the IndexError for an error record ``(flag, line, site, index, size)`` (the same words
    as the OpenCL backend); the site names the array and axis (``render_c.Rendered.sites``)."""
    _flag, line, site_no, index, size = (int(x) for x in record[:5])
    name = program.py_name
    if not 0 <= site_no < len(program.sites):
        return bounds_text(name, index, size)
    site = program.sites[site_no]
    shape = site.shape or program.last_shapes.get(site.array)
    where = f"{site.file}:{line}" if site.file else f"line {line}"
    return bounds_text(name, index, size, site.axis, site.array, tuple(shape) if shape else None, where)


def make_check(backend: CUDABackend, device: Device, program: CUDAProgram) -> Callable[[], None]:
    """A queue check that reads the program's error record after the queue drained, re-arms it and
    raises IndexError when a work-item indexed out of bounds."""

    def check() -> None:
        st = device.handle
        program.armed = False
        record = np.zeros(cuda_launch.ERR_RECORD, dtype=np.int64)
        backend.read(device, program.errbuf, 0, record, device.queue)
        if record[0] != 0:
            with st.device:
                program.errbuf.memset_async(0, record.nbytes, st.stream)
            if record[0] == 2:
                site_no, line = int(record[2]), int(record[1])
                site = program.sites[site_no] if 0 <= site_no < len(program.sites) else None
                where = f"{site.file}:{line}" if site is not None and site.file else f"line {line}"
                raise KernelRuntimeError(f"range() step is zero in kernel {program.py_name!r} at {where}")
            raise KernelIndexError(bounds_message(program, record))

    return check

