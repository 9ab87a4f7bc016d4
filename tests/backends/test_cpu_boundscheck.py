"""Bounds checking on the ``cpu`` backend: an out-of-bounds load, store, atomic or local-array access in
a ``boundscheck=True`` kernel raises IndexError naming the kernel, the source line, the index and the
shape; in-bounds kernels run normally."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import cambrian as cb

from .test_cpu_support import cpu_device, run  # noqa: F401

pytestmark = pytest.mark.usefixtures("cpu_device")


def shift_left(a, out):
    i = cb.get_global_id(0)
    out[i] = a[i + 1]


def store_2d(out):
    i = cb.get_global_id(0)
    out[i, i] = 1.0


def atomic_oob(bins):
    i = cb.get_global_id(0)
    cb.atomic_add(bins, i - 2, 1)


def local_oob(a, out):
    tile = cb.local_array(4, cb.int32)
    lid = cb.get_local_id(0)
    tile[lid + 1] = a[cb.get_global_id(0)]
    cb.barrier()
    out[cb.get_global_id(0)] = tile[lid]


def _line(fn, text: str) -> int:
    src, start = inspect.getsourcelines(fn)
    return start + next(k for k, line in enumerate(src) if text in line)


@pytest.mark.parametrize("fn,args,gsize,text,index,shape", [
    (shift_left, (np.arange(8.0), np.zeros(8)), 8, "a[i + 1]", "8", "(8,)"),
    (store_2d, (np.zeros((3, 5)),), 4, "out[i, i]", "3", "(3, 5)"),
    (atomic_oob, (np.zeros(4, np.int32),), 3, "atomic_add", "-2", "(4,)"),
    (local_oob, (np.arange(8, dtype=np.int32), np.zeros(8, np.int32)), 8, "tile[lid + 1]", "4", "(4,)"),
])
def test_out_of_bounds_raises_index_error(fn, args, gsize, text, index, shape) -> None:
    lsize = 4 if fn is local_oob else None
    with pytest.raises(IndexError) as info:
        run("cpu", fn, gsize, *args, lsize=lsize, boundscheck=True)
    msg = str(info.value)
    assert fn.__name__ in msg
    assert f"{__file__}:{_line(fn, text)}" in msg
    assert f"index {index} out of bounds for axis 0" in msg and f"(shape {shape})" in msg


def test_in_bounds_checked_kernel_runs() -> None:
    a = np.arange(9.0)
    _, out = run("cpu", shift_left, 8, a, np.zeros(8), boundscheck=True)
    np.testing.assert_array_equal(out, a[1:])


def test_unchecked_kernel_does_not_raise() -> None:
    out = run("cpu", store_2d, 3, np.zeros((3, 5)))[0]
    np.testing.assert_array_equal(out, np.eye(3, 5))
