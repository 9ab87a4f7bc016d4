"""Reference semantics of the exact-arithmetic intrinsics (the interpreter's and constant folding's):
``fma`` rounded once, and the bit reinterpretations ``float_as_int``/``int_as_float``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported by fma (fractions + decimal: ~1.4 ms of import cambrian)
    from fractions import Fraction

_VIEW = {"float32": np.int32, "float64": np.int64, "int32": np.float32, "uint32": np.float32,
         "int64": np.float64, "uint64": np.float64}


def view_bits(x: object) -> object:
    """The bits of ``x`` reinterpreted (float32 <-> int32, float64 <-> int64, uint as int)."""
    a = np.asarray(x)
    return a.view(_VIEW[a.dtype.name])[()]


def _round32(exact: Fraction, d: float) -> np.float32:
    """``exact`` rounded once to float32, given ``d`` = ``exact`` rounded to float64 (a float64 on a
    float32 midpoint is the only case where rounding twice differs)."""
    from fractions import Fraction

    f = np.float32(d)
    if Fraction(d) == exact or not math.isfinite(float(f)):
        return f
    for other in (np.nextafter(f, np.float32(-np.inf)), np.nextafter(f, np.float32(np.inf))):
        if (float(other) + float(f)) / 2 == d:  # a tie in float64: decide by the exact value
            lo, hi = sorted((f, other), key=float)
            return hi if exact > Fraction(d) else lo
    return f


def fma(a: object, b: object, c: object) -> object:
    """``a * b + c`` with one rounding, in the type of ``a`` (np.float32 or np.float64)."""
    t = type(a) if isinstance(a, np.floating) else np.float64
    fa, fb, fc = float(a), float(b), float(c)  # type: ignore[arg-type]
    if not (math.isfinite(fa) and math.isfinite(fb) and math.isfinite(fc)):
        return t(fa * fb + fc)  # inf/nan rules need no exact arithmetic
    from fractions import Fraction

    exact = Fraction(fa) * Fraction(fb) + Fraction(fc)
    if exact == 0:  # the sign of a zero: (+-0) + (+-0) rules, else +0
        return t(fa * fb + fc) if fa * fb == 0 else t(0.0)
    try:
        d = float(exact)
    except OverflowError:
        return t(-math.inf if exact < 0 else math.inf)
    return _round32(exact, d) if t is np.float32 else t(d)
