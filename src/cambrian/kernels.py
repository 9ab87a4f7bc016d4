"""``@kernel`` and ``@func``: Python functions that run on every device.

``kern[global_size](*args)`` or ``kern[global_size, local_size](*args)`` launches on the device of the
array arguments (compute follows data) and returns an :class:`~cambrian.queues.Event`. NumPy array
arguments run on the current default device (``cambrian.using`` / ``CAMBRIAN_DEVICE``) and are copied
back before the call returns. Kernels are specialised on the argument types (dtype, ndim, contiguity)
and compiled once per device; the launch path after the first call is a dictionary lookup.

This module knows device buffers through a small protocol (``x.device`` and
``x.__cambrian_array__() -> ArrayArg``), not the Array class.
"""

from __future__ import annotations

import ast
import functools
import inspect
import math
import sys
import textwrap
from collections.abc import Callable, Sequence
from types import FunctionType
from typing import Any, NamedTuple

import numpy as np

from . import config, dtypes, kernel_print, kernel_tuples
from .backends import get_backend
from .backends.base import Device
from .compiler import ir
from .compiler.signatures import parse_func_signature
from .errors import (
    CambrianError,
    KernelTypeError,
    LaunchError,
    Loc,
    PlacementError,
    user_error,
)
from .host_args import launch_with_host_arrays
from .launch_checks import check_device_caps, check_sizes, size_tuple
from .launch_objects import ACCESSOR_ARG, LocalAccessor, NDRange, lower_accessors
from .queues import Event, completed

_SCALAR_TYPES: dict[type, str] = {bool: "bool", int: "int64", float: "float64", complex: "complex128"}
_BACKEND_NAMES = ("interp", "cpu", "opencl", "cuda")


def _def_loc(py_func: Callable[..., Any]) -> Loc | None:
    code = getattr(py_func, "__code__", None)
    return Loc(code.co_filename, code.co_firstlineno) if code is not None else None


class Func:
    """A device function (``@cambrian.func``): callable from kernels and other device functions.

    Called from ordinary Python it runs the Python function as is (handy for testing its logic).
    """

    __cambrian_func__ = True

    def __init__(self, py_func: Callable[..., Any], signature: str | None = None):
        self.signature = None if signature is None else parse_func_signature(signature)
        if self.signature is not None and inspect.isfunction(py_func):
            # The front end sees the Python function: a copy carries the declared types to it.
            f = py_func
            py_func = FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
            functools.update_wrapper(py_func, f)
            py_func.__cambrian_signature__ = self.signature  # type: ignore[attr-defined]
        self.py_func = py_func
        functools.update_wrapper(self, py_func)

    def __call__(self, *args: Any) -> Any:
        return self.py_func(*args)

    def __repr__(self) -> str:
        return f"<cambrian.func {self.py_func.__qualname__}>"

    def __reduce__(self) -> Any:
        """Pickles by reference, or by value with its source (:mod:`cambrian.serialize`)."""
        from . import serialize

        return serialize.reduce(self, serialize.rebuild_func,
                                (serialize.PickledFunction(self.py_func), self.signature))


def func(py_func: Callable[..., Any] | str | None = None, *, signature: str | None = None) -> Any:
    """Decorator: mark ``py_func`` as a device function callable from kernels.

    ``@func``, or with a Numba-style signature ``@func("int32(int32, int32)")`` (also
    ``signature=...``; arrays as ``float32[:]``, ``"void(...)"`` for no result): arguments are then
    cast to the declared types at every call, as Numba does, and the result to the declared type.
    Without one, a device function is specialised on the types of the arguments of each call."""
    if isinstance(py_func, str | list | tuple):
        if signature is not None:
            raise TypeError("cambrian.func: give the signature once (positionally or as signature=)")
        py_func, signature = None, _one_signature(py_func)
    if py_func is None:
        if signature is not None:
            parse_func_signature(signature)  # a bad signature fails here, at the decorator
        return lambda f: func(f, signature=signature)
    if not callable(py_func):
        raise TypeError(f"cambrian.func decorates a Python function, not {type(py_func).__name__}")
    return Func(py_func, signature)


def _one_signature(sig: str | list[str] | tuple[str, ...]) -> str:
    if isinstance(sig, str):
        return sig
    if len(sig) == 1 and isinstance(sig[0], str):
        return sig[0]
    raise TypeError(f"cambrian.func takes one signature string, got {sig!r}; device functions are "
                    "specialised on their argument types at each call, so several are not needed")


