"""Philox4x32-10: Random123 known-answer vectors, the NumPy reference, and the kernel-language source
run as plain Python (its host twin) -- no device needed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cambrian.random as cbr
from cambrian import random_philox as ref

# Random123 kat_vectors, philox4x32_10: (counter, key, expected output)
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize(("ctr", "key", "expected"), KAT)
def test_known_answers(ctr, key, expected):
    out = ref.philox4x32(np.array(ctr, dtype=np.uint32), np.array(key, dtype=np.uint32))
    assert tuple(int(x) for x in out) == expected


def test_reference_vectorises_over_counters():
    ctr = np.array([k[0] for k in KAT], dtype=np.uint32)
    key = np.array([k[1] for k in KAT], dtype=np.uint32)
    assert ref.philox4x32(ctr, key).tolist() == [list(k[2]) for k in KAT]


def test_words_layout_matches_definition():
    # counter 2**32 + 5 -> ctr (5, 1, 0, 0); seed -> key (lo, hi)
    seed = 0x0123456789ABCDEF
    w = ref.words(seed, np.array([2**32 + 5], dtype=np.uint64))[0]
    direct = ref.philox4x32(np.array([5, 1, 0, 0]), np.array([0x89ABCDEF, 0x01234567]))
    assert w.tolist() == direct.tolist()


CASES = [(0, 0), (1, 1), (12345, 678), (2**64 - 1, 2**64 - 1), (0xDEADBEEF, 2**40 + 3)]


@pytest.mark.parametrize(("seed", "counter"), CASES)
def test_kernel_source_run_on_host_equals_reference(seed, counter):
    f = cbr.device_functions()
    c = np.array([counter], dtype=np.uint64)
    with np.errstate(over="ignore"):
        assert f["uniform"](np.uint64(seed), np.uint64(counter)) == ref.uniform(seed, c)[0]
        assert f["uniform_f32"](np.uint64(seed), np.uint64(counter)) == ref.uniform_f32(seed, c)[0]
        assert f["bits64"](np.uint64(seed), np.uint64(counter)) == ref.bits64(seed, c)[0]


def test_uniform_ranges():
    c = np.arange(100_000, dtype=np.uint64)
    u = ref.uniform(7, c)
    u32 = ref.uniform_f32(7, c)
    assert u.dtype == np.float64 and u32.dtype == np.float32
    assert 0.0 <= u.min() and u.max() < 1.0
    assert 0.0 <= u32.min() and u32.max() < 1.0


def test_uniform_statistics_1e6():
    u = ref.uniform(2024, np.arange(1_000_000, dtype=np.uint64))
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 1e-3
    counts = np.bincount((u * 100).astype(np.int64), minlength=100)
    chi2 = (((counts - u.size / 100) ** 2) / (u.size / 100)).sum()
    assert chi2 < 160  # 99 degrees of freedom: p ~ 1e-4


def test_log53_and_cos_turn_accuracy():
    f = cbr.device_functions()
    rng = np.random.default_rng(0)
    ms = [1, 2, 3, 2**52, 2**53 - 1, 2**53, *rng.integers(1, 2**53, 300).tolist()]
    for m in ms:
        got = f["_philox_log53"](np.uint64(m))
        want = math.log(m / 2**53) if m != 2**53 else 0.0
        assert abs(got - want) <= 4e-16 * max(abs(want), 1e-300) or got == want
    qs = [0, 2**50, 2**51, 2**52, 3 * 2**51, 2**53 - 1, *rng.integers(0, 2**53, 300).tolist()]
    for q in qs:
        assert abs(f["_philox_cos_turn"](np.uint64(q)) - math.cos(2 * math.pi * (q / 2**53))) < 2e-15


def test_normal_host_twin_statistics():
    f = cbr.device_functions()["normal"]
    with np.errstate(over="ignore"):
        z = np.array([f(np.uint64(99), np.uint64(i)) for i in range(4000)])
    assert np.isfinite(z).all()
    assert abs(z.mean()) < 5 / math.sqrt(z.size)
    assert abs(z.var() - 1) < 0.1
