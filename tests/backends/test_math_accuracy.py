"""Math functions within the documented ULP bounds on every device (docs/math_accuracy.md), special
values exact, and the CAMBRIAN_MATH switch of the cpu backend (Cambrian's own vectorisable functions
or the C library)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import cambrian as cb
from cambrian.compiler import mathlib
from cambrian.compiler import mathlib_accuracy as acc
from cambrian.errors import CambrianError

pytest.importorskip("mpmath", reason="the ULP reference needs mpmath")

DTYPES = ("float64", "float32")


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_ulp_within_documented_bound(device, dtype):
    failures = []
    for name in acc.FUNCS:
        for label, x in acc.samples(name, dtype, 40, seed=7).items():
            errs = acc.ulp_errors(acc.run_on(device, name, x), acc.reference(name, x), dtype)
            if errs.max() > acc.TOLERANCE[name]:
                i = int(np.argmax(errs))
                failures.append(f"{name} {label}: {errs[i]:.2f} ulp at x={float(x[i])!r}")
    assert not failures, failures


@pytest.mark.parametrize("dtype", DTYPES)
def test_special_values_as_numpy(device, dtype):
    bad = []
    for name in acc.FUNCS:
        bad += acc.special_failures(name, acc.run_on(device, name, acc.special_inputs(name, dtype)), dtype)
    assert not bad, bad


def test_cpu_vector_path_edges_exact():
    """Inputs at the seams of the cpu implementations: the clamps of exp/expm1/tanh, the
    subnormal scaling of log, the interval ends of erf."""
    x = np.array([709.78, 709.79, -745.13, -745.14, -40.0, -39.99, 22.0, 21.99, 5e-324,
                  2.2250738585072014e-308, 2.225073858507201e-308])
    x = np.concatenate([x, [1.0, np.nextafter(1.0, 2), 2.0, np.nextafter(2.0, 0), 3.5, 6.0, 5.99]])
    for name in ("exp", "expm1", "tanh", "log", "erf"):
        got = acc.run_on("cpu", name, x)
        with np.errstate(all="ignore"):
            want = acc.numpy_function(name)(x)
        assert np.allclose(got, want, rtol=4 * 2.0 ** -52, atol=0, equal_nan=True), (name, got, want)


def test_switch_renders_cambrian_or_native(monkeypatch):
    from cambrian.compiler.render_py import render

    @cb.kernel
    def k(x, y):
        i = cb.get_global_id(0)
        y[i] = math.exp(x[i]) + math.sin(x[i]) + x[i] ** 2.5 + x[i] ** 2.0

    module = k.ir(np.zeros(4), np.zeros(4))
    monkeypatch.delenv("CAMBRIAN_MATH", raising=False)
    src = render(module).text.replace("__", "_")  # (the renderer doubles underscores of names)
    assert "def f_cambrian_exp_f64" in src and "def f_cambrian_pow_f64" in src
    assert "cambrian_sin" not in src and "** 2.0" in src  # float64 sin: the C library; x * x folded
    monkeypatch.setenv("CAMBRIAN_MATH", "native")
    assert "def f_cambrian" not in render(module).text.replace("__", "_")
    monkeypatch.setenv("CAMBRIAN_MATH", "fast")
    with pytest.raises(CambrianError, match="CAMBRIAN_MATH"):
        mathlib.mode()


def test_switch_is_part_of_the_cache_key_and_both_modes_agree(monkeypatch):
    from cambrian.backends.cpu_build import program_key

    @cb.kernel
    def k(x, y):
        i = cb.get_global_id(0)
        y[i] = math.exp(x[i]) + math.sin(x[i])

    x = np.linspace(-3, 3, 1001)
    keys, outs = [], []
    for mode in mathlib.MODES:
        monkeypatch.setenv("CAMBRIAN_MATH", mode)
        keys.append(program_key(k.ir(x, x), "cpu"))
        y = cb.asarray(np.zeros_like(x), device="cpu")
        k[x.size](cb.asarray(x, device="cpu"), y)
        outs.append(np.asarray(y))
    assert keys[0] != keys[1]
    np.testing.assert_allclose(outs[0], outs[1], rtol=4 * 2.0 ** -52, atol=4 * 2.0 ** -53)
    assert math.isfinite(float(outs[0].sum()))


def cpu_math_kernel(x, y):
    i = cb.get_global_id(0)
    v = x[i]
    y[i] = math.exp(v) + math.log(v + 2.0) + math.tanh(v) + math.expm1(v) + math.erf(v)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cpu_math_is_call_free_and_vectorised(dtype, monkeypatch, tmp_path):
    """The point of CAMBRIAN_MATH=cambrian: no C library call per element, and LLVM vectorises the
    launch loop (vector types in its IR). With ``native`` the calls are there."""
    monkeypatch.setenv("CAMBRIAN_CACHE_DIR", str(tmp_path))  # compiled here: cached code has no IR
    ir_text = {}
    for mode in mathlib.MODES:
        monkeypatch.setenv("CAMBRIAN_MATH", mode)
        k = cb.kernel(cpu_math_kernel)
        x = cb.asarray(np.linspace(-1, 1, 257).astype(dtype), device="cpu")
        y = cb.asarray(np.zeros(257, dtype), device="cpu")
        k[257](x, y)
        programs = [spec.program for specs in k._specs.values() for spec in specs.values()]
        texts = []  # the parallel launcher or its serial twin (small launches), whichever ran
        for fn in (programs[0].launch1, getattr(programs[0], "serial1", None)):
            fn = getattr(fn, "fn", fn)
            texts += [fn.inspect_llvm(sig) for sig in getattr(fn, "signatures", ())]
        ir_text[mode] = "\n".join(texts)
    calls = re.compile(r"call [^\n]*@(llvm\.)?(exp|log|tanh|expm1|erf)f?[.(]")
    assert not calls.search(ir_text["cambrian"])
    assert re.search(r"<\d+ x (double|float)>", ir_text["cambrian"])
    assert calls.search(ir_text["native"])


def pow_kernel(a, b, out):
    i = cb.get_global_id(0)
    out[i] = a[i] ** b[i]


def math_pow_kernel(a, b, out):
    i = cb.get_global_id(0)
    out[i] = math.pow(a[i], b[i])


POW_SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, math.inf, -math.inf, math.nan,
                1e300, -1e-300, 2.5, -2.5]


def _run_pow(device, a, b, fn=pow_kernel):
    out = cb.asarray(np.zeros_like(a), device=device)
    cb.kernel(fn)[a.size](cb.asarray(a, device=device), cb.asarray(b, device=device), out)
    return np.asarray(out)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_within_bound_and_special_values_as_numpy(device, dtype):
    import mpmath as mp

    rng = np.random.default_rng(11)
    a = np.exp(rng.uniform(-7, 7, 300)).astype(dtype)
    b = rng.uniform(-20, 20, 300).astype(dtype)
    with mp.workprec(160):
        ref = [mp.power(mp.mpf(float(x)), mp.mpf(float(y))) for x, y in zip(a, b, strict=True)]
    errs = acc.ulp_errors(_run_pow(device, a, b), ref, dtype)
    assert errs.max() <= 4.0, (errs.max(), a[np.argmax(errs)], b[np.argmax(errs)])
    grid = np.array([(x, y) for x in POW_SPECIALS for y in POW_SPECIALS], dtype=np.float64)
    with np.errstate(over="ignore"):
        x, y = (np.ascontiguousarray(grid[:, k]).astype(dtype) for k in (0, 1))
    with np.errstate(all="ignore"):
        want = np.power(x, y)
    for fn in (pow_kernel, math_pow_kernel):
        got = _run_pow(device, x, y, fn)
        same = (got == want) & (np.signbit(got) == np.signbit(want)) | (np.isnan(got) & np.isnan(want))
        with np.errstate(invalid="ignore"):
            bad = ~(same | (np.abs(got - want) <= 4 * np.spacing(np.abs(want))))
        assert not bad.any(), (fn.__name__, np.stack([x[bad], y[bad], got[bad]], axis=1))
