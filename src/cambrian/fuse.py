"""``@cb.fuse``: an array expression traced into one kernel, on every device.

::

    @cb.fuse
    def gaussian(x, mu, sigma):
        return cb.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))

The function is traced once per (argument dtypes and dimensions, device kind) with abstract arrays
(:mod:`cambrian.fuse_trace`): the namespace's elementwise functions and operators record their calls
with the namespace's dtype rules (NEP 50), and at most one reduction (``sum prod min max mean any all
count_nonzero``, over all or some axes) may end it, followed by scalar arithmetic on its result. The
record becomes one generated kernel-language function (:mod:`cambrian.fuse_source`) compiled by the
kernel compiler like any kernel (memory and disk caches): an elementwise kernel, or the ``map`` of a
reduction (the namespace's reduction order, so the same results) whose last pass applies the scalar
arithmetic. Python scalar arguments and ``x.shape``/``x.size`` are run-time kernel parameters (Python
does the arithmetic on them at each call, as op-by-op code does); literals are compiled in.

Calls reuse prepared launches per (devices, dtypes, shapes, layouts), so a small call costs about one
elementwise operation. NumPy arguments run on the default device and give NumPy, as ``@cb.vectorize``.
On the ``cpu`` (Numba) device arrays under ``SERIAL_MAX`` elements run as one serial loop (no thread
pool wake-up). Errors in the trace (Python control flow on array values, a non-elementwise operation,
two reductions) are ``KernelSyntaxError`` naming the line of the user's function.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import dtypes
from .backends.base import Device
from .errors import CambrianError, KernelSyntaxError, Loc, user_error
from .fuse_plan import _Arg, _flat, _kind, _nd, _param_dtype, _placeholder, _Plan, reduction_launches
from .fuse_source import (
    Graph,
    Kind,
    elementwise_source,
)
from .fuse_trace import FusedArray, FusedScalar, Node, Semantic, Trace, Unsupported, _Traced, traceback_loc
from .kernels import Func, Kernel
from .vectorize import common_device, kernel_namespace, make_function, overlaps, remember

#: ``cpu`` (Numba) device: results under this many elements are computed by one serial loop.
SERIAL_MAX = 1 << 14
#: Traces kept per fused function (one per argument dtypes/dimensions and device kind).
MAX_TRACES = 32
#: Tests set this to run the GPU (tree) reduction on CPU devices too.
FORCE_TREE = False


class _Compiled:
    """One trace of a fused function (for argument dtypes/dimensions and a device kind): its graph and
    its kernels by variant."""

    def __init__(self, fused: Fused, args: Sequence[Any], fp64: bool):
        self.name, self.fp64 = fused.name, fp64
        trace = Trace(fused.name, fp64, args)
        tracers: list[Any] = []
        for i, a in enumerate(args):
            if hasattr(a, "__cambrian_array__"):
                nd = len(a.shape)
                node = Node("in", dtypes.name(a.dtype), nd, value=i, shape=lambda s, i=i: tuple(s[i].shape))
                tracers.append(FusedArray(trace, node))
            else:
                tracers.append(trace.host(lambda s, i=i: s[i], a))
        self.graph = self._trace(fused, trace, tracers)
        self.scalar_types = [np.dtype(_param_dtype(n, fp64)).type for n in self.graph.scalars]
        self.hosts = [(n.value, t) for n, t in zip(self.graph.scalars, self.scalar_types, strict=True)]
        index = {id(n): k for k, n in enumerate(self.graph.scalars)}
        self.checks = [(index[id(n)], dt) for n, dt in trace.int_checks if id(n) in index]
        self.kernels: dict[tuple[Any, ...], Kernel] = {}

    def _trace(self, fused: Fused, trace: Trace, tracers: list[Any]) -> Graph:
        fn = fused.py_func
        where = f"cb.fuse {self.name}"
        try:
            result = fn(*tracers)
            if not isinstance(result, FusedArray):
                raise Unsupported(f"the function returns {type(result).__name__}, not an array expression "
                                  "of its arguments")
            ns = kernel_namespace()
            graph = Graph(result.node, trace.reduction, ns)
        except Unsupported as exc:
            loc = exc.loc or traceback_loc(exc.__traceback__) or _def_loc(fn)
            raise KernelSyntaxError(f"{where}: {exc}", loc) from None
        except Semantic as exc:
            loc = exc.loc or traceback_loc(exc.__traceback__)
            raise type(exc.exc)(f"{exc.exc}" + (f"\n  {loc}\n{loc.excerpt()}" if loc else "")) from None
        except (TypeError, AttributeError, NotImplementedError) as exc:
            raise KernelSyntaxError(
                f"{where}: cannot be fused: {exc} (a fused function may use the namespace's elementwise "
                "functions and operators, cb.where, Python scalars, x.shape/x.size and one reduction: "
                f"{', '.join(('sum', 'prod', 'min', 'max', 'mean', 'any', 'all', 'count_nonzero'))})",
                traceback_loc(exc.__traceback__) or _def_loc(fn)) from None
        src = graph.f_src + (graph.p_src or "")
        make_function(src, "_f", "fuse", ns)
        for name in ("_f", "_p"):
            if name in ns:
                ns[name] = Func(ns[name])
        return graph

    # -- kernels ---------------------------------------------------------------------------------
    def kernel(self, key: tuple[Any, ...], make: Callable[[str], str], loader: str | None = None,
               reduce: Any = None) -> Kernel:
        kern = self.kernels.get(key)
        if kern is None:
            name = f"{self.name}_{key[0]}"
            ns = dict(self.graph.ns)
            if reduce is not None:
                from .vectorize import as_func

                ns["_r"] = as_func(reduce, 2)
            if loader is not None:
                ns["_l"] = Func(make_function(loader, "_l", "fuse", ns))
            kern = self.kernels[key] = Kernel(make_function(make(name), name, "fuse", ns))
        return kern

    def build(self, args: Sequence[Any], out: Any, device: Device) -> tuple[Any, ...]:
        """What a call needs: ``(result shape, dtype, array converters, out converter, launches, lock)``;
        each launch ``(launcher, protocol args, build(out, arrays, vals) -> launch args)``."""
        g = self.graph
        arrs = [args[i] for i in g.arrays]
        try:
            full = np.broadcast_shapes(*(tuple(a.shape) for a in arrs))
        except ValueError as exc:
            raise ValueError(f"{self.name}: {exc}") from None
        vals = [t(f(args)) for f, t in self.hosts]
        if g.reduction is None:
            return self._elementwise(arrs, full, out, device, vals)
        return self._reduction(arrs, full, out, device, vals)

    def _out_dtype(self, out: Any, ret: str) -> str:
        if out is None:
            return ret
        od = dtypes.name(out.dtype)
        if not np.can_cast(ret, od, "same_kind"):
            raise TypeError(f"{self.name}: cannot write the {ret} result into out of dtype {od}")
        return od

    def _elementwise(self, arrs: list[Any], full: tuple[int, ...], out: Any, device: Device, vals: list[Any]
                     ) -> tuple[Any, ...]:
        g = self.graph
        shape = full
        if out is not None:
            if np.broadcast_shapes(tuple(out.shape), full) != tuple(out.shape):
                raise ValueError(f"{self.name}: the result has shape {full}, which does not fit out of shape "
                                 f"{tuple(out.shape)}")
            shape = tuple(out.shape)
        od = self._out_dtype(out, g.result)
        n = math.prod(shape)
        if n == 0:
            return shape, g.result, [_nd] * len(arrs), _nd, [], None
        plain = all(a.ndim == 0 or (tuple(a.shape) == shape and a.__cambrian_array__().c_contiguous)
                    for a in arrs) and (out is None or out.__cambrian_array__().c_contiguous)
        kinds: list[Kind] = [(0, ()) if a.ndim == 0 else None if plain else _kind(a, shape) for a in arrs]
        conv = [_flat if plain or a.ndim == 0 else _nd for a in arrs]
        oconv = _flat if plain else _nd
        serial = plain and device.backend == "cpu" and n < SERIAL_MAX
        nd = 0 if plain else len(shape)
        key = ("serial" if serial else "fused", nd, tuple(kinds), od)
        kern = self.kernel(key, lambda name: elementwise_source(name, g, kinds, nd, od, serial))
        target = out if out is not None else _placeholder(shape, od, device)
        proto = [_Arg(device, oconv(target)), *(_Arg(device, c(a)) for a, c in zip(arrs, conv, strict=True)),
                 *vals]
        if serial:
            size = np.int64(n)
            launch = (kern[1], [*proto, size], lambda o, a, v: [o, *a, *v, size])
        else:
            launch = (kern[n], proto, lambda o, a, v: [o, *a, *v])
        return shape, g.result, conv, oconv, [launch], None

    def _reduction(self, arrs: list[Any], full: tuple[int, ...], out: Any, device: Device, vals: list[Any]
                   ) -> tuple[Any, ...]:
        return reduction_launches(self, arrs, full, out, device, vals, FORCE_TREE)

    def plan(self, args: Sequence[Any], out: Any, device: Device) -> _Plan:
        shape, dtype, conv, oconv, launches, together = self.build(args, out, device)
        prepared = [(launcher.prepare(*proto)[0], build) for launcher, proto, build in launches]
        arrays = list(zip(self.graph.arrays, conv, strict=True))
        return _Plan(device, shape, dtype, self.hosts, self.checks, arrays, oconv, prepared, together)


def _def_loc(fn: Any) -> Loc | None:
    code = getattr(fn, "__code__", None)
    return Loc(code.co_filename, code.co_firstlineno) if code is not None else None


_KINDS: dict[Device, tuple[Any, ...]] = {}


def _array_key(a: Any) -> tuple[Any, ...]:
    """What a plan depends on for a ``cb.Array`` argument (its layout follows from shape and strides)."""
    return (a.device, a.dtype, a.shape, a.strides)


def _register_array_key() -> None:
    from .array._array import Array

    _KEY[Array] = _array_key


#: Argument class -> plan-key function (``cb.Array``; other classes key by their class).
_KEY: dict[type, Callable[[Any], Any]] = {}


def _device_kind(device: Device) -> tuple[Any, ...]:
    got = _KINDS.get(device)
    if got is None:
        got = _KINDS[device] = (device.backend, device.kind, device.supports_float64)
    return got


class Fused:
    """A function of arrays compiled into one kernel per call; see :func:`fuse`."""

    def __init__(self, py_func: Callable[..., Any]):
        if not callable(py_func):
            raise TypeError(f"cambrian.fuse decorates a Python function, not {type(py_func).__name__}")
        self.py_func = py_func
        self.name = getattr(py_func, "__name__", "fused")
        if not self.name.isidentifier():
            self.name = "fused"
        self._traces: dict[tuple[Any, ...], _Compiled] = {}
        self._plans: dict[tuple[Any, ...], _Plan] = {}
        functools.update_wrapper(self, py_func)

    def __repr__(self) -> str:
        return f"<cambrian.fuse {self.name}>"

    def __reduce__(self) -> Any:
        """Pickles by reference, or by value (:mod:`cambrian.serialize`); compiled plans stay behind."""
        from . import serialize

        return serialize.reduce(self, serialize.rebuild_fused, (serialize.PickledFunction(self.py_func),))

    def __call__(self, *args: Any, out: Any = None) -> Any:
        key: Any = [_KEY[a.__class__](a) if a.__class__ in _KEY else a.__class__ for a in (*args, out)]
        try:
            key = tuple(key)
            plan = self._plans.get(key)
        except TypeError:  # an unhashable argument
            key = plan = None
        if plan is not None and (out is None or not overlaps(args, out)):
            return plan.run(args, out)
        if any(a.__class__ not in _KEY and (hasattr(a, "__cambrian_array__") or isinstance(a, np.ndarray))
               for a in (*args, out)):
            key = None  # NumPy data and other array types: no plan
        try:
            return self._call(args, out, key)
        except CambrianError as exc:  # the traceback ends at the user's call, the message follows
            raise user_error(exc) from exc.__cause__  # (CAMBRIAN_DEBUG=1: Cambrian's frames too)

    def _call(self, args: Sequence[Any], out: Any, key: Any) -> Any:
        if any(isinstance(a, _Traced) for a in args):  # called inside another fused function: inline
            if out is not None:
                raise Unsupported(f"{self.name}(..., out=) inside a fused function")
            return self.py_func(*args)
        if any(isinstance(a, np.ndarray) for a in (*args, out)):
            return self._numpy(args, out)
        device = common_device([*args, *([out] if out is not None else [])], self.name)
        if device is None:
            raise TypeError(f"{self.name}: at least one argument must be a cambrian.Array or a NumPy array")
        if out is not None and overlaps(args, out):  # out shares memory with an input: compute, then copy
            from .elementwise import copy_into

            copy_into(self(*args), out=out)
            return out
        plan = self._compiled(args, device).plan(args, out, device)
        if key is not None:
            remember(self._plans, key, plan)
        return plan.run(args, out)

    def _compiled(self, args: Sequence[Any], device: Device) -> _Compiled:
        tkey = (*(_arg_key(a, self.name) for a in args), _device_kind(device))
        got = self._traces.get(tkey)
        if got is None:
            got = _Compiled(self, args, device.supports_float64)
            remember(self._traces, tkey, got)
            while len(self._traces) > MAX_TRACES:
                del self._traces[next(iter(self._traces))]
        return got

    def _numpy(self, args: Sequence[Any], out: Any) -> Any:
        """NumPy arguments: on the device of the other arguments, else on the default device (NumPy
        results, as ``@cb.vectorize``)."""
        from .array import asarray, asnumpy
        from .devices import default_device

        device = common_device([*args, *([out] if out is not None else [])], self.name)
        on = device or default_device()
        dargs = [asarray(a, device=on) if isinstance(a, np.ndarray) else a for a in args]
        if isinstance(out, np.ndarray):
            res = asnumpy(self(*dargs))
            np.copyto(out, res, casting="same_kind")
            return out
        res = self(*dargs, out=out)
        if device is not None:
            return res
        host = asnumpy(res)
        return host[()] if host.ndim == 0 else host

    def source(self, target: Any, *args: Any) -> str:
        """The generated source of the kernel a call with ``args`` runs (its first launch, the one with
        the fused function), for ``target`` (a Device, a filter string or a backend name) as
        ``Kernel.source``."""
        from .array import asarray
        from .devices import default_device, select_device

        device = common_device(list(args), self.name)
        if device is None:
            try:
                device = target if isinstance(target, Device) else select_device(target)
            except Exception:
                device = default_device()
        dargs = [asarray(a, device=device) if isinstance(a, np.ndarray) else a for a in args]
        _, _, _, _, launches, _ = self._compiled(dargs, device).build(dargs, None, device)
        if not launches:
            raise ValueError(f"{self.name}: an empty result launches no kernel")
        launcher, proto, _ = launches[0]
        return launcher.kernel.source(target, *proto)


def _arg_key(a: Any, name: str) -> tuple[Any, ...]:
    if hasattr(a, "__cambrian_array__"):
        return ("a", dtypes.name(a.dtype), len(a.shape))
    if a.__class__ in (bool, int, float, complex):
        return ("p", a.__class__)
    if isinstance(a, np.generic):
        return ("n", dtypes.name(a.dtype))
    raise TypeError(f"{name}: unsupported argument type {type(a).__name__} (cambrian.Array, NumPy array or "
                    "scalar)")


def fuse(fn: Callable[..., Any] | None = None) -> Any:
    """Decorator: compile an array function into one kernel per call (see :mod:`cambrian.fuse`).

    ``@cb.fuse`` then ``f(x, 0.0, 1.0)``, ``f(x, 0.0, 1.0, out=y)`` (no allocation) or
    ``f.source("opencl", x, 0.0, 1.0)`` (the generated kernel)."""
    if not _KEY:
        _register_array_key()
    if fn is None:
        return Fused
    return Fused(fn)


__all__ = ["Fused", "FusedScalar", "fuse"]
