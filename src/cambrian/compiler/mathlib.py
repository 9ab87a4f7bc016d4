"""Which math functions use Cambrian's own vectorisable implementations (``CAMBRIAN_MATH``).

``CAMBRIAN_MATH=cambrian`` (the default): :func:`lower_calls` replaces the calls of ``exp``, ``expm1``,
``log``, ``tanh``, ``erf`` and ``pow``/``**`` of float32/float64 (and float32 ``sin``/``cos``) in a module
by calls of the kernel-language device functions of :mod:`cambrian.math_kernels` and
:mod:`cambrian.math_kernels_f32` (range reduction,
polynomial, selects: no calls, so every device compiler vectorises them), before the cpu (Numba), OpenCL and
CUDA renderers spell it. The same operations in the same order with fused multiply-adds on every device:
results are bit-identical on every compiled device (tested). ``CAMBRIAN_MATH=native`` keeps each device's
library (the C library through Numba, SLEEF in PoCL, libdevice). ``interp`` always computes with
NumPy/CPython (the oracle). Accuracy: ``docs/math_accuracy.md`` (checked by
``tests/backends/test_math_accuracy.py``); the bounds of ``docs/semantics.md`` hold either way.
"""

from __future__ import annotations

import dataclasses
import functools
import os

from ..errors import CambrianError
from . import ir

MODES = ("cambrian", "native")
#: unary math intrinsics with an implementation in :mod:`cambrian.math_kernels` (``cambrian_<f>_f64``) and
#: :mod:`cambrian.math_kernels_f32` (``cambrian_<f>_f32``)
FUNCS = ("exp", "expm1", "log", "tanh", "erf")
_SUFFIX = {"float64": "f64", "float32": "f32"}
#: The cpu device's spellings of ``cambrian.fma`` and the bit casts (imported by generated modules)
CPU_MODULE = "cambrian.backends.cpu_math"


def mode() -> str:
    """The ``CAMBRIAN_MATH`` setting: ``"cambrian"`` (default) or ``"native"``."""
    value = os.environ.get("CAMBRIAN_MATH", "cambrian").strip().lower() or "cambrian"
    if value not in MODES:
        raise CambrianError(f"CAMBRIAN_MATH={value!r}: expected one of {', '.join(MODES)}")
    return value


#: (intrinsic, dtype) pairs that :func:`lower_calls` replaces
LOWERED = {(n, d) for n in FUNCS for d in _SUFFIX} | {("pow", "float64"), ("pow", "float32"),
                                                     ("sin", "float32"), ("cos", "float32")}
#: float32 functions computed in float64 (rounded once at the end): native on a device without float64
VIA_FLOAT64 = {("erf", "float32"), ("pow", "float32"), ("sin", "float32"), ("cos", "float32")}
#: two-tier functions, ``cambrian_<f>_<dtype>(x) = cambrian_<f>_<dtype>_fast(x) if |x| < bound else exact``
#: (see :mod:`cambrian.compiler.tiering`): the name of the constant their definition compares with
TIERED = {("sin", "float32"): "SINCOS32_FAST_MAX", ("cos", "float32"): "SINCOS32_FAST_MAX"}
_TIER_NAMES: dict[str, tuple[str, float]] = {}
#: the device-function names of Cambrian's math functions translated so far (pure scalar functions)
_MATH_NAMES: set[str] = set()


def _target(n: object, float64: bool = True) -> tuple[str, str] | None:
    """The (function, dtype) of a math call or float ``**`` that :func:`lower_calls` replaces, else None.
    A ``**`` by an integer-valued constant keeps the device library (which folds ``x ** 2.0`` to
    ``x * x``, as NumPy computes it)."""
    if isinstance(n, ir.Call):
        key = (n.name, getattr(n.type, "dtype", ""))
    elif isinstance(n, ir.Binary) and n.op == "pow":
        c = n.right
        if isinstance(c, ir.Const) and isinstance(c.value, (int, float)) and float(c.value).is_integer():
            return None
        key = ("pow", getattr(n.type, "dtype", ""))
    else:
        return None
    return key if key in LOWERED and (float64 or key not in VIA_FLOAT64) else None


Key = tuple[str, str]  # (function, dtype)


