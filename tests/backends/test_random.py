"""Philox random numbers on every device: bit-identical to the NumPy reference, stream continuation,
in-kernel use (Monte Carlo pi), statistics on fast devices."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cambrian as cb
import cambrian.random as cbr
from cambrian import random_philox as ref
from cambrian.array import asarray, asnumpy
from cambrian.kernels import kernel
from cambrian.testing import requires

if not hasattr(cb, "random"):  # until cambrian/__init__ re-exports it
    cb.random = cbr


def size(device, n: int) -> int:
    return min(n, 16) if device.backend == "interp" else n


def test_random_bit_identical_to_reference(device):
    requires(device, "float64")
    n = size(device, 10_000)
    rng = cbr.default_rng(42)
    x = rng.random(n, device=device)
    assert x.device == device and x.dtype == np.float64
    np.testing.assert_array_equal(asnumpy(x), ref.uniform(42, np.arange(n, dtype=np.uint64)))
    y = rng.random((2, 3), dtype="float32", device=device)  # continues at counter n
    want = ref.uniform_f32(42, np.arange(n, n + 6, dtype=np.uint64)).reshape(2, 3)
    np.testing.assert_array_equal(asnumpy(y), want)
    assert rng.offset == n + 6


def test_stream_continues_across_calls(device):
    n = size(device, 1000)
    a = cbr.default_rng(5)
    first = np.concatenate([asnumpy(a.random(n // 2, dtype="float32", device=device)),
                            asnumpy(a.random(n - n // 2, dtype="float32", device=device))])
    whole = asnumpy(cbr.default_rng(5).random(n, dtype="float32", device=device))
    np.testing.assert_array_equal(first, whole)


def test_repeated_draws_of_one_size_follow_the_stream(device):
    # from the second draw on, a prepared launch runs: seed, offset and bounds must still be this call's
    requires(device, "float64")
    n = size(device, 1000)
    rng = cbr.default_rng(11)
    for k in range(3):
        got = asnumpy(rng.uniform(float(k), k + 2.0, n, device=device))
        counters = np.arange(k * n, (k + 1) * n, dtype=np.uint64)
        np.testing.assert_array_equal(got, k + 2.0 * ref.uniform(11, counters))
    np.testing.assert_array_equal(asnumpy(cbr.default_rng(12).random(n, device=device)),
                                  ref.uniform(12, np.arange(n, dtype=np.uint64)))


def test_uniform_and_integers(device):
    n = size(device, 5000)
    rng = cbr.default_rng(7)
    u = asnumpy(rng.uniform(-2.0, 3.0, n, dtype="float32", device=device))
    u_ref = np.float32(-2.0) + np.float32(5.0) * ref.uniform_f32(7, np.arange(n, dtype=np.uint64))
    np.testing.assert_array_equal(u, u_ref)
    k = asnumpy(rng.integers(-5, 10, n, dtype="int32", device=device))
    bits = ref.bits64(7, np.arange(n, 2 * n, dtype=np.uint64))
    np.testing.assert_array_equal(k, (bits % np.uint64(15)).astype(np.int64) - 5)
    assert k.dtype == np.int32 and k.min() >= -5 and k.max() < 10
    with pytest.raises(ValueError):
        rng.integers(3, 3, device=device)


def test_normal_matches_host_twin(device):
    requires(device, "float64")
    n = size(device, 64)
    z = asnumpy(cbr.default_rng(11).normal(1.0, 2.0, n, device=device))
    twin = cbr.device_functions()["normal"]
    with np.errstate(over="ignore"):
        want = np.array([1.0 + 2.0 * twin(np.uint64(11), np.uint64(i)) for i in range(n)])
    np.testing.assert_array_equal(z, want)


@kernel
def pi_hits(hits, seed):
    i = cb.get_global_id(0)
    x = cb.random.uniform(seed, 2 * i)
    y = cb.random.uniform(seed, 2 * i + 1)
    hits[i] = 1 if x * x + y * y < 1.0 else 0


def test_monte_carlo_pi_same_on_every_device(device):
    requires(device, "float64")
    n = size(device, 200_000)
    hits = asarray(np.zeros(n, np.int32), device=device)
    pi_hits[n](hits, np.uint64(2024))
    got = 4.0 * asnumpy(hits).sum() / n
    idx = np.arange(n, dtype=np.uint64)
    x, y = ref.uniform(2024, 2 * idx), ref.uniform(2024, 2 * idx + np.uint64(1))
    assert got == 4.0 * (x * x + y * y < 1.0).sum() / n
    if n >= 100_000:
        assert abs(got - math.pi) < 0.02


def test_statistics_1e6(device):
    if device.backend == "interp":
        pytest.skip("interp is the pure-Python reference: too slow for 10**6 samples")
    requires(device, "float64")
    rng = cbr.default_rng(123)
    u = asnumpy(rng.random(1_000_000, device=device))
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 1e-3
    counts = np.bincount((u * 100).astype(np.int64), minlength=100)
    assert (((counts - 1e4) ** 2) / 1e4).sum() < 160
    z = asnumpy(rng.normal(size=1_000_000, device=device))
    assert abs(z.mean()) < 5e-3 and abs(z.var() - 1) < 5e-3
    assert abs((z ** 3).mean()) < 0.02 and abs((z ** 4).mean() - 3) < 0.05
