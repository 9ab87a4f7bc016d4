"""Patterns in the Numba-Python source generated for the ``cpu`` backend (FileCheck style), literal and
identifier safety, and coverage of the intrinsic table. No device needed (nothing is compiled)."""

from __future__ import annotations

import math
import re

import pytest

import cambrian as cb
from cambrian.compiler import intrinsics, ir
from cambrian.compiler.frontend import translate
from cambrian.compiler.render_py import literal, mangle, render
from cambrian.compiler.render_py_expr import _MATH, SPECIAL
from cambrian.errors import Loc


def A(dtype: str, ndim: int = 1, layout: str = "C") -> ir.ArrayT:
    return ir.ArrayT(dtype, ndim, "global", layout)


def check(text: str, *patterns: str) -> None:
    """Each regex must match, in order (like FileCheck's CHECK lines)."""
    pos = 0
    for p in patterns:
        m = re.compile(p, re.M).search(text, pos)
        assert m, f"pattern {p!r} not found after offset {pos} in:\n{text}"
        pos = m.end()


def vadd(a, b, c):
    i = cb.get_global_id(0)
    c[i] = a[i] + b[i]


def narrow(a, b, out):
    i = cb.get_global_id(0)
    out[i] = a[i] // b[i] + (a[i] << b[i]) * a[i] - a[i] % 4
    out[i + 1] = a[i] >> 3


def test_vector_add_layout() -> None:
    """Unchecked indices are uint64 (no wrap-around: vectorises); prange index made int64 first."""
    src = render(translate(vadd, (A("float32"),) * 3)).text
    check(src, r"^import cambrian\.backends\.cpu_rt as rt$",
          r'^@njit\(inline="always", nogil=True, error_model="numpy", cache=_CACHE\)$',
          r"^def _item\(g0, g1, g2, G0, G1, G2, L0, L1, L2, v_a, v_b, v_c\):$",
          r"v_c\[np\.uint64\(v_i\)\] = \(v_a\[np\.uint64\(v_i\)\] \+ v_b\[np\.uint64\(v_i\)\]\)",
          r"^@njit\(parallel=True, nogil=True", r"^def _launch1\(G0, L0, v_a, v_b, v_c\):$",
          r"for p in prange\(G0\):", r"g0 = np\.int64\(p\)",
          r"_item\(g0, 0, 0, G0, 1, 1, L0, 1, 1, v_a, v_b, v_c\)",
          r"^def _launch2\(G0, G1, L0, L1, C,", r"^def _launch3\(")
    assert "fastmath" not in src and "_launchg" not in src
    assert render(translate(vadd, (A("float32"),) * 3), cache=True).text.count("_CACHE = True") == 1


def test_narrow_integers_wrap_and_use_helpers() -> None:
    src = render(translate(narrow, (A("int16"), A("int16"), A("int16")))).text
    check(src, r"rt\.floordiv_s\(", r"rt\.lshift_s\(.*np\.int16\(16\)\)",
          r"\(v_a\[np\.uint64\(v_i\)\] % np\.int16\(4\)\)")
    assert "np.int16(" in src
    # a constant in-range shift is a plain operator, wrapped back to int16
    assert re.search(r"np\.int16\(\(v_a\[np\.uint64\(v_i\)\] >> np\.int16\(3\)\)\)", src)
    # + - * of narrow ints feed each other unwrapped (only the low bits matter)
    assert not re.search(r"np\.int16\(\(np\.int16\(rt\.floordiv", src)


