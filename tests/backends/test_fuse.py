"""``@cb.fuse`` on every device against the op-by-op evaluation of the same function (``f.__wrapped__``).

Basic IEEE and integer operations are compared bit for bit; transcendental functions too on devices
whose op-by-op path runs the same kernels (``opencl``), within a few ulp where op-by-op uses NumPy on
host memory (``cpu`` below ``HOST_MATH_MAX``, ``interp``) and fuse a generated kernel. Float reductions
are bit-exact where op-by-op reduces with the same kernels, else close (NumPy sums pairwise).
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

import cambrian as cb
from cambrian.errors import KernelSyntaxError

fuse_module = importlib.import_module("cambrian.fuse")  # cambrian.fuse is the decorator

N = 37  # small: the interp device interprets the kernels


def _host_math(device) -> bool:
    """Op-by-op runs NumPy on host memory here (transcendentals and float sums may differ by ulps): cpu,
    interp, and PoCL's CPU device (small reductions, and large arrays take cpu's path)."""
    from cambrian.elementwise_host import is_pocl_cpu

    return device.backend in ("cpu", "interp") or is_pocl_cpu(device)


def check(got, want, exact: bool = True) -> None:
    assert isinstance(got, cb.Array)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    g, w = cb.asnumpy(got), cb.asnumpy(want)
    if exact:
        np.testing.assert_array_equal(g, w)
    else:
        rtol = 1e-5 if g.dtype in (np.float32, np.complex64) else 1e-13
        np.testing.assert_allclose(g, w, rtol=rtol, atol=0)


@cb.fuse
def gaussian(x, mu, sigma):
    return cb.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


@cb.fuse
def pi_estimate(x, y):
    return 4.0 * cb.count_nonzero(x * x + y * y <= 1.0) / x.size


@cb.fuse
def basic(a, b, c):
    return (a * b - c) / (b + 2.5) + cb.where(a > c, a, -c)


@cb.fuse
def integers(a, b):
    return (a * 3 + b) // 5 - (a % 7) + (a << 2) ^ b


def _arr(rng, shape, dtype, device, lo=-3, hi=3):
    if np.dtype(dtype).kind in "iu":
        lo = max(lo, np.iinfo(dtype).min)
        return cb.asarray(rng.integers(lo, hi * 40, size=shape).astype(dtype), device=device)
    return cb.asarray((rng.standard_normal(shape) * hi).astype(dtype), device=device)


def test_gaussian(device):
    rng = np.random.default_rng(1)
    x = _arr(rng, (N,), "float64", device)
    got = gaussian(x, 0.5, 1.5)
    check(got, gaussian.__wrapped__(x, 0.5, 1.5), exact=not _host_math(device))
    assert got.device == device


def test_float32_stays_float32(device):
    rng = np.random.default_rng(2)
    x = _arr(rng, (N,), "float32", device)
    got = gaussian(x, 0.25, 2.0)
    assert got.dtype == np.float32
    check(got, gaussian.__wrapped__(x, 0.25, 2.0), exact=not _host_math(device))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_basic_ops_bit_exact(device, dtype):
    rng = np.random.default_rng(3)
    a, b, c = (_arr(rng, (N,), dtype, device) for _ in range(3))
    check(basic(a, b, c), basic.__wrapped__(a, b, c))


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint16", "int64"])
def test_integers_bit_exact(device, dtype):
    rng = np.random.default_rng(4)
    a, b = (_arr(rng, (N,), dtype, device, lo=0) for _ in range(2))
    got = integers(a, b)
    assert got.dtype == np.dtype(dtype)
    check(got, integers.__wrapped__(a, b))


def test_broadcasting_scalars_and_views(device):
    rng = np.random.default_rng(5)
    col = _arr(rng, (3, 1), "float64", device)
    row = _arr(rng, (1, 4), "float64", device)
    zero_d = cb.asarray(np.float64(1.25), device=device)
    check(basic(col, row, zero_d), basic.__wrapped__(col, row, zero_d))
    big = _arr(rng, (6, 8), "float64", device)
    view = big[::2, 1::3]  # strided
    check(basic(view, row[:, :3], 2), basic.__wrapped__(view, row[:, :3], 2))
    strong = np.float32(1.5)  # a NumPy scalar is strong: float32 * float32 stays float32, * float64 promotes
    x32 = _arr(rng, (N,), "float32", device)
    check(basic(x32, strong, 0.5), basic.__wrapped__(x32, strong, 0.5))


def test_weak_integer_rules(device):
    @cb.fuse
    def add(x, k):
        return x + k + 1

    x = cb.asarray(np.arange(-5, 5, dtype=np.int8), device=device)
    got = add(x, 3)
    assert got.dtype == np.int8
    check(got, add.__wrapped__(x, 3))
    with pytest.raises(OverflowError):
        add(x, 1000)  # as x + 1000 op by op
    with pytest.raises(OverflowError):
        cb.fuse(lambda x: x + 1000)(x)


def test_out_without_allocation(device):
    rng = np.random.default_rng(6)
    x = _arr(rng, (4, 5), "float64", device)
    out = cb.empty((4, 5), device=device)
    assert gaussian(x, 0.0, 1.0, out=out) is out
    again = gaussian(x, 1.0, 2.0, out=out)  # the prepared plan
    assert again is out
    check(out, gaussian.__wrapped__(x, 1.0, 2.0), exact=not _host_math(device))
    strided = cb.zeros((4, 10), device=device)
    gaussian(x, 1.0, 2.0, out=strided[:, ::2])
    check(strided[:, ::2], gaussian.__wrapped__(x, 1.0, 2.0), exact=not _host_math(device))
    assert not np.any(cb.asnumpy(strided[:, 1::2]))
    with pytest.raises(TypeError):
        gaussian(x, 0.0, 1.0, out=cb.empty((4, 5), dtype="int32", device=device))
    with pytest.raises(ValueError):
        gaussian(x, 0.0, 1.0, out=cb.empty((5, 4), device=device))


def test_pi_estimate(device):
    rng = np.random.default_rng(7)
    x, y = (_arr(rng, (N * 3,), "float64", device, hi=1) for _ in range(2))
    got = pi_estimate(x, y)
    check(got, pi_estimate.__wrapped__(x, y))
    assert got.shape == () and got.dtype == np.float64


REDUCTIONS = {
    "sum_all": lambda x, y: cb.sum(x * y + 1.0),
    "sum_axis": lambda x, y: cb.sum(x * y, axis=1) * 2.0,
    "sum_axes_keep": lambda x, y: cb.sum(x - y, axis=(0, 2), keepdims=True) / 3,
    "mean": lambda x, y: cb.mean(x * x + y, axis=-1),
    "mean_all": lambda x, y: cb.mean(x * y),
    "min": lambda x, y: cb.min(x + y, axis=(1, 2)),
    "max": lambda x, y: -cb.max(cb.abs(x - y)),
    "any": lambda x, y: cb.any(x > y + 2.0, axis=0),
    "all": lambda x, y: cb.all(x < y + 10.0),
    "count_axis": lambda x, y: cb.count_nonzero(x > y, axis=2),
    "prod_int": lambda x, y: cb.prod((x > 0) + 1, axis=1),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reductions(device, name):
    fn = REDUCTIONS[name]
    rng = np.random.default_rng(8)
    x = _arr(rng, (3, 4, 5), "float64", device)
    y = _arr(rng, (3, 4, 5), "float64", device)
    fused = cb.fuse(fn)
    got, want = fused(x, y), fn(x, y)
    exact = not _host_math(device) or got.dtype.kind in "biu" or name.startswith(("min", "max"))
    check(got, want, exact=exact)


def test_reduction_of_broadcast_inputs(device):
    rng = np.random.default_rng(9)
    col, row = _arr(rng, (6, 1), "float64", device), _arr(rng, (1, 7), "float64", device)
    for fn in (lambda a, b: cb.sum(a * b), lambda a, b: cb.max(a - b, axis=0),
               lambda a, b: cb.sum(a + b, axis=1)):
        check(cb.fuse(fn)(col, row), fn(col, row), exact=not _host_math(device))


@pytest.mark.devices("opencl,cuda,interp")  # Numba's cpu device runs barriers slowly (a minute here)
def test_tree_reduction(device, monkeypatch):
    """The GPU (work-group tree) reduction, run on the CPU devices that have local memory too."""
    if not device.supports_local_memory:
        pytest.skip(f"{device} has no local memory (the tree reduction needs it)")
    monkeypatch.setattr(fuse_module, "FORCE_TREE", True)
    rng = np.random.default_rng(10)
    x, y = (_arr(rng, (300,), "float64", device, hi=1) for _ in range(2))
    got = cb.fuse(pi_estimate.__wrapped__)(x, y)
    check(got, pi_estimate.__wrapped__(x, y))
    fn = cb.fuse(lambda a: cb.sum(a * 2.0))
    np.testing.assert_allclose(float(fn(x)), float(cb.sum(x * 2.0)), rtol=1e-13)


def test_min_of_empty_raises(device):
    empty = cb.empty((0,), device=device)
    with pytest.raises(ValueError):
        cb.fuse(lambda x: cb.min(x * 2.0))(empty)
    assert float(cb.fuse(lambda x: cb.sum(x * 2.0))(empty)) == 0.0
    assert cb.fuse(lambda x: x + 1.0)(empty).shape == (0,)


def test_numpy_inputs_give_numpy(device):
    rng = np.random.default_rng(11)
    x = rng.standard_normal(N)
    with cb.using(device):
        got = gaussian(x, 0.0, 1.0)
        assert isinstance(got, np.ndarray)
        np.testing.assert_allclose(got, np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi), rtol=1e-13)
        u, v = rng.random(N), rng.random(N)
        pi = pi_estimate(u, v)
        assert isinstance(pi, np.generic | np.ndarray)
        assert float(pi) == 4.0 * np.count_nonzero(u * u + v * v <= 1.0) / N
        out = np.empty(N)
        assert gaussian(x, 0.0, 1.0, out=out) is out
        np.testing.assert_allclose(out, got, rtol=1e-15)


def test_serial_and_parallel_paths_agree(device, monkeypatch):
    rng = np.random.default_rng(12)
    x = _arr(rng, (N,), "float64", device)
    small = gaussian(x, 0.1, 0.9)
    monkeypatch.setattr(fuse_module, "SERIAL_MAX", 0)
    check(cb.fuse(gaussian.__wrapped__)(x, 0.1, 0.9), small)


def test_nested_fused_functions_inline(device):
    @cb.fuse
    def outer(x):
        return gaussian(x, 0.0, 1.0) * 2.0

    x = cb.asarray(np.linspace(-2, 2, N), device=device)
    check(outer(x), gaussian(x, 0.0, 1.0) * 2.0, exact=not _host_math(device))


def test_one_trace_per_dtypes_and_ndim(device):
    @cb.fuse
    def f(x, a):
        return x * a + x.shape[0]

    for n in (5, 9, 17):
        x = cb.asarray(np.arange(n, dtype=np.float64), device=device)
        check(f(x, 2.0), f.__wrapped__(x, 2.0))
    assert len(f._traces) == 1
    f(cb.asarray(np.arange(5, dtype=np.float32), device=device), 2.0)
    assert len(f._traces) == 2


def test_source_is_one_kernel():
    x = np.linspace(-1, 1, 16)
    src = gaussian.source("opencl", x, 0.0, 1.0)
    assert src.count("__kernel") == 1
    assert "exp" in src and "cambrian_exp_f64" in src  # (Cambrian's exp: math_kernels)
    red = pi_estimate.source("opencl", x, x)
    assert red.count("__kernel") == 1 and "_p_" in red  # the map, the reduction and the arithmetic after it


# -- errors: KernelSyntaxError naming the user's line --------------------------------------------------
def _line_of(fn, text: str) -> int:
    import inspect

    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, line in enumerate(lines) if text in line)


def python_if(x):
    if x > 0:  # control flow on array values
        return x
    return -x


def non_elementwise(x):
    y = x * 2.0
    z = cb.reshape(y, (-1,))  # not elementwise
    return z + 1.0


def two_reductions(x):
    s = cb.sum(x)
    return cb.max(x * s)  # a second reduction


def array_after_reduction(x):
    s = cb.sum(x)
    return s * x  # an array argument after the reduction


def indexing(x):
    return x[0] + 1.0


def math_on_scalar(x, s):
    return x * math.sqrt(s)


@pytest.mark.parametrize("fn,text", [(python_if, "if x > 0"), (non_elementwise, "cb.reshape"),
                                     (two_reductions, "cb.max"), (array_after_reduction, "s * x"),
                                     (indexing, "x[0]"), (math_on_scalar, "math.sqrt")])
def test_errors_name_the_line(device, fn, text):
    x = cb.asarray(np.arange(1.0, 5.0), device=device)
    args = (x, 2.0) if fn is math_on_scalar else (x,)
    with pytest.raises(KernelSyntaxError) as info:
        cb.fuse(fn)(*args)
    assert info.value.loc is not None
    assert info.value.loc.file == __file__
    assert info.value.loc.line == _line_of(fn, text)
    assert "test_fuse.py" in str(info.value)


def test_bad_results_and_arguments(device):
    x = cb.asarray(np.arange(3.0), device=device)
    with pytest.raises(KernelSyntaxError):
        cb.fuse(lambda x, s: s * 2.0)(x, 1.0)  # not an array expression
    with pytest.raises(TypeError):
        gaussian(x, "a", 1.0)
    with pytest.raises(TypeError):
        cb.fuse(lambda x: cb.bitwise_and(x, 1))(x)  # float operands: the namespace's TypeError
    other = cb.asarray(np.arange(3.0), device="interp" if device.backend != "interp" else "cpu")
    with pytest.raises(cb.PlacementError):
        basic(x, other, 1.0)
