"""Max ULP error of the math functions on a device against a correctly rounded reference (mpmath).

Used by ``scripts/math_accuracy.py`` (the table in ``docs/math_accuracy.md``) and
``tests/backends/test_math_accuracy.py`` (a smaller sample, every device). Samples are dense uniform
draws over each function's main range plus edge ranges (tiny arguments, near overflow and underflow,
subnormal results and arguments, arguments near multiples of pi/2, huge trigonometric arguments),
and special values whose results must be exact (inf, nan, -0.0, overflow to inf, underflow to 0).
Needs ``mpmath`` (a test dependency).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: Documented bound (ulp) per function, both dtypes; ``docs/semantics.md`` allows 4.
TOLERANCE = {"exp": 4.0, "expm1": 4.0, "log": 4.0, "sin": 4.0, "cos": 4.0, "tanh": 4.0, "erf": 4.0}
FUNCS = tuple(TOLERANCE)
_HUGE = {"float64": 1.7e308, "float32": 3.4e38}
_EXP_MAX = {"float64": 709.78, "float32": 88.72}
_EXP_MIN = {"float64": -745.1, "float32": -103.9}
SPECIALS = [math.inf, -math.inf, math.nan, 0.0, -0.0, 1.0, -1.0]


def _ranges(name: str, dtype: str) -> list[tuple[str, float, float, str]]:
    """(label, lo, hi, "lin" | "log") sample ranges of ``name``."""
    lo, hi = _EXP_MIN[dtype], _EXP_MAX[dtype]
    big = math.log(_HUGE[dtype])
    table: dict[str, list[tuple[str, float, float, str]]] = {
        "exp": [("main", lo, hi, "lin"), ("[-1, 1]", -1, 1, "lin"), ("tiny", -1e-9, 1e-9, "lin"),
                ("subnormal results", lo, lo + 37, "lin"), ("near overflow", hi - 10, hi, "lin")],
        "expm1": [("main", -40, hi, "lin"), ("[-1, 1]", -1, 1, "lin"), ("tiny", -1e-9, 1e-9, "lin")],
        "log": [("main", math.exp(lo), math.exp(big), "log"), ("[0.5, 2]", 0.5, 2, "lin"),
                ("near 1", 1 - 1e-6, 1 + 1e-6, "lin"),
                ("subnormal arguments", 5e-324 if dtype == "float64" else 1.5e-45,
                 2.2e-308 if dtype == "float64" else 1.1e-38, "log")],
        "sin": [("[-10, 10]", -10, 10, "lin"), ("[-65536, 65536]", -65536, 65536, "lin"),
                ("tiny", -1e-9, 1e-9, "lin"), ("huge", 65536, _HUGE[dtype], "log")],
        "tanh": [("main", -25, 25, "lin"), ("[-1, 1]", -1, 1, "lin"), ("tiny", -1e-9, 1e-9, "lin")],
        "erf": [("main", -7, 7, "lin"), ("[-1, 1]", -1, 1, "lin"), ("[1, 6]", 1, 6, "lin"),
                ("tiny", -1e-9, 1e-9, "lin")],
    }
    table["cos"] = table["sin"]
    return table[name]


def samples(name: str, dtype: str, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``n`` arguments per range (label -> array of ``dtype``), plus "near k pi/2" for sin/cos."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for label, lo, hi, scale in _ranges(name, dtype):
        if scale == "log":
            x = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
            if name in ("sin", "cos"):
                x *= rng.choice([-1.0, 1.0], n)
        else:
            x = rng.uniform(lo, hi, n)
        out[label] = x.astype(dtype)
    if name in ("sin", "cos"):
        k = rng.integers(-41000, 41000, n)
        out["near k pi/2"] = (k * (math.pi / 2)).astype(dtype)
    return out


def reference(name: str, x: np.ndarray) -> list[Any]:
    """Exact values (mpmath at 160 bits) of ``name`` at the points ``x``."""
    import mpmath as mp

    fn = getattr(mp, name)
    with mp.workprec(160):
        return [fn(mp.mpf(float(v))) for v in x]


def ulp_errors(got: np.ndarray, ref: list[Any], dtype: str) -> np.ndarray:
    """|got - ref| in units of the last place of ``ref`` rounded to ``dtype`` (inf: wrong class)."""
    t = np.dtype(dtype).type
    info = np.finfo(dtype)
    errs = np.empty(len(ref))
    for i, (g, r) in enumerate(zip(got.tolist(), ref, strict=True)):
        rf = float(r)
        if abs(rf) > float(info.max):  # overflows the dtype: must be inf of that sign
            errs[i] = 0.0 if g == math.copysign(math.inf, rf) else math.inf
            continue
        ulp = float(np.spacing(np.abs(t(rf))))
        ulp = max(ulp, float(info.smallest_subnormal))
        errs[i] = float(abs(g - r)) / ulp if math.isfinite(g) else math.inf
    return errs


def special_failures(name: str, got: np.ndarray, dtype: str) -> list[str]:
    """Special values (``SPECIALS`` and overflow/underflow) whose results differ from NumPy's."""
    x = special_inputs(name, dtype)
    with np.errstate(all="ignore"):
        want = numpy_function(name)(x)
    bad = []
    for a, g, w in zip(x.tolist(), got.tolist(), want.tolist(), strict=True):
        same = (math.isnan(g) and math.isnan(w)) or (g == w and math.copysign(1, g) == math.copysign(1, w))
        tol = 4 * float(np.spacing(np.abs(np.dtype(dtype).type(w))))
        near = math.isfinite(w) and w != 0 and abs(g - w) <= tol
        if not (same or near):
            bad.append(f"{name}({a!r}) = {g!r}, expected {w!r}")
    return bad


