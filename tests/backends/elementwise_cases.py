"""Inputs, NumPy references and comparisons for the elementwise tests (test_array_elementwise*.py).

Exactness: integer and bool results, and IEEE basic operations on floats, must equal NumPy bit for bit
(signed zeros included, any NaN for NaN); transcendental functions within ``ULP`` units in the last
place (docs/semantics.md); complex results within ``COMPLEX_RTOL`` of the result's magnitude, with
infinities, NaNs and exact zeros (with their sign) where NumPy (C99 Annex G) puts them.

Where Cambrian follows the array API standard or its kernel semantics instead of NumPy, the reference
says so (``REFERENCES``): ``floor_divide`` with an infinite operand, complex ``expm1`` and ``sign``
special values, complex ``reciprocal`` (``1/x``) and integer ``pow`` with negative exponents (NumPy
raises).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from cambrian import elementwise
from cambrian.array._elementwise import FUNCTIONS
from cambrian.elementwise import GROUPS

#: The dtypes each function is tested with (those its group allows).
DTYPES = ("float64", "float32", "complex128", "int64", "int8", "uint8", "bool")
#: Functions computed by a libm (within ``ULP``); every other float result is exact.
TRANSCENDENTAL = frozenset({
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cos", "cosh", "exp", "expm1", "hypot",
    "log", "log1p", "log2", "log10", "logaddexp", "pow", "sin", "sinh", "tan", "tanh"})
ULP = 4
COMPLEX_RTOL = {"complex128": 1e-13, "complex64": 5e-6}

FLOATS = (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.0, 0.7, -0.3, 10.0, 100.0, np.pi,
          1e-300, -1e-300, 5e-324, 1e-40, 1e300, -1e300, 3e38, 88.0, -104.0, 700.0, -750.0,
          np.inf, -np.inf, np.nan)
#: Complex parts: every pair of them is a test value (Annex G special values included).
PARTS = (0.0, -0.0, 1.0, -1.5, 0.5, 2.0, 3.0, -1e-300, 1e300, np.inf, -np.inf, np.nan)
#: Parts for complex arithmetic: no products that overflow next to an infinity (NumPy's SIMD loops
#: contract a*b + c into an FMA there, the kernels do not: docs/semantics.md).
ARITH_PARTS = (0.0, -0.0, 1.0, -1.5, 0.5, 2.0, np.inf, np.nan)
#: Complex pow: finite operands (C leaves cpow's special values open).
POW_PARTS = (0.0, -0.0, 1.0, -1.5, 0.5, 2.0, 3.0, -2.0)
COMPLEX_ARITH = frozenset({"add", "subtract", "multiply", "divide", "equal", "not_equal", "square"})


@pytest.fixture(params=["host", "kernel"])
def elementwise_path(request, device, monkeypatch) -> str:
    """The path of the namespace's functions on ``device``: ``host`` (NumPy on host memory) or
    ``kernel`` (generated kernels; ``cpu`` is forced onto them by ``HOST_MATH_MAX = 0``)."""
    if request.param == "kernel":
        if device.backend == "interp":
            pytest.skip("interp has no kernel path for array functions (it computes with NumPy)")
        monkeypatch.setattr(elementwise, "HOST_MATH_MAX", 0)
    elif not (device.impl.host_memory and not device.impl.asynchronous):
        pytest.skip(f"{device} has no host path (it computes on its memory with kernels only)")
    return request.param  # type: ignore[no-any-return]


def dtypes_of(name: str) -> list[str]:
    """The dtypes of ``DTYPES`` that ``name`` accepts."""
    return [d for d in DTYPES if d in GROUPS[FUNCTIONS[name].group]]


def values(dtype: str, name: str = "") -> np.ndarray:
    """Edge values of ``dtype`` (0, -0.0, infinities, NaN, tiny and huge, integer min/max...)."""
    if dtype == "bool":
        return np.array([True, False])
    if dtype.startswith("complex"):
        parts = POW_PARTS if name == "pow" else ARITH_PARTS if name in COMPLEX_ARITH else PARTS
        return np.array([complex(a, b) for a in parts for b in parts], dtype)
    if dtype.startswith("float"):
        with np.errstate(over="ignore"):
            return np.array(FLOATS, dtype)
    info = np.iinfo(dtype)
    base = (0, 1, -1, 2, -2, 3, 5, -7, 8, 63, 64, 100, -100, int(info.min), int(info.max),
            int(info.min) + 1, int(info.max) - 1)
    return np.array(sorted({v for v in base if info.min <= v <= info.max}), dtype)


def operands(name: str, dtype: str) -> list[np.ndarray]:
    """1-D operands of ``name`` for ``dtype``: the values, or every pair of them for two operands."""
    v = values(dtype, name)
    if FUNCTIONS[name].nin == 1:
        return [v]
    a, b = np.meshgrid(v, v, indexing="ij")
    return [a.ravel(), b.ravel()]


# -- references ---------------------------------------------------------------------------------------
def _int_pow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer ``**`` of the kernel semantics: wrapping; a negative exponent gives 0, except base 1
    -> 1 and base -1 -> +-1 (NumPy raises ValueError)."""
    out = np.power(a, np.where(b < 0, 0, b).astype(b.dtype))
    for k in np.nonzero(b < 0)[0]:
        out[k] = 1 if a[k] == 1 else (-1 if b[k] % 2 else 1) if a[k] == -1 else 0
    return out


