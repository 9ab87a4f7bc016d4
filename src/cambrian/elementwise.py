"""The elementwise engine of the array namespace: one :class:`Elementwise` per function of the standard.

A function is a scalar definition in the kernel language (plus one for complex operands where the
formula differs), a dtype rule and the matching NumPy ufunc. A call resolves the operands' dtypes (the
standard's promotion, Python scalars weak as in NEP 50), allocates the result on the operands' device
and runs one of two paths with the same semantics:

* **kernel**: a kernel generated from the scalar definition (``vectorize``'s generator) on the device.
  Broadcast operands are passed as stride-0 views and mergeable dimensions are collapsed, so a function
  compiles one kernel per (dtypes, scalar positions, dimensions after collapsing), never per shape;
* **host**: on devices whose memory is host memory and whose launches are synchronous (``cpu``,
  ``interp``), NumPy's ufunc works in place on that memory, split over the device's threads for large
  arrays (NumPy releases the GIL in its loops and uses SIMD math, which Numba here lacks).

Inside kernels the same object is a device function (``cb.exp(x)`` in a kernel is the scalar
definition): ``__cambrian_overload__`` picks the real or complex definition by argument dtype.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import config, dtypes
from .backends.base import ArrayArg, Device
from .elementwise_fast import Entry
from .elementwise_fast import remember as remember_entry
from .elementwise_host import SPLIT as _SPLIT
from .elementwise_host import host_device as _host_device
from .elementwise_host import is_pocl_cpu as _is_pocl_cpu
from .elementwise_host import threaded as _threaded
from .errors import PlacementError
from .vectorize import Vectorized, launch_key, overlaps, streams

#: Rules of the result dtype from the promoted operand dtype ``p`` (and the device's default float).
RULES = ("same", "float", "bool", "real", "compare")

#: Dtype groups (the standard's "numeric", "real numeric", ... as sets of dtype names).
GROUPS: dict[str, frozenset[str]] = {
    "any": frozenset(dtypes.ALL),
    "numeric": frozenset(dtypes.INTEGER + dtypes.FLOATING + dtypes.COMPLEX),
    "real": frozenset(dtypes.BOOL + dtypes.INTEGER + dtypes.FLOATING),
    "real numeric": frozenset(dtypes.INTEGER + dtypes.FLOATING),
    "float": frozenset(dtypes.FLOATING + dtypes.COMPLEX),
    "real float": frozenset(dtypes.FLOATING),
    "integer": frozenset(dtypes.INTEGER),
    "integer or bool": frozenset(dtypes.BOOL + dtypes.INTEGER),
    "bool": frozenset(dtypes.BOOL),
}


#: Host-memory devices run NumPy below this many elements, a kernel from it on (read from
#: ``CAMBRIAN_HOST_MATH_MAX`` at import; tests set it to 0 to check the kernels of ``cpu``).
HOST_MATH_MAX = config.host_math_max()
#: Functions with ``kernel_on_host`` run their kernel on ``cpu`` from this many elements (below, waking
#: the device's threads costs more than NumPy's loop on the calling thread: 40,000 float64 ``x + y``
#: 62 us against 35; at 131,072 the kernel took 119 us, NumPy's loop split over the threads 279)
KERNEL_ON_HOST_MIN = 1 << 16
#: PoCL's CPU device runs the ``cpu`` device's path on its buffers' host memory from this many elements.
CPU_PATH_ON_POCL_MIN = 1 << 14


class _View:
    """A device array seen with other shape/strides (stride 0 for broadcast dimensions): the launch
    protocol (``device``, ``shape``, ``dtype``, ``__cambrian_array__``), no copy."""

    __slots__ = ("_arg", "device", "dtype", "shape")

    def __init__(self, device: Device, arg: ArrayArg, shape: tuple[int, ...], strides: tuple[int, ...]):
        self.device, self.shape, self.dtype = device, shape, np.dtype(arg.dtype)
        view = None
        if arg.view is not None:
            view = np.lib.stride_tricks.as_strided(arg.view, shape, tuple(s * arg.view.itemsize
                                                                        for s in strides))
        self._arg = ArrayArg(arg.buffer, arg.offset, shape, strides, arg.dtype, view)

    def __cambrian_array__(self) -> ArrayArg:
        return self._arg


def broadcast_strides(arg: ArrayArg, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Element strides of ``arg`` broadcast to ``shape`` (0 where it is broadcast)."""
    lead = len(shape) - len(arg.shape)
    return (0,) * lead + tuple(0 if n == 1 and m != 1 else s
                               for n, m, s in zip(arg.shape, shape[lead:], arg.strides, strict=True))


