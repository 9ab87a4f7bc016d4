"""ONE table of the kernel language's intrinsics: name, category, arity and typing rule.

The front end uses :func:`lookup` and ``Intrinsic.typing`` to type a call and insert casts; the
interpreter uses ``Intrinsic.ref`` (NumPy scalar semantics) as the reference; each renderer keeps a
spelling table keyed by these names, and ``tests/unit/test_intrinsics.py`` checks that every
renderer spells every intrinsic.

Typing rules take the argument dtypes and return ``(param_dtypes, result_dtype)``: the front end casts
each argument to its param dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import dtypes
from . import intrinsics_exact as _exact

Typing = Callable[[tuple[str, ...]], tuple[tuple[str, ...], str]]


class IntrinsicTypeError(TypeError):
    """Raised by a typing rule; the front end turns it into a KernelTypeError at the call site."""


@dataclass(frozen=True)
class Intrinsic:
    name: str
    category: str  # "workitem", "math", "predicate", "builtin", "complex", "atomic"
    nargs: tuple[int, int]  # min, max (max -1 = variadic)
    typing: Typing
    ref: Callable[..., object] | None = None  # scalar reference (interp); None where interp special-cases
    doc: str = ""


def _float_of(d: str) -> str:
    if dtypes.is_complex(d):
        raise IntrinsicTypeError("complex argument not supported here")
    return d if d in dtypes.FLOATING else "float64"


def _unary_float(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    f = _float_of(args[0])
    return (f,), f


def _binary_float(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    f = dtypes.promote(_float_of(args[0]), _float_of(args[1]))
    return (f, f), f


def _predicate(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    f = _float_of(args[0])
    return (f,), "bool"


def _workitem(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    return ("int64",), "int64"


def _abs(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    d = args[0]
    return (d,), dtypes.real_of(d) if dtypes.is_complex(d) else ("int64" if d == "bool" else d)


def _minmax(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    if any(dtypes.is_complex(a) for a in args):
        raise IntrinsicTypeError("min/max of complex numbers is not defined")
    out = args[0]
    for a in args[1:]:
        out = dtypes.promote(out, a)
    return tuple(out for _ in args), out


def _complex_new(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    f = _float_of(args[0]) if len(args) == 1 else _binary_float(args)[1]
    return tuple(f for _ in args), dtypes.complex_of(f)


def _real_imag(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    return (args[0],), dtypes.real_of(args[0])


def _conj(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    return (args[0],), args[0]


def _atomic(n_values: int) -> Typing:
    # args: (element dtype, *value dtypes) -- the front end passes the element dtype first and
    # handles the indices itself.
    def rule(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
        elem = args[0]
        if dtypes.is_complex(elem) or elem == "bool":
            raise IntrinsicTypeError(f"atomics on {elem} arrays are not supported")
        return tuple(elem for _ in range(1 + n_values)), elem

    return rule


def _int_atomic(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    elem = args[0]
    if elem not in dtypes.INTEGER or elem == "bool":
        raise IntrinsicTypeError(f"needs an int32, uint32, int64 or uint64 array, got {elem}")
    return (elem, elem), elem


def _py(fn: Callable[..., float]) -> Callable[..., object]:
    """Reference for functions NumPy lacks: compute in float64 Python, round to the arg dtype."""

    def ref(*xs: object) -> object:
        t = type(xs[0])
        try:
            return t(fn(*(float(x) for x in xs)))  # type: ignore[call-arg]
        except (ValueError, OverflowError):
            return t(math.nan)  # type: ignore[call-arg]

    return ref


TABLE: dict[str, Intrinsic] = {}


def _add(*items: Intrinsic) -> None:
    for it in items:
        TABLE[it.name] = it


_add(*(Intrinsic(n, "workitem", (1, 1), _workitem, doc=f"OpenCL {n}(dim)") for n in (
    "get_global_id", "get_local_id", "get_group_id", "get_global_size", "get_local_size", "get_num_groups")))

_UNARY_NP = {
    "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "log2": np.log2, "log10": np.log10,
    "log1p": np.log1p, "expm1": np.expm1, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
    "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "fabs": np.fabs, "cbrt": np.cbrt,
    "exp2": np.exp2, "rint": np.rint,
}
_add(*(Intrinsic(n, "math", (1, 1), _unary_float, f) for n, f in _UNARY_NP.items()))
_add(
    Intrinsic("erf", "math", (1, 1), _unary_float, _py(math.erf)),
    Intrinsic("erfc", "math", (1, 1), _unary_float, _py(math.erfc)),
    Intrinsic("lgamma", "math", (1, 1), _unary_float, _py(math.lgamma)),
    Intrinsic("gamma", "math", (1, 1), _unary_float, _py(math.gamma)),
)


def _power(a: object, b: object) -> object:
    """C99 ``pow`` as NumPy's array loop computes it (NumPy's scalar ``power(-inf, 0.5)`` is a ``sqrt``:
    nan; C, CPython's ``**`` and every device give inf)."""
    return np.power(np.asarray([a]), np.asarray([b]))[0]


