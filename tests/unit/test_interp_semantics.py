"""The interpreter against docs/semantics.md: every rule through whole kernels, compared with Python
integer definitions, NumPy and CPython ``complex``."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from cambrian import dtypes
from cambrian.backends import interp
from cambrian.backends import interp_build as B
from cambrian.errors import CompileError

INT_DTYPES = dtypes.INTEGER


def run_elementwise(make, inputs: list[np.ndarray], out_dtype: str) -> np.ndarray:
    """Run ``out[i] = make(x0[i], ...)`` over the inputs in the interpreter (warnings are errors)."""
    module = B.elementwise_module("ew", tuple(x.dtype.name for x in inputs), out_dtype, make)
    out = np.zeros(inputs[0].shape, out_dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        interp.run(interp.InterpProgram(module), (out.size,), None, [*inputs, out])
    return out


def binary(op: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return run_elementwise(lambda a, b: B.binary(op, a, b), [x, y], x.dtype.name)


def int_values(dtype: str) -> list[int]:
    info = np.iinfo(dtype)
    vals = {info.min, info.min + 1, -7, -3, -2, -1, 0, 1, 2, 3, 7, info.max - 1, info.max}
    return sorted(v for v in vals if info.min <= v <= info.max)


def pairs(dtype: str, xs: list, ys: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    p = list(itertools.product(xs, xs if ys is None else ys))
    return np.array([a for a, _ in p], dtype), np.array([b for _, b in p], dtype)


def wrap(v: int, dtype: str) -> int:
    bits = np.dtype(dtype).itemsize * 8
    v &= (1 << bits) - 1
    return v - (1 << bits) if dtype in dtypes.SIGNED and v >> (bits - 1) else v


def same_float(x: np.ndarray, y: np.ndarray) -> bool:
    """Bit-exact float equality, NaN equal to NaN."""
    x, y = np.asarray(x), np.asarray(y)
    both_nan = np.isnan(x) & np.isnan(y)
    return bool(np.all(both_nan | ((x == y) & (np.signbit(x) == np.signbit(y)))))


# --------------------------------------------------------------------------- integers


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_floordiv_mod_match_python_and_numpy(dtype):
    x, y = pairs(dtype, int_values(dtype))
    fd, md = binary("floordiv", x, y), binary("mod", x, y)
    want_fd = [0 if b == 0 else wrap(int(a) // int(b), dtype) for a, b in zip(x, y, strict=True)]
    want_md = [0 if b == 0 else wrap(int(a) % int(b), dtype) for a, b in zip(x, y, strict=True)]
    assert fd.tolist() == want_fd
    assert md.tolist() == want_md
    with np.errstate(all="ignore"):
        assert np.array_equal(fd, x // y) and np.array_equal(md, x % y)


@pytest.mark.parametrize("dtype", dtypes.SIGNED)
def test_min_floordiv_minus_one_wraps(dtype):
    info = np.iinfo(dtype)
    x, y = np.array([info.min] * 2, dtype), np.array([-1, -1], dtype)
    assert binary("floordiv", x, y).tolist() == [info.min] * 2
    assert binary("mod", x, y).tolist() == [0, 0]


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "and", "or", "xor"])
def test_integer_wrapping_arithmetic(dtype, op):
    x, y = pairs(dtype, int_values(dtype))
    with np.errstate(all="ignore"):
        want = {"add": x + y, "sub": x - y, "mul": x * y, "and": x & y, "or": x | y, "xor": x ^ y}[op]
    assert np.array_equal(binary(op, x, y), want)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_shifts_out_of_range(dtype):
    bits = np.dtype(dtype).itemsize * 8
    counts = [c for c in (-9, -1, 0, 1, 3, bits - 1, bits, bits + 5, 127) if wrap(c, dtype) == c]
    x, y = pairs(dtype, int_values(dtype), counts)
    left, right = binary("lshift", x, y), binary("rshift", x, y)
    for a, b, lv, rv in zip(x.tolist(), y.tolist(), left.tolist(), right.tolist(), strict=True):
        in_range = 0 <= b < bits
        assert lv == (wrap(a << b, dtype) if in_range else 0), (a, b)
        assert rv == ((a >> b) if in_range else (-1 if a < 0 else 0)), (a, b)
    with np.errstate(all="ignore"):  # NumPy's npy_lshift / npy_rshift agree
        assert np.array_equal(left, np.left_shift(x, y)) and np.array_equal(right, np.right_shift(x, y))


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_power(dtype):
    exps = [e for e in (-3, -2, -1, 0, 1, 2, 3, 7, 62, 63, 100) if wrap(e, dtype) == e]
    x, y = pairs(dtype, int_values(dtype), exps)
    got = binary("pow", x, y).tolist()
    for a, b, v in zip(x.tolist(), y.tolist(), got, strict=True):
        if b >= 0:
            want = wrap(pow(a, b, 1 << 64), dtype)
        else:
            want = 1 if a == 1 else (1 if b % 2 == 0 else -1) if a == -1 else 0
        assert v == want, (a, b)


@pytest.mark.parametrize("dtype", dtypes.SIGNED)
def test_negation_and_abs_of_min_wrap(dtype):
    info = np.iinfo(dtype)
    x = np.array([info.min, -5, 0, 5], dtype)
    neg = run_elementwise(lambda a: B.ir.Unary(a.type, op="neg", operand=a), [x], dtype)
    ab = run_elementwise(lambda a: B.call("abs", dtype, a), [x], dtype)
    assert neg.tolist() == [info.min, 5, 0, -5]
    assert ab.tolist() == [info.min, 5, 0, 5]


def test_unsigned_negation_and_invert_and_not():
    x = np.array([0, 1, 255], np.uint8)
    assert run_elementwise(lambda a: B.ir.Unary(a.type, op="neg", operand=a), [x], "uint8").tolist() \
        == [0, 255, 1]
    assert run_elementwise(lambda a: B.ir.Unary(a.type, op="invert", operand=a), [x], "uint8").tolist() \
        == [255, 254, 0]
    bools = np.array([True, False])
    for op in ("invert", "not"):
        got = run_elementwise(lambda a, op=op: B.ir.Unary(a.type, op=op, operand=a), [bools], "bool")
        assert got.tolist() == [False, True]


# --------------------------------------------------------------------------- floats

FLOAT_SPECIALS = [-np.inf, -7.5, -2.0, -1.0, -0.5, -0.0, 0.0, 1e-310, 0.5, 1.0, 2.0, 3.0, 7.5, np.inf, np.nan]


@pytest.mark.parametrize("dtype", dtypes.FLOATING)
def test_float_floordiv_mod_match_numpy(dtype):
    x, y = pairs(dtype, FLOAT_SPECIALS)
    with np.errstate(all="ignore"):
        want_fd, want_md = np.floor_divide(x, y), np.remainder(x, y)
    assert same_float(binary("floordiv", x, y), want_fd)
    assert same_float(binary("mod", x, y), want_md)


@pytest.mark.parametrize("dtype", dtypes.FLOATING)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv"])
def test_float_ieee_arithmetic_matches_numpy(dtype, op):
    x, y = pairs(dtype, FLOAT_SPECIALS)
    with np.errstate(all="ignore"):
        want = {"add": x + y, "sub": x - y, "mul": x * y, "truediv": x / y}[op]
    assert same_float(binary(op, x, y), want)


@pytest.mark.parametrize("dtype", dtypes.FLOATING)
def test_float_pow_is_c_pow(dtype):
    """C ``pow``: special values exact, others within 1 ulp of NumPy's vectorised power."""
    x, y = pairs(dtype, FLOAT_SPECIALS)
    got = binary("pow", x, y)
    with np.errstate(all="ignore"):
        want = np.power(x, y)
    finite = np.isfinite(want) & (want != 0)
    assert same_float(got[~finite], want[~finite])
    np.testing.assert_array_max_ulp(got[finite], want[finite], maxulp=1)


