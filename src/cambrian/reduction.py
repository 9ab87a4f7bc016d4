"""Map-reduce on any device: ``cb.reduction(reduce, identity, map=...)`` and ``sum/prod/min/max``.

A reduction is a binary Python function ``reduce(a, b)`` (associative and commutative, with
``identity``), optionally after a ``map`` of one or more arrays (``map(u, v) = u * v`` makes a dot
product), fused into the same pass (no temporary array). The kernels are generated Cambrian source
(:mod:`cambrian.reduction_source`):

* whole-array on a CPU device (``device.kind == "cpu"``): ``P = min(ceil(n / 4096), 256)`` contiguous
  chunks (16 accumulator lanes per chunk), claimed in turn by one work-item per compute unit (an
  atomic count: a thread the OS holds back leaves its chunks to the others), then one work-item
  reduces the ``P`` partials in order: the last one to finish, in the same launch. ``P`` depends on
  ``n`` only, so float results are identical on every CPU device.
* whole-array on a GPU: work-groups of 256 (fewer if the device's limit is lower) reduce a
  grid-stride loop then a local-memory tree; at most 1024 groups; one group reduces the partials.
* ``axis=k``: one work-item per output element, in order along the axis.

Float results are therefore tree-ordered (pairwise at the top), not sequential; integer results are
exact and equal on every device (wrapping in the accumulator dtype).

Pairs (argmin-style): the kernel language returns scalars, so pack a pair into a complex number
(``complex(value, index)``) and pass ``with_index=True`` so the map receives the element index as its
last argument; see ``docs/vectorize_reduction_random.md``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from . import dtypes
from .array import Array
from .backends.base import ArrayArg, Device
from .errors import CambrianError, user_error
from .kernels import Kernel, Prepared
from .reduction_source import LANES, axis_source, chunks_source, last_chunk_source, tree_source
from .vectorize import (
    as_func,
    common_device,
    copy,
    empty,
    flat,
    is_c_contiguous,
    is_device_array,
    kernel_namespace,
    launch_key,
    make_function,
    remember,
    result_dtype,
    scalar_dtype,
)

CHUNK_MIN = 4096  # elements per chunk at least (CPU devices)
MAX_CHUNKS = 256  # chunks at most (CPU devices)
GROUP = 256  # work-group size of the tree reduction (GPUs)
MAX_GROUPS = 1024
#: Whole-array reductions on CPU devices of at most this many elements run one work-item: a pool
#: wake-up (10-40 us on ``cpu`` here) costs more than the work. Their kernels never take ``cpu``'s
#: serial path by work-item count (``Kernel.long_items``): a fast small launch on the pool would open
#: it for the same kernel's large launches, whose few work-items each loop over a long stretch.
SERIAL_MAX = 1 << 16
SCRATCH = max(MAX_CHUNKS, MAX_GROUPS)  # partial results a device's scratch array holds


class Reduction:
    """A reduction built from a binary function; call it as ``r(x)``, ``r(x, axis=1)``, ``r(u, v)``."""

    #: Internal (``mean``): a whole-array result is multiplied by ``1/n`` in the reduction's last pass.
    scaled = False

    def __init__(self, reduce: Callable[..., Any], identity: Any, map: Callable[..., Any] | None = None, *,
                 dtype: Any = None, with_index: bool = False, name: str | None = None):
        self.reduce = as_func(reduce, 2)
        self.map = as_func(map) if map is not None else None
        self.identity = identity
        self.dtype = None if dtype is None else dtypes.name(dtype)
        self.with_index = with_index
        if with_index and map is None:
            raise TypeError("with_index=True needs a map function (it receives the index last)")
        nparams = len(inspect.signature(self.map.py_func).parameters) if self.map else 1
        self.nin = nparams - (1 if with_index else 0)
        self.name = name or getattr(self.reduce.py_func, "__name__", "reduction")
        self._kernels: dict[tuple[Any, ...], Kernel] = {}
        self._plans: dict[tuple[Any, ...], tuple[str, Any]] = {}
        self._whole: dict[tuple[Any, ...], _Plan] = {}
        functools.update_wrapper(self, self.reduce.py_func)

    def __repr__(self) -> str:
        return f"<cambrian.reduction {self.name}>"

    def __reduce__(self) -> Any:
        """Pickles by reference, or by value with its source (:mod:`cambrian.serialize`)."""
        from . import serialize

        return serialize.reduce(self, serialize.rebuild_reduction, (
            self.reduce, self.identity, self.map, self.dtype, self.with_index, self.name))

    # -- types ---------------------------------------------------------------------------------
    def acc_dtype(self, in_dtypes: Sequence[str], dtype: Any = None) -> str:
        """The accumulator (and result) dtype for arrays of ``in_dtypes``."""
        if dtype is not None:
            return dtypes.name(dtype)
        if self.dtype is not None:
            return self.dtype
        if self.map is not None:
            mapped = result_dtype(self.map, (*in_dtypes, *(("int64",) if self.with_index else ())))
        else:
            mapped = in_dtypes[0]
        return result_dtype(self.reduce, (mapped, mapped))

    def _ident(self, acc: str) -> Any:
        try:
            with np.errstate(all="ignore"):
                return np.dtype(acc).type(self.identity)
        except (OverflowError, ValueError, TypeError) as exc:
            raise TypeError(f"{self.name}: identity {self.identity!r} does not fit the accumulator "
                            f"dtype {acc}; pass dtype=... or another identity") from exc

    def _types(self, in_dtypes: tuple[Any, ...], dtype: Any) -> tuple[str, Any]:
        """``(accumulator dtype, identity in it)`` for arrays of ``in_dtypes`` (memoized: type
        inference costs more than a small reduction)."""
        key = (in_dtypes, dtype)
        try:
            return self._plans[key]
        except (KeyError, TypeError):
            pass
        acc = self.acc_dtype([dtypes.name(d) for d in in_dtypes], dtype)
        plan = acc, self._ident(acc)
        try:
            self._plans[key] = plan
        except TypeError:  # an unhashable dtype argument
            pass
        return plan

    # -- call ----------------------------------------------------------------------------------
    def __call__(self, *arrays: Any, axis: int | None = None, dtype: Any = None, init: Any = None) -> Any:
        """Reduce ``arrays`` (numbers among them are broadcast map arguments); ``init`` is combined
        with the result first (``reduce(init, r)``), as NumPy's ``initial``."""
        out = self._planned(arrays, dtype) if axis is None else None
        if out is None:
            try:
                out = self._call(arrays, axis, dtype)
            except CambrianError as exc:  # the traceback ends at the user's call, the message follows
                raise user_error(exc) from exc.__cause__  # (CAMBRIAN_DEBUG=1: Cambrian's frames too)
        return out if init is None else self._with_init(out, init)

    def _with_init(self, out: Any, init: Any) -> Any:
        op = self.__dict__.get("_init_op")
        if op is None:
            from .vectorize import Vectorized

            op = self.__dict__["_init_op"] = Vectorized(self.reduce)
        start = np.dtype(out.dtype).type(init)
        if isinstance(out, np.generic):
            return op(start, out)[()]
        return op(start, out, out=out)

    def _call(self, arrays: tuple[Any, ...], axis: int | None, dtype: Any) -> Any:
        if len(arrays) != self.nin:
            raise TypeError(f"{self.name} takes {self.nin} array{'s' * (self.nin != 1)}, got {len(arrays)}")
        scalars = tuple(k for k, a in enumerate(arrays) if _is_scalar(a)) if self.map is not None else ()
        if len(scalars) == len(arrays):  # numbers alone: reduced as 0-d arrays
            scalars = ()
        arrays = tuple(a if k in scalars or isinstance(a, np.ndarray) or is_device_array(a) else np.asarray(a)
                       for k, a in enumerate(arrays))
        device = common_device(arrays, self.name)
        real = [a for k, a in enumerate(arrays) if k not in scalars]
        shape = tuple(real[0].shape)
        if any(tuple(a.shape) != shape for a in real):
            raise ValueError(f"{self.name}: arrays have different shapes: "
                             f"{', '.join(str(tuple(a.shape)) for a in real)}")
        strong = [dtypes.name(a.dtype) for a in real]
        in_dtypes = tuple(_scalar_type(a, strong) if k in scalars else a.dtype for k, a in enumerate(arrays))
        acc, ident = self._types(in_dtypes, dtype)
        arrays = tuple(np.dtype(in_dtypes[k]).type(a) if k in scalars else a for k, a in enumerate(arrays))
        like_numpy = device is None
        if axis is not None and len(shape) > 1:
            ax = normalize_axis(axis, len(shape), self.name)
            return self._along_axis(arrays, ax, acc, ident, device, like_numpy, scalars)
        if axis is not None:
            normalize_axis(axis, max(len(shape), 1), self.name)
        if not all(k in scalars or is_c_contiguous(a) for k, a in enumerate(arrays)):
            arrays = tuple(a if k in scalars or is_c_contiguous(a) else copy(a) for k, a in enumerate(arrays))
        result = empty((), acc, device, like_numpy)
        launch = [a if k in scalars else flat(a) for k, a in enumerate(arrays)]
        passes, together = self._passes(launch, flat(result), math.prod(shape), acc, ident, device,
                                        like_numpy, scalars)
        if like_numpy or scalars:
            _run(passes, together)
            return result[()] if like_numpy else result
        plan = _Plan([launcher.prepare(*args) for launcher, args in passes], len(arrays), together,
                     _first_input(passes, launch[0]))
        key = _plan_key(arrays, dtype)
        if key is not None:
            remember(self._whole, key, plan)
        return plan.run([a.__cambrian_array__() for a in arrays])  # ``result`` served as the template

    def _planned(self, arrays: Sequence[Any], dtype: Any) -> Any:
        """A whole-array reduction of device arrays whose device, dtypes and shape were seen before:
        the cached plan runs with no further checks (the call path costs a tenth of a sum of squares
        of 10**7 float64 on PoCL otherwise). None when there is no plan."""
        key = _plan_key(arrays, dtype)
        plan = self._whole.get(key) if key is not None else None
        if plan is None:
            return None
        return plan.run([a.__cambrian_array__() for a in arrays])

    def plan(self, x: Any) -> _Plan | None:
        """The cached whole-array plan for device arrays like ``x`` (None when there is none)."""
        key = _plan_key((x,), None)
        return self._whole.get(key) if key is not None else None

    def _passes(self, arrays: Sequence[Any], out: Any, n: int, acc: str, ident: Any, device: Device | None,
               like_numpy: bool, scalars: tuple[int, ...] = ()
               ) -> tuple[list[tuple[Any, tuple[Any, ...]]], AbstractContextManager]:
        """The launches (``(launcher, args)``) that reduce the 1-D ``arrays`` (``n`` elements) into the
        1-element ``out``, and the lock that keeps them together on the device's queue. The inputs
        are the arguments ``k..k+nin`` of the first launch (:func:`_first_input`), ``out`` the first
        of the last."""
        if device is None:
            from .devices import default_device

            device = default_device()
        if device.kind == "cpu":
            return self._chunked(arrays, out, n, acc, ident, device, like_numpy, scalars)
        return self._tree(arrays, out, n, acc, ident, device, like_numpy, scalars)

    def _chunked(self, arrays: Sequence[Any], out: Any, n: int, acc: str, ident: Any, device: Device,
                 like_numpy: bool, scalars: tuple[int, ...] = ()
                 ) -> tuple[list[tuple[Any, tuple[Any, ...]]], AbstractContextManager]:
        nchunks, chunk = chunking(n)
        fin = self._fin(n)
        if nchunks == 1:
            first = self._kernel("chunks", len(arrays), self.map is not None, acc, scalars=scalars,
                                 scaled=self.scaled)
            return [(first[1, 1], (out, *arrays, n, chunk, ident, *fin))], contextlib.nullcontext()
        partials, together = _partials(device, acc, nchunks, like_numpy)
        count = _counter(device, acc, like_numpy)
        last = self._kernel("last", len(arrays), self.map is not None, acc, scalars=scalars,
                            scaled=self.scaled)
        args = (out, partials, count, *arrays, n, chunk, nchunks, ident, *fin)
        return [(last[(workers(device, nchunks, n),), (1,)], args)], together

    def _tree(self, arrays: Sequence[Any], out: Any, n: int, acc: str, ident: Any, device: Device,
              like_numpy: bool, scalars: tuple[int, ...] = ()
              ) -> tuple[list[tuple[Any, tuple[Any, ...]]], AbstractContextManager]:
        group = tree_group_size(device)
        ngroups = max(1, min(_cdiv(n, group), MAX_GROUPS))
        fin = self._fin(n)
        mapped = self.map is not None
        if ngroups == 1:
            first = self._kernel("tree", len(arrays), mapped, acc, group, scalars=scalars, scaled=self.scaled)
            return [(first[group, group], (out, *arrays, n, ident, *fin))], contextlib.nullcontext()
        first = self._kernel("tree", len(arrays), mapped, acc, group, scalars=scalars)
        second = self._kernel("tree", 1, False, acc, group, scaled=self.scaled)
        partials, together = _partials(device, acc, ngroups, like_numpy)
        return [(first[ngroups * group, group], (partials, *arrays, n, ident)),
                (second[group, group], (out, partials, ngroups, ident, *fin))], together

    def _fin(self, n: int) -> tuple[float, ...]:
        """The last kernel parameter of a ``scaled`` reduction (``1/n``, NaN for no element; NumPy's
        mean multiplies the sum by it); nothing otherwise."""
        return ((1.0 / n if n else math.nan),) if self.scaled else ()

    def _along_axis(self, arrays: Sequence[Any], axis: int, acc: str, ident: Any, device: Device | None,
                    like_numpy: bool, scalars: tuple[int, ...] = ()) -> Any:
        shape = tuple(next(a for k, a in enumerate(arrays) if k not in scalars).shape)
        out_shape = shape[:axis] + shape[axis + 1:]
        out = empty(out_shape, acc, device, like_numpy)
        n = math.prod(out_shape)
        if n:
            kern = self._kernel("axis", len(arrays), self.map is not None, acc, len(shape), axis,
                                scalars=scalars)
            kern[n](out, *arrays, ident)
        return out

    def _kernel(self, kind: str, nin: int, mapped: bool, acc: str, *extra: int,
                scalars: tuple[int, ...] = (), scaled: bool = False) -> Kernel:
        key = (kind, nin, mapped, acc, *extra, scalars, scaled)
        kern = self._kernels.get(key)
        if kern is None:
            name = f"{self.name}_{kind}"
            with_index = self.with_index and mapped
            if kind == "chunks":
                src = chunks_source(name, nin, mapped, with_index, acc, scalars, scaled)
            elif kind == "last":
                src = last_chunk_source(name, nin, mapped, with_index, acc, scalars, scaled)
            elif kind == "tree":
                src = tree_source(name, nin, mapped, with_index, acc, *extra, scalars, scaled)
            else:
                src = axis_source(name, nin, mapped, with_index, acc, *extra, scalars)
            ns = kernel_namespace(_r=self.reduce, _m=self.map)
            kern = self._kernels[key] = Kernel(make_function(src, name, "reduction", ns))
            kern.long_items = kind in ("chunks", "last")
        return kern


