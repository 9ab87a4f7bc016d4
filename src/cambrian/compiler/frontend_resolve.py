"""Name resolution of the front end: classify the Python object a global/closure name denotes.

Objects are classified by markers (``__cambrian_intrinsic__``, ``__cambrian_dtype__``,
``__cambrian_func__``), by being a ``math`` builtin or a NumPy ufunc / scalar type, or by being a
plain constant. ``math.floor/ceil/trunc`` return the *float* type in kernels (unlike Python's ints).
"""

from __future__ import annotations

import builtins
import math
import types
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import dtypes
from . import intrinsics

#: math-module names that differ from the intrinsic names.
MATH_ALIASES = {"fabs": "fabs", "pow": "pow", "atan2": "atan2"}
#: NumPy names that differ from the intrinsic names.
NUMPY_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2",
                 "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "power": "pow",
                 "absolute": "abs", "minimum": "min", "maximum": "max", "conj": "conjugate",
                 "real": "real", "imag": "imag"}
#: Builtins of the kernel language (``complex`` is a cast or the ``complex`` intrinsic).
BUILTINS = {"range": "range", "len": "len", "abs": "abs", "min": "min", "max": "max", "round": "round",
            "print": "print"}
#: NumPy ufuncs lowered by the front end (``frontend_builtins``), as the math functions of that name.
NUMPY_LOWERED = ("degrees", "radians", "modf", "frexp")
BUILTIN_CASTS = {int: "int64", float: "float64", bool: "bool", complex: "complex128"}


@dataclass(frozen=True)
class Resolved:
    """What a name denotes. ``kind`` is one of ``intrinsic`` (``name``: an intrinsic or special
    form), ``dtype`` (``name``: a dtype; calling it casts), ``func`` (``obj``: a @func's Python
    function, or an object whose ``__cambrian_overload__(argtypes)`` returns one per call), ``builtin``
    (``name``: range/len), ``module`` (``obj``), ``const`` (``obj``: a Python or NumPy scalar, or a
    tuple of ints) or ``other`` (``obj``: anything else, an error where used)."""

    kind: str
    name: str = ""
    obj: Any = None


def _dtype_name(obj: Any) -> str | None:
    marker = getattr(obj, "__cambrian_dtype__", None)
    if isinstance(marker, str):
        return marker
    if isinstance(obj, type) and issubclass(obj, np.generic):
        try:
            return dtypes.name(obj)
        except TypeError:
            return None
    if isinstance(obj, type) and obj in BUILTIN_CASTS:
        return BUILTIN_CASTS[obj]
    return None


def classify(obj: Any) -> Resolved:
    """Classify a Python object found by name or attribute lookup."""
    marker = getattr(obj, "__cambrian_intrinsic__", None)
    if isinstance(marker, str):
        return Resolved("intrinsic", marker)
    if obj is complex:
        return Resolved("intrinsic", "complex")
    d = _dtype_name(obj)
    if d is not None:
        return Resolved("dtype", d)
    if getattr(obj, "__cambrian_func__", False) and callable(getattr(obj, "py_func", None)):
        if callable(getattr(obj, "__cambrian_overload__", None)):
            return Resolved("func", obj=obj)  # the Python function is chosen per call (device_call)
        return Resolved("func", obj=obj.py_func)
    if isinstance(obj, types.ModuleType):
        return Resolved("module", obj=obj)
    if isinstance(obj, np.ufunc):
        n = NUMPY_ALIASES.get(obj.__name__, obj.__name__)
        if intrinsics.lookup(n) is not None or n in NUMPY_LOWERED:
            return Resolved("intrinsic", n)
    if isinstance(obj, types.BuiltinFunctionType):
        owner = getattr(obj, "__self__", None)
        if owner is math and (intrinsics.lookup(MATH_ALIASES.get(obj.__name__, obj.__name__))
                              or obj.__name__ in intrinsics.LOWERED):
            return Resolved("intrinsic", MATH_ALIASES.get(obj.__name__, obj.__name__))
        if owner is builtins and obj.__name__ in BUILTINS:
            n = BUILTINS[obj.__name__]
            return Resolved("intrinsic" if intrinsics.lookup(n) or n in intrinsics.LOWERED else "builtin", n)
    if obj is range:
        return Resolved("builtin", "range")
    if isinstance(obj, np.generic) and obj.dtype.name in dtypes.ALL:
        return Resolved("const", obj=obj)
    if isinstance(obj, (bool, int, float, complex)):
        return Resolved("const", obj=obj)
    if isinstance(obj, tuple) and all(isinstance(x, int) and not isinstance(x, bool) for x in obj):
        return Resolved("const", obj=obj)
    if isinstance(obj, np.dtype) and obj.name in dtypes.ALL:
        return Resolved("dtype", obj.name)
    return Resolved("other", obj=obj)


def module_attr(mod: types.ModuleType, attr: str) -> Resolved | None:
    """``mod.attr``: NumPy/math names that are intrinsics resolve by name; else the attribute."""
    if mod is np:
        if attr in ("round", "around"):  # numpy.round(x, decimals=0): a float stays a float
            return Resolved("intrinsic", "np_round")
        n = NUMPY_ALIASES.get(attr, attr)
        if intrinsics.lookup(n) is not None and intrinsics.lookup(n).category in ("math", "predicate",
                                                                                  "builtin", "complex"):
            return Resolved("intrinsic", n)
    if not hasattr(mod, attr):
        return None
    return classify(getattr(mod, attr))


def describe(obj: Any) -> str:
    """A short description of an unsupported object for error messages."""
    if isinstance(obj, types.ModuleType):
        return f"module {obj.__name__!r}"
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if name:
        return f"{type(obj).__name__} {name!r}"
    text = repr(obj)
    return f"{type(obj).__name__} {text[:60]}"
