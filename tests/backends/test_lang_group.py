"""Issue 19 on every device: integer atomics and/or/xor/inc/dec (global and local memory), the NaN rule of
atomic_min/max, work-group collectives and sub-group operations, compared with NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb

INT_DTYPES = ["int32", "uint32", "int64", "uint64"]


def _run(device, kern, gsize, lsize, *arrays):
    """Launch on ``device`` with device copies of ``arrays``; return them as NumPy arrays."""
    dev = [cb.asarray(a, device=device) for a in arrays]
    kern[gsize, lsize](*dev)
    return [cb.asnumpy(d) for d in dev]


# ------------------------------------------------------------------------------ atomics

@cb.kernel
def bit_atomics(v, acc, old):
    i = cb.get_global_id(0)
    cb.atomic_and(acc, 0, v[i])
    cb.atomic_or(acc, 1, v[i])
    cb.atomic_xor(acc, 2, v[i])
    old[i] = cb.atomic_inc(acc, 3, 5)
    cb.atomic_dec(acc, 4, 7)


def _bit_atomics_local(dt):
    @cb.kernel
    def bit_atomics_local(v, acc, old):
        i = cb.get_global_id(0)
        li = cb.get_local_id(0)
        buf = cb.local_array(5, dt)
        if li == 0:
            for k in range(5):
                buf[k] = acc[k]
        cb.barrier()
        cb.atomic_and(buf, 0, v[i])
        cb.atomic_or(buf, 1, v[i])
        cb.atomic_xor(buf, 2, v[i])
        old[i] = cb.atomic_inc(buf, 3, 5)
        cb.atomic_dec(buf, 4, 7)
        cb.barrier()
        if li == 0:
            for k in range(5):
                acc[k] = buf[k]

    return bit_atomics_local


def _bit_expected(v: np.ndarray, acc0: np.ndarray) -> np.ndarray:
    out = acc0.copy()
    out[0] = np.bitwise_and.reduce(np.append(v, acc0[0]))
    out[1] = np.bitwise_or.reduce(np.append(v, acc0[1]))
    out[2] = np.bitwise_xor.reduce(np.append(v, acc0[2]))
    inc, dec = int(acc0[3]), int(acc0[4])
    for _ in range(v.size):
        inc = 0 if inc >= 5 else inc + 1
        dec = 7 if dec == 0 or dec > 7 else dec - 1
    out[3], out[4] = inc, dec
    return out


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_bit_and_wrap_atomics_global(device, dtype: str) -> None:
    n = 64
    v = (np.random.default_rng(1).integers(0, 2**31, n) | 1).astype(dtype)
    acc0 = np.array([-1 & 0x7FFFFFFF, 0, 0x55, 2, 3]).astype(dtype)
    _, acc, old = _run(device, bit_atomics, n, None, v, acc0, np.zeros(n, dtype))
    np.testing.assert_array_equal(acc, _bit_expected(v, acc0))
    # every old value of atomic_inc(., 5) from 2 appears in the wrap cycle 2,3,4,5,0,1,...
    np.testing.assert_array_equal(np.sort(old), np.sort([(2 + k) % 6 for k in range(n)]).astype(dtype))


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_bit_and_wrap_atomics_local(device, dtype: str) -> None:
    n = 32
    v = (np.arange(n) * 2654435761 % 2**30).astype(dtype)
    acc0 = np.array([2**30 - 1, 4, 0, 9, 0]).astype(dtype)
    _, acc, old = _run(device, _bit_atomics_local(getattr(cb, dtype)), n, n, v, acc0, np.zeros(n, dtype))
    np.testing.assert_array_equal(acc, _bit_expected(v, acc0))
    assert sorted(old.tolist()) == sorted([9] + [(k - 1) % 6 for k in range(1, n)])


@cb.kernel
def wrap_edges(acc, bound, old):
    i = cb.get_global_id(0)
    old[i] = cb.atomic_inc(acc, i, bound[i])
    old[i + 4] = cb.atomic_dec(acc, i + 4, bound[i + 4])


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_inc_dec_edges(device, dtype: str) -> None:
    info = np.iinfo(dtype)
    # inc: old >= bound -> 0, else old + 1 (also at the dtype's max); dec: 0 or > bound -> bound, else old - 1
    acc0 = np.array([info.max, 3, 7, 0, 0, 9, 5, info.min], dtype)
    bound = np.array([info.max, 3, 10, 0, 4, 8, 8, info.max], dtype)
    acc, _, old = _run(device, wrap_edges, 4, None, acc0, bound, np.zeros(8, dtype))
    np.testing.assert_array_equal(old, acc0)
    want = [0, 0, 8, 0, 4, 8, 4, info.max]  # the last: MIN - 1 wraps to MAX (signed), 0 -> bound (unsigned)
    np.testing.assert_array_equal(acc, np.array(want, dtype=dtype))


@cb.kernel
def float_bits_atomic(a):
    cb.atomic_and(a, 0, 1)


def test_bit_atomics_refuse_floats(device) -> None:
    with pytest.raises(cb.KernelTypeError, match="atomic_and"):
        _run(device, float_bits_atomic, 1, None, np.zeros(1, np.float32))


@cb.kernel
def minmax_nan(v, acc):
    i = cb.get_global_id(0)
    cb.atomic_min(acc, 0, v[i])
    cb.atomic_max(acc, 1, v[i])
    cb.atomic_min(acc, 2, v[i])
    cb.atomic_max(acc, 3, v[i])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_atomic_min_max_propagate_nan(device, dtype: str) -> None:
    """The documented rule: atomic_min/max propagate NaN (a NaN value or a NaN stored value wins)."""
    if dtype == "float64" and not device.supports_float64:
        pytest.skip(f"{device} has no float64")
    v = np.linspace(-3, 3, 64).astype(dtype)
    v[17] = np.nan
    acc0 = np.array([0, 0, np.nan, np.nan], dtype)
    _, acc = _run(device, minmax_nan, v.size, None, v, acc0)
    assert np.isnan(acc).all(), acc
    v[17] = 1.0
    _, acc = _run(device, minmax_nan, v.size, None, v, np.array([0, 0, np.nan, np.nan], dtype))
    assert acc[0] == -3 and acc[1] == 3 and np.isnan(acc[2:]).all(), acc


# ------------------------------------------------------------------------------ work-group collectives

# The ten collectives in three kernels: PoCL compiles a kernel's barriers in time growing faster than their
# number (one reduction 0.7 s, three 1.4 s, all ten in one kernel 37 s).
@cb.kernel
def reductions(x, out):
    i = cb.get_global_id(0)
    v = x[i]
    out[0, i] = cb.group_reduce_add(v)
    out[1, i] = cb.group_reduce_min(v)
    out[2, i] = cb.group_reduce_max(v)


@cb.kernel
def inclusive_scans(x, out):
    i = cb.get_global_id(0)
    v = x[i]
    out[3, i] = cb.group_scan_inclusive_add(v)
    out[4, i] = cb.group_scan_inclusive_min(v)
    out[5, i] = cb.group_scan_inclusive_max(v)


@cb.kernel
def exclusive_scans_broadcast(x, out):
    i = cb.get_global_id(0)
    v = x[i]
    out[6, i] = cb.group_scan_exclusive_add(v)
    out[7, i] = cb.group_scan_exclusive_min(v)
    out[8, i] = cb.group_scan_exclusive_max(v)
    out[9, i] = cb.group_broadcast(v, 3)


def _collectives_expected(x: np.ndarray, lsize: int) -> np.ndarray:
    g = x.reshape(-1, lsize)
    dt = x.dtype
    big = np.inf if dt.kind == "f" else np.iinfo(dt).max
    small = -np.inf if dt.kind == "f" else np.iinfo(dt).min

    def excl(scan: np.ndarray, ident: object) -> np.ndarray:
        return np.concatenate([np.full((g.shape[0], 1), ident, dt), scan[:, :-1]], axis=1)

    rows = [np.repeat(f(g, axis=1, keepdims=True), lsize, axis=1) for f in (np.sum, np.min, np.max)]
    scans = [np.cumsum(g, axis=1, dtype=dt), np.minimum.accumulate(g, axis=1),
             np.maximum.accumulate(g, axis=1)]
    rows += [*scans, excl(scans[0], 0), excl(scans[1], big), excl(scans[2], small)]
    rows.append(np.repeat(g[:, 3:4], lsize, axis=1))
    return np.stack([r.reshape(-1) for r in rows]).astype(dt)


@pytest.mark.parametrize("dtype", ["int32", "uint32", "int64", "float32", "float64"])
def test_group_reduce_scan_broadcast(device, dtype: str) -> None:
    if dtype == "float64" and not device.supports_float64:
        pytest.skip(f"{device} has no float64")
    lsize, n = 16, 64
    x = np.random.default_rng(3).integers(0, 100, n).astype(dtype)  # exact sums in any order
    dx, dout = cb.asarray(x, device=device), cb.asarray(np.zeros((10, n), dtype), device=device)
    for kern in (reductions, inclusive_scans, exclusive_scans_broadcast):
        kern[n, lsize](dx, dout)
    np.testing.assert_array_equal(cb.asnumpy(dout), _collectives_expected(x, lsize))


@cb.kernel
def big_group(x, out):
    i = cb.get_global_id(0)
    out[0, i] = cb.group_reduce_add(x[i])
    out[1, i] = cb.group_scan_inclusive_add(x[i])
    out[2, i] = cb.group_scan_exclusive_max(x[i])
    out[3, i] = cb.group_broadcast(x[i], 299)


def test_group_larger_than_the_scratch(device) -> None:
    """Work-groups of more items than the scratch array (frontend_group.SCRATCH) go in chunks."""
    from cambrian.compiler.frontend_group import SCRATCH

    lsize = 300
    assert lsize > SCRATCH
    x = np.random.default_rng(4).integers(-50, 50, 2 * lsize).astype(np.int64)
    _, out = _run(device, big_group, 2 * lsize, lsize, x, np.zeros((4, 2 * lsize), np.int64))
    full = _collectives_expected(x, lsize)
    np.testing.assert_array_equal(out[:2], full[[0, 3]])
    np.testing.assert_array_equal(out[2], full[8])
    np.testing.assert_array_equal(out[3], np.repeat(x.reshape(2, lsize)[:, 299], lsize))


@cb.kernel
def float_order(x, out):
    i = cb.get_global_id(0)
    out[0, i] = cb.group_reduce_add(x[i])
    out[1, i] = cb.group_scan_inclusive_add(x[i])
    out[2, i] = cb.group_reduce_max(x[i])


def _tree_sum(v: np.ndarray) -> np.floating:
    """The reduction order of frontend_group: pairs (r, r + st) for st = 16, 8, 4, 2, 1 (32 items)."""
    buf, st = v.copy(), 1
    while st < v.size:
        st <<= 1
    st >>= 1
    while st > 0:
        for r in range(st):
            if r + st < v.size:
                buf[r] = buf[r] + buf[r + st]
        st >>= 1
    return buf[0]


def test_group_float_results_equal_the_interpreter(device) -> None:
    """Reductions combine in one tree order and scans in local-id order on every device (bit-identical to
    the interpreter); max propagates NaN."""
    x = np.random.default_rng(5).standard_normal(64).astype(np.float32) * 1e3
    x[40] = np.nan
    _, out = _run(device, float_order, 64, 32, x, np.zeros((3, 64), np.float32))
    seq = np.concatenate([np.cumsum(g, dtype=np.float32) for g in x.reshape(2, 32)])
    np.testing.assert_array_equal(out[1], seq)  # cumsum is sequential: the same order
    np.testing.assert_array_equal(out[0], np.repeat([_tree_sum(g) for g in x.reshape(2, 32)], 32))
    assert np.isnan(out[2, 32:]).all() and (out[2, :32] == x[:32].max()).all()


@cb.kernel
def votes(x, out):
    i = cb.get_global_id(0)
    p = x[i] > 10
    out[0, i] = cb.group_any(p)
    out[1, i] = cb.group_all(p)
    out[2, i] = cb.syncthreads_count(p)
    out[3, i] = cb.syncthreads_and(p)
    out[4, i] = cb.syncthreads_or(p)


def test_group_any_all_and_cuda_spellings(device) -> None:
    lsize = 8
    x = np.array([0] * 8 + [11] * 8 + [0] * 7 + [99], np.int32)
    _, out = _run(device, votes, x.size, lsize, x, np.zeros((5, x.size), np.int32))
    p = (x > 10).reshape(-1, lsize)
    rep = lambda r: np.repeat(r, lsize)  # noqa: E731
    np.testing.assert_array_equal(out[0], rep(p.any(1)))
    np.testing.assert_array_equal(out[1], rep(p.all(1)))
    np.testing.assert_array_equal(out[2], rep(p.sum(1)))
    np.testing.assert_array_equal(out[3], rep(p.all(1)))
    np.testing.assert_array_equal(out[4], rep(p.any(1)))


@cb.kernel
def scan_2d(x, out):
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    out[i, j] = cb.group_scan_inclusive_add(x[i, j])
    for k in range(2):  # in a uniform loop, and read into a branch afterwards
        s = cb.group_broadcast(x[i, j], 1, k)
        if s > -1:
            out[i, j] += 0 * s


def test_group_scan_in_two_dimensions(device) -> None:
    """The order is the linear local id, l0 + L0 * l1 (dimension 0 fastest), as in OpenCL."""
    x = np.arange(8 * 4, dtype=np.int64).reshape(8, 4)
    _, out = _run(device, scan_2d, (8, 4), (4, 2), x, np.zeros((8, 4), np.int64))
    want = np.zeros_like(x)
    for gi in range(2):
        for gj in range(2):
            block = x[gi * 4:(gi + 1) * 4, gj * 2:(gj + 1) * 2]
            flat = block.T.reshape(-1)  # linear id l0 + 4 * l1: l0 varies fastest
            want[gi * 4:(gi + 1) * 4, gj * 2:(gj + 1) * 2] = np.cumsum(flat).reshape(2, 4).T
    np.testing.assert_array_equal(out, want)


@cb.func
def collective_in_func(v):
    return cb.group_reduce_add(v)


@cb.kernel
def calls_collective_func(x):
    i = cb.get_global_id(0)
    x[i] = collective_in_func(x[i])


@cb.kernel
def collective_in_ternary(x):
    i = cb.get_global_id(0)
    x[i] = cb.group_reduce_add(x[i]) if i > 0 else 0


def test_collective_misuse_is_a_clear_error(interp_device) -> None:
    x = np.zeros(4, np.int64)
    with pytest.raises(cb.KernelSyntaxError, match="not in a device function"):
        _run(interp_device, calls_collective_func, 4, 4, x)
    with pytest.raises(cb.KernelSyntaxError, match="conditional expression"):
        _run(interp_device, collective_in_ternary, 4, 4, x)


# ------------------------------------------------------------------------------ sub-groups

@cb.kernel
def subgroups(x, out):
    i = cb.get_global_id(0)
    n = cb.get_sub_group_size()
    lane = cb.get_sub_group_local_id()
    out[0, i] = n
    out[1, i] = lane
    out[2, i] = cb.sub_group_shuffle(x[i], (lane + 1) % n)
    out[3, i] = cb.sub_group_broadcast(x[i], 0)
    out[4, i] = cb.sub_group_reduce_add(x[i])
    out[5, i] = cb.sub_group_reduce_min(x[i])
    out[6, i] = cb.sub_group_reduce_max(x[i])


@pytest.mark.parametrize("dtype", ["int32", "float64"])
def test_sub_group_operations(device, dtype: str) -> None:
    if dtype == "float64" and not device.supports_float64:
        pytest.skip(f"{device} has no float64")
    sg, lsize, n = device.sub_group_size, 64, 128
    x = np.random.default_rng(6).integers(-1000, 1000, n).astype(dtype)
    _, out = _run(device, subgroups, n, lsize, x, np.zeros((7, n), dtype))
    g = x.reshape(-1, sg)
    rep = lambda r: np.repeat(r, sg)  # noqa: E731
    want = [np.full(n, sg), np.tile(np.arange(sg), n // sg), np.roll(g, -1, axis=1).reshape(-1),
            rep(g[:, 0]), rep(g.sum(1)), rep(g.min(1)), rep(g.max(1))]
    np.testing.assert_array_equal(out, np.stack(want).astype(dtype))


def test_sub_group_size_is_a_device_property(device) -> None:
    assert device.sub_group_size == (32 if device.backend == "cuda" else 1)
    assert device.as_dict()["sub_group_size"] == device.sub_group_size


@cb.kernel
def until_done(x, steps):
    i = cb.get_global_id(0)
    n = 0
    while cb.group_any(x[i] > 0):  # a collective as a loop condition: the group loops together
        if x[i] > 0:
            x[i] -= 1
        n += 1
    steps[i] = n


def test_collective_as_a_while_condition(device) -> None:
    x = np.array([0, 3, 1, 0, 5, 0, 0, 2], np.int64)
    x_out, steps = _run(device, until_done, 8, 4, x, np.zeros(8, np.int64))
    np.testing.assert_array_equal(x_out, 0)
    np.testing.assert_array_equal(steps, [3, 3, 3, 3, 5, 5, 5, 5])


@cb.kernel
def complex_group_min(z):
    i = cb.get_global_id(0)
    z[i] = cb.group_reduce_min(z[i])


@cb.kernel
def complex_shuffle(z):
    i = cb.get_global_id(0)
    z[i] = cb.sub_group_shuffle(z[i], 0)


@cb.kernel
def float_lane(x):
    i = cb.get_global_id(0)
    x[i] = cb.sub_group_broadcast(x[i], 0.5)


def test_collective_type_errors(interp_device) -> None:
    z = np.zeros(4, np.complex128)
    with pytest.raises(cb.KernelTypeError, match=r"group_reduce_min.*complex"):
        _run(interp_device, complex_group_min, 4, 4, z)
    with pytest.raises(cb.KernelTypeError, match=r"sub_group_shuffle.*complex"):
        _run(interp_device, complex_shuffle, 4, 4, z)
    with pytest.raises(cb.KernelTypeError, match=r"lane of cb\.sub_group_broadcast.*integer"):
        _run(interp_device, float_lane, 4, 4, np.zeros(4))
