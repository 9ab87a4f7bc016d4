"""The dtypes of Cambrian and NumPy 2 (NEP 50) promotion, shared by the compiler and the arrays.

A dtype is named by its NumPy name (``"float32"``). Python literals are *weak*: they take the
type of the other operand when they fit its kind (``x32 * 2.0`` stays ``float32``).
"""

from __future__ import annotations

import numpy as np

BOOL = ("bool",)
SIGNED = ("int8", "int16", "int32", "int64")
UNSIGNED = ("uint8", "uint16", "uint32", "uint64")
INTEGER = SIGNED + UNSIGNED
FLOATING = ("float32", "float64")
COMPLEX = ("complex64", "complex128")
ALL = BOOL + INTEGER + FLOATING + COMPLEX
#: NumPy dtype -> its name, for Cambrian's dtypes (``np.dtype.name`` costs about a microsecond: hot paths)
NP_NAMES: dict[np.dtype, str] = {np.dtype(n): n for n in ALL}

#: Python scalar kinds, in promotion order.
WEAK_KINDS = ("bool", "int", "float", "complex")
_WEAK_DEFAULT = {"bool": "bool", "int": "int64", "float": "float64", "complex": "complex128"}
_WEAK_SAMPLE = {"bool": True, "int": 0, "float": 0.0, "complex": 0j}


def name(dtype: object) -> str:
    """Canonical dtype name of anything NumPy understands (``np.float32``, ``"f4"``, ...)."""
    memo = isinstance(dtype, (str, np.dtype)) or (isinstance(dtype, type) and dtype in _SCALAR_TYPES)
    if memo and dtype in _NAMES:
        return _NAMES[dtype]
    n = np.dtype(dtype).name  # type: ignore[call-overload]
    if n not in ALL:
        raise TypeError(f"unsupported dtype {n!r}; Cambrian supports {', '.join(ALL)}")
    if memo and len(_NAMES) < 1024:
        _NAMES[dtype] = n
    return n


# memo of name() for strings, NumPy dtypes and scalar types (np.dtype(...).name costs microseconds)
_NAMES: dict[object, str] = {}
_SCALAR_TYPES = frozenset(np.dtype(t).type for t in ALL)


def itemsize(dtype: str) -> int:
    return np.dtype(dtype).itemsize


def kind(dtype: str) -> str:
    """One of ``"bool"``, ``"int"``, ``"uint"``, ``"float"``, ``"complex"``."""
    if dtype == "bool":
        return "bool"
    if dtype in SIGNED:
        return "int"
    if dtype in UNSIGNED:
        return "uint"
    if dtype in FLOATING:
        return "float"
    return "complex"


def is_integer(dtype: str) -> bool:
    return dtype in INTEGER


def is_float(dtype: str) -> bool:
    return dtype in FLOATING


def is_complex(dtype: str) -> bool:
    return dtype in COMPLEX


def needs_float64(dtype: str) -> bool:
    """True for the dtypes a device without fp64 cannot hold."""
    return dtype in ("float64", "complex128")


def real_of(dtype: str) -> str:
    """Real part dtype of a complex dtype (identity for others)."""
    return {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)


def complex_of(dtype: str) -> str:
    """Complex dtype with the given real precision."""
    return "complex64" if dtype in ("float32", "complex64") else "complex128"


def weak_kind(value: object) -> str | None:
    """The weak kind of a Python scalar (``bool`` before ``int``), else None."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, complex):
        return "complex"
    return None


def promote(a: str, b: str) -> str:
    """Promotion of two strong dtypes (NumPy 2 rules)."""
    return np.result_type(np.dtype(a), np.dtype(b)).name


def promote_weak(strong: str, weak: str) -> str:
    """Promotion of a strong dtype with a weak Python scalar kind (NEP 50)."""
    return np.result_type(np.dtype(strong), _WEAK_SAMPLE[weak]).name


def weak_default(weak: str) -> str:
    """The dtype a lone Python literal takes: int64, float64, complex128 or bool."""
    return _WEAK_DEFAULT[weak]


def result_type(*operands: str | tuple[str, str]) -> str:
    """Promotion of several operands (NumPy 2's n-ary rule: the order does not matter); a weak operand
    is written ``("weak", kind)``."""
    strong = [o for o in operands if isinstance(o, str)]
    weak = [o[1] for o in operands if not isinstance(o, str)]
    if strong:
        if len(strong) == 1 and not weak:
            return strong[0]
        return np.result_type(*(np.dtype(s) for s in strong), *(_WEAK_SAMPLE[w] for w in weak)).name
    top = max(weak, key=WEAK_KINDS.index)
    return weak_default(top)
