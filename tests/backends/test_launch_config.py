"""Launch configurations: 1-3 D global sizes, local sizes, and the reading of an integer pair."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb


@cb.kernel
def ids_2d(o):
    o[cb.get_global_id(0), cb.get_global_id(1)] = cb.get_global_id(0) * 10 + cb.get_global_id(1)


@cb.kernel
def local_ids(o):
    o[cb.get_global_id(0)] = cb.get_local_id(0)


def test_pair_is_a_2d_global_size_for_a_2d_kernel(device) -> None:
    o = cb.zeros((3, 4), dtype=cb.int64, device=device)
    ids_2d[(3, 4)](o).wait()
    np.testing.assert_array_equal(cb.asnumpy(o), np.add.outer(np.arange(3) * 10, np.arange(4)))


def test_pair_is_global_and_local_for_a_1d_kernel(device) -> None:
    o = cb.zeros(8, dtype=cb.int64, device=device)
    local_ids[8, 4](o).wait()
    np.testing.assert_array_equal(cb.asnumpy(o), [0, 1, 2, 3, 0, 1, 2, 3])


def test_explicit_forms(device) -> None:
    o = cb.zeros((2, 5), dtype=cb.int64, device=device)
    ids_2d[(2, 5), None](o).wait()
    np.testing.assert_array_equal(cb.asnumpy(o), np.add.outer(np.arange(2) * 10, np.arange(5)))
    o1 = cb.zeros(6, dtype=cb.int64, device=device)
    local_ids[6, (3,)](o1).wait()
    np.testing.assert_array_equal(cb.asnumpy(o1), [0, 1, 2, 0, 1, 2])


@cb.kernel
def scale(a, out, k):
    i = cb.get_global_id(0)
    out[i] = a[i] * k


def test_concurrent_launches_from_threads_keep_their_arguments(device) -> None:
    """Threads launching one kernel with different arrays and scalars never mix their arguments."""
    import threading

    n, rounds = 256, 20 if device.backend != "interp" else 2
    errors: list[str] = []

    def work(k: int) -> None:
        a = cb.asarray(np.arange(n, dtype=np.int64), device=device)
        out = cb.zeros(n, dtype=cb.int64, device=device)
        for r in range(rounds):
            scale[n](a, out, k * 100 + r).wait()
            got = cb.asnumpy(out)
            if not np.array_equal(got, np.arange(n) * (k * 100 + r)):
                errors.append(f"thread {k} round {r}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@cb.kernel
def scaled(o, x, k):
    i = cb.get_global_id(0)
    o[i] = x[i] * k


def test_prepared_launch_repeats_with_other_arrays(device) -> None:
    """``launcher.prepare(*args)`` specialises once; the prepared launch runs with other arrays of
    the same types swapped into its launch arguments."""
    x = cb.asarray(np.arange(6, dtype=np.int64), device=device)
    o = cb.zeros(6, dtype=cb.int64, device=device)
    prepared, args = scaled[6].prepare(o, x, 3)
    assert cb.asnumpy(o).tolist() == [0] * 6  # prepared, not launched
    prepared(args).wait()
    assert cb.asnumpy(o).tolist() == [3 * i for i in range(6)]
    y = cb.asarray(np.arange(6, dtype=np.int64) + 10, device=device)
    args[1] = y.__cambrian_array__()
    prepared(args).wait()
    assert cb.asnumpy(o).tolist() == [3 * (i + 10) for i in range(6)]
    empty, eargs = scaled[0].prepare(o, x, 3)
    empty(eargs).wait()  # an empty range launches nothing
    assert cb.asnumpy(o).tolist() == [3 * (i + 10) for i in range(6)]


def test_prepare_refuses_numpy_arrays(device) -> None:
    o = cb.zeros(4, dtype=cb.int64, device=device)
    with pytest.raises(cb.LaunchError, match=r"prepare\(\) takes device arrays.*'x'"):
        scaled[4].prepare(o, np.arange(4), 2)