def collapse(shape: tuple[int, ...], strides: list[tuple[int, ...]]) -> tuple[tuple[int, ...],
                                                                              list[tuple[int, ...]]]:
    """Merge neighbouring dimensions that every operand walks as one (and drop size-1 dimensions):
    fewer dimensions, fewer kernels, cheaper index arithmetic."""
    keep = [d for d, n in enumerate(shape) if n != 1] or [len(shape) - 1]
    dims = [[shape[d], *(st[d] for st in strides)] for d in keep]
    out = [dims[0]]
    for cur in dims[1:]:
        prev = out[-1]
        if all(p == c * cur[0] for p, c in zip(prev[1:], cur[1:], strict=True)):
            out[-1] = [prev[0] * cur[0], *cur[1:]]
        else:
            out.append(cur)
    return tuple(d[0] for d in out), [tuple(d[k + 1] for d in out) for k in range(len(strides))]


class Elementwise:
    """One elementwise function of the namespace (see the module docstring)."""

    __cambrian_func__ = True

    def __init__(self, name: str, fn: Callable[..., Any], ufunc: Any, *, rule: str = "same",
                 group: str = "numeric", variants: dict[str, Callable[..., Any]] | None = None,
                 doc: str = "", host: Callable[..., Any] | None = None, casting: str = "same_kind",
                 kernel_on_host: bool | frozenset[str] = False, stream: bool = False,
                 cpu_path_on_pocl: bool = True):
        assert rule in RULES, rule
        self.__name__ = self.__qualname__ = self.name = name
        self.py_func, self.ufunc, self.rule, self.group = fn, ufunc, rule, group
        #: How the result may be cast into ``out=`` ("same_kind" as NumPy's ufuncs; "unsafe" for casts).
        self.casting = casting
        #: What the host path calls as ``host(*operands, out=)``: the ufunc, or a function that fixes
        #: NumPy's results where they differ from the kernels (special values, integer powers).
        self.host = host or ufunc
        #: Run the generated kernel on host-memory devices too (``cpu``; True: for every dtype, or for
        #: these compute dtypes) from KERNEL_ON_HOST_MIN elements, where it beats NumPy's loop
        #: (``where``: NumPy's masked copy is ~7x slower; Cambrian's vectorised math functions);
        #: ``interp`` always runs NumPy.
        self.kernel_on_host = kernel_on_host
        #: A function that runs at memory speed (``Vectorized(stream=True)``): results of
        #: ``STREAM_MIN_BYTES`` or more get non-temporal stores, on ``cpu`` too (beating NumPy's loops
        #: there: they read each destination line before writing it).
        self.stream = stream
        #: On PoCL's CPU device (every buffer there is Cambrian-owned host memory), calls of
        #: CPU_PATH_ON_POCL_MIN elements or more run what ``cpu`` runs, on that memory: Cambrian's kernels
        #: compiled by Numba (8-lane float64 vectors where PoCL's have 4, non-temporal stores) or NumPy's
        #: loops (where PoCL's library calls are scalar: ``atan`` 30x slower). False (or HOST_MATH_MAX
        #: = 0: the device's kernels everywhere): PoCL's own kernel.
        self.cpu_path_on_pocl = cpu_path_on_pocl
        #: Scalar definitions per operand kind ("complex", "uint", "int", "bool", "integer" for all
        #: three, "float"); ``fn`` serves the rest.
        self.variants = variants or {}
        self.nin = fn.__code__.co_argcount
        self.__doc__ = doc or f"Elementwise ``{name}`` of the array API standard, on the operands' device."
        self._vec: dict[tuple[Any, bool], Vectorized] = {}
        self._types: dict[tuple[Any, ...], tuple[str, tuple[str, ...]]] = {}
        self._fast: dict[tuple[Any, ...], Entry] = {}

    def __repr__(self) -> str:
        return f"<cambrian elementwise function {self.name}>"

    def __reduce__(self) -> Any:
        """Pickles as its name in the namespace (``cambrian.sin``)."""
        from .serialize import namespace_function

        return (namespace_function, (self.name,))

    def __cambrian_overload__(self, argtypes: Sequence[str]) -> Callable[..., Any]:
        """The scalar definition for kernel arguments of ``argtypes``."""
        return self.definition(dtypes.result_type(*argtypes))

    def definition(self, dtype: str) -> Callable[..., Any]:
        """The scalar definition that computes in ``dtype``."""
        kind = dtypes.kind(dtype)
        v = self.variants
        fn = v.get(kind) or (v.get("integer") if kind in ("bool", "int", "uint") else None)
        return fn or self.py_func

    # -- types -----------------------------------------------------------------------------------
    def types(self, ops: Sequence[str | tuple[str, str]], fp64: bool = True) -> tuple[str, tuple[str, ...]]:
        """``(result dtype, dtypes the scalar definition computes in)`` for operands ``ops`` (dtype
        names; Python scalars as ``("weak", kind)``) on a device with (``fp64``) or without float64."""
        key = (*ops, fp64)
        got = self._types.get(key)
        if got is None:
            got = self._types[key] = self._resolve(ops, fp64)
        return got

    def _resolve(self, ops: Sequence[str | tuple[str, str]], fp64: bool) -> tuple[str, tuple[str, ...]]:
        try:
            p = dtypes.result_type(*ops)
        except TypeError:
            raise TypeError(f"{self.name}: no common dtype for {_describe(ops)}") from None
        if p not in GROUPS[self.group]:
            raise TypeError(f"{self.name} is defined for {self.group} dtypes, got {_describe(ops)}")
        compute = p
        if self.rule == "float" and p not in GROUPS["float"]:
            compute = "float64" if fp64 else "float32"
        ret = {"same": compute, "float": compute, "bool": "bool", "compare": "bool",
               "real": dtypes.real_of(compute)}[self.rule]
        return ret, tuple(compute for _ in ops)

    # -- call ------------------------------------------------------------------------------------
    def __call__(self, *args: Any, out: Any = None) -> Any:
        if self._fast:  # the steady state: a prepared entry (elementwise_fast)
            got = _fast_key(args if out is None else (*args, out))
            if got is not None:
                entry = self._fast.get(got[0])
                if entry is not None and (entry.always or (entry.size < HOST_MATH_MAX) == entry.below):
                    res = entry.run(got[1], out)
                    if res is not None:
                        return res
        if len(args) != self.nin:
            raise TypeError(f"{self.name}() takes {self.nin} positional argument(s), got {len(args)}")
        array_type = _array_type()
        device = None
        ops: list[Any] = []
        for a in args:
            if a.__class__ is array_type:
                if device is None:
                    device = a.device
                elif a.device is not device and a.device != device:
                    raise PlacementError(f"{self.name}: operands are on {device} and {a.device}; move one "
                                         f"with x.to_device({str(device)!r}) (data never moves implicitly)")
                ops.append(_NAMES[a.dtype])
            elif a.__class__ in _WEAK:
                ops.append(_WEAK[a.__class__])
            elif hasattr(a, "__cambrian_trace__"):  # a traced value of @cb.fuse: record, compute nothing
                return a.__cambrian_trace__(self, args, {"out": out})
            else:  # subclasses, NumPy data, other objects: the slow path
                return self(*(_operand(b, args, self.name) for b in args), out=out)
        if device is None:
            raise TypeError(f"{self.name}: at least one operand must be a cambrian.Array, got "
                            f"{', '.join(type(a).__name__ for a in args)}")
        got = self._types.get((*ops, device.supports_float64))
        ret, compute = got if got is not None else self.types(ops, device.supports_float64)
        shape = None
        for a, o in zip(args, ops, strict=True):
            if o.__class__ is tuple:
                if o[1] == "int" and not _fits(a, compute[0]):
                    if self.rule != "compare":
                        raise OverflowError(f"{self.name}: Python integer {a} out of bounds for {compute[0]}")
                    # NumPy 2 compares exactly: int8_array < 1000 is all True (the arrays widened)
                    wide = "int64" if -2**63 <= a < 2**63 and compute[0] != "uint64" else "float64"
                    return self(*(copy_into(b, out=array_type._empty(b.shape, wide, device))
                                  if b.__class__ is array_type else b for b in args), out=out)
            elif shape is None:
                shape = a.shape
            elif a.shape != shape:
                shape = np.broadcast_shapes(*(b.shape for b in args if b.__class__ is array_type))
                break
        impl = device.impl
        host = impl.host_memory and not impl.asynchronous
        if host and (self.kernel_on_host or self.stream) and self._kernel_here(device, compute[0], ret,
                                                                                    shape):
            host = False
        fresh = out is None
        if (not host and self.cpu_path_on_pocl and HOST_MATH_MAX and _is_pocl_cpu(device)
                and device.supports_float64 and math.prod(shape) >= CPU_PATH_ON_POCL_MIN):
            done = self._cpu_path(args, compute, out, shape, ret, device)
            if done is not None:
                return done
        if fresh:
            out = array_type._empty(shape, ret, device)
            if host and out.size < HOST_MATH_MAX and out.size:
                self._host(args, compute, out, np.ndarray(shape, out.dtype, buffer=out._buffer))
                if self._plain_host(out.size):
                    self._prepare(args, shape, ret, compute, ops, self.host, None)
                return out
        else:
            _check_out(out, shape, ret, device, self.name, self.casting)
        if out.size == 0:
            return out
        if host and (device.backend == "interp" or out.size < HOST_MATH_MAX):
            self._host(args, compute, out, out.__cambrian_array__().view)
            if self._plain_host(out.size):
                self._prepare(args, shape, ret, compute, ops, self.host, None, None if fresh else out)
        elif not fresh and overlaps(args, out):
            copy_into(self(*args), out=out)  # an input overlaps out in another layout: no race, as NumPy
        else:
            plan = self._kernel(args, compute, out)
            if plan is not None:
                self._prepare(args, shape, ret, compute, ops, None, plan.prepared, None if fresh else out)
        return out

    def _prepare(self, args: Sequence[Any], shape: tuple[int, ...], ret: str, compute: tuple[str, ...],
                 ops: list[Any], host: Callable[..., Any] | None, prepared: Any, out: Any = None) -> None:
        """Remember how this call ran (C-contiguous operands of one shape; a new result, or ``out`` of
        that shape and exactly the result dtype) for the next calls with operands of the same kind
        (:mod:`cambrian.elementwise_fast`)."""
        if out is not None and (_NAMES.get(out.dtype) != ret or out.__class__ is not _ARRAY[0]):
            return
        got = _fast_key(args if out is None else (*args, out))
        if got is None or any(a.__class__ is ArrayArg and (a.typekey[2] != "C" or a.shape != shape)
                              for a in got[1]):
            return
        device = next(a.device for a in args if a.__class__ is _ARRAY[0])
        entry = Entry(device, shape, ret, compute, ops, host, prepared, _ARRAY[0]._new)
        if host is None and self._kernel_here(device, compute[0], ret, shape):
            entry.always = True  # (the kernel runs whatever HOST_MATH_MAX is)
        remember_entry(self._fast, got[0], entry)

    def _kernel_here(self, device: Device, compute: str, ret: str, shape: tuple[int, ...]) -> bool:
        """Whether a host-memory device runs the kernel (``kernel_on_host``, ``stream``) for this call."""
        if device.backend == "interp":
            return False
        n = math.prod(shape)
        if self.stream and streams(n, ret):
            return True
        k = self.kernel_on_host
        return bool(k) and (k is True or compute in k) and n >= KERNEL_ON_HOST_MIN  # type: ignore[operator]

    def _plain_host(self, size: int) -> bool:
        """Whether :meth:`_host` runs one call of ``self.host`` with ``out=`` for ``size`` elements (no
        thread split, not real/imag): what a prepared entry replays."""
        return size < _SPLIT and self.ufunc is not np.real and self.ufunc is not np.imag

    def _cpu_path(self, args: Sequence[Any], compute: tuple[str, ...], out: Any, shape: tuple[int, ...],
                  ret: str, device: Device) -> Any:
        """This call as ``cpu`` runs it, on the host memory of an OpenCL CPU device's buffers, after the
        queue's pending work (``cpu_path_on_pocl``; ``interp``'s NumPy where ``cpu`` is absent and NumPy
        wins); None (nothing done) when a buffer is not such memory, ``out`` overlaps an input or no
        host device serves the call: PoCL's kernel runs."""
        from .array._host import seen_on

        k = self.kernel_on_host
        target = _host_device(bool(k) and (k is True or compute[0] in k))  # type: ignore[operator]
        if target is None or (ops := seen_on(target, list(args))) is None:
            return None
        if out is None:
            out = _array_type()._empty(shape, ret, device)
        else:
            _check_out(out, shape, ret, device, self.name, self.casting)
            if overlaps(args, out):
                return None
        res = seen_on(target, [out])  # (None: small buffers may be the driver's)
        if res is None:
            return None
        out.queue.synchronize()
        self(*ops, out=res[0])
        return out

    def _host(self, args: Sequence[Any], compute: tuple[str, ...], out: Any, target: np.ndarray) -> None:
        array_type = _array_type()
        ins = [(a.__cambrian_array__().view if _NAMES[a.dtype] == c else
                a.__cambrian_array__().view.astype(c)) if a.__class__ is array_type else a
               for a, c in zip(args, compute, strict=True)]
        with np.errstate(all="ignore"):
            if self.ufunc is np.real or self.ufunc is np.imag:  # functions without a ufunc's out=
                target[...] = self.ufunc(ins[0])
            elif out.size >= _SPLIT and target.ndim and target.shape[0] >= 2:
                _threaded(self.host, ins, target)
            else:
                self.host(*ins, out=target)

    def _kernel(self, args: Sequence[Any], compute: tuple[str, ...], out: Any) -> Any:
        """Run the generated kernel; the vectorized call's plan when the call was plain."""
        from .array._array import Array

        fn = self.definition(compute[0])
        fp64 = out.device.supports_float64
        vec = self._vec.get((fn, fp64))
        if vec is None:
            vec = self._vec[fn, fp64] = Vectorized(fn, typer=lambda ops: self.types(ops, fp64),
                                                   stream=self.stream)
        plain = all(not isinstance(a, Array) or (a.shape == out.shape and a.c_contiguous) for a in args)
        if plain and out.c_contiguous:
            vec(*args, out=out)
            key = launch_key((*args, out))
            return None if key is None else vec._plans.get(key)
        arrs = [a.__cambrian_array__() for a in args if isinstance(a, Array)]
        oarg = out.__cambrian_array__()
        shape, strides = collapse(out.shape, [oarg.strides, *(broadcast_strides(a, out.shape) for a in arrs)])
        views = iter(_View(out.device, a, shape, st) for a, st in zip(arrs, strides[1:], strict=True))
        launch = [next(views) if isinstance(a, Array) else a for a in args]
        vec(*launch, out=_View(out.device, oarg, shape, strides[0]))
        return None

