"""``@vectorize``: a scalar Python function becomes an elementwise operation on any device.

The call generates a Cambrian kernel (Python source registered in ``linecache`` under
``<cambrian-vectorize NAME>`` and exec'd), so every backend gets it through the one compiler:

* same-shape C-contiguous operands: a flat 1-D kernel ``out[i] = f(a[i], b[i])``;
* anything else (broadcasting, strides): an n-d kernel that decodes the flat work-item id into an index
  per dimension; broadcast dimensions of an operand are indexed with 0 (NumPy broadcasting).

Types come from the arguments at call time (Python scalars are weak, NEP 50), or from the first
signature (``'float32(float32, float32)'``) the arguments cast to safely. Compute follows data:
``cb.Array`` operands run on their device and give a ``cb.Array``; NumPy operands run on the default
device and give NumPy; NumPy operands next to ``cb.Array`` ones are copied to that device (as kernel
launches do).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import linecache
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import dtypes
from .backends.base import ArrayArg, Device, byte_extent
from .compiler import ir
from .elementwise_fast import NewResult
from .errors import CambrianError, PlacementError, user_error
from .kernels import Func, Kernel, Prepared

_counter = itertools.count()

#: Prepared launches kept per vectorized function or reduction (one per devices, dtypes and shapes).
MAX_PLANS = 64


def make_function(source: str, name: str, tag: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    """Exec generated kernel-language ``source`` under the filename ``<cambrian-TAG NAME-k>`` (kept in
    ``linecache`` so the front end and tracebacks can read it) and return the function ``name``."""
    filename = f"<cambrian-{tag} {name}-{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def kernel_namespace(**names: Any) -> dict[str, Any]:
    """Globals for generated kernels: ``cb`` (the package), ``math`` and ``names``."""
    import cambrian

    return {"cb": cambrian, "math": math, **names}


def as_func(fn: Callable[..., Any], nargs: int = 1) -> Func:
    """``fn`` as a device function (``@cb.func``), unchanged if it already is one. A builtin or NumPy
    function (``abs``, ``math.sqrt``, ``np.maximum``) is wrapped in a generated function of its arity
    (from its signature, else ``nargs``)."""
    if isinstance(fn, Func):
        return fn
    if inspect.isfunction(fn):
        return Func(fn)
    if isinstance(fn, np.ufunc):
        nargs = fn.nin
    else:
        try:
            nargs = sum(p.default is p.empty for p in inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            pass
    params = ", ".join(f"x{k}" for k in range(nargs))
    name = getattr(fn, "__name__", "fn")
    src = f"def {name}({params}):\n    return _fn({params})\n"
    return Func(make_function(src, name, "wrap", kernel_namespace(_fn=fn)))


def is_device_array(x: Any) -> bool:
    return hasattr(x, "__cambrian_array__")


class FlatView:
    """A C-contiguous device array seen as 1-D (the kernel launch protocol: ``device`` and
    ``__cambrian_array__``); no copy."""

    __slots__ = ("_arg", "device")

    def __init__(self, x: Any):
        self.device = x.device
        self._arg = x.__cambrian_array__().flat()

    def __cambrian_array__(self) -> ArrayArg:
        return self._arg


def flat(x: Any) -> Any:
    """A 1-D view of a C-contiguous NumPy or device array (the array itself when it is 1-D)."""
    if isinstance(x, np.ndarray):
        return x.reshape(-1)
    return x if len(x.shape) == 1 else FlatView(x)


def is_c_contiguous(x: Any) -> bool:
    if isinstance(x, np.ndarray):
        return bool(x.flags.c_contiguous)
    return x.__cambrian_array__().c_contiguous


def common_device(args: Sequence[Any], what: str) -> Device | None:
    """The device of the device arrays among ``args`` (None if there are none); PlacementError if
    they differ."""
    device = None
    for a in args:
        if is_device_array(a):
            if device is None:
                device = a.device
            elif a.device != device:
                raise PlacementError(f"{what}: operands are on {device} and {a.device}; move one with "
                                     f"x.to_device({str(device)!r}) (data never moves implicitly)")
    return device


def launch_key(items: Sequence[Any], scalars: bool = True) -> tuple[Any, ...] | None:
    """What a cached plan of prepared launches depends on: each device array's device, type key
    (dtype, ndim, layout) and shape, and each other item's type and dtype (a scalar's value does not
    matter, NEP 50). None when an item is a NumPy array, or not a device array and not ``scalars``, or
    when no item is a device array."""
    key: list[Any] = []
    found = False
    for a in items:
        get = getattr(a, "__cambrian_array__", None)
        if get is not None:
            arg = get()
            key.append((a.device, arg.typekey, arg.shape))
            found = True
        elif scalars and not isinstance(a, np.ndarray):
            key.append((type(a), getattr(a, "dtype", None)))
        else:
            return None
    return tuple(key) if found else None


def remember(plans: dict[Any, Any], key: Any, plan: Any) -> None:
    """Store ``plan`` in a cache of at most ``MAX_PLANS``; the oldest goes first (shapes may never
    repeat)."""
    if len(plans) >= MAX_PLANS:
        with contextlib.suppress(KeyError, RuntimeError, StopIteration):  # another thread's
            del plans[next(iter(plans))]
    plans[key] = plan


def empty(shape: tuple[int, ...], dtype: str, device: Device | None, like_numpy: bool) -> Any:
    """A new output: NumPy when ``like_numpy``, else a ``cb.Array`` on ``device``."""
    if like_numpy:
        return np.empty(shape, dtype=dtype)
    from .array import empty as array_empty

    return array_empty(shape, dtype=dtype, device=device)


def operand_dtypes(args: Sequence[Any]) -> list[str | tuple[str, str]]:
    """Each operand's dtype; Python scalars as ``("weak", kind)``."""
    out: list[str | tuple[str, str]] = []
    for a in args:
        kind = dtypes.weak_kind(a)
        if kind is not None:
            out.append(("weak", kind))
        elif isinstance(a, np.generic) or hasattr(a, "dtype"):
            out.append(dtypes.name(a.dtype))
        else:
            raise TypeError(f"operand {len(out)} has unsupported type {type(a).__name__}; elementwise "
                            "operations take arrays (cambrian, NumPy) and numbers")
    return out


