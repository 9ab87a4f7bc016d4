"""The steady state of an elementwise call: a prepared entry per (function, operand devices, dtypes,
layouts, shapes, scalar kinds), made after the first call of that kind took the full path.

The full path (:meth:`cambrian.elementwise.Elementwise.__call__`) resolves the dtypes, checks placement,
broadcasting and integer bounds and picks the host or the kernel path; an entry remembers its outcome
for operands of the same kind, so a repeated call only allocates the result and runs NumPy on host
memory or enqueues the already prepared kernel. Entries are made only for calls without ``out=``
whose array operands are C-contiguous and of one shape (nothing can overlap a new result, nothing is
broadcast). What depends on values is still checked per call: a Python int operand must fit the
compute dtype, and the host/kernel choice follows ``HOST_MATH_MAX`` as it is now (tests change it).
An entry holds no array, so results still die with their last reference.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import dtypes
from .backends.base import ArrayArg, Device, contiguous_strides
from .kernels import Prepared

#: Entries kept per elementwise function (the oldest goes first when full).
MAX_ENTRIES = 64

_new_arg = ArrayArg.__new__
#: The marker of a Python scalar operand passed to NumPy as it is.
SCALAR = object()


class NewResult:
    """A new C-contiguous result of one shape and dtype, with its launch argument: everything computed
    once (what ``Array._empty`` and ``Array.__cambrian_array__`` would work out at every call)."""

    __slots__ = ("dtype", "estrides", "name", "nbytes", "shape", "size", "strides", "typekey")

    def __init__(self, shape: tuple[int, ...], name: str):
        self.shape, self.name, self.dtype = shape, name, np.dtype(name)
        self.size = math.prod(shape)
        self.nbytes = self.size * self.dtype.itemsize
        self.strides = contiguous_strides(shape, self.dtype.itemsize)
        self.estrides = tuple(s // self.dtype.itemsize for s in self.strides)
        self.typekey = (name, len(shape), "C")

    def make(self, device: Device, new: Callable[..., Any], view: bool = True) -> Any:
        """A new array on ``device`` (``new``: ``Array._new``) with its launch argument set; with
        ``view``, the argument has the host view where the device has host memory."""
        impl = device.impl
        buffer = impl.alloc(device, self.nbytes)
        out = new(buffer, device, self.shape, self.dtype, self.strides, self.nbytes)
        hv = impl.host_view(device, buffer) if view else None
        arg = _new_arg(ArrayArg)  # (the fields ArrayArg.__init__ would work out again)
        arg.buffer, arg.offset, arg.shape, arg.strides = buffer, 0, self.shape, self.estrides
        arg.dtype, arg.typekey, arg.memo = self.name, self.typekey, {}
        arg.view = None if hv is None else np.ndarray(self.shape, self.dtype, buffer=hv)
        out._arg = arg
        return out


class Entry:
    """A prepared elementwise call (see the module docstring). ``run`` returns the result, or None
    when this call must take the full path (an int out of bounds, the path choice changed)."""

    __slots__ = ("always", "below", "device", "hostview", "ints", "new", "ops", "prepared", "result", "shape",
                 "size", "ufunc")

    def __init__(self, device: Device, shape: tuple[int, ...], ret: str, compute: tuple[str, ...],
                 ops: list[Any], host: Callable[..., Any] | None, prepared: Prepared | None,
                 new: Callable[..., Any]):
        """``ops``: each operand's dtype name, or ``("weak", kind)`` for a Python scalar; ``host``: the
        NumPy function of the host path, else ``prepared``: the kernel launch."""
        impl = device.impl
        self.device, self.shape, self.new = device, shape, new
        self.result = NewResult(shape, ret)
        self.size = self.result.size
        host_device = impl.host_memory and not impl.asynchronous
        #: The path of this entry holds whatever ``HOST_MATH_MAX`` is (interp: always NumPy; devices
        #: without host memory: always kernels); else it holds when ``size < HOST_MATH_MAX == below``.
        self.always = device.backend == "interp" or not host_device
        self.below = host is not None
        #: results get their host view on host-memory devices (the host path of the next call reads its
        #: operands through it; elsewhere there is none to make)
        self.hostview = host_device
        self.ufunc, self.prepared = host, prepared
        #: per operand: None (an array used as it is), a dtype name (an array cast to it first: host
        #: path), SCALAR (a Python scalar as it is: host path) or a NumPy scalar type (kernel path)
        self.ops = tuple((SCALAR if host is not None else np.dtype(c).type) if isinstance(o, tuple) else
                         None if host is None or o == c else c for o, c in zip(ops, compute, strict=True))
        #: (position, lowest, highest) of Python int operands: they must fit the compute dtype
        self.ints = tuple((i, *_limits(c)) for i, (o, c) in enumerate(zip(ops, compute, strict=True))
                          if o == ("weak", "int") and dtypes.is_integer(c))

    def run(self, args: list[Any], out: Any = None) -> Any:
        """The result for ``args`` (ArrayArg of array operands, Python scalars; with ``out``, its
        ArrayArg last), or None. The caller checks first that the path choice still holds:
        ``always``, or ``size < HOST_MATH_MAX`` equal to ``below``."""
        for i, lo, hi in self.ints:
            if not lo <= args[i] <= hi:
                return None
        device = self.device
        if out is None:
            out = self.result.make(device, self.new, view=self.hostview)
            arg = out._arg
            view = arg.view
        else:  # an input that shares out's memory must be out itself (same elements, same layout)
            arg = args.pop()
            for a in args:
                if a.__class__ is ArrayArg and a.buffer is arg.buffer and (a.offset != arg.offset or
                                                                          a.dtype != arg.dtype):
                    return None
            view = arg.view
        if self.ufunc is not None:
            ins = [a if o is SCALAR else a.view if o is None else a.view.astype(o)
                   for a, o in zip(args, self.ops, strict=True)]
            with np.errstate(all="ignore"):
                self.ufunc(*ins, out=view)
            return out
        launch = [arg if len(self.shape) == 1 else arg.flat()]
        for a, o in zip(args, self.ops, strict=True):
            launch.append(a if o is None and len(a.shape) == 1 else a.flat() if o is None else o(a))
        p = self.prepared
        p.launch(device, p.queue, p.program, p.gsize, p.lsize, launch)
        return out


def remember(entries: dict[Any, Entry], key: Any, entry: Entry) -> None:
    """Store ``entry``; the oldest goes first when ``MAX_ENTRIES`` are kept."""
    if len(entries) >= MAX_ENTRIES:
        try:
            del entries[next(iter(entries))]
        except (KeyError, RuntimeError, StopIteration):  # another thread's
            pass
    entries[key] = entry


@functools.cache
def _limits(dtype: str) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)