_ARRAY: list[type] = []
#: dtype -> name (``np.dtype.name`` costs microseconds) and Python scalar type -> weak operand.
_NAMES = dtypes.NP_NAMES
_WEAK = {bool: ("weak", "bool"), int: ("weak", "int"), float: ("weak", "float"),
         complex: ("weak", "complex")}


def _fast_key(args: Sequence[Any]) -> tuple[tuple[Any, ...], list[Any]] | None:
    """``(key, operands)`` of a call whose operands are all ``cambrian.Array`` or Python scalars: the
    key of its prepared entry (each array's device, dtype, layout and shape; each scalar's type) and
    the operands as launch arguments (ArrayArg) and scalars; None for other operands."""
    arr = _ARRAY[0] if _ARRAY else None
    key: list[Any] = []
    ops: list[Any] = []
    for a in args:
        c = a.__class__
        if c is arr:
            arg = a._arg
            if arg is None:
                arg = a.__cambrian_array__()
            key.append((a.device, arg.typekey, arg.shape))
            ops.append(arg)
        elif c in _WEAK:
            key.append(c)
            ops.append(a)
        else:
            return None
    return tuple(key), ops


def _array_type() -> type:
    """``cambrian.Array`` (imported on first use: the array package is built on this module)."""
    if not _ARRAY:
        from .array._array import Array

        _ARRAY.append(Array)
    return _ARRAY[0]