def _is_scalar(a: Any) -> bool:
    """A Python or NumPy number (a broadcast map argument)."""
    return isinstance(a, np.generic) or (dtypes.weak_kind(a) is not None and not isinstance(a, np.ndarray))


def _scalar_type(a: Any, strong: Sequence[str]) -> str:
    """The dtype a scalar map argument takes (NEP 50: a Python number adopts the arrays' dtype)."""
    if isinstance(a, np.generic):
        return dtypes.name(a.dtype)
    return scalar_dtype(dtypes.weak_kind(a), strong)  # type: ignore[arg-type]


def _run(passes: Sequence[tuple[Any, tuple[Any, ...]]], together: AbstractContextManager) -> None:
    with together:
        for launcher, args in passes:
            launcher(*args)


def _plan_key(arrays: Sequence[Any], dtype: Any) -> tuple[Any, ...] | None:
    """What a whole-array plan depends on: the arrays' ``launch_key`` and the ``dtype`` argument. None
    for NumPy inputs or an unhashable ``dtype``."""
    key = launch_key(arrays, scalars=False)
    try:
        hash(dtype)
    except TypeError:
        return None
    return None if key is None else (*key, dtype)


class _Plan:
    """A whole-array reduction prepared for device arrays of one device, type and shape: its launches
    (``kernels.Prepared`` and argument templates) and the lock that keeps them together."""

    __slots__ = ("at", "dtype", "launches", "together")

    def __init__(self, launches: list[tuple[Prepared, list[Any]]], nin: int,
                 together: AbstractContextManager, at: int = 1):
        self.dtype = np.dtype(launches[-1][1][0].dtype)
        # the templates keep no input or output buffer alive: run() fills those slots each time
        launches[0][1][at:at + nin] = [None] * nin
        launches[-1][1][0] = None
        self.launches = launches
        self.together = together
        self.at = at

    def run(self, args: Sequence[ArrayArg]) -> Any:
        """Launch with the C-contiguous input ``args`` (launch arguments) into a new 0-d array, which
        is allocated while the earlier passes run; returns it."""
        runs = [list(template) for _, template in self.launches]
        runs[0][self.at:self.at + len(args)] = [a.flat() for a in args]
        with self.together:
            for k, (launch, _) in enumerate(self.launches):
                if k == len(runs) - 1:
                    out, runs[k][0] = self._scalar(launch.device)
                launch(runs[k])
        return out

    def _scalar(self, device: Device) -> tuple[Any, ArrayArg]:
        """A new 0-d array of the result dtype and its launch argument as a 1-element 1-D array."""
        dt = self.dtype
        impl = device.impl
        buf = impl.alloc(device, dt.itemsize)
        host = impl.host_view(device, buf)
        view = None if host is None else host[:dt.itemsize].view(dt)
        return (Array._new(buf, device, (), dt, (), dt.itemsize),
                ArrayArg(buf, 0, (1,), (1,), dt.name, view))