def scalar_dtype(weak_kind: str, strong: Sequence[str]) -> str:
    """The dtype a weak Python scalar takes next to the strong operands (NEP 50)."""
    return dtypes.result_type(*strong, ("weak", weak_kind)) if strong else dtypes.weak_default(weak_kind)


def result_dtype(fn: Func, argtypes: Sequence[str]) -> str:
    """The dtype ``fn`` returns for scalar arguments of ``argtypes`` (front end type inference)."""
    from .compiler import frontend

    infer = getattr(frontend, "infer_return_type", None)
    if infer is not None:
        t = infer(fn.py_func, tuple(ir.Scalar(d) for d in argtypes))
        return t.dtype if isinstance(t, ir.Scalar) else dtypes.name(t)
    params = ", ".join(f"a{k}" for k in range(len(argtypes)))
    src = f"def _probe(out, {params}):\n    r = _f({params})\n"
    probe = make_function(src, "_probe", "probe", kernel_namespace(_f=fn))
    module = frontend.translate(probe, (ir.ArrayT("bool", 1), *(ir.Scalar(d) for d in argtypes)))
    return dict(module.kernel.locals)["r"].dtype


_SIG = re.compile(r"^\s*(\w+)\s*\((.*)\)\s*$")


def parse_signature(sig: str) -> tuple[str, tuple[str, ...]]:
    """``'float32(float32, int64)'`` -> ``('float32', ('float32', 'int64'))``."""
    m = _SIG.match(sig)
    if not m:
        raise ValueError(f"bad vectorize signature {sig!r}; expected like 'float32(float32, float32)'")
    args = tuple(dtypes.name(a.strip()) for a in m.group(2).split(",") if a.strip())
    return dtypes.name(m.group(1)), args


def _weak_castable(kind: str, to: str) -> bool:
    order = ("bool", "int", "float", "complex")
    to_kind = {"uint": "int"}.get(dtypes.kind(to), dtypes.kind(to))
    return order.index(kind) <= order.index(to_kind)


def _sig_matches(sig: tuple[str, ...], ops: Sequence[str | tuple[str, str]]) -> bool:
    if len(sig) != len(ops):
        return False
    return all(_weak_castable(o[1], s) if isinstance(o, tuple) else np.can_cast(o, s, "safe")
               for o, s in zip(ops, sig, strict=True))