@functools.cache
def _definitions(needed: tuple[Key, ...]) -> tuple[dict[Key, str], tuple[ir.Function, ...]]:
    """The device functions of ``needed`` (and their callees, first), translated once per process (the
    translation took ~60 ms per module, paid again at every render, warm starts included), and the
    name of each needed one."""
    from .. import math_kernels, math_kernels_f32
    from .frontend import ModuleBuilder

    builder = ModuleBuilder()
    names = {}
    for name, dt in needed:
        module = math_kernels_f32 if dt == "float32" else math_kernels
        pyfunc = getattr(module, f"cambrian_{name}_{_SUFFIX[dt]}").py_func
        nargs = 2 if name == "pow" else 1
        names[(name, dt)] = builder.device_function(pyfunc, (ir.Scalar(dt),) * nargs, None).name
        if (name, dt) in TIERED:  # its fast path (already translated as a callee: the same name)
            fast = getattr(module, f"cambrian_{name}_{_SUFFIX[dt]}_fast").py_func
            _TIER_NAMES[names[(name, dt)]] = (builder.device_function(fast, (ir.Scalar(dt),), None).name,
                                              tier_bound(name, dt))
    added = tuple(fn for fn, _ in builder.by_name.values())  # callees were translated first
    _MATH_NAMES.update(fn.name for fn in added)
    return names, added


def lower_calls(module: ir.Module, float64: bool = True) -> ir.Module:
    """``module`` with its math intrinsic calls in :data:`LOWERED` replaced by calls of Cambrian's
    kernel-language definitions (added as device functions), unless ``CAMBRIAN_MATH=native``; those of
    :data:`VIA_FLOAT64` only where the device has float64 (``float64``)."""
    if mode() != "cambrian":
        return module
    fns = (*module.funcs, module.kernel)
    needed = sorted({t for f in fns for s in f.body for n in ir.walk(s)
                     if (t := _target(n, float64)) is not None})
    if not needed:
        return module
    from .group_passes import rebuild

    names, added = _definitions(tuple(needed))
    taken = {f.name for f in fns}
    if taken & {f.name for f in added}:
        raise CambrianError(f"device function names {sorted(taken & {f.name for f in added})} clash with "
                            "Cambrian's math functions; rename them")

    def swap(n: object) -> object:
        t = _target(n, float64)
        if t is None:
            return n
        args = n.args if isinstance(n, ir.Call) else (n.left, n.right)  # type: ignore[attr-defined]
        return ir.CallFunc(n.type, func=names[t], args=args, loc=n.loc)  # type: ignore[attr-defined]

    def lowered(f: ir.Function) -> ir.Function:
        return dataclasses.replace(f, body=tuple(rebuild(s, swap) for s in f.body))

    return dataclasses.replace(module, kernel=lowered(module.kernel),
                               funcs=(*added, *(lowered(f) for f in module.funcs)),
                               uses_float64=module.uses_float64 or any(d == "float64" or (n, d) in VIA_FLOAT64
                                                                       for n, d in needed))


def tier_bound(name: str, dtype: str) -> float:
    """The bound of the two-tier function ``(name, dtype)`` in :data:`TIERED`: the constant its definition
    compares ``|x|`` with (one source: the generated module)."""
    from .. import math_kernels, math_kernels_f32

    return float(getattr(math_kernels_f32 if dtype == "float32" else math_kernels, TIERED[(name, dtype)]))


def tier_names() -> dict[str, tuple[str, float]]:
    """The device-function names of the two-tier functions translated so far: full -> (fast, bound)."""
    return dict(_TIER_NAMES)


def branch_tiers(module: ir.Module) -> ir.Module:
    """``module`` with each two-tier function (``fast = f(x); exact = e(x); return fast if c else exact``)
    written as a branch, ``if c: return f(x)`` then ``return e(x)``: the same results; GPUs then run the
    exact path only in warps holding a large argument (CPU OpenCL compilers if-convert it as before)."""
    if not _TIER_NAMES or not any(f.name in _TIER_NAMES for f in module.funcs):
        return module

    def branched(f: ir.Function) -> ir.Function:
        fast, exact, ret = f.body
        cond = ret.value.cond  # type: ignore[attr-defined]
        body = (ir.If(cond=cond, body=(ir.Return(value=fast.value, loc=fast.loc),), loc=ret.loc),  # type: ignore[attr-defined]
                ir.Return(value=exact.value, loc=exact.loc))  # type: ignore[attr-defined]
        return dataclasses.replace(f, body=body)

    return dataclasses.replace(module, funcs=tuple(branched(f) if f.name in _TIER_NAMES else f
                                                   for f in module.funcs))


def is_math_function(name: str) -> bool:
    """Whether ``name`` is one of Cambrian's math device functions (translated by :func:`lower_calls`)."""
    return name in _MATH_NAMES
