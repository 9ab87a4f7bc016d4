"""Fused array expressions: ``cambrian-fuse`` (``@cb.fuse``, one kernel per call on every Cambrian
device), numexpr (multi-threaded, fused, CPU only), ``torch.compile`` and CuPy's ``fuse`` when installed.

They run the array-expression workloads whose expressions they can state (``EXPRS``); the op-by-op rows
of the same expressions are NumPy, JAX ``jit``, PyTorch eager, CuPy and ``cambrian-array``
(:mod:`cambrian.bench.impls_arrays`, :mod:`cambrian.bench.impls_cambrian_arrays`).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .core import DeviceSpec, Impl, Inputs, Prepared, Skip, Workload
from .impls_arrays import FUNCS, TOOLS, _builder, _host_value, _map
from .impls_cambrian_arrays import TOOL as CAMBRIAN_TOOL

SQRT_2PI = math.sqrt(2 * math.pi)


#: Workload kind -> numexpr expression over the inputs named ``a0, a1, ...`` (then how to finish).
NUMEXPR: dict[str, tuple[str, Callable[[Any, Inputs], Any]]] = {
    "gaussian": ("exp(-0.5 * ((a0 - a1) / a2) ** 2) / (a2 * c)", lambda r, inp: r),
    "pi_estimate": ("sum(where(a0 * a0 + a1 * a1 <= 1.0, 1, 0))", lambda r, inp: 4.0 * int(r) / inp[0].size),
    "array_gaussian": ("exp(-0.5 * a0 ** 2)", lambda r, inp: r),
    "array_pi": ("sum(where(a0 * a0 + a1 * a1 <= 1.0, 1, 0))", lambda r, inp: 4.0 * int(r) / inp[0].size),
    "array_scale": ("a0 * 2", lambda r, inp: r),
}


def _numexpr(workload: Workload, device: DeviceSpec) -> Prepared:
    import numexpr

    if workload.kind not in NUMEXPR:
        raise Skip(f"no numexpr expression for {workload.kind}")
    expr, finish = NUMEXPR[workload.kind]

    def compute(inputs: Inputs) -> Any:
        names = {f"a{k}": v for k, v in enumerate(inputs)}
        return finish(numexpr.evaluate(expr, local_dict={**names, "c": SQRT_2PI}), inputs)

    def threads(n: int) -> None:
        numexpr.set_num_threads(n)

    return Prepared(compute=compute, set_threads=threads, note=f"{numexpr.get_num_threads()} threads")


#: Workloads whose shared expression cb.fuse compiles into one kernel (elementwise + one reduction, one
#: result: Black-Scholes returns two arrays, Mandelbrot loops, N-body and matmul are not elementwise).
FUSABLE = ("gaussian", "pi_estimate", "array_scale", "array_gaussian", "array_pi", "vadd", "pi", "sumsq")


def _fused(workload: Workload, device: DeviceSpec) -> Prepared:
    """``@cb.fuse`` of the shared expression on a Cambrian device: one kernel per call."""
    fn = FUNCS.get(workload.kind)
    if fn is None:
        raise Skip(f"no array expression for {workload.kind}")
    if workload.kind not in FUSABLE:
        raise Skip(f"{workload.kind} is not one array expression with one result (cb.fuse compiles those)")
    cb = importlib.import_module("cambrian")
    if not hasattr(cb, "fuse"):
        raise Skip("cambrian.fuse is missing")
    prep = _builder(CAMBRIAN_TOOL)(workload, device)  # copies in/out as the cambrian-array rows
    holder: dict[str, Any] = {}
    copy_in = prep.copy_in

    def fused_copy_in(inputs: Inputs) -> Any:
        arrays = copy_in(inputs)
        if "f" not in holder:
            scalars = [None if isinstance(x, np.ndarray) else x for x in inputs]

            def bound(*arrs: Any) -> Any:
                it = iter(arrs)
                return fn(*[next(it) if s is None else s for s in scalars], xp=cb)

            holder["f"] = cb.fuse(bound)
        return arrays

    def compute(arrays: Any) -> Any:
        return CAMBRIAN_TOOL.sync(holder["f"](*arrays), device)

    return Prepared(compute=compute, copy_in=fused_copy_in, copy_out=prep.copy_out, offloaded=True)


def _torch_compile(workload: Workload, device: DeviceSpec) -> Prepared:
    fn = FUNCS.get(workload.kind)
    if fn is None:
        raise Skip(f"no array expression for {workload.kind}")
    torch = importlib.import_module("torch")
    tool = TOOLS["torch"]
    compiled: dict[str, Any] = {}

    def copy_in(inputs: Inputs) -> Any:
        arrays = tuple(tool.to_device(x, device) for x in inputs if isinstance(x, np.ndarray))
        scalars = [None if isinstance(x, np.ndarray) else x for x in inputs]

        def bound(*arrs: Any) -> Any:
            it = iter(arrs)
            return fn(*[next(it) if s is None else s for s in scalars], xp=torch)

        try:
            compiled["f"] = torch.compile(bound)
            compiled["f"](*arrays)
        except Exception as exc:  # no C++ compiler, an unsupported platform: a skipped row
            raise Skip(f"torch.compile does not work here: {type(exc).__name__}: {exc}") from None
        return arrays

    return Prepared(compute=lambda a: tool.sync(compiled["f"](*a), device), copy_in=copy_in,
                    copy_out=lambda r: _map(tool.to_host, r), offloaded=device.kind != "cpu")


def _cupy_fuse(workload: Workload, device: DeviceSpec) -> Prepared:
    fn = FUNCS.get(workload.kind)
    if fn is None or workload.kind in ("pi_estimate", "array_pi"):
        raise Skip(f"no cupy.fuse form of {workload.kind} (count_nonzero is not fusable there)")
    cupy = importlib.import_module("cupy")
    tool = TOOLS["cupy"]
    fused: dict[str, Any] = {}

    def copy_in(inputs: Inputs) -> Any:
        scalars = [None if isinstance(x, np.ndarray) else x for x in inputs]

        def bound(*arrs: Any) -> Any:
            it = iter(arrs)
            return fn(*[next(it) if s is None else s for s in scalars], xp=cupy)

        fused["f"] = cupy.fuse(bound)
        return tuple(tool.to_device(x, device) for x in inputs if isinstance(x, np.ndarray))

    return Prepared(compute=lambda a: tool.sync(fused["f"](*a), device), copy_in=copy_in,
                    copy_out=lambda r: _host_value(cupy.asnumpy(r)), offloaded=True)


def _cambrian_devices() -> list[DeviceSpec]:
    return CAMBRIAN_TOOL.devices()


IMPLS = [
    Impl("cambrian-fuse", "cambrian", _fused, requires=("cambrian",), devices=_cambrian_devices,
         threaded=True, description="@cb.fuse: the array expression as one kernel on each Cambrian device",
         array_library=True),
    Impl("numexpr", "numexpr", _numexpr, requires=("numexpr",), threaded=True,
         description="numexpr: fused, multi-threaded expressions on the CPU", array_library=True),
    Impl("torch-compile", "torch", _torch_compile, requires=("torch",), devices=TOOLS["torch"].devices,
         description="torch.compile of the array expression", array_library=True),
    Impl("cupy-fuse", "cupy", _cupy_fuse, requires=("cupy",), devices=TOOLS["cupy"].devices,
         description="cupy.fuse of the array expression (NVIDIA/AMD GPUs)", array_library=True),
]
