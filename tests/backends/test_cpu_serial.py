"""Small ``cpu`` launches run the kernel's serial twin on the calling thread, larger ones Numba's pool
(``backends/cpu.py``, ``SERIAL_BUDGET``): both paths give the same results, on the plain and the
work-group (barrier) path, in 1-3 dimensions; heavy kernels lower their limit; launches from several
Python threads at once stay correct on every device."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import cambrian as cb
from cambrian import config
from cambrian.backends import cpu as cpu_backend
from cambrian.backends.cpu import SERIAL_BUDGET

from .test_cpu_support import cpu_device  # noqa: F401


@cb.kernel
def serial_affine(a, b, s):
    i = cb.get_global_id(0)
    b[i] = a[i] * s + i % 7 - cb.get_local_id(0)


@cb.kernel
def serial_scale(a, b, s):
    i = cb.get_global_id(0)
    b[i] = a[i] * s


@cb.kernel
def serial_grid(a, b):
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    k = cb.get_global_id(2)
    b[i, j, k] = a[i, j, k] * 2.0 + i - j * k


@cb.kernel
def serial_group_sum(a, out):
    i = cb.get_global_id(0)
    s = cb.group_reduce_add(a[i])
    if cb.get_local_id(0) == 0:
        out[cb.get_group_id(0)] = s


@cb.kernel
def serial_heavy(a, n):
    i = cb.get_global_id(0)
    s = 0.0
    for k in range(n):
        s += (k % 3) * 0.5
    a[i] = s + i


def _program(kern, device):
    return next(iter(kern._specs[device].values())).program


def _both_paths(kern, device, gsize, lsize, args, out_index):
    """Results of the same launch through the serial twin and through the pool, with the twin's
    dispatcher and the pool's launcher each checked to have run."""
    results = []
    for serial in (True, False):
        arrays = [cb.asarray(a, device=device) if isinstance(a, np.ndarray) else a for a in args]
        launch = kern[gsize] if lsize is None else kern[gsize, lsize]
        launch(*arrays).wait()
        prog = _program(kern, device)
        prog.serial_items = 1 << 40 if serial else 0
        arrays = [cb.asarray(a, device=device) if isinstance(a, np.ndarray) else a for a in args]
        launch(*arrays).wait()
        results.append(cb.asnumpy(arrays[out_index]))
        prog.serial_items = config.cpu_serial_items()
    return results


@pytest.mark.usefixtures("cpu_device")
@pytest.mark.parametrize("n", [100, 40_000])
def test_serial_and_pool_paths_agree_1d(n) -> None:
    device = cb.select_device("cpu")
    a = np.random.default_rng(n).random(n)
    serial, pool = _both_paths(serial_affine, device, n, 50 if n == 100 else 64, [a, np.zeros(n), 3.0], 1)
    want = a * 3.0 + np.arange(n) % 7 - np.arange(n) % (50 if n == 100 else 64)
    np.testing.assert_array_equal(serial, want)
    np.testing.assert_array_equal(pool, want)
    prog = _program(serial_affine, device)
    assert prog.serial1.signatures and prog.launch1.signatures  # each path compiled and ran


@pytest.mark.usefixtures("cpu_device")
def test_serial_and_pool_paths_agree_3d_and_groups() -> None:
    device = cb.select_device("cpu")
    a = np.random.default_rng(1).random((6, 5, 4))
    i, j, k = np.indices(a.shape)
    for got in _both_paths(serial_grid, device, a.shape, None, [a, np.zeros(a.shape)], 1):
        np.testing.assert_array_equal(got, a * 2.0 + i - j * k)
    prog = _program(serial_grid, device)
    assert prog.serial3.signatures and prog.launch3.signatures
    x = np.arange(256, dtype=np.float64)
    for got in _both_paths(serial_group_sum, device, 256, 64, [x, np.zeros(4)], 1):
        np.testing.assert_array_equal(got, x.reshape(4, 64).sum(axis=1))
    prog = _program(serial_group_sum, device)
    assert prog.serialg.signatures and prog.launchg.signatures