def _expm1(z: np.ndarray) -> np.ndarray:
    """NumPy's complex expm1 with the standard's special cases (NumPy's formula misses them)."""
    out = np.expm1(z)
    if z.dtype.kind != "c":
        return out
    x, y = z.real, z.imag
    zero = y == 0  # expm1(a + 0j) = expm1(a) + 0j, also for a = +-inf, NaN
    out.real[zero], out.imag[zero] = np.expm1(x[zero]), y[zero]
    ninf = np.isneginf(x) & ~zero  # -1 + 0 cis(b); -1 +- 0j for b infinite or NaN
    out.real[ninf] = -1
    out.imag[ninf] = np.where(np.isfinite(y[ninf]), 0 * np.sin(y[ninf]), 0)
    out[np.isposinf(x) & ~np.isfinite(y)] = complex(np.inf, np.nan)
    return out


def _sign(z: np.ndarray) -> np.ndarray:
    """np.sign; a complex NaN part gives NaN + NaN j (the standard; NumPy keeps an infinite part)."""
    out = np.sign(z)
    if z.dtype.kind == "c":
        out[np.isnan(z)] = complex(np.nan, np.nan)
    return out


def _floor_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.floor_divide; +-inf // finite is +-inf and finite // +-inf is +-0 (the standard's special
    cases; NumPy gives NaN and -1)."""
    out = np.floor_divide(a, b)
    if a.dtype.kind == "f":
        special = (np.isinf(a) & np.isfinite(b)) | (np.isfinite(a) & np.isinf(b))
        out[special] = (a / b)[special]
    return out


REFERENCES: dict[str, Callable[..., np.ndarray]] = {
    "floor_divide": _floor_divide,
    "expm1": _expm1,
    "sign": _sign,
    "reciprocal": lambda x: np.divide(1, x),
    "pow": lambda a, b: _int_pow(a, b) if a.dtype.kind in "iu" else np.power(a, b),
}


def reference(name: str, ins: Sequence[np.ndarray], fp64: bool = True) -> np.ndarray:
    """NumPy's result of ``name`` for NumPy operands ``ins``: computed in the dtype the standard
    gives (integers in the default float for float functions), with ``REFERENCES``' exceptions."""
    fn = FUNCTIONS[name]
    ret, compute = fn.types([i.dtype.name for i in ins], fp64)
    with np.errstate(all="ignore"):
        args = [i.astype(c) for i, c in zip(ins, compute, strict=True)]
        out = REFERENCES.get(name, fn.ufunc)(*args)
        return np.asarray(out).astype(ret)


def expected_dtype(name: str, dtypes: Sequence[str], fp64: bool = True) -> str:
    """The result dtype by the standard's rules, independent of the engine: NumPy's promotion, the
    default float for integer operands of float functions, real for abs/real/imag of complex, bool
    for predicates and comparisons."""
    p = np.result_type(*dtypes).name
    float_fns = {n for n, f in FUNCTIONS.items() if f.rule == "float"}
    if name in {"abs", "real", "imag"}:
        return {"complex128": "float64", "complex64": "float32"}.get(p, p)
    if FUNCTIONS[name].rule in ("bool", "compare"):
        return "bool"
    if name in float_fns and p[0] in "biu":
        return "float64" if fp64 else "float32"
    return p


# -- comparisons --------------------------------------------------------------------------------------
def mismatches(name: str, got: np.ndarray, exp: np.ndarray, complex_in: bool = False) -> np.ndarray:
    """Indices where ``got`` is not ``exp`` within the rules of the module docstring (``abs`` of a
    complex number is a hypot: within ``ULP``)."""
    if exp.dtype.kind == "c":
        return _complex_mismatches(got, exp, COMPLEX_RTOL[exp.dtype.name])
    if exp.dtype.kind != "f":
        return np.nonzero(got != exp)[0]
    bits = np.dtype(f"u{exp.itemsize}")
    ok = (got.view(bits) == exp.view(bits)) | (np.isnan(got) & np.isnan(exp))
    if name in TRANSCENDENTAL or (complex_in and name == "abs"):
        g, e = got.astype(np.float64), exp.astype(np.float64)
        with np.errstate(all="ignore"):
            near = np.abs(g - e) <= ULP * np.spacing(np.abs(exp)).astype(np.float64)
        ok |= np.isfinite(g) & np.isfinite(e) & (e != 0) & near
    return np.nonzero(~ok)[0]


def _complex_mismatches(got: np.ndarray, exp: np.ndarray, rtol: float) -> np.ndarray:
    with np.errstate(all="ignore"):
        mag = np.maximum(np.where(np.isfinite(exp.real), np.abs(exp.real), 0),
                         np.where(np.isfinite(exp.imag), np.abs(exp.imag), 0))
        ok = np.ones(exp.shape, bool)
        for e, g in ((exp.real, got.real), (exp.imag, got.imag)):
            exact_zero = (e == 0) & (mag == 0)
            close = np.isfinite(g) & (np.abs(g - e) <= rtol * mag)
            ok &= np.where(np.isnan(e), np.isnan(g),
                           np.where(np.isinf(e), g == e,
                                    np.where(exact_zero, (g == 0) & (np.signbit(g) == np.signbit(e)),
                                             close)))
    return np.nonzero(~ok)[0]


def assert_matches(name: str, ins: Sequence[np.ndarray], got: np.ndarray, exp: np.ndarray,
                   where: str = "") -> None:
    """Fail naming the first few operands whose result differs from NumPy's."""
    assert got.dtype == exp.dtype, f"{name}{where}: dtype {got.dtype}, NumPy's rules give {exp.dtype}"
    bad = mismatches(name, got, exp, ins[0].dtype.kind == "c")
    if len(bad):
        shown = "; ".join(f"{name}({', '.join(repr(i[k].item()) for i in ins)}) = {got[k].item()!r}, "
                          f"expected {exp[k].item()!r}" for k in bad[:6])
        pytest.fail(f"{name}{where}: {len(bad)} of {exp.size} results differ: {shown}")