class Vectorized:
    """An elementwise operation made from a scalar function; see :func:`vectorize`."""

    def __init__(self, py_func: Callable[..., Any], signatures: Sequence[str] = (),
                 typer: Callable[[list[str | tuple[str, str]]], tuple[str, tuple[str, ...]]] | None = None,
                 identity: Any = None, stream: bool = False):
        self.func = as_func(py_func)
        #: Cheap enough to stream: large results get non-temporal stores (``STREAM_MIN_BYTES``)
        self.stream = stream
        #: The value of an empty :meth:`reduce` (NumPy's ``ufunc.identity``); None: no identity.
        self.identity = identity
        #: Library callers (the array namespace) decide the types themselves: ``typer(operand dtypes)``
        #: returns ``(result dtype, dtypes the function sees)``.
        self.typer = typer
        self.py_func = self.func.py_func
        self.name = getattr(self.py_func, "__name__", "f")
        self.nin = len(inspect.signature(self.py_func).parameters)
        self.signatures = [parse_signature(s) for s in signatures]
        self._sig_text = list(signatures)
        self._kernels: dict[tuple[Any, ...], Kernel] = {}
        self._types: dict[tuple[Any, ...], tuple[str, tuple[str, ...]]] = {}
        self._plans: dict[tuple[Any, ...], _Plan] = {}
        functools.update_wrapper(self, self.py_func)

    def __repr__(self) -> str:
        return f"<cambrian.vectorize {self.name}>"

    def __reduce__(self) -> Any:
        """Pickles by reference, or by value with its source (:mod:`cambrian.serialize`)."""
        from . import serialize

        return serialize.reduce(self, serialize.rebuild_vectorized, (self.func, self._sig_text, self.typer,
                                                                    self.identity))

    def types(self, *args: Any) -> tuple[str, tuple[str, ...]]:
        """``(result dtype, operand dtypes the function sees)`` for these arguments."""
        ops = operand_dtypes(args)
        key = tuple(ops)
        if key in self._types:
            return self._types[key]
        if self.typer is not None:
            out = self._types[key] = self.typer(ops)
            return out
        if self.signatures:
            for ret, sig in self.signatures:
                if _sig_matches(sig, ops):
                    self._types[key] = (ret, sig)
                    return ret, sig
            got = ", ".join(o if isinstance(o, str) else f"python {o[1]}" for o in ops)
            raise TypeError(f"{self.name}: no signature matches the argument types ({got}); "
                            f"signatures: {', '.join(self._sig_text)}")
        strong = [o for o in ops if isinstance(o, str)]
        argtypes = tuple(o if isinstance(o, str) else scalar_dtype(o[1], strong) for o in ops)
        out = (result_dtype(self.func, argtypes), argtypes)
        self._types[key] = out
        return out

    def __call__(self, *args: Any, out: Any = None) -> Any:
        if out is None and len(args) == self.nin + 1:  # f(a, b, out), as Numba's vectorize
            args, out = args[:-1], args[-1]
        if any(isinstance(a, (list, tuple)) for a in args):  # sequences are operands as asarray makes them
            args = tuple(np.asarray(a) if isinstance(a, (list, tuple)) else a for a in args)
        key = launch_key((*args, out)) if len(args) == self.nin else None
        try:
            plan = self._plans.get(key) if key is not None else None
        except TypeError:  # an unhashable scalar type's dtype
            key = plan = None
        if plan is not None and (out is None or not overlaps(args, out)):
            return plan.run(args, out)
        try:
            return self._call(args, out, key)
        except CambrianError as exc:  # the traceback ends at the user's call, the message follows
            raise user_error(exc) from exc.__cause__  # (CAMBRIAN_DEBUG=1: Cambrian's frames too)

    def _call(self, args: tuple[Any, ...], out: Any, key: Any) -> Any:
        if len(args) != self.nin:
            raise TypeError(f"{self.name} takes {self.nin} arguments, got {len(args)}")
        device = common_device([*args, *([out] if out is not None else [])], self.name)
        ret, argtypes = self.types(*args)
        arrays = [a for a in args if isinstance(a, np.ndarray) or is_device_array(a)]
        shape = np.broadcast_shapes(*(tuple(a.shape) for a in arrays)) if arrays else ()
        like_numpy = device is None
        if out is None:
            out = empty(shape, ret, device, like_numpy)
        elif tuple(out.shape) != shape:
            raise ValueError(f"{self.name}: out has shape {tuple(out.shape)}, the result has shape {shape}")
        elif overlaps(args, out):  # out shares memory with an input in another layout: as NumPy, no race
            copy(self(*args), out=out)
            return out
        n = math.prod(shape)
        if n == 0:
            return out
        plain = all(tuple(a.shape) == shape and is_c_contiguous(a) for a in arrays) and is_c_contiguous(out)
        kinds = tuple(_operand_kind(a, shape, plain) for a in args)
        out_dtype = dtypes.name(out.dtype)
        stream = self.stream and streams(n, out_dtype)
        kern = self._kernel(len(shape) if not plain else 1, kinds, argtypes, out_dtype, stream)
        launch = [flat(a) if k[0] == "a" and (plain or k[1] == 0) else a
                  for a, k in zip(args, kinds, strict=True)]
        launch = [np.dtype(t).type(a) if k[0] == "s" else a
                  for a, k, t in zip(launch, kinds, argtypes, strict=True)]
        target = flat(out) if plain else out
        if key is None:
            kern[n](target, *launch)
            return out
        prepared, launch_args = kern[n].prepare(target, *launch)
        prepared(launch_args)
        convert = [np.dtype(t).type if k[0] == "s" else _flat_arg if plain or k[1] == 0 else _arg
                   for k, t in zip(kinds, argtypes, strict=True)]
        remember(self._plans, key, _Plan(prepared, convert, _flat_arg if plain else _arg, shape, ret))
        return out

    def reduce(self, x: Any, axis: Any = 0, dtype: Any = None, out: Any = None, keepdims: bool = False,
               initial: Any = None) -> Any:
        """NumPy's ``ufunc.reduce`` for a function of two arguments (see :mod:`cambrian.vectorize_reduce`)."""
        from .vectorize_reduce import ufunc_reduce

        return ufunc_reduce(self, x, axis, dtype, out, keepdims, initial)

    def _kernel(self, ndim: int, kinds: tuple[Any, ...], argtypes: tuple[str, ...], out_dtype: str,
                stream: bool = False) -> Kernel:
        key = (ndim, kinds, argtypes, out_dtype, stream)
        kern = self._kernels.get(key)
        if kern is None:
            src = elementwise_source(self.name, ndim, kinds, argtypes, out_dtype, stream)
            py = make_function(src, f"{self.name}_vec", "vectorize", kernel_namespace(_f=self.func))
            kern = self._kernels[key] = Kernel(py)
        return kern


