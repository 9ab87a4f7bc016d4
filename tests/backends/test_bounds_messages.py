"""One wording of out-of-bounds errors on every device (``errors.bounds_message``): the index, axis,
size, array, shape, kernel and source line, the same text on interp, cpu, OpenCL and CUDA."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import cambrian as cb


@cb.kernel(boundscheck=True)
def load_past_end(a, out):
    i = cb.get_global_id(0)
    out[i] = a[i + 1]  # <- load


@cb.kernel(boundscheck=True)
def store_2d(m):
    i = cb.get_global_id(0)
    m[i, i + 2] = 1.0  # <- store


@cb.kernel(boundscheck=True)
def atomic_below(bins):
    i = cb.get_global_id(0)
    cb.atomic_add(bins, i - 2, 1)  # <- atomic


def _where(kern: cb.Kernel, mark: str) -> str:
    lines, start = inspect.getsourcelines(kern.py_func)
    return f"{__file__}:{start + next(k for k, t in enumerate(lines) if mark in t)}"


CASES = [
    (load_past_end, lambda d: (cb.asarray(np.arange(8.0, dtype=np.float32), device=d),
                               cb.zeros(8, dtype=cb.float32, device=d)), 8,
     "index 8 out of bounds for axis 0 with size 8 of array 'a' (shape (8,)) in kernel 'load_past_end'",
     "# <- load"),
    (store_2d, lambda d: (cb.zeros((3, 4), dtype=cb.float32, device=d),), 3,
     "index 4 out of bounds for axis 1 with size 4 of array 'm' (shape (3, 4)) in kernel 'store_2d'",
     "# <- store"),
    (atomic_below, lambda d: (cb.zeros(4, dtype=cb.int32, device=d),), 3,
     "index -2 out of bounds for axis 0 with size 4 of array 'bins' (shape (4,)) in kernel 'atomic_below'",
     "# <- atomic"),
]


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0].__name__ for c in CASES])
def test_out_of_bounds_message_is_the_same_on_every_device(device, case):
    kern, make, n, text, mark = CASES[case]
    args = make(device)
    with pytest.raises(cb.KernelIndexError) as info:
        kern[n](*args).wait()
        device.synchronize()
    assert isinstance(info.value, IndexError)
    assert str(info.value).startswith(f"{text} at {_where(kern, mark)}"), str(info.value)
