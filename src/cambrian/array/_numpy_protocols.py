"""NumPy's protocols on ``cambrian.Array``: NumPy-style code computes on the array's device and never
copies to the host behind the user's back.

* ``__array_ufunc__`` (NEP 13): ``np.exp(x)``, ``np_array + x``, ``np.float64(2) * x``,
  ``np.sin(x, out=(y,))`` call the namespace's elementwise function of that ufunc (the elementwise
  table's ``.ufunc`` plus NumPy's aliases); ``np.add.reduce``/``accumulate`` are ``sum``/
  ``cumulative_sum`` (and friends), ``outer`` broadcasts. NumPy operands move to the Array operands'
  device as they do in ``cb.add(x, np_array)``: explicitly host data, as in kernel launches.
* ``__array_function__`` (NEP 18): NumPy functions with a namespace counterpart (``np.transpose`` ->
  ``permute_dims``, ``np.concatenate`` -> ``concat``, ``np.linalg.norm`` -> ``linalg.vector_norm``...)
  call it, with NumPy's arguments mapped to the standard's (a NumPy-only argument at a non-default
  value raises TypeError).
* Anything else raises TypeError naming the NumPy function: Cambrian never copies to the host silently.
  ``np.asarray(x)``/``np.array(x)`` still copy to the host (explicitly, through ``__array__``), as does
  ``cambrian.asnumpy(x)``.

Counterparts are looked up by name on the ``cambrian`` module at call time, so a NumPy function whose
counterpart arrives later (manipulation, statistics, linalg, fft) works as soon as it lands.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..elementwise import Elementwise
from ._array import Array
from ._elementwise import FUNCTIONS
from ._numpy_functions import (
    NEVER,
    array_function,
    first_array,
    is_default,
    no_host,
    resolve,
    show,
    to_device,
    unsupported,
)

# -- NEP 13: ufuncs ------------------------------------------------------------------------------------

#: NumPy ufunc names -> namespace names, beyond the elementwise table's own ``.ufunc``: NumPy's aliases
#: (the same ufunc objects in NumPy 2, listed so any NumPy version maps them) and ufuncs of later chapters.
UFUNC_ALIASES: dict[str, str] = {
    "abs": "abs", "absolute": "abs", "acos": "acos", "arccos": "acos", "acosh": "acosh",
    "arccosh": "acosh", "asin": "asin", "arcsin": "asin", "asinh": "asinh", "arcsinh": "asinh",
    "atan": "atan", "arctan": "atan", "atanh": "atanh", "arctanh": "atanh", "atan2": "atan2",
    "arctan2": "atan2", "pow": "pow", "power": "pow", "conj": "conj", "conjugate": "conj",
    "true_divide": "divide", "divide": "divide", "mod": "remainder", "remainder": "remainder",
    "invert": "bitwise_invert", "bitwise_not": "bitwise_invert", "bitwise_invert": "bitwise_invert",
    "left_shift": "bitwise_left_shift", "bitwise_left_shift": "bitwise_left_shift",
    "right_shift": "bitwise_right_shift", "bitwise_right_shift": "bitwise_right_shift",
    "matmul": "matmul", "vecdot": "vecdot",
}
#: Ufuncs equal to a namespace function for real floating operands only (NumPy gives integers a float).
FLOAT_ONLY: dict[str, str] = {"fabs": "abs", "rint": "round"}
#: (ufunc method, ufunc name) -> namespace function; NumPy's default ``axis`` of these methods is 0.
METHODS: dict[tuple[str, str], str] = {
    ("reduce", "add"): "sum", ("reduce", "multiply"): "prod", ("reduce", "maximum"): "max",
    ("reduce", "minimum"): "min", ("reduce", "logical_and"): "all", ("reduce", "logical_or"): "any",
    ("accumulate", "add"): "cumulative_sum", ("accumulate", "multiply"): "cumulative_prod",
}
#: Ufunc keywords accepted at NumPy's default value only.
_UFUNC_DEFAULTS = {"where": True, "casting": "same_kind", "order": "K", "subok": True, "dtype": None,
                   "signature": None}


def _ufunc_table() -> dict[np.ufunc, str]:
    table = {fn.ufunc: name for name, fn in FUNCTIONS.items() if isinstance(fn.ufunc, np.ufunc)}
    for np_name, name in UFUNC_ALIASES.items():
        u = getattr(np, np_name, None)
        if isinstance(u, np.ufunc):
            table.setdefault(u, name)
    return table


#: NumPy ufunc -> namespace function name (``__call__``).
UFUNCS: dict[np.ufunc, str] = _ufunc_table()


def _foreign(values: Any) -> bool:
    """True when another library's array takes part (it gets its turn: NotImplemented)."""
    return any(hasattr(type(v), "__array_ufunc__") and not isinstance(v, Array | np.generic)
               and type(v) is not np.ndarray for v in values)