def numpy_function(name: str) -> Any:
    """NumPy's ``name`` (erf, which NumPy lacks: CPython's ``math.erf`` per element, rounded)."""
    if name == "erf":
        return lambda x: np.array([math.erf(v) for v in x.tolist()], dtype=np.float64).astype(x.dtype)
    return getattr(np, name)


def special_inputs(name: str, dtype: str) -> np.ndarray:
    extra = {"exp": [1000.0, -1000.0, _EXP_MAX[dtype] + 1, _EXP_MIN[dtype] - 1],
             "expm1": [1000.0, -1000.0, -50.0], "log": [-0.5, -math.inf, 5e-324, 1.7e308],
             "sin": [1e300, -1e22], "cos": [1e300, -1e22], "tanh": [30.0, -30.0, 1e300],
             "erf": [6.0, -6.0, 1e300, 5e-324]}[name]
    with np.errstate(over="ignore"):
        return np.array(SPECIALS + extra, dtype=np.float64).astype(dtype)


def run_on(device: Any, name: str, x: np.ndarray) -> np.ndarray:
    """``name`` applied to ``x`` by a Cambrian kernel on ``device``."""
    import cambrian as cb

    fn = _VECTORIZED.get(name)
    if fn is None:
        fn = _VECTORIZED[name] = cb.vectorize(_SCALAR[name])
    return np.asarray(fn(cb.asarray(x, device=device)))


def _exp(x):  # type: ignore[no-untyped-def]
    return math.exp(x)


def _expm1(x):  # type: ignore[no-untyped-def]
    return math.expm1(x)


def _log(x):  # type: ignore[no-untyped-def]
    return math.log(x)


def _sin(x):  # type: ignore[no-untyped-def]
    return math.sin(x)


def _cos(x):  # type: ignore[no-untyped-def]
    return math.cos(x)


def _tanh(x):  # type: ignore[no-untyped-def]
    return math.tanh(x)


def _erf(x):  # type: ignore[no-untyped-def]
    return math.erf(x)


_SCALAR = {"exp": _exp, "expm1": _expm1, "log": _log, "sin": _sin, "cos": _cos, "tanh": _tanh, "erf": _erf}
_VECTORIZED: dict[str, Any] = {}


def table(device: Any, dtype: str, n: int, names: tuple[str, ...] = FUNCS) -> list[dict[str, Any]]:
    """One row per function and range: max ulp on ``device`` and of NumPy, and the worst argument."""
    rows = []
    for name in names:
        for label, x in samples(name, dtype, n).items():
            ref = reference(name, x)
            got = ulp_errors(run_on(device, name, x), ref, dtype)
            with np.errstate(all="ignore"):
                npy = ulp_errors(numpy_function(name)(x), ref, dtype)
            worst = int(np.argmax(got))
            rows.append({"function": name, "dtype": dtype, "range": label, "n": len(x),
                         "max_ulp": float(got.max()), "numpy_max_ulp": float(npy.max()),
                         "worst_x": float(x[worst])})
    return rows


#: (label, x range (log-uniform), y range) of the ``pow`` table
POW_RANGES = [("x in [1e-3, 1e3], y in [-20, 20]", (1e-3, 1e3), (-20.0, 20.0)),
              ("x in [0.5, 2], y in [-700, 700]", (0.5, 2.0), (-700.0, 700.0)),
              ("x in [1e-300, 1e300], y in [-1, 1]", (1e-300, 1e300), (-1.0, 1.0))]


def pow_table(device: Any, dtype: str, n: int, seed: int = 0) -> list[dict[str, Any]]:
    """Max ulp of ``x ** y`` on ``device`` and of ``np.power`` per range of ``POW_RANGES``."""
    import mpmath as mp

    import cambrian as cb

    fn = _VECTORIZED.get("pow")
    if fn is None:
        fn = _VECTORIZED["pow"] = cb.vectorize(_pow)
    rng = np.random.default_rng(seed)
    rows = []
    for label, (xlo, xhi), (ylo, yhi) in POW_RANGES:
        if dtype == "float32" and xhi > 1e30:
            continue
        x = np.exp(rng.uniform(math.log(xlo), math.log(xhi), n)).astype(dtype)
        y = rng.uniform(ylo, yhi, n).astype(dtype)
        with mp.workprec(160):
            ref = [mp.power(mp.mpf(float(a)), mp.mpf(float(b))) for a, b in zip(x, y, strict=True)]
        got = np.asarray(fn(cb.asarray(x, device=device), cb.asarray(y, device=device)))
        errs = ulp_errors(got, ref, dtype)
        with np.errstate(all="ignore"):
            npy = ulp_errors(np.power(x, y), ref, dtype)
        worst = int(np.argmax(errs))
        rows.append({"function": "pow", "dtype": dtype, "range": label, "n": n,
                     "max_ulp": float(errs.max()), "numpy_max_ulp": float(npy.max()),
                     "worst_x": float(x[worst]), "worst_y": float(y[worst])})
    return rows


def _pow(x, y):  # type: ignore[no-untyped-def]
    return x ** y
