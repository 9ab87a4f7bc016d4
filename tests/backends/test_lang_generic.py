"""Generic-kernel conveniences (issue 19) on every device, against NumPy and the interpreter: ``a.dtype``
(casts, private/local arrays), local constants as shapes, dtype strings in variables, chained indexing,
slices as views (read, write, passed to device functions), scalar tuples, ``enumerate``/``zip``/tuple
loops, and branches on compile-time constants pruned before typing."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.errors import KernelSyntaxError, KernelTypeError
from cambrian.testing import requires

DEBUG = False  # a module-level flag: branches on it are pruned before typing
SCALE = 3
OFFSETS = (1, 2, 3)


def run(device, kern, gsize, *args, lsize=None):
    """Launch on ``device`` with copies of ``args``; returns the copies."""
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    with cb.using(device):
        if lsize is None:
            kern[gsize](*args)
        else:
            kern[gsize, lsize](*args)
    return args


# ---------------------------------------------------------------------------------- dtypes and shapes


@cb.kernel
def scaled_copy(a, out):
    i = cb.get_global_id(0)
    n = 4  # a local constant as a shape
    dt = "float64"  # a dtype string held in a variable
    tmp = cb.private_array(n, a.dtype)
    wide = cb.private_array((2, n), dt)
    for j in range(n):
        tmp[j] = a.dtype.type(j * SCALE)
        wide[1, j] = j
    out[i] = a[i] + tmp[n - 1] + out.dtype.type(wide[1, 2])


@pytest.mark.parametrize("dt", ["float32", "int32", "uint8", "float64"])
def test_dtype_of_arrays_and_local_constants(device, dt) -> None:
    requires(device, "float64")
    a = np.arange(10).astype(dt)
    _, out = run(device, scaled_copy, 10, a, np.zeros(10, dt))
    np.testing.assert_array_equal(out, a + np.asarray(9 + 2).astype(dt))
    assert out.dtype == np.dtype(dt)


@cb.kernel
def reverse_groups(a, out):
    tile = cb.local_array(16, a.dtype)
    lid = cb.get_local_id(0)
    tile[lid] = a[cb.get_global_id(0)]
    cb.barrier()
    out[cb.get_global_id(0)] = tile[15 - lid]


def test_local_array_of_argument_dtype(device) -> None:
    a = np.arange(32, dtype=np.int16)
    _, out = run(device, reverse_groups, 32, a, np.zeros(32, np.int16), lsize=16)
    np.testing.assert_array_equal(out, a.reshape(2, 16)[:, ::-1].ravel())


# ---------------------------------------------------------------------------------- views


@cb.func
def total(v):
    s = v.dtype.type(0)
    for k in range(len(v)):
        s += v[k]
    return s


@cb.func
def put_first(v, x):
    v[0] = x


@cb.kernel
def rows_and_slices(a, sums, tails, out):
    i = cb.get_global_id(0)
    row = a[i, :]
    sums[i] = total(row) + total(a[i][1:3]) * 100
    tails[i] = total(a[i:, 0])  # a column below row i
    out[i][0] = a[i][2]  # chained indexing, read and write
    out[i, 1] = row[::-1][0] + a[i, 1:][0] * 10 + a[i].shape[0] * 1000
    put_first(out[i, 2:], len(a[i, ::2]))  # writes through a view in a device function


def test_slices_and_chained_indexing(device) -> None:
    a = np.arange(20, dtype=np.int64).reshape(4, 5)
    z = np.zeros(4, np.int64)
    _, sums, tails, out = run(device, rows_and_slices, 4, a, z, z, np.zeros((4, 3), np.int64))
    np.testing.assert_array_equal(tails, [a[i:, 0].sum() for i in range(4)])
    np.testing.assert_array_equal(sums, a.sum(1) + a[:, 1:3].sum(1) * 100)
    np.testing.assert_array_equal(out[:, 0], a[:, 2])
    np.testing.assert_array_equal(out[:, 1], a[:, -1] + a[:, 1] * 10 + 5000)
    np.testing.assert_array_equal(out[:, 2], np.full(4, 3))


@cb.kernel
def prefix_tails(src, res):
    gid = cb.get_global_id(0)
    res[gid] = total(src[gid:]) + total(src[2:10:2]) * 1000 + total(src[-3:]) * 100000 + \
        total(src[7:2:-2]) * 10000000


def test_views_passed_to_device_functions(device) -> None:
    src = np.arange(1, 11, dtype=np.int64)
    _, res = run(device, prefix_tails, 10, src, np.zeros(10, np.int64))
    want = np.array([src[g:].sum() for g in range(10)]) + src[2:10:2].sum() * 1000 + \
        src[-3:].sum() * 100000 + src[7:2:-2].sum() * 10000000
    np.testing.assert_array_equal(res, want)


@cb.kernel
def view_of_view(a, out):
    i = cb.get_global_id(0)
    v = a[1:, ::2]  # 3 x 3 of a 4 x 6 array
    w = v[i]
    h, width = v.shape
    out[i] = w[0] + w[width - 1] * 10 + h * 100 + v.size * 1000 + v[i, 1:].shape[0] * 100000


def test_view_of_view_shapes(device) -> None:
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    _, out = run(device, view_of_view, 3, a, np.zeros(3, np.float32))
    v = a[1:, ::2]
    np.testing.assert_array_equal(out, v[:, 0] + v[:, -1] * 10 + 300 + 9000 + 200000)


# ---------------------------------------------------------------------------------- tuples and loops


@cb.func
def dot2(p, q):
    x, y = p
    return x * q[0] + y * q[1]


@cb.kernel
def tuples_and_loops(a, out):
    i = cb.get_global_id(0)
    t = (a[i], 2.5)
    acc = dot2(t, (1, 2)) + OFFSETS[i % 3] + len(OFFSETS)
    for j, w in enumerate(OFFSETS):
        acc += j * w
    for k, (u, v) in enumerate(zip(range(3), a[i:], strict=False), 1):
        acc += k * u * v
    for x in (1, 10, 100):
        if x > 10:
            break
        acc += x
    for p, q in zip(range(10, 0, -3), range(4), strict=False):
        acc += p * q * 1000
    out[i] = acc + t[i % 2]


def test_tuples_enumerate_zip(device) -> None:
    requires(device, "float64")
    a = np.arange(1.0, 9.0)
    _, out = run(device, tuples_and_loops, 6, a, np.zeros(6))
    want = []
    for i in range(6):
        t = (a[i], 2.5)
        acc = t[0] + t[1] * 2 + OFFSETS[i % 3] + 3
        acc += sum(j * w for j, w in enumerate(OFFSETS))
        acc += sum(k * u * v for k, (u, v) in enumerate(zip(range(3), a[i:], strict=False), 1))
        acc += 11
        acc += sum(p * q * 1000 for p, q in zip(range(10, 0, -3), range(4), strict=False))
        want.append(acc + t[i % 2])
    np.testing.assert_array_equal(out, want)


# ---------------------------------------------------------------------------------- pruning


@cb.kernel
def pruned(x, y, out):
    i = cb.get_global_id(0)
    v = x[i]
    if DEBUG:
        v = x[i] % y[i]  # uint64 % int64 is float64: typed only if DEBUG were true
    if not DEBUG and SCALE == 3:
        v += 1
    else:
        v = y[i] * 1.5
    out[i] = v if 1 else y[i] / 2


def test_constant_branches_pruned_before_typing(device) -> None:
    x = np.arange(5, dtype=np.uint64)
    y = np.ones(5, np.int64)
    _, _, out = run(device, pruned, 5, x, y, np.zeros(5, np.uint64))
    np.testing.assert_array_equal(out, x + 1)
    assert dict(pruned.ir(x, y, out).kernel.locals)["v"] == cb.compiler.ir.Scalar("uint64")


# ---------------------------------------------------------------------------------- errors


def slice_store(a):
    a[1:3] = 0


def step_not_constant(a, k):
    a[0] = a[::k][0]


def shape_not_constant(a, m):
    n = 4
    n += m
    t = cb.private_array(n, cb.float32)
    t[0] = 1.0


def string_not_dtype(a):
    dt = "hello"  # noqa: F841
    a[0] = 1


@pytest.mark.parametrize(("fn", "exc", "words"), [
    (slice_store, KernelSyntaxError, "slices are not supported as store targets"),
    (step_not_constant, KernelTypeError, "slice step in a kernel must be a nonzero constant"),
    (shape_not_constant, KernelTypeError, "the local 'n' is not a constant"),
    (string_not_dtype, KernelSyntaxError, "'hello' is not a dtype"),
])
def test_clear_errors(interp_device, fn, exc, words) -> None:
    args = [np.zeros(4, np.float32)] + ([2] if fn.__code__.co_argcount == 2 else [])
    with pytest.raises(exc, match=words.replace("(", r"\(")):
        run(interp_device, cb.kernel(fn), 1, *args)


@cb.kernel
def views_across_barriers(a, out):
    tile = cb.local_array((4, 8), a.dtype)
    lid = cb.get_local_id(0)
    g = cb.get_group_id(0)
    row = a[g, :]  # a view named before the barriers, used after them
    mine = tile[lid]
    for j, x in enumerate(row[::2]):  # a generic loop with barriers inside
        mine[j] = x * (lid + 1)
        cb.barrier()
    cb.barrier()
    s = a.dtype.type(0)
    for r in range(4):
        s += total(tile[r][:4])
    out[g, lid] = s + row[lid]


def test_views_and_loops_across_barriers(device) -> None:
    a = np.arange(16, dtype=np.int32).reshape(2, 8)
    _, out = run(device, views_across_barriers, 8, a, np.zeros((2, 4), np.int32), lsize=4)
    want = np.array([[a[g, ::2].sum() * 10 + a[g, lid] for lid in range(4)] for g in range(2)])
    np.testing.assert_array_equal(out, want)


@cb.kernel
def atomics_on_views(a, hist):
    i = cb.get_global_id(0)
    row = hist[1, :]
    cb.atomic_add(row, a[i] % 4, 1)
    cb.atomic_add(hist[0][::2], a[i] % 2, 1)


def test_atomics_on_views(device) -> None:
    requires(device, "atomics")
    a = np.arange(20, dtype=np.int32)
    _, hist = run(device, atomics_on_views, 20, a, np.zeros((2, 4), np.int32))
    np.testing.assert_array_equal(hist, [[10, 0, 10, 0], [5, 5, 5, 5]])


@cb.kernel
def tuple_arguments(a, t, out, s):
    i = cb.get_global_id(0)
    x, y, _z = t
    out[i] = a[i] * x + y + t[i % 3] + len(t) * s[1]


def test_tuples_of_numbers_as_kernel_arguments(device) -> None:
    requires(device, "float64")
    a = np.arange(6, dtype=np.float64)
    t = (2.0, 10, np.int32(100))
    _, _, out, _ = run(device, tuple_arguments, 6, a, t, np.zeros(6), (1, 1000))
    np.testing.assert_array_equal(out, a * 2 + 10 + np.array([t[i % 3] for i in range(6)]) + 3000)
    d = cb.asarray(a, device=device)
    dout = cb.zeros(6, dtype=cb.float64, device=device)
    prepared, args = tuple_arguments[6].prepare(d, t, dout, (1, 1000))
    prepared(args)
    np.testing.assert_array_equal(cb.asnumpy(dout), out)


@cb.kernel
def shapes_and_dtypes_in_locals(a, out):
    i = cb.get_global_id(0)
    n = 3
    shape = (n, 4)  # a shape tuple held in a local
    dt = a.dtype  # a dtype held in a local
    ft = np.float32
    t = cb.private_array(shape, dt)
    for r in range(n):
        for c in range(4):
            t[r, c] = ft(r * 4 + c) / 2
    out[i] = t[2, 3] + dt.type(1) + a.dtype.type(7.5) + len(shape)


def test_shapes_and_dtypes_held_in_locals(device) -> None:
    _, out = run(device, shapes_and_dtypes_in_locals, 2, np.zeros(2, np.float32), np.zeros(2, np.float32))
    np.testing.assert_array_equal(out, np.full(2, 5.5 + 1 + 7.5 + 2, np.float32))


@cb.kernel
def rows_of_arrays(a, out):
    i = cb.get_global_id(0)
    s = 0.0
    for r, row in enumerate(a):  # the rows of a 2-d array are views
        for x in row[i:]:
            s += x * (r + 1)
    out[i] = s


def test_iterating_an_nd_array_yields_row_views(device) -> None:
    requires(device, "float64")
    a = np.arange(12.0).reshape(3, 4)
    _, out = run(device, rows_of_arrays, 4, a, np.zeros(4))
    np.testing.assert_array_equal(out, [sum(a[r, i:].sum() * (r + 1) for r in range(3)) for i in range(4)])


@cb.kernel
def shape_as_tuple(a, out):
    shape = a.shape
    n = 1
    for s in a.shape:
        n *= s
    out[0] = n + shape[1] * 100 + len(shape) * 1000


def test_array_shape_as_a_tuple(device) -> None:
    _, out = run(device, shape_as_tuple, 1, np.zeros((3, 4), np.float32), np.zeros(1, np.int64))
    assert out[0] == 12 + 400 + 2000
