"""Kernels with ``barrier()`` and local arrays on the ``cpu`` backend (work-group regions), compared with
the interpreter and NumPy: work-group reversal, tiled matmul (a loop containing barriers), a tree
reduction (a ``while`` loop with a barrier), uniform ``break``, private arrays across barriers, early
``return`` after the last barrier."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.errors import LaunchError

from .test_cpu_support import cpu_device, run, run_both  # noqa: F401

pytestmark = pytest.mark.usefixtures("cpu_device")


def reverse_groups(a, out):
    tile = cb.local_array(64, cb.float32)
    lid = cb.get_local_id(0)
    gid = cb.get_global_id(0)
    tile[lid] = a[gid]
    cb.barrier()
    out[gid] = tile[cb.get_local_size(0) - 1 - lid]


@pytest.mark.parametrize("lsize", [(16,), None])
def test_work_group_reversal(lsize) -> None:
    a = np.arange(128, dtype=np.float32)
    _, out = run("cpu", reverse_groups, 128, a, np.zeros(128, np.float32), lsize=lsize)
    l = 16 if lsize else 64  # default local size: largest divisor of 128 <= 64
    np.testing.assert_array_equal(out, a.reshape(-1, l)[:, ::-1].ravel())


def matmul_tiled(a, b, c):
    ta = cb.local_array((4, 4), cb.float64)
    tb = cb.local_array((4, 4), cb.float64)
    col = cb.get_global_id(0)
    row = cb.get_global_id(1)
    lx = cb.get_local_id(0)
    ly = cb.get_local_id(1)
    acc = 0.0
    for t in range(a.shape[1] // 4):
        ta[ly, lx] = a[row, t * 4 + lx]
        tb[ly, lx] = b[t * 4 + ly, col]
        cb.barrier()
        for k in range(4):
            acc += ta[ly, k] * tb[k, lx]
        cb.barrier()
    c[row, col] = acc


def test_tiled_matmul_with_barrier_loop() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(-4, 5, (8, 12)).astype(np.float64)
    b = rng.integers(-4, 5, (12, 16)).astype(np.float64)
    got, ref = run_both(matmul_tiled, (16, 8), a, b, np.zeros((8, 16)), lsize=(4, 4))
    np.testing.assert_array_equal(got[2], a @ b)
    np.testing.assert_array_equal(got[2], ref[2])


def reduce_sum(a, out):
    buf = cb.local_array(32, cb.int64)
    lid = cb.get_local_id(0)
    buf[lid] = a[cb.get_global_id(0)]
    cb.barrier()
    s = cb.get_local_size(0) // 2
    while s > 0:
        if lid < s:
            buf[lid] += buf[lid + s]
        cb.barrier()
        s //= 2
    if lid == 0:
        out[cb.get_group_id(0)] = buf[0]


def test_tree_reduction() -> None:
    a = np.arange(256, dtype=np.int64) * 3 - 100
    got, ref = run_both(reduce_sum, 256, a, np.zeros(8, np.int64), lsize=32)
    np.testing.assert_array_equal(got[1], a.reshape(8, 32).sum(axis=1))
    np.testing.assert_array_equal(got[1], ref[1])


def uniform_break(a, out):
    tile = cb.local_array(8, cb.int64)
    p = cb.private_array(2, cb.int64)
    lid = cb.get_local_id(0)
    gid = cb.get_global_id(0)
    p[0] = a[gid]
    p[1] = 0
    for it in range(10):
        tile[lid] = p[0] + it
        cb.barrier()
        p[1] += tile[(lid + 1) % 8]
        cb.barrier()
        if it == 3:
            break
    if gid % 2 == 1:
        return
    out[gid] = p[1]


def test_break_private_array_and_return_across_barriers() -> None:
    a = np.arange(32, dtype=np.int64) * 10
    got, ref = run_both(uniform_break, 32, a, np.full(32, -1, np.int64), lsize=8)
    np.testing.assert_array_equal(got[1], ref[1])
    nxt = a.reshape(4, 8)[:, [1, 2, 3, 4, 5, 6, 7, 0]].ravel()
    expected = np.where(np.arange(32) % 2 == 1, -1, 4 * nxt + 6)
    np.testing.assert_array_equal(got[1], expected)


def test_local_size_must_divide_for_barrier_kernels() -> None:
    from cambrian.backends.cpu import BACKEND

    prog = type("P", (), {"name": "k"})()
    with pytest.raises(LaunchError, match="multiple"):
        BACKEND._run_groups(prog, (10,), (4,), [])