def floats(x, y):
    i = cb.get_global_id(0)
    y[i] = min(x[i] * 2.0, x[i] // 0.5) + x[i] % 3.0 + x[i] ** 2.0


def test_float_literals_typed_and_helpers() -> None:
    src = render(translate(floats, (A("float32"), A("float32")))).text
    check(src, r"np\.float32\(2\.0\)")
    for helper in ("rt.minimum(", "rt.floordiv_float32(", "rt.mod_float32(", "**"):
        assert helper in src


def cplx(z, w):
    i = cb.get_global_id(0)
    w[i] = z[i] / w[i] * z[i]


def test_complex_division_helper() -> None:
    src = render(translate(cplx, (A("complex64"), A("complex64")))).text
    assert "rt.cdiv_complex64(" in src


def hist(x, bins):
    cb.atomic_add(bins, x[cb.get_global_id(0)], 1)


def test_atomics_and_boundscheck_calls() -> None:
    src = render(translate(hist, (A("int64"), A("int32")))).text
    check(src, r"rt\.atomic_add\(v_bins, \(np\.uint64\(v_x\[np\.uint64\(g0\)\]\),\), np\.int32\(1\)\)")
    src = render(translate(hist, (A("int64"), A("int32")), boundscheck=True)).text
    check(src, r"def _item\(.*, _err\):",
          r"rt\.bc_atomic_add\(v_bins, \(rt\.bc_load\(v_x, \(g0,\), _err, \d+\),\)",
          r"def _launch1\(G0, L0, v_x, v_bins, _err\):")


def reverse(a):
    t = cb.local_array(8, cb.float32)
    lid = cb.get_local_id(0)
    t[lid] = a[cb.get_global_id(0)]
    cb.barrier()
    a[cb.get_global_id(0)] = t[7 - lid]


def test_barrier_kernel_is_split_into_regions() -> None:
    src = render(translate(reverse, (A("float32"),))).text
    check(src, r"^def _r0\(li, l0, l1, l2, gr0, gr1, gr2, G0, G1, G2, L0, L1, L2,",
              r"^def _r1\(", r"^def _group\(", r"v_t = np\.zeros\(\(\(8\),\), np\.float32\)",
              r"s_lid = np\.zeros\(LS, np\.int64\)", r"for l0 in range\(L0\):", r"_r0\(", r"_r1\(",
              r"^def _launchg\(G0, G1, G2, L0, L1, L2, v_a\):", r"for p in prange\(")
    assert "_item" not in src


def test_mangle_is_injective_and_safe() -> None:
    names = ["x", "x_", "x__", "_x", "é", "x_xe9_", "αβ", "a.b"]
    out = [mangle(n) for n in names]
    assert len(set(out)) == len(out)
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", o) for o in out)


@pytest.mark.parametrize("value,dtype,text", [
    (True, "bool", "True"), (-5, "int64", "(-5)"), (255, "uint8", "np.uint8(255)"),
    (2**64 - 1, "uint64", "np.uint64(18446744073709551615)"), (0.1, "float32", "np.float32(0.1)"),
    (math.nan, "float64", "math.nan"), (-math.inf, "float32", "np.float32((-math.inf))"),
    (1 - 2j, "complex128", "np.complex128(complex(1.0, (-2.0)))"),
])
def test_literal(value, dtype, text) -> None:
    assert literal(value, dtype) == text


@pytest.mark.parametrize("value,dtype", [(256, "uint8"), (-1, "uint32"), ("1); import os", "int64"),
                                         (1.5, "int32"), (2, "bool"), (1, "float16")])
def test_literal_rejects_bad_values(value, dtype) -> None:
    with pytest.raises(ValueError):
        literal(value, dtype)


def test_every_intrinsic_has_a_numba_spelling() -> None:
    missing = [n for n in intrinsics.TABLE if n not in _MATH and n not in SPECIAL]
    assert missing == []


def test_hand_built_ir_with_while_and_select() -> None:
    i64 = ir.INT64
    x = ir.Name(i64, name="x")
    one = ir.Const(i64, value=1)
    body = (ir.Assign(name="x", value=ir.Const(i64, value=0)),
            ir.While(cond=ir.Compare(ir.BOOL, op="lt", left=x, right=ir.Const(i64, value=10)),
                     body=(ir.Assign(name="x", value=ir.Binary(i64, op="add", left=x, right=one)),)),
            ir.Store(array=ir.Name(A("int64"), name="out"), indices=(one,),
                     value=ir.Select(i64, cond=ir.Compare(ir.BOOL, op="eq", left=x, right=one), a=x, b=one)),
            ir.Return(loc=Loc("k.py", 3)))
    fn = ir.Function("k", (ir.Param("out", A("int64")),), None, body, (("x", i64),), True, py_name="k")
    src = render(ir.Module(fn)).text
    check(src, r"v_x = \(0\)", r"while \(v_x < \(10\)\):",
          r"v_x = np\.int64\(\(np\.uint64\(v_x\) \+ np\.uint64\(\(1\)\)\)\)",  # wraps (no nsw)
          r"v_out\[\(1\)\] = \(v_x if \(v_x == \(1\)\) else \(1\)\)", r"^    return$")