def overlaps(args: Sequence[Any], out: Any) -> bool:
    """True when an array among ``args`` shares memory with ``out`` other than as the same elements in
    the same layout (NumPy's ufuncs are overlap-safe; such a call computes into a temporary first)."""
    oarg = None if isinstance(out, np.ndarray) else out.__cambrian_array__()
    omem = out if oarg is None else oarg.view
    for a in args:
        arg = None if isinstance(a, np.ndarray) else getattr(a, "__cambrian_array__", None)
        if arg is not None:
            arg = arg()
            if oarg is not None and arg.buffer is oarg.buffer:
                if _args_overlap(arg, oarg):
                    return True
                continue
            a = arg.view
        if isinstance(a, np.ndarray) and omem is not None and np.may_share_memory(a, omem) and a.size and (
                a.__array_interface__["data"][0], a.strides, a.shape, a.itemsize) != (
                omem.__array_interface__["data"][0], omem.strides, omem.shape, omem.itemsize):
            return True
    return False


def _args_overlap(a: ArrayArg, b: ArrayArg) -> bool:
    """Two views of one device buffer share bytes but are not the same elements in the same layout."""
    ia, ib = np.dtype(a.dtype).itemsize, np.dtype(b.dtype).itemsize
    if (a.offset * ia, a.strides, a.shape, ia) == (b.offset * ib, b.strides, b.shape, ib):
        return False
    if 0 in a.shape or 0 in b.shape:
        return False
    lo1, hi1 = byte_extent(a.shape, tuple(s * ia for s in a.strides), a.offset * ia, ia)
    lo2, hi2 = byte_extent(b.shape, tuple(s * ib for s in b.strides), b.offset * ib, ib)
    return lo1 < hi2 and lo2 < hi1


def _arg(a: Any) -> ArrayArg:
    return a.__cambrian_array__()  # type: ignore[no-any-return]


def _flat_arg(a: Any) -> ArrayArg:
    return a.__cambrian_array__().flat()  # type: ignore[no-any-return]


class _Plan:
    """A vectorized call prepared for operands of given devices, types and shapes (no NumPy arrays):
    the launch, how each operand becomes a launch argument, and the new result (shape, dtype)."""

    __slots__ = ("convert", "prepared", "result", "target")

    def __init__(self, prepared: Prepared, convert: list[Callable[[Any], Any]],
                 target: Callable[[Any], ArrayArg], shape: tuple[int, ...], dtype: str):
        self.prepared, self.convert, self.target = prepared, convert, target
        self.result = NewResult(shape, dtype)

    def run(self, args: Sequence[Any], out: Any) -> Any:
        p = self.prepared
        device = p.device
        if out is None:  # a new C-contiguous result and its launch argument, made directly
            from .array import Array

            out = self.result.make(device, Array._new)
        p.launch(device, p.queue, p.program, p.gsize, p.lsize,
                 [self.target(out), *(f(a) for f, a in zip(self.convert, args, strict=True))])
        return out