def chunking(n: int, most: int = MAX_CHUNKS) -> tuple[int, int]:
    """``(P, chunk)``: the chunks of a whole-array reduction of ``n`` elements on a CPU device (at most
    ``most``, which :func:`_partials` has room for up to ``SCRATCH``)."""
    nchunks = max(1, min(_cdiv(n, CHUNK_MIN), most))
    chunk = _cdiv(_cdiv(max(n, 1), nchunks), LANES) * LANES
    return max(1, _cdiv(n, chunk)), chunk


def workers(device: Device, nchunks: int, n: int) -> int:
    """Work-items of a one-launch chunked reduction of ``n`` elements: one per compute unit (they claim
    chunks), or one alone up to ``SERIAL_MAX`` elements (on ``cpu`` it runs on the calling thread)."""
    return 1 if n <= SERIAL_MAX else max(1, min(nchunks, device.compute_units))


def _first_input(passes: Sequence[tuple[Any, tuple[Any, ...]]], first: Any) -> int:
    """The position of the input ``first`` among the first launch's arguments (after ``out, partials,
    count`` in a one-launch chunked reduction, after ``out`` or ``partials`` otherwise)."""
    return next(k for k, a in enumerate(passes[0][1]) if a is first)


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


_SCRATCH: dict[tuple[Device, str], tuple[Any, threading.Lock]] = {}
_SCRATCH_LOCK = threading.Lock()


