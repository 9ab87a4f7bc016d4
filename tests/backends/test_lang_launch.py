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


# ---------------------------------------------------------------- local arrays, barrier in functions


@cb.func
def tree_sum(buf, lid, n):
    """Work-group tree reduction of ``buf[:n]``: a barrier inside a data-dependent loop."""
    s = n // 2
    while s > 0:
        if lid < s:
            buf[lid] += buf[lid + s]
        cb.barrier()
        s //= 2
    return buf[0]


@cb.kernel
def group_sums(a, out):
    buf = cb.local_array(16, cb.float64)
    lid = cb.get_local_id(0)
    buf[lid] = a[cb.get_global_id(0)]
    cb.barrier()
    out[cb.get_global_id(0)] = tree_sum(buf, lid, 16) + 0.5


@cb.func
def load_and_sync(tile, lid, v):
    tile[lid] = v
    cb.barrier()


@cb.func
def rotate_early(tile, lid):
    """Stores, syncs (through another function), then returns early on one work-item."""
    load_and_sync(tile, lid, lid * 2)
    if lid == 0:
        return -1
    for k in range(3):
        if k == 1:
            return tile[(lid + k) % 8]
    return 99


@cb.kernel
def local_in_loop_and_branch(out, flag):
    lid = cb.get_local_id(0)
    gid = cb.get_global_id(0)
    for r in range(2):
        if r == 1:
            tile = cb.local_array(8, cb.int64)  # hoisted: one per work-group
            out[gid] = rotate_early(tile, lid) + 1
            cb.barrier()
    if flag:
        other = cb.local_array((2, 4), cb.int64)
        other[lid // 4, lid % 4] = gid
        cb.barrier()
        out[gid] += other[(7 - lid) // 4, (7 - lid) % 4] * 1000


@cb.func
def scaled(buf, i, f):
    return buf[i] * f


@cb.func
def fill_local(buf, lid):
    buf[lid] = lid + 1


@cb.kernel
def local_to_plain_func(out):
    lid = cb.get_local_id(0)
    t = cb.local_array(8, cb.int32)
    fill_local(t, lid)
    cb.barrier()
    out[cb.get_global_id(0)] = scaled(t, 7 - lid, 3)


def test_barrier_in_device_function(device) -> None:
    a = np.arange(64, dtype=np.float64)
    out = np.zeros(64)
    with cb.using(device):
        group_sums[64, 16](a, out)
    np.testing.assert_array_equal(out, np.repeat(a.reshape(4, 16).sum(1), 16) + 0.5)


@pytest.mark.parametrize("flag", [False, True])
def test_local_arrays_in_branches_and_loops(device, flag) -> None:
    with cb.using(device):
        out = np.zeros(16, np.int64)
        local_in_loop_and_branch[16, 8](out, flag)
    with cb.using("interp"):
        ref = np.zeros(16, np.int64)
        local_in_loop_and_branch[16, 8](ref, flag)
    lid = np.arange(16) % 8
    expect = np.where(lid == 0, 0, ((lid + 1) % 8) * 2 + 1)
    if flag:
        expect = expect + (np.arange(16) - lid + 7 - lid) * 1000
    np.testing.assert_array_equal(ref, expect)
    np.testing.assert_array_equal(out, ref)


def test_local_array_passed_to_device_functions(device) -> None:
    out = np.zeros(16, np.int32)
    with cb.using(device):
        local_to_plain_func[16, 8](out)
    np.testing.assert_array_equal(out, np.tile((8 - np.arange(8)) * 3, 2))


@cb.kernel
def barrier_call_in_condition(out):
    lid = cb.get_local_id(0)
    buf = cb.local_array(8, cb.float64)
    buf[lid] = 1.0
    if lid > 100 and tree_sum(buf, lid, 8) > 0:
        out[lid] = 1.0


def test_barrier_function_in_conditional_expression_is_refused() -> None:
    with cb.using("cpu" if cb.devices("cpu") else "interp"), pytest.raises(
            cb.CompileError, match=r"'tree_sum' contains barrier\(\).*'and'/'or'.*test_lang_launch.py"):
        barrier_call_in_condition[8, 8](np.zeros(8))


# ---------------------------------------------------------------------------------- dynamic local memory


@cb.func
def mirrored(buf, lid, n):
    return buf[n - 1 - lid]


@cb.kernel
def reverse_with_accessors(a, out, tile, counts):
    lid = cb.get_local_id(0)
    gid = cb.get_global_id(0)
    n = cb.get_local_size(0)
    tile[lid] = a[gid]
    counts[lid % 2, lid // 2] = lid  # local memory starts undefined on OpenCL: write before reading
    cb.barrier()
    out[gid] = mirrored(tile, lid, n) + counts[1, 0] * 1000


@pytest.mark.parametrize("lsize", [4, 8])
def test_local_accessor_sized_at_launch(device, lsize) -> None:
    a = cb.asarray(np.arange(32, dtype=np.float32), device=device)
    out = cb.zeros(32, dtype=cb.float32, device=device)
    tile = cb.LocalAccessor(lsize, cb.float32)
    counts = cb.LocalAccessor((2, lsize // 2), np.int32)
    assert tile.nbytes == 4 * lsize and counts.shape == (2, lsize // 2)
    reverse_with_accessors[32, lsize](a, out, tile, counts).wait()
    expect = np.arange(32).reshape(-1, lsize)[:, ::-1].ravel() + 1000
    np.testing.assert_array_equal(cb.asnumpy(out), expect)
    # prepared launches and NumPy arguments take accessors too
    prepared, args = reverse_with_accessors[cb.NDRange(32, lsize)].prepare(a, out, tile, counts)
    prepared(args).wait()
    np.testing.assert_array_equal(cb.asnumpy(out), expect)
    host_out = np.zeros(32, np.float32)
    with cb.using(device):
        reverse_with_accessors[32, lsize](np.arange(32, dtype=np.float32), host_out, tile, counts)
    np.testing.assert_array_equal(host_out, expect)


@pytest.mark.parametrize(("args", "match"), [
    ((0, cb.float32), "shape must be a positive int"),
    (((2, 2, 2, 2), cb.float32), "shape must be a positive int"),
    ((4, "float16x"), "LocalAccessor"),
])
def test_bad_local_accessors(args, match) -> None:
    with pytest.raises(cb.LaunchError, match=match):
        cb.LocalAccessor(*args)


@cb.func("float64(float64[:], int64, int64)")
def signed_tree_sum(buf, lid, n):
    """A device function with a signature, a barrier in a loop and one after it."""
    s = n // 2
    while s > 0:
        if lid < s:
            buf[lid] += buf[lid + s]
        cb.barrier()
        s //= 2
    r = buf[0]
    cb.barrier()
    return r


@cb.func
def find_first(buf, lid, v):
    """Early return from a nested loop after a barrier; a private array."""
    p = cb.private_array(2, cb.int64)
    p[0] = lid
    cb.barrier()
    for k in range(8):
        for j in range(2):
            if buf[k] == v and j == 1:
                return k + p[0] * 0
    return -1


@cb.kernel
def barrier_funcs_in_a_loop(a, out):
    buf = cb.local_array(8, cb.float64)
    ib = cb.local_array(8, cb.int64)
    lid = cb.get_local_id(0)
    gid = cb.get_global_id(0)
    acc = 0.0
    for r in range(3):
        buf[lid] = a[gid] * (r + 1)
        ib[lid] = (lid * 3 + r) % 8
        cb.barrier()
        acc += signed_tree_sum(buf, lid, 8) + find_first(ib, lid, r + 3) * 100 + find_first(ib, lid, 99)
        cb.barrier()
    out[gid] = acc


def test_barrier_functions_called_repeatedly(device) -> None:
    a = np.arange(16, dtype=np.float64)
    out = np.zeros(16)
    with cb.using(device):
        barrier_funcs_in_a_loop[16, 8](a, out)
    sums = a.reshape(2, 8).sum(1)
    # rounds r = 0, 1, 2: sum * (r + 1); (3k + r) % 8 == r + 3 at k = 1; 99 is never found (-1)
    np.testing.assert_array_equal(out, np.repeat(sums * 6 + 3 * 100 - 3, 8))


@cb.kernel
def barrier_function_in_divergent_branch(a, out):
    buf = cb.local_array(8, cb.float64)
    lid = cb.get_local_id(0)
    half = lid // 4
    buf[lid] = a[cb.get_global_id(0)]
    cb.barrier()
    if half == 0:  # only half of the group calls a function that waits at a barrier
        out[lid] = tree_sum(buf, lid, 8)


@cb.kernel
def barrier_function_in_uniform_branch(a, out, flag):
    buf = cb.local_array(8, cb.float64)
    lid = cb.get_local_id(0)
    buf[lid] = a[cb.get_global_id(0)]
    cb.barrier()
    n = cb.get_local_size(0)
    if flag > 0 and n == 8:  # the same for every work-item: fine everywhere
        out[cb.get_global_id(0)] = tree_sum(buf, lid, n)


def test_barrier_function_in_divergent_code(device) -> None:
    a, out = np.arange(8, dtype=np.float64), np.zeros(8)
    if device.backend == "cpu":
        with cb.using(device), pytest.raises(cb.CompileError, match=r"'tree_sum' contains barrier\(\) and is "
                                             r"called inside a branch.*work-item id at .*test_lang_launch"):
            barrier_function_in_divergent_branch[8, 8](a, out)
    elif device.backend == "interp":
        with cb.using(device), pytest.raises(cb.KernelRuntimeError, match="barrier divergence"):
            barrier_function_in_divergent_branch[8, 8](a, out)
    with cb.using(device):
        barrier_function_in_uniform_branch[8, 8](a, out, 1)
    np.testing.assert_array_equal(out, np.full(8, a.sum()))


def test_calling_without_a_launch_names_the_launch_objects() -> None:
    with pytest.raises(cb.LaunchError, match=r"ids_1d\[cb.NDRange\(global_size, local_size\)\].*"
                                             r"ids_1d\[cb.Grid\(blocks, threads\)\]"):
        ids_1d(np.zeros(4, np.int64))
