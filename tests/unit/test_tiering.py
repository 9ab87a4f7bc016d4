"""Which kernels :func:`cambrian.compiler.tiering.split` splits (no device needed): a split kernel's guard
must see exactly the values the kernel computes and have no effect, so kernels where it could not are
left whole, and the cpu renderer then keeps the plain launcher."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cambrian as cb
from cambrian.compiler import ir, mathlib, render_py, tiering


@cb.func
def twice_sin(v):
    return math.sin(v) * np.float32(2.0)


@cb.func
def store_sin(a, i, v):
    a[i] = math.sin(v)
    return v


@cb.kernel
def plain(x, out):
    i = cb.get_global_id(0)
    out[i] = twice_sin(x[i]) + math.cos(x[i])


@cb.kernel
def early_return(x, out, n):
    i = cb.get_global_id(0)
    if i >= n:
        return
    out[i] = math.sin(x[i]) if x[i] > np.float32(0.0) else np.float32(0.0)


@cb.kernel
def with_loop(x, out):
    i = cb.get_global_id(0)
    for j in range(2):
        out[i] += math.sin(x[i] + j)


@cb.kernel
def read_after_store(x, out):
    i = cb.get_global_id(0)
    out[i] = x[i] * np.float32(1e6)
    x[i] = math.sin(out[i])


@cb.func
def put(a, i, v):
    a[i] = v
    return v


@cb.kernel
def inlined_store(x, out):  # store_sin reaches sin: inlined, its store to x is the kernel's, which reads x
    i = cb.get_global_id(0)
    out[i] = store_sin(x, i, x[i])


@cb.kernel
def storing_call(x, out):  # put stores and is not inlined: the guard would store
    i = cb.get_global_id(0)
    out[i] = math.sin(put(x, i, x[i] * np.float32(1e6)))


@cb.func
def peek(a, i):
    return a[i]


@cb.kernel
def reads_through_call(x, out):  # out is read (by peek) and stored: never in blocks
    i = cb.get_global_id(0)
    out[i] = math.sin(peek(out, i) + x[i])


@cb.kernel
def many_outputs(x, o0, o1, o2, o3, o4, o5):
    i = cb.get_global_id(0)
    o0[i] = math.sin(x[i])
    o1[i] = math.cos(x[i])
    o2[i] = math.sin(x[i] * np.float32(2.0))
    o3[i] = math.cos(x[i] * np.float32(2.0))
    o4[i] = math.sin(x[i] * np.float32(3.0))
    o5[i] = math.cos(x[i] * np.float32(3.0))


@cb.kernel
def float64_only(x, out):
    i = cb.get_global_id(0)
    out[i] = math.sin(x[i])


def _split(kernel, *args):  # type: ignore[no-untyped-def]
    module = mathlib.lower_calls(kernel.ir(*args))
    return module, tiering.split(module, mathlib.tier_names())


@pytest.fixture(autouse=True)
def _cambrian_math() -> None:
    if mathlib.mode() != "cambrian":
        pytest.skip("CAMBRIAN_MATH=native is set")


def test_split_guard_and_fast_kernel() -> None:
    z = np.zeros(4, np.float32)
    module, split = _split(plain, z, z)
    assert split is not None
    full = {n for n in mathlib.tier_names() if n in {f.name for f in module.funcs}}
    fast = {mathlib.tier_names()[n][0] for n in full}
    assert len(full) == 2  # sin, reached through twice_sin (inlined), and cos

    def calls(fn: ir.Function) -> set[str]:
        return {n.func for s in fn.body for n in ir.walk(s) if isinstance(n, ir.CallFunc)}

    assert calls(split.fast) & full == set() and fast <= calls(split.fast)
    assert calls(split.guard) & full == set() and not any(isinstance(n, ir.Store) for s in split.guard.body
                                                          for n in ir.walk(s))
    assert split.guard.ret == ir.BOOL and split.stored == {"out"} and split.read == {"x"}
    text = render_py.render(module).text
    assert "_item_fast(" in text and "rt.disjoint(v_out, v_x)" in text
    assert _split(early_return, z, z, 4)[1] is not None
    for kernel in (inlined_store, read_after_store, reads_through_call):  # store to arrays they read
        module, split = _split(kernel, z, z)
        assert split is None and "_item_fast(" not in render_py.render(module).text
    module, split = _split(many_outputs, *[z] * 7)
    text = render_py.render(module).text  # the overlap checks: in a function of their own, not in prange
    assert split is not None and text.count("rt.disjoint(") == 6 * 6
    assert "rt.disjoint" not in text[text.index("def _launch1("):]


@pytest.mark.parametrize("kernel", [with_loop, storing_call])
def test_kernels_left_whole(kernel) -> None:
    z = np.zeros(4, np.float32)
    module, split = _split(kernel, z, z)
    assert split is None
    assert "_item_fast(" not in render_py.render(module).text


def test_no_tiered_call_no_split() -> None:
    z = np.zeros(4, np.float64)  # float64 sin is the device library's
    assert _split(float64_only, z, z)[1] is None


def test_c_renderers_branch_the_two_tiers(tmp_path) -> None:
    """OpenCL C and CUDA C spell the two-tier functions as a branch (GPUs skip the exact path in warps
    without a large argument); the CUDA C compiles."""
    from cambrian.compiler import render_c

    from .nvcc import NVCC, compile_failures

    z = np.zeros(4, np.float32)
    module = plain.ir(z, z)
    for src in (render_c.render_cuda(module), render_c.render_opencl(module)):
        text = str(getattr(src, "source", src))
        assert text.count("< 0x1p+17f) {") == 2 and "_exact_" in text  # sin and cos
    if NVCC is None:
        pytest.skip("no nvcc: the CUDA C is not compiled")
    assert not compile_failures([("tiers", render_c.render_cuda(module))], tmp_path)


@pytest.mark.parametrize("key", sorted(mathlib.TIERED))
def test_tier_bound_is_the_constant_the_definition_compares_with(key: tuple[str, str]) -> None:
    import inspect

    from cambrian import math_kernels_f32

    name, dtype = key
    src = inspect.getsource(getattr(math_kernels_f32, f"cambrian_{name}_f32").py_func)
    assert f"abs(x) < {mathlib.TIERED[key]} else" in src
    bound = mathlib.tier_bound(name, dtype)
    assert bound == 2.0 ** 17 and np.float32(bound) == getattr(math_kernels_f32, mathlib.TIERED[key])
    mathlib.lower_calls(plain.ir(np.ones(4, np.float32), np.ones(4, np.float32)), True)  # sin and cos
    bounds = [b for _, b in mathlib.tier_names().values()]
    assert len(bounds) >= 2 and all(b == bound for b in bounds)