def _partials(device: Device, acc: str, count: int, like_numpy: bool) -> tuple[Any, AbstractContextManager]:
    """Room for ``count`` partial results, and what keeps a reduction's launches together.

    Device reductions share one scratch array per (device, dtype), allocated once: a new buffer per
    call cost 50-100 us on PoCL (a tenth of a sum of squares of 10**7 float64). Each device has one
    in-order queue, so the lock, held while the passes are launched, is all it takes for two threads
    not to interleave their passes on it (on ``cpu``, whose launches of two threads may run at once,
    it also keeps them off one scratch array and count)."""
    if like_numpy:
        return flat(empty((count,), acc, device, True)), contextlib.nullcontext()
    entry = _SCRATCH.get((device, acc))
    if entry is None:
        with _SCRATCH_LOCK:
            entry = _SCRATCH.get((device, acc))
            if entry is None:
                scratch = flat(empty((SCRATCH,), acc, device, False))
                entry = _SCRATCH[(device, acc)] = (scratch, threading.Lock())
    return entry


_COUNTERS: dict[tuple[Device, str], Any] = {}


def _counter(device: Device, acc: str, like_numpy: bool) -> Any:
    """The two int32 counts of a one-launch chunked reduction (chunks claimed, work-items finished):
    zeros between launches (the last work-item resets them). One pair per (device, dtype), used under
    the lock of :func:`_partials` for ``acc`` (Numba's cpu launches of two threads may run at once)."""
    if like_numpy:
        return np.zeros(2, np.int32)
    count = _COUNTERS.get((device, acc))
    if count is None:
        from .array import asarray

        with _SCRATCH_LOCK:
            count = _COUNTERS.get((device, acc))
            if count is None:
                count = _COUNTERS[(device, acc)] = asarray(np.zeros(2, np.int32), device=device)
    return count


