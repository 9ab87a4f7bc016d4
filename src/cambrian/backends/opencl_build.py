"""Building OpenCL programs for the ``opencl`` backend: render, build, memory and disk cache.

Disk entries (``cache.DiskCache("opencl")``, key over the IR key, device identity and options) hold
``source.cl``, ``meta.json`` and ``binary.bin`` (``CL_PROGRAM_BINARIES`` with its size and a digest
over the key, :meth:`cache.DiskCache.write_checked`); a binary that fails that check, or no longer loads,
is discarded with a warning and the program is rebuilt from source (a truncated binary crashed PoCL).
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import cache
from ..compiler import ir, mathlib
from ..compiler.render_c import Site, render_opencl
from ..errors import CompileError, UnsupportedFeatureError
from .base import Device

#: Build options: OpenCL C 1.2, no fast-math (contraction is off by pragma in the source); ``-w``:
#: no warnings (PoCL's clang printed "N warning(s) generated." straight to the user's stderr for
#: constant conditions such as ``if n == n:``; errors still reach the CompileError log).
OPTIONS = ("-cl-std=CL1.2", "-w")
#: Added where CL_DEVICE_SINGLE_FP_CONFIG has CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT: float32 ``/`` and
#: ``sqrt`` correctly rounded, as on the other backends (OpenCL allows 2.5 and 3 ulp without it).
CORRECT_DIV_SQRT = "-cl-fp32-correctly-rounded-divide-sqrt"


def build_options(cl: Any, device: Device) -> tuple[str, ...]:
    """The build options for ``device``: :data:`OPTIONS`, plus :data:`CORRECT_DIV_SQRT` where the
    device supports it."""
    try:
        fp = int(device.handle.single_fp_config)
    except Exception:  # not a pyopencl device (fakes), or the query failed
        return OPTIONS
    correct = fp & int(cl.device_fp_config.CORRECTLY_ROUNDED_DIVIDE_SQRT)
    return (*OPTIONS, CORRECT_DIV_SQRT) if correct else OPTIONS

#: Argument plan entries: an array (ndim, with strides) or a scalar (NumPy scalar type).
ARRAY, SCALAR = 0, 1


@dataclass(eq=False)
class OpenCLProgram:
    """A built kernel plus everything a launch needs to set its arguments quickly."""

    kernel: Any  # pyopencl.Kernel
    name: str  # kernel symbol
    py_name: str
    source: str
    plan: tuple[tuple[int, Any, bool], ...]  # (ARRAY, dtype, strided) | (SCALAR, np type, False)
    params: tuple[str, ...]
    sites: list[Site]
    max_local: int  # CL_KERNEL_WORK_GROUP_SIZE
    needs_err: bool = False  # takes an error record (module.needs_error_record): opencl_errors
    device: Device | None = None

    label: str = ""  # "kernel 'name'" for messages and events
    built: Any = None  # the pyopencl.Program
    scalar_dtypes: list[Any] = field(default_factory=list)
    _tls: threading.local = field(default_factory=threading.local, repr=False)

    def thread_kernel(self) -> Any:
        """This thread's own ``cl.Kernel`` (argument setting and enqueue need no lock): OpenCL kernel
        objects hold their arguments, so threads launching one program must not share one."""
        k = getattr(self._tls, "kernel", None)
        if k is None:
            k = self._tls.kernel = type(self.kernel)(self.built, self.name)
            k.set_scalar_arg_dtypes(self.scalar_dtypes)
        return k

    def __post_init__(self) -> None:
        self.label = f"kernel {self.py_name!r}"


def arg_plan(kernel: ir.Function) -> tuple[tuple[tuple[int, Any, bool], ...], list[Any]]:
    """Per-parameter plan and the pyopencl scalar dtypes of the expanded argument list."""
    plan: list[tuple[int, Any, bool]] = []
    scalar_dtypes: list[Any] = []
    for p in kernel.params:
        if isinstance(p.type, ir.ArrayT):
            strided = p.type.layout != "C"
            plan.append((ARRAY, p.type.dtype, strided))
            scalar_dtypes += [None] + [np.int64] * (1 + p.type.ndim * (2 if strided else 1))
        else:
            np_type = np.dtype("uint8" if p.type.dtype == "bool" else p.type.dtype).type
            plan.append((SCALAR, np_type, False))
            scalar_dtypes.append(np_type)
    return tuple(plan), scalar_dtypes


class Builder:
    """Compiles IR modules for devices with a per-process and an on-disk cache."""

    def __init__(self) -> None:
        self.memory = cache.MemoryCache()
        self.disk = cache.DiskCache("opencl")
        self.stats = {"source_builds": 0, "binary_loads": 0}
        self._options: dict[Device, tuple[str, ...]] = {}

    def compile(self, cl: Any, ctx: Any, device: Device, module: ir.Module) -> OpenCLProgram:
        options = self._options.get(device)
        if options is None:
            options = self._options[device] = build_options(cl, device)
        key = cache.make_key(module.key(), device.identity(), " ".join(options), "checked", mathlib.mode())
        mem_key = f"{device.filter_string}|{key}"
        prog = self.memory.get(mem_key)
        if prog is not None:
            return prog
        if module.uses_float64 and not device.supports_float64:
            raise UnsupportedFeatureError(
                f"kernel {module.kernel.py_name or module.kernel.name!r} uses float64, which device "
                f"{device} ({device.name}) does not support", module.kernel.loc)
        try:
            rendered = render_opencl(module, device.supports_float64)
        except ValueError as exc:  # a construct the C renderer cannot express (e.g. private atomics)
            raise CompileError(f"cannot render kernel {module.kernel.py_name or module.kernel.name!r} "
                               f"as OpenCL C: {exc}") from None
        key = cache.make_key(key, rendered.source)  # on disk: a renderer change is a new entry
        built = self._load_binary(cl, ctx, device, key, options) or self._build_source(
            cl, ctx, device, module, rendered.source, key, options)
        kernel = cl.Kernel(built, rendered.kernel_name)
        plan, scalar_dtypes = arg_plan(module.kernel)
        if module.needs_error_record:
            scalar_dtypes.append(None)
        kernel.set_scalar_arg_dtypes(scalar_dtypes)
        max_local = kernel.get_work_group_info(cl.kernel_work_group_info.WORK_GROUP_SIZE, device.handle)
        prog = OpenCLProgram(kernel, rendered.kernel_name, module.kernel.py_name or module.kernel.name,
                             rendered.source, plan, tuple(p.name for p in module.kernel.params),
                             rendered.sites, int(max_local), device=device, built=built,
                             scalar_dtypes=scalar_dtypes)
        prog.needs_err = module.needs_error_record
        return self.memory.put(mem_key, prog)

    def _load_binary(self, cl: Any, ctx: Any, device: Device, key: str, options: tuple[str, ...]) -> Any:
        binary = self.disk.read_checked(key, "binary.bin")
        if binary is None:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prg = cl.Program(ctx, [device.handle], [binary]).build(options=list(options))
        except Exception as exc:  # corrupt or stale binary: warn and rebuild
            self.disk.discard(key, f"binary does not load: {str(exc).strip().splitlines()[0][:200]}")
            return None
        self.stats["binary_loads"] += 1
        return prg

    def _build_source(self, cl: Any, ctx: Any, device: Device, module: ir.Module, source: str,
                      key: str, options: tuple[str, ...]) -> Any:
        name = module.kernel.py_name or module.kernel.name
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pyopencl's CompilerWarning for a non-empty log
                prg = cl.Program(ctx, source).build(options=list(options), devices=[device.handle])
        except cl.Error as exc:
            raise CompileError(f"OpenCL compiler rejected kernel {name!r} on {device} ({device.name})",
                               source=source, log=_build_log(cl, exc)) from None
        self.stats["source_builds"] += 1
        binary = b""
        if keeps_binary(device, source):
            try:
                binary = prg.get_info(cl.program_info.BINARIES)[0]
            except cl.Error:
                pass
        self.disk.write(key, "source.cl", source.encode())
        self.disk.write_json(key, {"kernel": name, "device": device.identity(), "options": list(options)})
        if binary:
            self.disk.write_checked(key, "binary.bin", bytes(binary))
        return prg


def keeps_binary(device: Device, source: str) -> bool:
    """Whether the program's binary is worth asking for, to keep on disk. Not from PoCL's CPU device for
    kernels with barriers: its binary holds work-group functions for every local size, and PoCL's
    work-item loops around barriers took 2.5 min for a kernel of ten collectives (38 s for the local
    size launched, which PoCL compiles again at the launch anyway) and more than 10 min for its float
    version. PoCL keeps its own cache of built programs, so a new process still skips the compilers."""
    from ..elementwise_host import is_pocl_cpu

    return not ("barrier(" in source and is_pocl_cpu(device))


def _build_log(cl: Any, exc: Exception) -> str:
    """The compiler log of a failed build (pyopencl puts it in the exception text)."""
    text = str(exc)
    marker = "Build on"
    return text[text.index(marker):] if marker in text else text