def _describe(ops: Sequence[str | tuple[str, str]]) -> str:
    return ", ".join(o if isinstance(o, str) else f"Python {o[1]}" for o in ops)


def _operand(a: Any, args: Sequence[Any], name: str) -> Any:
    """A cambrian.Array or Python scalar operand; NumPy data moves to the other operands' device
    (explicitly host data, as kernel launches do); anything else is a TypeError."""
    from .array._array import Array

    if isinstance(a, Array | bool | int | float | complex) and not isinstance(a, np.generic):
        return a  # (np.float64 is a float subclass, but NEP 50 makes NumPy scalars strong)
    if isinstance(a, np.ndarray | np.generic):
        device = next((b.device for b in args if isinstance(b, Array)), None)
        if device is None:
            raise TypeError(f"{name}: at least one operand must be a cambrian.Array")
        from .array._creation import from_host

        return from_host(np.asarray(a), device)
    raise TypeError(f"{name}: unsupported operand type {type(a).__name__} (cambrian.Array or Python scalar)")


@functools.cache
def _limits(dtype: str) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _fits(value: int, dtype: str) -> bool:
    """A Python int fits an integer compute dtype (else NumPy 2 raises OverflowError; any fits floats)."""
    if not dtypes.is_integer(dtype):
        return True
    lo, hi = _limits(dtype)
    return lo <= value <= hi


