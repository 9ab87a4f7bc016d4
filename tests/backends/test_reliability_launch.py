"""Regression tests of issue 20 on every device: overlap-safe ``vectorize(..., out=)`` (#4), ``x % x``
NaN signs (#9), launch sizes beyond what a device can index (#6) and asynchronous errors raised in the
thread whose work failed (#11)."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import cambrian as cb
from cambrian.testing import requires


# -- #20.4: out= overlapping an input computes into a temporary, as NumPy's ufuncs ------------------
@cb.vectorize
def add2(a, b):
    return a + b


def _overlap_cases() -> list[tuple[str, object]]:
    return [
        ("shift right", lambda x: ((x[:-1], x[1:]), x[1:])),
        ("shift left", lambda x: ((x[1:], x[:-1]), x[:-1])),
        ("reversed", lambda x: ((x[::-1], x), x)),
        ("strided", lambda x: ((x[::2], x[1::2]), x[:5])),
        ("same layout", lambda x: ((x, x), x)),
    ]


@pytest.mark.parametrize("case", [c[0] for c in _overlap_cases()])
@pytest.mark.parametrize("kind", ["numpy", "device"])
def test_vectorize_out_overlapping_an_input_is_overlap_safe(device, case: str, kind: str) -> None:
    pick = dict(_overlap_cases())[case]
    want = np.arange(10.0) ** 2
    (a, b), out = pick(want)
    want_out = want.copy()
    pick(want_out)[1][...] = np.add(a, b)  # NumPy: the result as if computed into a temporary
    host = np.arange(10.0) ** 2
    with cb.using(device):
        for _ in range(2):  # the second call takes the cached plan
            x = host.copy() if kind == "numpy" else cb.asarray(host, device=device)
            (a, b), out = pick(x)
            add2(a, b, out=out)
            np.testing.assert_array_equal(cb.asnumpy(x) if kind == "device" else x, want_out)


def test_vectorize_overlap_with_a_cast_into_out(device) -> None:
    x = cb.asarray(np.arange(8, dtype=np.int32), device=device)
    add2(x[:-1], 1, out=x[1:])
    np.testing.assert_array_equal(cb.asnumpy(x), np.r_[0, np.arange(1, 8)])


# -- #20.9: the NaN of float // and % is the same on every device (sign visible via copysign) --------
@cb.kernel
def mod_signs(x, y, out):
    i = cb.get_global_id(0)
    out[i, 0] = x[i] % y[i]
    out[i, 1] = x[i] // y[i]
    out[i, 2] = math.copysign(1.0, x[i] % x[i])
    out[i, 3] = math.nan


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_mod_nan_is_the_same_on_every_device(device, interp_device, dtype: str) -> None:
    if dtype == "float64":
        requires(device, "float64")
    vals = np.array([np.inf, -np.inf, np.nan, -np.nan, 1.0, 0.0, -0.0, -5.5], dtype)
    x, y = np.repeat(vals, vals.size), np.tile(vals, vals.size)
    outs = []
    for dev in (interp_device, device):
        out = np.zeros((x.size, 4), dtype)
        with cb.using(dev):
            mod_signs[x.size](x, y, out)
        outs.append(out.view(f"u{out.itemsize}"))
    np.testing.assert_array_equal(outs[1], outs[0])  # bit for bit, NaN signs and payloads included
    got = outs[0].view(dtype)
    assert np.signbit(got[x == np.inf, 2]).all() and np.signbit(got[(x == 1) & (y == 0), 0]).all()


def test_opencl_builds_with_correctly_rounded_divide_sqrt_where_supported(device) -> None:
    if device.backend != "opencl":
        pytest.skip(f"device {device} is not an OpenCL device (its / and sqrt are correctly rounded)")
    from cambrian.backends.opencl_build import CORRECT_DIV_SQRT, build_options

    cl = device.impl.cl
    supported = device.handle.single_fp_config & cl.device_fp_config.CORRECTLY_ROUNDED_DIVIDE_SQRT
    assert (CORRECT_DIV_SQRT in build_options(cl, device)) == bool(supported)
    x = np.float32(np.arange(1, 2001)) * np.float32(1.37)
    out = np.zeros((x.size, 2), np.float32)
    with cb.using(device):
        div_sqrt[x.size](x, out)
    if supported:
        np.testing.assert_array_equal(out[:, 0], np.float32(1.0) / x)
        np.testing.assert_array_equal(out[:, 1], np.sqrt(x))


@cb.kernel
def div_sqrt(x, out):
    i = cb.get_global_id(0)
    out[i, 0] = cb.float32(1.0) / x[i]
    out[i, 1] = math.sqrt(x[i])


# -- #20.6: launch sizes a device cannot index are a LaunchError (never an abort or a no-op) ---------
@cb.kernel
def mark(a):
    i = cb.get_global_id(0)
    if i < a.shape[0]:
        a[i] = 1


@cb.kernel
def mark2(a):
    i = cb.get_global_id(1)
    if i < a.shape[0]:
        a[i] = 1


@pytest.mark.parametrize("size", [2**63, 2**64, 2**200, -1, (2**32, 2**32), (2**21, 2**21, 2**21), 1.5,
                                  (1, -3), np.uint64(2**63)])
@pytest.mark.parametrize("kind", ["numpy", "device"])
def test_launch_sizes_beyond_int64_are_launch_errors(device, size, kind: str) -> None:
    a = np.zeros(4, np.int32)
    arg = a if kind == "numpy" else cb.asarray(a, device=device)
    kern = mark2 if isinstance(size, tuple) else mark
    with cb.using(device), pytest.raises(cb.LaunchError, match="global size"):
        kern[size](arg)
    assert not cb.asnumpy(arg).any()


def test_launch_beyond_the_device_limits_is_a_launch_error(device) -> None:
    import dataclasses

    from cambrian.launch_checks import check_sizes

    small = dataclasses.replace(device, max_global_size=1000, max_work_groups=10)
    with pytest.raises(cb.LaunchError, match="can index"):
        check_sizes(mark[1001], small)
    with pytest.raises(cb.LaunchError, match="1000 work-groups"):
        check_sizes(mark[1000, 1], small)
    check_sizes(mark[1000, 100], small)  # 10 work-groups: fine
    if device.max_work_groups < 2**40:  # PoCL counts work-groups in 32 bits (it asserted, killing Python)
        a = cb.zeros(4, dtype="int32", device=device)
        with pytest.raises(cb.LaunchError, match="local size"):
            mark[2**40](a)


# -- #20.11: an asynchronous error is raised once, in the thread whose work failed ------------------
@cb.kernel(boundscheck=True)
def poke(a, n):
    i = cb.get_global_id(0)
    a[i + n] = 1


def test_async_errors_are_raised_in_the_failing_thread_only(device) -> None:
    outcomes: dict[int, list[tuple[bool, str | None]]] = {}

    def worker(t: int) -> None:
        got = []
        for r in range(12):
            a = cb.zeros(8 + t, dtype="int32", device=device)
            bad = (r + t) % 3 == 0
            try:
                ev = poke[8](a, 100 if bad else 0)
                (ev.wait if r % 2 else device.synchronize)()
                got.append((bad, None))
            except IndexError as exc:
                got.append((bad, str(exc)))
        outcomes[t] = got

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for t, got in outcomes.items():
        assert [bad for bad, _ in got] == [err is not None for _, err in got], (t, got)
        assert all(f"shape ({8 + t},)" in err for _, err in got if err), (t, got)
    device.synchronize()  # nothing left over for this thread


def test_first_failing_launch_of_a_thread_is_raised_with_its_own_shape(device) -> None:
    a, b = (cb.zeros(n, dtype="int32", device=device) for n in (5, 7))
    with cb.using(device):
        poke[4](a, 0)
        if device.backend in ("interp",):
            with pytest.raises(IndexError, match=r"shape \(7,\)"):
                poke[4](b, 10)
            return
        poke[4](b, 10)  # fails first: its own shape (7,), not the last launch's
        poke[4](a, 10)
        with pytest.raises(IndexError, match=r"shape \(7,\)"):
            device.synchronize()
    device.synchronize()  # raised exactly once