def _operand_kind(a: Any, shape: tuple[int, ...], plain: bool) -> tuple[Any, ...]:
    """``("s",)`` for a scalar, ``("a", ndim, broadcast dims)`` for an array (dims indexed with 0)."""
    if not (isinstance(a, np.ndarray) or is_device_array(a)):
        return ("s",)
    if plain:
        return ("a", 1, ())
    nd = len(a.shape)
    lead = len(shape) - nd
    zero = tuple(k for k in range(nd) if a.shape[k] == 1 and shape[lead + k] != 1)
    return ("a", nd, zero)


#: ``Vectorized(stream=True)`` results of this many bytes or more get a kernel with non-temporal stores,
#: past the caches (out = x + y then a kernel reading out, 2 threads, 32 MiB L3: 0.73x at 8 MiB, 1.04x at
#: 16, 1.12-1.14x from 32). Cheap functions only: LLVM vectorises no such store aligned to one element
#: (exp: 3-5x slower); a size branch in one kernel would stop it vectorising bodies too large to unswitch.
STREAM_MIN_BYTES = 16 << 20


def streams(n: int, dtype: str) -> bool:
    """Whether a result of ``n`` elements of ``dtype`` is large enough for non-temporal stores."""
    return n * np.dtype(dtype).itemsize >= STREAM_MIN_BYTES


def elementwise_source(name: str, ndim: int, kinds: Sequence[tuple[Any, ...]], argtypes: Sequence[str],
                       out_dtype: str, stream: bool = False) -> str:
    """Kernel source: ``out[idx] = cast(_f(cast(a0[idx0]), a1, ...))`` over ``ndim`` dimensions (with
    ``stream``, a non-temporal store: a kernel for results of ``STREAM_MIN_BYTES`` or more)."""
    params = [f"a{k}" for k in range(len(kinds))]
    lines = [f"def {name}_vec(out, {', '.join(params)}):", "    g = cb.get_global_id(0)"]
    if ndim == 1:
        idx = ["g"]
    else:
        idx = [f"i{d}" for d in range(ndim)]
        for d in range(ndim - 1, 0, -1):
            lines.append(f"    i{d} = g % out.shape[{d}]")
            lines.append(f"    g = g // out.shape[{d}]")
        lines.append("    i0 = g")
    operands = []
    for p, kind, t in zip(params, kinds, argtypes, strict=True):
        if kind[0] == "s":
            operands.append(p)
            continue
        _, nd, zero = kind
        if nd == 0:  # a 0-d array, launched as a 1-element flat view
            operands.append(f"cb.{t}({p}[0])")
            continue
        mine = idx[len(idx) - nd:]
        sub = ", ".join("0" if k in zero else v for k, v in enumerate(mine))
        operands.append(f"cb.{t}({p}[{sub}])")
    value = f"cb.{out_dtype}(_f({', '.join(operands)}))"
    if stream:
        lines.append(f"    cb.store_nontemporal(out, {', '.join(idx)}, {value})")
    else:
        lines.append(f"    out[{', '.join(idx)}] = {value}")
    return "\n".join(lines) + "\n"


def vectorize(fn: Callable[..., Any] | Sequence[str] | None = None, *,
              signatures: Sequence[str] = (), identity: Any = None) -> Any:
    """Decorator: make an elementwise operation of a scalar function, run on the operands' device.

    ``@vectorize``, ``@vectorize(['float32(float32, float32)'])`` or ``@vectorize(signatures=[...])``.
    Call it as ``f(a, b)``, ``f(a, b, out=c)`` or ``f(a, b, c)``; operands (arrays, numbers, lists)
    broadcast like NumPy. ``f.reduce(x, axis=0)`` is NumPy's ``ufunc.reduce``; ``identity`` is the
    value of an empty reduction (as ``np.add.identity``).
    """
    if callable(fn):
        return Vectorized(fn, signatures, identity=identity)
    sigs = list(fn) if fn is not None else list(signatures)
    if isinstance(fn, str):
        sigs = [fn]
    return lambda f: Vectorized(f, sigs, identity=identity)


def same(x):  # type: ignore[no-untyped-def]
    """The element itself (a kernel-language function: ``copy`` is its vectorized form)."""
    return x


#: Elementwise copy on the operands' device: ``copy(x)`` makes a C-contiguous copy of a strided
#: array, ``copy(x, out=view)`` writes into a view, casting to its dtype.
copy = Vectorized(same)
