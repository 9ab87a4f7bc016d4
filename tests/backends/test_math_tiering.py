"""Two-tier float32 ``sin``/``cos`` (:mod:`cambrian.compiler.tiering`): on ``cpu`` blocks of work-items
whose arguments all lie in the fast domain run the fast path alone, the rest the full definition. The
results must be the full definition's bits whatever the mix (blocks of small arguments, blocks with a
large one, inf, NaN, -0.0), in blocks (a result with memory of its own) and unsplit (a result written
over its input), on every device, and near NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cambrian as cb
from cambrian.compiler import mathlib
from cambrian.compiler.render_py import TIER_BLOCK


@cb.vectorize
def v_sin(x):
    return math.sin(x)


@cb.vectorize
def v_cos(x):
    return math.cos(x)


@cb.vectorize
def v_both(x, y):
    return math.sin(x) * np.float32(2.0) + math.cos(y * np.float32(3.0))


@cb.kernel
def k_in_place(a, b):
    i = cb.get_global_id(0)
    a[i] = math.sin(a[i]) + math.cos(b[i])


@cb.kernel
def k_two_outputs(x, s, c):  # reads x after storing s: in blocks (the arrays are disjoint)
    i = cb.get_global_id(0)
    s[i] = math.sin(x[i])
    c[i] = math.cos(x[i])


@cb.kernel
def k_unsplit(x, s, c):  # a loop: never split, so the full definition on every work-item
    i = cb.get_global_id(0)
    for _ in range(1):
        s[i] = math.sin(x[i])
        c[i] = math.cos(x[i])


@cb.kernel
def k_unsplit2(x, y, out):
    i = cb.get_global_id(0)
    for _ in range(1):
        out[i] = math.sin(x[i]) * np.float32(2.0) + math.cos(y[i] * np.float32(3.0))


def _mixed(seed: int) -> np.ndarray:
    """40 blocks and a partial one: most blocks small arguments only; some with one large argument,
    inf, NaN or a value just past the fast domain; tiny values and signed zeros everywhere."""
    rng = np.random.default_rng(seed)
    n = 40 * TIER_BLOCK + 123
    x = rng.uniform(-200.0, 200.0, n).astype(np.float32)
    x[::97] = rng.uniform(-1e-3, 1e-3, x[::97].size)
    x[5::211] = -0.0
    bound = np.float32(mathlib.tier_bound("sin", "float32"))
    specials = [1e6, -3e20, np.inf, -np.inf, np.nan, bound, np.nextafter(bound, np.float32(0)) * -1, 1e38]
    for block, v in zip(range(3, 40, 5), specials, strict=False):
        x[block * TIER_BLOCK + 17 + block] = v
    x[-1] = 5e7  # the partial block
    return x


def _skip_without_math(device) -> None:  # type: ignore[no-untyped-def]
    if mathlib.mode() != "cambrian":
        pytest.skip("CAMBRIAN_MATH=native is set")
    if device.backend == "interp":
        pytest.skip("interp computes math with NumPy/CPython, not Cambrian's functions")
    if not device.supports_float64:
        pytest.skip("float32 sin/cos use the device's library without float64")


def _same_bits(got, want) -> None:  # type: ignore[no-untyped-def]
    got, want = cb.asnumpy(got), cb.asnumpy(want)
    bad = np.flatnonzero(got.view(np.int32) != want.view(np.int32))
    assert bad.size == 0, f"{bad.size} differ, first at {bad[0]}: {got[bad[0]]!r} != {want[bad[0]]!r}"


def test_tiered_sin_cos_are_the_full_definition(device) -> None:
    _skip_without_math(device)
    x = _mixed(1)
    y = _mixed(2)[::-1].copy()
    xd, yd = cb.asarray(x, device=device), cb.asarray(y, device=device)
    s, c = cb.empty_like(xd), cb.empty_like(xd)
    k_unsplit[x.size](xd, s, c)
    with np.errstate(invalid="ignore"):
        _same_bits(v_sin(xd), s)  # a result of its own: in blocks
        _same_bits(v_cos(xd), c)
        s2, c2 = cb.empty_like(xd), cb.empty_like(xd)
        k_two_outputs[x.size](xd, s2, c2)
        _same_bits(s2, s)
        _same_bits(c2, c)
        both = cb.empty_like(xd)
        k_unsplit2[x.size](xd, yd, both)
        _same_bits(v_both(xd, yd), both)
        a = cb.asarray(x, device=device)
        v_sin(a, out=a)  # the result is the input: unsplit
        _same_bits(a, s)
        a = cb.asarray(x, device=device)
        k_in_place[x.size](a, xd)  # stores to an array it reads
        _same_bits(a, cb.asarray(cb.asnumpy(s) + cb.asnumpy(c), device=device))
        two_d = v_sin(cb.asarray(x[:40 * TIER_BLOCK].reshape(40, TIER_BLOCK), device=device))
        _same_bits(cb.reshape(two_d, (-1,)), s[:40 * TIER_BLOCK])


def test_tiered_sin_cos_near_numpy(device) -> None:
    _skip_without_math(device)
    x = _mixed(3)
    with np.errstate(invalid="ignore"):
        for f, ref in ((v_sin, np.sin), (v_cos, np.cos)):
            got = cb.asnumpy(f(cb.asarray(x, device=device)))
            want = ref(x.astype(np.float64))
            finite = np.isfinite(want)
            np.testing.assert_array_equal(np.isnan(got), ~finite)
            ulp = np.spacing(np.abs(want[finite]).astype(np.float32)).astype(np.float64)
            err = np.abs(got[finite] - want[finite]) / ulp
            assert err.max() <= 1.0, (f.__name__, float(err.max()), x[finite][err.argmax()])
    got = cb.asnumpy(v_sin(cb.asarray(np.array([-0.0, 0.0, -1e-30], np.float32), device=device)))
    assert np.signbit(got).tolist() == [True, False, True]
