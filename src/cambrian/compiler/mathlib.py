"""Which math functions use Cambrian's own vectorisable implementations (``CAMBRIAN_MATH``).

``CAMBRIAN_MATH=cambrian`` (the default) renders ``exp``, ``expm1``, ``log``, ``tanh`` and ``erf`` of
float32/float64 on the ``cpu`` device as calls of
:mod:`cambrian.backends.cpu_math` (straight-line code that LLVM vectorises; Numba would call the
scalar C library per element); ``CAMBRIAN_MATH=native`` keeps the C library everywhere. Other
devices always use their own library (SLEEF in PoCL, libdevice on CUDA). Accuracy per function:
``docs/math_accuracy.md`` (checked by ``tests/backends/test_math_accuracy.py``); the bounds of
``docs/semantics.md`` hold either way.
"""

from __future__ import annotations

import os

from ..errors import CambrianError

MODES = ("cambrian", "native")
#: intrinsic name -> functions in ``cambrian.backends.cpu_math`` (suffix ``_f64``/``_f32``)
CPU_FUNCS = ("exp", "expm1", "log", "tanh", "erf")
_SUFFIX = {"float64": "f64", "float32": "f32"}
CPU_MODULE = "cambrian.backends.cpu_math"


def mode() -> str:
    """The ``CAMBRIAN_MATH`` setting: ``"cambrian"`` (default) or ``"native"``."""
    value = os.environ.get("CAMBRIAN_MATH", "cambrian").strip().lower() or "cambrian"
    if value not in MODES:
        raise CambrianError(f"CAMBRIAN_MATH={value!r}: expected one of {', '.join(MODES)}")
    return value


def cpu_function(name: str, dtype: str) -> str | None:
    """``cm.<name>_<f64|f32>`` where the cpu backend uses Cambrian's implementation, else None."""
    if name in CPU_FUNCS and dtype in _SUFFIX and mode() == "cambrian":
        return f"cm.{name}_{_SUFFIX[dtype]}"
    return None