def _take_out(kwargs: dict[str, Any], what: str) -> Array | None:
    out = kwargs.pop("out", None)
    if isinstance(out, tuple):
        if len(out) != 1:
            raise TypeError(f"{what}: out must hold one array, got {len(out)}")
        out = out[0]
    if out is not None and not isinstance(out, Array):
        raise TypeError(f"{what}: out must be a cambrian.Array, got {type(out).__name__} (writing a device "
                        f"result into host memory would copy to the host; {NEVER})")
    return out


def _check_keywords(kwargs: dict[str, Any], what: str, allowed: dict[str, Any]) -> None:
    for key, value in kwargs.items():
        if key not in allowed or not is_default(value, allowed[key]):
            raise TypeError(f"{what}: the keyword {key}={show(value)} is not supported for cambrian.Array")


def array_ufunc(self: Array, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """NEP 13: a NumPy ufunc on cambrian.Array operands runs the namespace's function on their device."""
    if _foreign((*inputs, *_out_values(kwargs))):
        return NotImplemented
    what = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    out = _take_out(kwargs, what)
    anchor = first_array((*inputs, out))
    strong = method in ("__call__", "outer")
    inputs = tuple(to_device(a, anchor.device, strong) if anchor is not None else a for a in inputs)
    if method == "__call__":
        return _ufunc_call(ufunc, what, inputs, kwargs, out)
    if method == "outer" and isinstance(FUNCTIONS.get(UFUNCS.get(ufunc, "")), Elementwise) \
            and ufunc.nin == 2 and len(inputs) == 2:
        _check_keywords(kwargs, what, _UFUNC_DEFAULTS)
        fn = resolve(what, UFUNCS[ufunc])
        a, b = inputs
        if isinstance(a, Array):
            a = a[(..., *(None,) * getattr(b, "ndim", 0))]
        return _store(fn(a, b), out)
    target = METHODS.get((method, ufunc.__name__))
    if target is None or len(inputs) != 1:
        raise unsupported(what)
    return _reduction(what, target, method, inputs[0], kwargs, out)


def _out_values(kwargs: dict[str, Any]) -> tuple[Any, ...]:
    out = kwargs.get("out")
    return out if isinstance(out, tuple) else (out,)


def _ufunc_call(ufunc: np.ufunc, what: str, inputs: tuple[Any, ...], kwargs: dict[str, Any],
                out: Array | None) -> Any:
    target = UFUNCS.get(ufunc)
    if target is None and ufunc.__name__ in FLOAT_ONLY and all(
            a.dtype.kind == "f" for a in inputs if isinstance(a, Array)):
        target = FLOAT_ONLY[ufunc.__name__]
    if target is None:
        raise unsupported(what)
    dtype = kwargs.pop("dtype", None)
    _check_keywords(kwargs, what, _UFUNC_DEFAULTS)
    fn = resolve(what, target)
    if dtype is not None:  # NumPy computes in ``dtype``: the array operands are cast to it first
        inputs = tuple(a.astype(np.dtype(dtype)) if isinstance(a, Array) else a for a in inputs)
    if isinstance(fn, Elementwise):
        return fn(*inputs) if out is None else fn(*inputs, out=out)
    return _store(no_host(fn(*inputs), what), out)


def _store(result: Any, out: Array | None) -> Any:
    """``result`` written into ``out`` (on the device, cast as NumPy assigns), or ``result``."""
    if out is None:
        return result
    out[...] = result
    return out


def _reduction(what: str, target: str, method: str, x: Any, kwargs: dict[str, Any], out: Array | None) -> Any:
    options: dict[str, Any] = {"axis": kwargs.pop("axis", 0)}
    if kwargs.get("dtype") is not None:
        options["dtype"] = kwargs.pop("dtype")
    elif method == "accumulate" and isinstance(x, Array):
        options["dtype"] = x.dtype  # NumPy's accumulate keeps the dtype; the standard's cumulative_* widen
    if kwargs.pop("keepdims", False):
        options["keepdims"] = True
    _check_keywords(kwargs, what, {"where": True, "dtype": None})
    if not isinstance(x, Array):
        raise TypeError(f"{what}: expected a cambrian.Array, got {type(x).__name__}")
    return _store(no_host(resolve(what, target)(x, **options), what), out)


def _install() -> None:
    array_ufunc.__name__ = array_ufunc.__qualname__ = "__array_ufunc__"
    array_function.__name__ = array_function.__qualname__ = "__array_function__"
    Array.__array_ufunc__ = array_ufunc  # type: ignore[attr-defined]
    Array.__array_function__ = array_function  # type: ignore[attr-defined]


_install()