def _check_out(out: Any, shape: tuple[int, ...], ret: str, device: Device, name: str,
               casting: str = "same_kind") -> None:
    from .array._array import Array

    if not isinstance(out, Array):
        raise TypeError(f"{name}: out must be a cambrian.Array, got {type(out).__name__}")
    if out.device != device:
        raise PlacementError(f"{name}: out is on {out.device}, the operands on {device}")
    if out.shape != tuple(shape) and np.broadcast_shapes(out.shape, tuple(shape)) != out.shape:
        raise ValueError(f"{name}: the operands broadcast to shape {tuple(shape)}, which does not fit out "
                         f"of shape {out.shape}")
    if casting != "unsafe" and not _same_kind(ret, _NAMES[out.dtype]):
        raise TypeError(f"{name}: cannot write the {ret} result into out of dtype {out.dtype.name}")


@functools.cache
def _same_kind(src: str, dst: str) -> bool:
    return bool(np.can_cast(src, dst, "same_kind"))


def same(x):  # type: ignore[no-untyped-def]
    """The element itself (the scalar definition of ``copy_into``)."""
    return x


def _np_copy(x: Any, out: np.ndarray) -> None:
    np.copyto(out, x, casting="unsafe")


#: ``copy_into(src, out=view)``: ``src`` broadcast to ``view`` and cast to its dtype, on the device.
copy_into = Elementwise("copy", same, _np_copy, rule="same", group="any", casting="unsafe", stream=True)
