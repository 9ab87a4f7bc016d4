"""Regression tests of issue 20 on every device: overlap-safe ``vectorize(..., out=)`` (#4), ``x % x``
NaN signs (#9), launch sizes beyond what a device can index (#6) and asynchronous errors raised in the
thread whose work failed (#11)."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb


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
