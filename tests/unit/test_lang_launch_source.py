"""CUDA C of the issue-19 launch and local-memory kernels (``tests/backends/test_lang_launch.py``) renders
with CUDA spellings and compiles with nvcc (no GPU needed): barrier() inside device functions, local
arrays declared in branches and loops (hoisted to ``__shared__`` at kernel scope), local arrays passed to
device functions, and LocalAccessor arguments."""

from __future__ import annotations

import re

import numpy as np
import pytest

import cambrian as cb
from cambrian.compiler import render_c

from ..backends import test_lang_launch as ll
from .nvcc import NVCC, compile_failures


def _sources() -> list[tuple[str, str]]:
    f32, f64, i64 = (np.zeros(32, d) for d in ("float32", "float64", "int64"))
    acc = (cb.LocalAccessor(8, cb.float32), cb.LocalAccessor((2, 4), cb.int32))
    return [
        ("group_sums", ll.group_sums.source("cuda", f64, f64)),
        ("local_in_loop_and_branch", ll.local_in_loop_and_branch.source("cuda", i64, True)),
        ("local_to_plain_func", ll.local_to_plain_func.source("cuda", np.zeros(8, np.int32))),
        ("reverse_with_accessors", ll.reverse_with_accessors.source("cuda", f32, f32, *acc)),
        ("ids_2d", ll.ids_2d.source("cuda", np.zeros((2, 2), np.int64))),
        ("barrier_funcs_in_a_loop", ll.barrier_funcs_in_a_loop.source("cuda", f64, f64)),
    ]


def test_cuda_spellings_of_local_memory() -> None:
    src = dict(_sources())
    # barrier() inside a device function stays a __syncthreads() in a __device__ function on CUDA
    head = re.search(r"__device__[^{;]*f_tree_sum\w*\(", src["group_sums"])
    assert head is not None
    func = src["group_sums"][head.end():].split("\n}\n", 1)[0]
    assert "__syncthreads();" in func
    # local arrays declared in a branch/loop are hoisted to kernel scope, before any statement
    body = src["local_in_loop_and_branch"].split("__global__", 1)[1]
    shared = [m.start() for m in re.finditer(r"__shared__ long long v_(tile|other)\[8\];", body)]
    assert len(shared) == 2 and max(shared) < body.index("for (")
    # LocalAccessor arguments become __shared__ arrays of their launch-time shape (a uint8 stands in)
    acc = src["reverse_with_accessors"]
    assert "__shared__ float v_tile[8];" in acc and "__shared__ int v_counts[8];" in acc
    assert "cb_local_accessor_tile" in acc


@pytest.mark.skipif(NVCC is None, reason="nvcc not found")
def test_cuda_local_memory_kernels_compile_with_nvcc(tmp_path) -> None:
    failures = compile_failures(_sources(), tmp_path)
    assert not failures, "\n".join(failures)


def test_opencl_source_hoists_local_arrays() -> None:
    src = ll.local_in_loop_and_branch.source("opencl", np.zeros(8, np.int64), True)
    body = src.split("__kernel", 1)[1]
    assert body.count("__local long v_tile[8];") == 1 and body.index("__local") < body.index("for (")
    assert render_c.render_opencl(ll.group_sums.ir(np.zeros(4), np.zeros(4))).source.count("barrier(") >= 2