@pytest.mark.parametrize("fname,ufunc", [("min", np.minimum), ("max", np.maximum)])
@pytest.mark.parametrize("dtype", dtypes.FLOATING)
def test_min_max_propagate_nan(fname, ufunc, dtype):
    x, y = pairs(dtype, [np.nan, -1.0, 0.0, 2.0, np.inf])
    got = run_elementwise(lambda a, b: B.call(fname, dtype, a, b), [x, y], dtype)
    assert same_float(got, ufunc(x, y))
    assert np.isnan(got[np.isnan(x) | np.isnan(y)]).all()
    z = x[::-1].copy()
    three = run_elementwise(lambda a, b, c: B.call(fname, dtype, a, b, c), [x, y, z], dtype)
    assert same_float(three, ufunc(ufunc(x, y), z))


def test_math_intrinsics_keep_float32_and_sqrt_of_negative_is_nan():
    x = np.array([-1.0, 0.0, 4.0, 2.0], np.float32)
    got = run_elementwise(lambda a: B.call("sqrt", "float32", a), [x], "float32")
    assert np.isnan(got[0]) and got[1:].tolist() == [0.0, 2.0, np.float32(np.sqrt(np.float32(2.0)))]
    ex = run_elementwise(lambda a: B.call("erf", "float32", a), [x], "float32")
    assert np.allclose(ex[1:], [0.0, 1.0, 0.9953223], atol=1e-6)
    nan = run_elementwise(lambda a: B.call("isnan", "bool", a), [got], "bool")
    assert nan.tolist() == [True, False, False, False]


# --------------------------------------------------------------------------- casts