def chunk_group_size(device: Device, nchunks: int) -> int:
    """Chunks per work-group on a CPU device: up to 16, keeping 4 work-groups per compute unit.
    PoCL runs each work-group as one task; 256 one-item groups took 1.2 ms where 32 took 1.0 ms (sum
    of squares of 10**7 float64). It does not change which element goes to which chunk."""
    return max(1, min(16, nchunks // (4 * max(1, device.compute_units)), device.max_work_group_size))


def tree_group_size(device: Device) -> int:
    """Work-group size of tree reductions: ``GROUP``, or the largest power of two the device allows."""
    limit = max(1, min(GROUP, device.max_work_group_size))
    return 1 << (limit.bit_length() - 1)


def normalize_axis(axis: int, ndim: int, what: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{what}: axis must be None or an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"{what}: axis {axis} is out of bounds for an array of {ndim} dims")
    return int(axis) % ndim


def reduction(reduce: Callable[..., Any] | None = None, identity: Any = None,
              map: Callable[..., Any] | None = None, *, dtype: Any = None, with_index: bool = False) -> Any:
    """Make a :class:`Reduction`: ``reduction(add, identity=0)`` or ``@reduction(identity=0)``.

    ``map`` (a function of one or more arrays' elements) is applied first, in the same pass;
    ``with_index=True`` passes it the element index too (flat index, or position along ``axis``).
    ``dtype`` pins the accumulator dtype (else inferred from the functions and the arrays).
    """
    if identity is None:
        raise TypeError("reduction() needs an identity (the value of an empty reduction)")
    if reduce is None:
        return lambda f: Reduction(f, identity, map, dtype=dtype, with_index=with_index)
    return Reduction(reduce, identity, map, dtype=dtype, with_index=with_index)
