"""Issue 19, launches and local memory: explicit launch objects (``cb.NDRange``, ``cb.Grid``), local arrays
declared in branches and loops (hoisted), local arrays passed to device functions, ``barrier()`` inside
device functions, and dynamic local memory (``cb.LocalAccessor`` arguments), on every device, compared
with NumPy and the interpreter."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb

# ---------------------------------------------------------------------------------- launch objects


@cb.kernel
def ids_2d(out):
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    out[i, j] = cb.get_local_size(0) * 1000 + cb.get_local_size(1) * 100 + cb.get_num_groups(0) * 10 \
        + cb.get_num_groups(1)


@cb.kernel
def ids_1d(out):
    i = cb.get_global_id(0)
    out[i] = cb.get_local_size(0) * 100 + cb.get_group_id(0)


@pytest.mark.parametrize("launch", [cb.NDRange((8, 6), (4, 2)), cb.Grid((2, 3), (4, 2)),
                                    cb.NDRange([8, 6], [4, 2])], ids=repr)
def test_launch_objects_2d(device, launch) -> None:
    out = cb.zeros((8, 6), dtype=cb.int64, device=device)
    ids_2d[launch](out).wait()
    np.testing.assert_array_equal(cb.asnumpy(out), np.full((8, 6), 4000 + 200 + 20 + 3))


def test_grid_is_blocks_times_threads(device) -> None:
    out = cb.zeros(12, dtype=cb.int64, device=device)
    ids_1d[cb.Grid(3, 4)](out).wait()
    np.testing.assert_array_equal(cb.asnumpy(out), 400 + np.arange(12) // 4)
    # the Numba-CUDA pitfall: kern[blocks, threads] is (global, local) in Cambrian
    out2 = cb.zeros(12, dtype=cb.int64, device=device)
    ids_1d[3, 1](out2).wait()
    assert cb.asnumpy(out2)[3:].sum() == 0


def test_ndrange_without_local_size_and_prepare(device) -> None:
    out = cb.zeros(10, dtype=cb.int64, device=device)
    prepared, args = ids_1d[cb.NDRange(10)].prepare(out)
    prepared(args).wait()
    got = cb.asnumpy(out)
    assert (got // 100 >= 1).all()  # the device chose a local size
    np.testing.assert_array_equal(got % 100, np.arange(10) // (got[0] // 100))


def test_launch_objects_with_numpy_arguments(device) -> None:
    out = np.zeros((4, 4), np.int64)
    with cb.using(device):
        ids_2d[cb.Grid((2, 2), (2, 2))](out)
    np.testing.assert_array_equal(out, np.full((4, 4), 2000 + 200 + 20 + 2))


@pytest.mark.parametrize(("make", "match"), [
    (lambda: cb.Grid((2, 3), 4), "different numbers of dimensions"),
    (lambda: cb.Grid(2, 0), "threads per block must be >= 1"),
    (lambda: cb.NDRange((1, 2, 3, 4)), "tuple of 1 to 3"),
    (lambda: cb.NDRange(-1), "non-negative"),
    (lambda: cb.NDRange(2.5), "non-negative int"),
    (lambda: cb.NDRange(10, 3), "does not divide"),
    (lambda: ids_1d[cb.NDRange(8), 4], "a launch object is the whole configuration"),
])
def test_bad_launch_objects(make, match) -> None:
    with pytest.raises(cb.LaunchError, match=match):
        launch = make()
        ids_1d[launch]


def test_launch_object_reprs_and_keys() -> None:
    assert repr(cb.Grid((2, 3), (4, 2))) == "cambrian.Grid((2, 3), (4, 2))"
    assert repr(cb.NDRange(8)) == "cambrian.NDRange(8, None)"
    assert cb.NDRange(8, 4) == cb.NDRange(8, 4) and hash(cb.NDRange(8, 4)) == hash(cb.NDRange(8, 4))
    assert ids_1d[cb.NDRange(8, 4)] is ids_1d[cb.NDRange(8, 4)]  # the launcher cache finds it