def test_casts_truncate_wrap_and_bool():
    f = np.array([-2.7, -0.5, 0.5, 2.7, 300.9], np.float64)
    assert run_elementwise(lambda a: B.cast(a, "int32"), [f], "int32").tolist() == [-2, 0, 0, 2, 300]
    assert run_elementwise(lambda a: B.cast(B.cast(a, "int32"), "int8"), [f], "int8").tolist() \
        == [-2, 0, 0, 2, 44]
    nan = np.array([np.nan, 0.0, -0.0, 3.0])
    assert run_elementwise(lambda a: B.cast(a, "bool"), [nan], "bool").tolist() == [True, False, False, True]
    assert run_elementwise(lambda a: B.cast(a, "float32"), [np.array([2**24 + 1], np.int64)],
                           "float32").tolist() == [2.0**24]


def test_complex_casts_and_parts():
    z = np.array([1.5 - 2.0j, 0j], np.complex128)
    assert run_elementwise(lambda a: B.cast(a, "float64"), [z], "float64").tolist() == [1.5, 0.0]
    assert run_elementwise(lambda a: B.cast(a, "bool"), [z], "bool").tolist() == [True, False]
    assert run_elementwise(lambda a: B.call("imag", "float64", a), [z], "float64").tolist() == [-2.0, 0.0]
    assert run_elementwise(lambda a: B.call("abs", "float64", a), [np.array([3 + 4j])], "float64")[0] == 5.0
    assert run_elementwise(lambda a: B.call("conjugate", "complex128", a), [z], "complex128")[0] == 1.5 + 2j
    x = np.array([1.0, np.inf], np.float32)
    made = run_elementwise(lambda a, b: B.call("complex", "complex64", a, b), [x, x[::-1].copy()],
                           "complex64")
    assert made.dtype == np.complex64 and made[0].imag == np.inf and made[1].real == np.inf
    assert run_elementwise(lambda a: B.cast(a, "complex64"), [x], "complex64")[1] == complex(np.inf, 0)


# --------------------------------------------------------------------------- complex

COMPLEX_VALUES = [0j, 1 + 0j, -1j, 1.5 - 2.25j, -3 + 4j, 1e300 + 1e-300j, 1e-310 - 7j, 0.1 + 0.7j]


@pytest.mark.parametrize("op", ["mul", "truediv", "add", "sub"])
def test_complex128_matches_cpython(op):
    x, y = pairs("complex128", COMPLEX_VALUES)
    keep = y != 0 if op == "truediv" else np.ones(x.shape, bool)
    x, y = x[keep], y[keep]
    got = binary(op, x, y)
    fn = {"mul": complex.__mul__, "truediv": complex.__truediv__, "add": complex.__add__,
          "sub": complex.__sub__}[op]
    want = np.array([fn(complex(a), complex(b)) for a, b in zip(x, y, strict=True)])
    assert same_float(got.real, want.real) and same_float(got.imag, want.imag)


def test_complex_division_by_zero_gives_inf_nan_without_trap():
    x = np.array([1 + 1j, 0j, -2 + 0j], np.complex128)
    got = binary("truediv", x, np.zeros(3, np.complex128))
    assert np.isinf(got[0].real) and np.isinf(got[0].imag)
    assert np.isnan(got[1].real) and np.isnan(got[1].imag)
    assert got[2].real == -np.inf and np.isnan(got[2].imag)  # -2/0 = -inf, 0/0 = nan


def test_complex64_computed_in_float32():
    a, b = np.complex64(1 + 3j), np.complex64(0.1 + 0.2j)
    got = binary("mul", np.array([a]), np.array([b]))[0]
    ar, ai, br, bi = (np.float32(v) for v in (a.real, a.imag, b.real, b.imag))
    assert got.dtype == np.complex64
    assert got.real == ar * br - ai * bi and got.imag == ar * bi + ai * br
    q = binary("truediv", np.array([a]), np.array([b]))[0]
    assert q.dtype == np.complex64 and abs(complex(q) - complex(a) / complex(b)) < 1e-5 * abs(complex(q))


def test_complex_comparisons_only_eq_ne():
    x = np.array([1 + 1j, 2j], np.complex128)
    assert run_elementwise(lambda a, b: B.compare("eq", a, b), [x, x.copy()], "bool").tolist() == [True] * 2
    with pytest.raises(CompileError, match="complex"):
        run_elementwise(lambda a, b: B.compare("lt", a, b), [x, x.copy()], "bool")


def test_float_compare_nan_is_false():
    x, y = pairs("float64", [np.nan, 1.0])
    got = {op: run_elementwise(lambda a, b, op=op: B.compare(op, a, b), [x, y], "bool")
           for op in ("lt", "le", "eq", "ne")}
    assert got["lt"].tolist() == [False, False, False, False]
    assert got["le"].tolist() == [False, False, False, True]
    assert got["eq"].tolist() == [False, False, False, True]
    assert got["ne"].tolist() == [True, True, True, False]
