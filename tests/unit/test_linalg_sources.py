"""The generated kernels of matmul and the FFT, read as source (no device needed): float32/complex64
kernels hold no double (devices without float64 run them), the GPU matmul stages tiles in local memory
between barriers, the CPU one keeps its block in registers; CUDA C compiles with nvcc where present."""

from __future__ import annotations

import numpy as np
import pytest

from cambrian.array import _fft_kernels as K
from cambrian.array import _matmul_kernels as M

from .nvcc import NVCC, compile_failures


def _sources(target: str, dtype: str) -> dict[str, str]:
    a3 = np.zeros((1, 8, 8), dtype)
    flat = np.zeros(64, dtype)
    rows = np.zeros((2, 8), np.complex64 if dtype == "float32" else np.complex128)
    tw = rows[0]
    one = np.int64(1)
    return {
        "naive": M.batched_matmul.source(target, a3, a3, a3),
        "pack": M.pack_kernel(16).source(target, flat, flat, one, one, one, np.zeros((), dtype)[()]),
        "packed": M.packed_kernel(4, 16, True).source(target, a3, flat, flat, one, one, np.int64(8)),
        "packed_plain": M.packed_kernel(4, 16).source(target, a3, flat, flat, one, one, np.int64(8)),
        "local": M.local_kernel(dtype).source(target, a3, a3, a3, np.zeros((), dtype)[()]),
        "radix2": K.radix2.source(target, rows, rows, tw, one, one),
        "dft": K.dft.source(target, rows, rows, tw),
    }


@pytest.mark.parametrize("target", ["opencl", "cuda"])
def test_single_precision_kernels_hold_no_double(target):
    for name, src in _sources(target, "float32").items():
        assert "double" not in src, f"{name} ({target}) uses double in a float32/complex64 kernel"


def test_tiled_kernels_use_local_memory_or_registers():
    src = _sources("opencl", "float32")
    assert "__local" in src["local"] and src["local"].count("barrier(") >= 2
    assert "__local" not in src["packed"] and "barrier(" not in src["packed"]
    assert src["packed"].count("v_c3_15") >= 3  # 4 x 16 accumulators: declared, updated, stored
    assert src["packed"].count("fma(") >= 64 and "fma(" not in src["packed_plain"]  # fused for floats


@pytest.mark.skipif(NVCC is None, reason="nvcc not found")
def test_cuda_c_compiles(tmp_path):
    items = [(f"{name}_{dt}", src) for dt in ("float32", "float64")
             for name, src in _sources("cuda", dt).items()]
    assert compile_failures(items, tmp_path) == []