@pytest.mark.usefixtures("cpu_device")
def test_small_launches_take_the_serial_twin_by_default() -> None:
    device = cb.select_device("cpu")
    b = cb.zeros(64, device=device)
    serial_affine[64](cb.ones(64, device=device), b, 2.0).wait()
    prog = _program(serial_affine, device)
    assert prog.serial_items >= 64 and prog.serial1.signatures
    np.testing.assert_array_equal(cb.asnumpy(b), 2.0 + np.arange(64) % 7 - np.arange(64))


@pytest.mark.usefixtures("cpu_device")
def test_light_kernel_raises_its_serial_limit(monkeypatch) -> None:
    monkeypatch.setattr(cpu_backend, "SERIAL_BUDGET", 1.0)  # "light" without a race against the clock
    device = cb.select_device("cpu")
    n = config.cpu_serial_items() // 2  # at least half the limit: its launch times count
    a, b = cb.ones(n, device=device), cb.zeros(n, device=device)
    serial_scale[n](a, b, 2.0).wait()
    prog = _program(serial_scale, device)
    prog.serial_items = config.cpu_serial_items()
    for _ in range(200):  # a launch within a quarter of the budget raises the limit (wall clock)
        serial_scale[n](a, b, 2.0).wait()
        if prog.serial_items > config.cpu_serial_items():
            break
    try:
        assert prog.serial_items > config.cpu_serial_items(), f"{n} items of a * s should take < 0.25 s"
        np.testing.assert_array_equal(cb.asnumpy(b), np.full(n, 2.0))
    finally:
        prog.serial_items = config.cpu_serial_items()


@pytest.mark.usefixtures("cpu_device")
def test_heavy_kernel_lowers_its_serial_limit() -> None:
    device = cb.select_device("cpu")
    a = cb.zeros(64, device=device)
    serial_heavy[64](a, 3).wait()
    prog = _program(serial_heavy, device)
    assert prog.probe and prog.serial_items == 0, "a kernel with a loop starts on the pool"
    prog.serial_items = config.cpu_serial_items()
    for _ in range(5):  # the first serial launch compiles; the next ones are timed in CPU time
        serial_heavy[64](a, 200_000).wait()
    assert prog.serial_items < 64, f"64 items of 200,000 iterations should exceed {SERIAL_BUDGET} s"
    assert not prog.probe, "no more probing once a kernel proved heavy"
    total = (np.arange(200_000) % 3 * 0.5).sum()  # exact: halves below 2**52
    np.testing.assert_array_equal(cb.asnumpy(a), total + np.arange(64))


@pytest.mark.usefixtures("cpu_device")
def test_light_loop_kernel_moves_to_the_serial_path(monkeypatch) -> None:
    monkeypatch.setattr(cpu_backend, "SERIAL_BUDGET", 1.0)  # "light" without a race against the clock
    device = cb.select_device("cpu")
    a = cb.zeros(64, device=device)
    serial_heavy[64](a, 3).wait()
    prog = _program(serial_heavy, device)
    prog.probe, prog.serial_items, prog._verify = True, 0, 0
    for _ in range(200):  # a pool launch within the budget opens the serial path for its size
        serial_heavy[64](a, 3).wait()
        if prog.serial_items >= 64:
            break
    assert prog.serial_items >= 64
    serial_heavy[64](a, 3).wait()
    assert prog.serial1.signatures
    np.testing.assert_array_equal(cb.asnumpy(a), 1.5 + np.arange(64))


def test_launches_from_several_threads_at_once(device) -> None:
    sizes = (64, 100) if device.backend == "interp" else (64, 20_000)
    results: dict[tuple[int, int], np.ndarray] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(t: int) -> None:
        try:
            start.wait()
            for r in range(3 if device.backend == "interp" else 20):
                n = sizes[(t + r) % 2]
                a = cb.asarray(np.arange(n, dtype=np.float64) + t, device=device)
                b = cb.zeros(n, device=device)
                serial_affine[n, 4](a, b, float(t + 1)).wait()
                results[t, r] = (cb.asnumpy(b), n)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert len(results) == 4 * (3 if device.backend == "interp" else 20)
    for (t, _), (got, n) in results.items():
        x = np.arange(n)
        np.testing.assert_array_equal(got, (x + t) * (t + 1.0) + x % 7 - x % 4)
