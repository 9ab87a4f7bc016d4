"""Front end typing: NEP 50 promotion with weak literals, checked against NumPy 2 (incl. hypothesis)."""

from __future__ import annotations

import itertools
import linecache
import os
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import cambrian as cb
from cambrian.compiler import ir
from cambrian.compiler.frontend import infer_return_type, translate

NUMERIC = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float32", "float64", "complex64", "complex128")
_counter = itertools.count()


def make_func(params: list[str], body: str):
    """A function built from source registered in linecache (so the front end can read it)."""
    name = f"gen_{next(_counter)}"
    src = f"def {name}({', '.join(params)}):\n" + "".join(f"    {line}\n" for line in body.splitlines())
    fname = f"<cambrian-types-{name}>"
    linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
    ns: dict = {"cb": cb, "np": np}
    exec(compile(src, fname, "exec"), ns)
    return ns[name]


def numpy_dtype(expr: str, params: list[str], dts: list[str]) -> str:
    # 1-element arrays, not NumPy scalars: np.float64 subclasses Python float, so `2j + np.float64(1)`
    # would become a (weak) Python complex and hide the promotion under test.
    env = {p: np.ones(1, dtype=d) for p, d in zip(params, dts, strict=True)}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        out = eval(expr, {}, env)
    return np.asarray(out).dtype.name if not isinstance(out, np.generic) else out.dtype.name


# ----------------------------------------------------------------------------- hypothesis property

LITERALS = ("2", "3", "1.5", "0.25", "2j", "True")


@st.composite
def expressions(draw, depth: int = 3):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.booleans()):
            return draw(st.sampled_from(("a", "b", "c")))
        return draw(st.sampled_from(LITERALS))
    op = draw(st.sampled_from(("+", "-", "*", "/")))
    return f"({draw(expressions(depth - 1))} {op} {draw(expressions(depth - 1))})"


@settings(max_examples=int(os.environ.get("CAMBRIAN_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(expr=expressions(), dts=st.lists(st.sampled_from(NUMERIC), min_size=3, max_size=3))
def test_random_expressions_follow_numpy_nep50(expr, dts):
    params = ["a", "b", "c"]
    used = [p for p in params if p in expr]
    if not used:
        expr = f"({expr} + a)"
    fn = make_func(params, f"return {expr}")
    try:
        expected = numpy_dtype(expr, params, dts)
    except ZeroDivisionError:  # Python literals divided by zero: no NumPy reference
        assume(False)
    except OverflowError:  # a literal out of range of the integer dtype: an error in both
        with pytest.raises(cb.KernelTypeError, match="out of bounds"):
            infer_return_type(fn, tuple(ir.Scalar(d) for d in dts))
        return
    got = infer_return_type(fn, tuple(ir.Scalar(d) for d in dts))
    assert got.dtype == expected, expr


# ----------------------------------------------------------------------------- explicit rules

CASES = [
    # (expression over x, dtype of x, expected dtype)
    ("x * 2.0", "float32", "float32"),
    ("x + 1", "int8", "int8"),
    ("x + 1", "uint16", "uint16"),
    ("x / 2", "int32", "float64"),
    ("x / 2", "float32", "float32"),
    ("x // 2", "int16", "int16"),
    ("x * 1j", "float32", "complex64"),
    ("x + 1.5", "int64", "float64"),
    ("x << 2", "uint8", "uint8"),
    ("x ** 2", "float32", "float32"),
    ("(1 + 2) * x", "int8", "int8"),
    ("x * (1.0 / 3.0)", "float32", "float32"),
    ("-x", "int16", "int16"),
    ("x < 3", "float32", "bool"),
    ("abs(x)", "int8", "int8"),
    ("abs(x)", "complex64", "float32"),
    ("min(x, 0)", "float32", "float32"),
    ("max(x, 2.5)", "int32", "float64"),
    ("x if x > 0 else 0", "uint32", "uint32"),
    ("x & True", "bool", "bool"),
    ("cb.float32(x) + x", "int8", "float32"),
    ("np.sqrt(x)", "int16", "float64"),
    ("x.real", "complex128", "float64"),
]


@pytest.mark.parametrize(("expr", "dtype", "expected"), CASES)
def test_weak_literal_rules(expr, dtype, expected):
    fn = make_func(["x"], f"return {expr}")
    assert infer_return_type(fn, (ir.Scalar(dtype),)).dtype == expected


def test_weak_literal_folds_into_float32_constant():
    fn = make_func(["a"], "a[0] = a[0] * (1.0 / 3.0) + 2")
    m = translate(fn, (ir.ArrayT("float32", 1, layout="C"),))
    consts = [n for n in ir.walk(m.kernel.body[0]) if isinstance(n, ir.Const)]
    assert {c.type.dtype for c in consts} == {"int64", "float32"}  # index int64, values float32
    assert any(c.value == pytest.approx(1 / 3, rel=1e-7) and c.type.dtype == "float32" for c in consts)
    assert not m.uses_float64


def test_variable_of_only_literals_stays_weak():
    fn = make_func(["x"], "k = 2\nreturn x * k")
    assert infer_return_type(fn, (ir.Scalar("int8"),)).dtype == "int8"


def test_literal_out_of_range_for_integer_dtype_is_an_error():
    fn = make_func(["x"], "return x + 1000")
    with pytest.raises(cb.KernelTypeError, match="1000 out of bounds for int8"):
        infer_return_type(fn, (ir.Scalar("int8"),))


def test_uses_float64_flag():
    arr64 = (ir.ArrayT("float32", 1, layout="C"),)
    f32 = make_func(["a"], "a[0] = a[0] * 2.5")
    f64 = make_func(["a"], "a[0] = a[0] * cb.float64(2.5)")
    assert not translate(f32, arr64).uses_float64
    assert translate(f64, arr64).uses_float64


def test_every_binary_ir_node_has_equal_operand_types():
    fn = make_func(["a", "b", "out"],
                   "i = cb.get_global_id(0)\nout[i] = (a[i] << b[i]) + a[i] % 3 - b[i] ** 2 + (a[i] == b[i])")
    m = translate(fn, (ir.ArrayT("int16", 1), ir.ArrayT("uint8", 1), ir.ArrayT("int32", 1)))
    bins = [n for s in m.kernel.body for n in ir.walk(s) if isinstance(n, ir.Binary)]
    assert bins and all(b.left.type == b.right.type == b.type for b in bins)
    assert {b.type.dtype for b in bins} == {"int16", "uint8"}  # int16 op uint8 -> int16; b ** 2 uint8


def test_math_of_literals_folds_to_a_weak_constant():
    fn = make_func(["a"], "a[0] = a[0] * math.sqrt(2.0) + np.float32(1)")
    fn.__globals__["math"] = __import__("math")
    m = translate(fn, (ir.ArrayT("float32", 1, layout="C"),))
    assert not m.uses_float64
    assert not [n for n in ir.walk(m.kernel.body[0]) if isinstance(n, ir.Call)]


def test_while_condition_with_chained_call_is_rewritten():
    fn = make_func(["a"], "k = 0\nwhile 0 < np.sqrt(a[k]) < 5:\n    k += 1")
    m = translate(fn, (ir.ArrayT("float64", 1, layout="C"),))
    loop = m.kernel.body[1]
    assert isinstance(loop, ir.While) and loop.cond == ir.Const(ir.BOOL, value=True, loc=loop.cond.loc)
    temp, check = loop.body[:2]
    assert isinstance(temp, ir.Assign) and temp.name == "_t0" and isinstance(check, ir.If)
    assert isinstance(check.body[0], ir.Break)