_WORKITEM_CALLS = frozenset(("get_global_id", "get_local_id", "get_group_id", "get_global_size",
                             "get_local_size", "get_num_groups"))


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def _source_uses_higher_dims(py_func: Callable[..., Any]) -> bool:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(py_func)))
    except (OSError, TypeError, SyntaxError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name in _WORKITEM_CALLS and node.args[0].value in (1, 2):
                return True
    return False


class Kernel:
    """A kernel: launch with ``kern[global_size]`` or ``kern[global_size, local_size]``.

    Python passes ``kern[(h, w)]`` and ``kern[n, m]`` identically, so a pair of two integers is read
    by what the kernel indexes: for a kernel that uses work-item dimension 1 or 2 it is a 2-D global
    size; for a kernel that uses only dimension 0 it is ``(global_size, local_size)``. Write
    ``kern[(h, w), None]`` or ``kern[n, (m,)]`` to be explicit; 3-D ``kern[(d, h, w)]`` is unambiguous.
    Explicit launch objects say which convention is meant: ``kern[NDRange(global, local)]`` and the
    CUDA-style ``kern[Grid(blocks, threads)]``.
    """

    def __init__(self, py_func: Callable[..., Any], boundscheck: bool | None = None):
        if not inspect.isfunction(py_func):
            raise TypeError(f"@cambrian.kernel needs a Python function, got {py_func!r}")
        self.py_func = py_func
        self.name = py_func.__qualname__
        #: bounds checking: the decorator's argument, else CAMBRIAN_BOUNDSCHECK when the kernel is defined
        self.boundscheck = config.boundscheck() if boundscheck is None else boundscheck
        self._nparams = len(inspect.signature(py_func).parameters)
        self._params = tuple(inspect.signature(py_func).parameters)
        self._specs: dict[Device, dict[tuple[Any, ...], _Spec]] = {}
        self._launchers: dict[Any, _Launcher] = {}
        self._higher_dims: bool | None = None
        #: each work-item loops over a stretch whose length depends on the arguments (Cambrian's
        #: whole-array reductions): backends do not judge a launch's cost by its work-items
        self.long_items = False
        functools.update_wrapper(self, py_func)

    # -- configuration -------------------------------------------------------------------------
    def __getitem__(self, config_: Any) -> _Launcher:
        try:
            return self._launchers[config_]
        except (KeyError, TypeError):
            pass
        if isinstance(config_, NDRange):
            gsize_, lsize_ = config_.sizes()
        elif isinstance(config_, tuple) and any(isinstance(c, NDRange) for c in config_):
            raise LaunchError(f"{self.name}: a launch object is the whole configuration: write "
                              f"{self.name}[cb.NDRange(global, local)] or {self.name}[cb.Grid(blocks, "
                              "threads)], not a tuple that contains one")
        elif isinstance(config_, tuple) and len(config_) == 2:
            gsize_, lsize_ = config_
            if _is_int(gsize_) and _is_int(lsize_) and self._uses_higher_dims():
                gsize_, lsize_ = config_, None  # kern[(h, w)] of a kernel indexing dimension 1
        else:
            gsize_, lsize_ = config_, None
        gsize = size_tuple(gsize_, "global size", self)
        lsize = None if lsize_ is None else size_tuple(lsize_, "local size", self)
        if lsize is not None:
            if len(lsize) != len(gsize):
                raise LaunchError(f"{self.name}: local size {lsize} and global size {gsize} "
                                  "have different numbers of dimensions")
            for g, l in zip(gsize, lsize, strict=True):
                if l == 0 or g % l:
                    raise LaunchError(f"{self.name}: local size {lsize} does not divide global size "
                                      f"{gsize} (each global dimension must be a multiple of the local one)")
        launcher = _Launcher(self, gsize, lsize)
        try:
            self._launchers[config_] = launcher
        except TypeError:
            pass
        return launcher

    def __call__(self, *args: Any) -> Any:
        raise LaunchError(f"kernel {self.name} needs a launch size: call it as {self.name}[n](...) "
                          f"or {self.name}[global_size, local_size](...) (explicitly: "
                          f"{self.name}[cb.NDRange(global_size, local_size)] or the CUDA-style "
                          f"{self.name}[cb.Grid(blocks, threads)])")

    def __repr__(self) -> str:
        return f"<cambrian.kernel {self.name}>"

    def __reduce__(self) -> Any:
        """Pickles by reference, or by value with its source (:mod:`cambrian.serialize`)."""
        from . import serialize

        return serialize.reduce(self, serialize.rebuild_kernel,
                                (serialize.PickledFunction(self.py_func), self.boundscheck))

    def _uses_higher_dims(self) -> bool:
        """True when the kernel's source asks for work-item dimension 1 or 2 (``get_global_id(1)``)."""
        if self._higher_dims is None:
            self._higher_dims = _source_uses_higher_dims(self.py_func)
        return self._higher_dims

    # -- specialisation ------------------------------------------------------------------------
    def _check_nargs(self, n: int) -> None:
        if n != self._nparams:
            loc = _def_loc(self.py_func)
            raise LaunchError(f"kernel {self.name}({', '.join(self._params)}) takes {self._nparams} "
                              f"argument{'s' * (self._nparams != 1)} but {n} "
                              f"{'was' if n == 1 else 'were'} given" + (f"\n  {loc}" if loc else ""))

    def module(self, argtypes: tuple[ir.Type, ...]) -> ir.Module:
        """The typed IR of this kernel for ``argtypes``."""
        from .compiler.frontend import translate

        self._check_nargs(len(argtypes))
        return lower_accessors(translate(self.py_func, argtypes, boundscheck=self.boundscheck))

    def ir(self, *args: Any) -> ir.Module:
        """The typed IR module for these arguments (arrays and scalars; only their types matter)."""
        try:
            return self.module(tuple(_arg_type(a, self, i) for i, a in enumerate(args)))
        except CambrianError as exc:  # the traceback ends at the user's call, the message follows
            raise user_error(exc) from exc.__cause__  # (CAMBRIAN_DEBUG=1: Cambrian's frames too)

    def source(self, target: Any, *args: Any) -> str:
        """Generated source for ``target`` (a Device, a filter string or a backend name) and the
        types of ``args``. ``"cuda"`` works without a GPU."""
        module = self.ir(*args)
        if isinstance(target, str) and target.strip().lower() in _BACKEND_NAMES:
            name = target.strip().lower()
            if name == "cuda":
                from .compiler.render_c import render_cuda

                return render_cuda(module)
            return get_backend(name).source(None, module)
        device = _as_device(target)
        return device.impl.source(device, module)

    def _spec(self, device: Device, key: tuple[Any, ...], args: Sequence[Any]) -> _Spec:
        specs = self._specs.get(device)
        if specs is None:
            specs = self._specs.setdefault(device, {})
        spec = specs.get(key)
        if spec is None:
            narrow = not device.supports_float64
            types = tuple(_arg_type(a, self, i, narrow) for i, a in enumerate(args))
            module = self.module(types)
            check_device_caps(module, device)
            program = device.impl.compile(device, module)
            if self.long_items:
                device.impl.long_items(program)
            if config.debug():
                _print_debug(self, device, module)
            scalars = tuple((i, t.dtype) for i, t in enumerate(kernel_tuples.flat_types(types))
                            if isinstance(t, ir.Scalar))
            launch = kernel_print.launcher(device.impl.launch, module)  # print(): records, then text
            spec = specs[key] = _Spec(program, module, scalars, launch, device.queue)
        return spec


def _print_debug(kern: Kernel, device: Device, module: ir.Module) -> None:
    """``CAMBRIAN_DEBUG=1``: the generated source of each compiled specialisation, on stderr."""
    try:
        text = device.impl.source(device, module)
    except NotImplementedError:
        text = "(no source view for this backend)"
    print(f"[cambrian] compiled kernel {kern.name} for {device} (IR key {module.key()[:16]}):\n{text}",
          file=sys.stderr)


class _Spec(NamedTuple):
    """A kernel compiled for one device and one set of argument types, with its launch entry."""

    program: Any
    module: ir.Module
    scalars: tuple[tuple[int, str], ...]  # (position, dtype) of scalar parameters
    launch: Callable[..., Event]  # the backend's launch method
    queue: Any


def kernel(py_func: Callable[..., Any] | None = None, *, boundscheck: bool | None = None) -> Any:
    """Decorator: compile ``py_func`` as a kernel. ``@kernel(boundscheck=True)`` checks every index."""
    if py_func is None:
        return lambda f: Kernel(f, boundscheck=boundscheck)
    return Kernel(py_func, boundscheck=boundscheck)


# ------------------------------------------------------------------------------ launch


class _Launcher:
    """A kernel bound to a launch configuration; calling it launches."""

    __slots__ = ("checked", "gsize", "kernel", "lsize", "nitems", "ready")

    def __init__(self, kernel: Kernel, gsize: tuple[int, ...], lsize: tuple[int, ...] | None):
        self.kernel = kernel
        self.gsize = gsize
        self.lsize = lsize
        self.nitems = math.prod(gsize)
        self.checked: set[Device] = set()  # devices whose limits admit the local size
        #: id(spec) -> (spec, its checked launch): a repeated launch converts its scalars and goes
        self.ready: dict[int, tuple[_Spec, Prepared, int]] = {}

    def __call__(self, *args: Any) -> Event:
        try:
            device, key, launch_args, host_arrays = self._bind(args)
            if host_arrays:
                return launch_with_host_arrays(self, device, args, launch_args, host_arrays, key)
            spec = self.kernel._spec(device, key, args)
            got = self.ready.get(id(spec))
            if got is None or got[0] is not spec:
                return self._launch(device, spec, launch_args)
            if spec.scalars or len(launch_args) != got[2]:
                self._scalars(spec, launch_args)
            p = got[1]
            return p.launch(device, p.queue, p.program, p.gsize, p.lsize, launch_args)
        except CambrianError as exc:  # the traceback ends at the user's call, the message follows
            raise user_error(exc) from exc.__cause__  # (CAMBRIAN_DEBUG=1: Cambrian's frames too)

    def prepare(self, *args: Any) -> tuple[Prepared, list[Any]]:
        """Check, specialise and compile this launch for ``args`` (device arrays and scalars) without
        running it: ``(prepared, launch_args)``. ``prepared(launch_args)`` launches; callers that repeat
        a launch may swap in other ``ArrayArg`` of the same types (``x.__cambrian_array__()``) and
        skip the per-call checks (the reductions do)."""
        try:
            device, key, launch_args, host_arrays = self._bind(args)
            if host_arrays:
                raise LaunchError(f"kernel {self.kernel.name}: prepare() takes device arrays, not NumPy "
                                  f"(argument {self.kernel._params[host_arrays[0]]!r})")
            return self._ready(device, self.kernel._spec(device, key, args), launch_args), launch_args
        except CambrianError as exc:  # the traceback ends at the user's call, the message follows
            raise user_error(exc) from exc.__cause__  # (CAMBRIAN_DEBUG=1: Cambrian's frames too)

    def _bind(self, args: Sequence[Any]) -> tuple[Device, tuple[Any, ...], list[Any], list[int]]:
        """``(device, specialisation key, launch args, positions of NumPy arrays)`` of a launch."""
        kern = self.kernel
        if len(args) != kern._nparams:
            kern._check_nargs(len(args))
        device: Device | None = None
        key: list[Any] = []
        launch_args: list[Any] = list(args)
        host_arrays: list[int] = []
        for i, a in enumerate(args):
            get = getattr(a, "__cambrian_array__", None)
            if get is not None:
                arg = get()
                d = a.device
                if device is None:
                    device = d
                elif d is not device and d != device:
                    raise PlacementError(
                        f"kernel {kern.name}: argument {kern._params[i]!r} is on {d} but earlier "
                        f"arguments are on {device}; move it with x.to_device({str(device)!r})")
                key.append(arg.typekey)
                launch_args[i] = arg
            elif isinstance(a, LocalAccessor):
                key.append(a.typekey)
                launch_args[i] = ACCESSOR_ARG
            elif isinstance(a, np.ndarray):
                host_arrays.append(i)
                name = dtypes.NP_NAMES.get(a.dtype) or a.dtype.name
                key.append(("host", name, a.ndim, a.flags.c_contiguous))
            else:
                key.append(_scalar_key(a, kern, i))
        if device is None:
            from .devices import default_device

            device = default_device()
        return device, tuple(key), launch_args, host_arrays

    def _launch(self, device: Device, spec: _Spec, launch_args: list[Any]) -> Event:
        return self._ready(device, spec, launch_args)(launch_args)

    def _scalars(self, spec: _Spec, launch_args: list[Any]) -> None:
        """Expand tuples of numbers (one scalar each) and convert the scalars of ``launch_args`` in place."""
        if len(launch_args) != len(spec.module.kernel.params):
            kernel_tuples.expand(launch_args)
        for i, dt in spec.scalars:
            launch_args[i] = _to_scalar(launch_args[i], dt, self.kernel, i)

    def _ready(self, device: Device, spec: _Spec, launch_args: list[Any]) -> Prepared:
        """Convert the scalars of ``launch_args`` in place and check the local size."""
        self._scalars(spec, launch_args)
        if self.nitems == 0:
            name = self.kernel.name
            return Prepared(lambda *_: completed(spec.queue, name), device, spec.queue, spec.program,
                            self.gsize, self.lsize)
        if device not in self.checked:
            check_sizes(self, device)
            self.checked.add(device)
        prepared = Prepared(spec.launch, device, spec.queue, spec.program, self.gsize, self.lsize)
        if len(self.ready) < 16:  # (a launcher meets few specialisations)
            self.ready[id(spec)] = (spec, prepared, len(spec.module.kernel.params))
        return prepared


class Prepared(NamedTuple):
    """A launch specialised and checked once (:meth:`_Launcher.prepare`); call it with launch args."""

    launch: Callable[..., Event]
    device: Device
    queue: Any
    program: Any
    gsize: tuple[int, ...]
    lsize: tuple[int, ...] | None

    def __call__(self, launch_args: list[Any]) -> Event:
        return self.launch(self.device, self.queue, self.program, self.gsize, self.lsize, launch_args)


def _scalar_key(a: Any, kern: Kernel, i: int) -> Any:
    """Specialisation key of a scalar argument: the dtype name of a NumPy scalar, the type of a Python
    scalar (typed per device: a Python float is float32 on a device without float64)."""
    t = type(a)
    if t in _SCALAR_TYPES:
        return t
    if isinstance(a, np.generic):
        return dtypes.name(a.dtype)
    if kernel_tuples.is_scalar_tuple(a):  # a tuple of numbers: one scalar parameter each
        return ("tuple", *(_scalar_key(x, kern, i) for x in a))
    raise KernelTypeError(f"kernel {kern.name}: argument {kern._params[i]!r} has unsupported type "
                          f"{type(a).__name__}; pass a cambrian.Array, a NumPy array, a number or a "
                          "tuple of numbers",
                          _def_loc(kern.py_func))


_NARROW = {float: "float32", complex: "complex64"}


def _arg_type(a: Any, kern: Kernel, i: int, narrow: bool = False) -> ir.Type:
    """The IR type of a launch argument. ``narrow``: the device has no float64, so Python floats
    (complexes) become float32 (complex64) parameters, as ``asarray`` does; NumPy float64 stays an error."""
    get = getattr(a, "__cambrian_array__", None)
    if get is not None:
        dt, nd, layout = get().typekey
        return ir.ArrayT(dt, nd, "global", layout)
    if isinstance(a, np.ndarray):
        try:
            dt = dtypes.name(a.dtype)
        except TypeError as exc:  # float16, object, strings, structured
            raise KernelTypeError(f"kernel {kern.name}: argument {kern._params[i]!r} is a NumPy array of "
                                  f"{exc}", _def_loc(kern.py_func)) from None
        return ir.ArrayT(dt, a.ndim, "global", "C" if a.flags.c_contiguous else "A")
    if isinstance(a, ir.Scalar | ir.ArrayT):
        return a
    if isinstance(a, LocalAccessor):
        return ir.ArrayT(a.dtype, len(a.shape), "local", "C", a.shape)
    if narrow and type(a) in _NARROW:
        return ir.Scalar(_NARROW[type(a)])
    if kernel_tuples.is_scalar_tuple(a):
        return kernel_tuples.TupleT(tuple(_arg_type(x, kern, i, narrow) for x in a))  # type: ignore[misc]
    key = _scalar_key(a, kern, i)
    return ir.Scalar(_SCALAR_TYPES[key] if isinstance(key, type) else key)


def _to_scalar(value: Any, dtype: str, kern: Kernel, i: int) -> Any:
    if isinstance(value, np.generic):
        return value
    try:
        return np.dtype(dtype).type(value)
    except OverflowError:
        raise LaunchError(f"kernel {kern.name}: argument {kern._params[i]!r} = {value!r} does not fit "
                          f"in {dtype}") from None


def _as_device(target: Any) -> Device:
    if isinstance(target, Device):
        return target
    if isinstance(target, str):
        from .devices import select_device

        return select_device(target)
    raise CambrianError(f"expected a Device, a filter string or a backend name, got {target!r}")