_BINARY_NP = {"atan2": np.arctan2, "pow": _power, "hypot": np.hypot, "fmod": np.fmod,
              "copysign": np.copysign, "nextafter": np.nextafter}
_add(*(Intrinsic(n, "math", (2, 2), _binary_float, f) for n, f in _BINARY_NP.items()))


def _ldexp(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    if not dtypes.is_integer(args[1]):
        raise IntrinsicTypeError(f"the exponent must be an integer, got {args[1]}")
    f = _float_of(args[0])
    return (f, "int32"), f


_add(Intrinsic("ldexp", "math", (2, 2), _ldexp, np.ldexp, "math.ldexp(x, n): x * 2**n (n as int32)"))


def _fma(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    f = dtypes.promote(dtypes.promote(_float_of(args[0]), _float_of(args[1])), _float_of(args[2]))
    return (f, f, f), f


def _float_as_int(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    if args[0] not in ("float32", "float64"):
        raise IntrinsicTypeError(f"float_as_int() needs a float32 or float64 operand, got {args[0]}")
    return (args[0],), "int32" if args[0] == "float32" else "int64"


def _int_as_float(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    if args[0] not in ("int32", "uint32", "int64", "uint64"):
        raise IntrinsicTypeError(f"int_as_float() needs a 32- or 64-bit integer operand, got {args[0]}")
    return (args[0],), "float32" if args[0] in ("int32", "uint32") else "float64"


_add(Intrinsic("fma", "math", (3, 3), _fma, _exact.fma, "fma(a, b, c): a * b + c rounded once"),
     Intrinsic("float_as_int", "bits", (1, 1), _float_as_int, _exact.view_bits,
               "float_as_int(x): the bits of a float32/float64 as int32/int64"),
     Intrinsic("int_as_float", "bits", (1, 1), _int_as_float, _exact.view_bits,
               "int_as_float(i): the float32/float64 whose bits are the 32/64-bit integer i"))
#: Builtins the front end lowers to other IR (``frontend_builtins``); no renderer spells them.
LOWERED = frozenset({"round", "np_round", "degrees", "radians", "modf", "frexp", "popc", "clz", "ffs",
                     "print"})
_add(*(Intrinsic(n, "predicate", (1, 1), _predicate, f) for n, f in
       {"isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite}.items()))
_add(
    Intrinsic("abs", "builtin", (1, 1), _abs, None, "abs(x): wraps for the most negative int"),
    Intrinsic("min", "builtin", (2, -1), _minmax, None, "min(a, b, ...): NaN-propagating like NumPy"),
    Intrinsic("max", "builtin", (2, -1), _minmax, None, "max(a, b, ...): NaN-propagating like NumPy"),
    Intrinsic("fmin", "builtin", (2, 2), _minmax, None, "numpy.fmin(a, b): a NaN operand is ignored"),
    Intrinsic("fmax", "builtin", (2, 2), _minmax, None, "numpy.fmax(a, b): a NaN operand is ignored"),
    Intrinsic("complex", "complex", (1, 2), _complex_new, None, "complex(re, im=0)"),
    Intrinsic("real", "complex", (1, 1), _real_imag, None, "z.real"),
    Intrinsic("imag", "complex", (1, 1), _real_imag, None, "z.imag"),
    Intrinsic("conjugate", "complex", (1, 1), _conj, None, "z.conjugate()"),
)
_add(*(Intrinsic(n, "atomic", (3, -1), _atomic(1), None, f"{n}(array, *index, value) -> old value")
       for n in ("atomic_add", "atomic_sub", "atomic_min", "atomic_max", "atomic_xchg")))
#: Integer-only atomics. ``atomic_inc/dec(a, i, bound)`` follow CUDA's atomicInc/atomicDec:
#: inc stores ``0 if old >= bound else old + 1``; dec stores ``bound if old == 0 or old > bound else
#: old - 1`` (the comparisons in the element dtype); both return the old value.
INT_ATOMICS = ("atomic_and", "atomic_or", "atomic_xor", "atomic_inc", "atomic_dec")
_add(*(Intrinsic(n, "atomic", (3, -1), _int_atomic, None, f"{n}(array, *index, value) -> old value")
       for n in INT_ATOMICS))
_add(Intrinsic("atomic_cas", "atomic", (4, -1), _atomic(2), None,
               "atomic_cas(array, *index, expected, value) -> old value"))



def _sub_group_value(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    if dtypes.is_complex(args[0]):
        raise IntrinsicTypeError("sub-group operations on complex values are not supported")
    return (args[0], *("int64" for _ in args[1:])), args[0]


def _sub_group_reduce(args: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    d = "int64" if args[0] == "bool" else args[0]
    if dtypes.is_complex(d):
        raise IntrinsicTypeError("sub-group operations on complex values are not supported")
    return (d,), d


#: Sub-group (warp) operations: native on CUDA (warps of 32 lanes), sub-groups of one work-item elsewhere.
SUB_GROUP = ("get_sub_group_size", "get_sub_group_local_id", "sub_group_shuffle", "sub_group_broadcast",
             "sub_group_reduce_add", "sub_group_reduce_min", "sub_group_reduce_max")
_add(
    Intrinsic("get_sub_group_size", "subgroup", (0, 0), lambda a: ((), "int64"), lambda: 1,
              "the sub-group size (device.sub_group_size)"),
    Intrinsic("get_sub_group_local_id", "subgroup", (0, 0), lambda a: ((), "int64"), lambda: 0,
              "the work-item's lane in its sub-group"),
    *(Intrinsic(n, "subgroup", (2, 2), _sub_group_value, lambda x, lane: x, f"{n}(x, lane)")
      for n in ("sub_group_shuffle", "sub_group_broadcast")),
    *(Intrinsic(n, "subgroup", (1, 1), _sub_group_reduce, lambda x: x, f"{n}(x)")
      for n in ("sub_group_reduce_add", "sub_group_reduce_min", "sub_group_reduce_max")),
)

#: Work-group collectives, lowered by the front end (``frontend_group``) to local memory and barriers.
GROUP_FORMS = ("group_reduce_add", "group_reduce_min", "group_reduce_max",
               "group_scan_inclusive_add", "group_scan_inclusive_min", "group_scan_inclusive_max",
               "group_scan_exclusive_add", "group_scan_exclusive_min", "group_scan_exclusive_max",
               "group_broadcast", "group_any", "group_all",
               "syncthreads_count", "syncthreads_and", "syncthreads_or")

#: Names accepted as ``math.NAME`` in kernels (besides the math intrinsics above).
MATH_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf,
                                    "nan": math.nan}

#: Names that look like calls but are statements or declarations, handled by the front end.
SPECIAL_FORMS = ("barrier", "local_array", "private_array", "range", "store_nontemporal")


def lookup(name: str) -> Intrinsic | None:
    return TABLE.get(name)
