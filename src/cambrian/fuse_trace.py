"""Tracing for :mod:`cambrian.fuse`: run the user's function once on abstract values and record a graph.

A :class:`FusedArray` stands for an array argument (or an intermediate): it carries a dtype and a number
of dimensions, never a shape or data. Operators and the namespace's elementwise functions record an
``op`` node instead of computing (``Elementwise.__call__`` hands a call with a tracer operand to its
``__cambrian_trace__``), with the dtypes the namespace's ``types()`` gives (NEP 50: Python scalars are
weak), so the fused kernel computes exactly what the op-by-op calls would. The statistical functions
hand a traced call to ``__cambrian_trace__`` too and record one ``red`` node.

A :class:`FusedScalar` stands for a value known on the host only at call time: a Python or NumPy scalar
argument, an extent ``x.shape[k]``/``x.size``, and Python arithmetic on those (``sigma * sqrt(2 pi)``).
It is evaluated by Python at each call (Python's own arithmetic, as op-by-op code does) and becomes a
kernel parameter; literals of the function become literals of the kernel.

Anything the trace cannot express raises :class:`Unsupported`, turned into a ``KernelSyntaxError``
naming the line of the user's function.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import numpy as np

from . import dtypes
from .errors import Loc, is_user_file

_WEAK = {bool: "bool", int: "int", float: "float", complex: "complex"}
#: The reductions a fused function may end with (``__cambrian_trace__`` names them).
REDUCTIONS = ("sum", "prod", "min", "max", "mean", "any", "all", "count_nonzero")


class Unsupported(Exception):
    """Something a fused function cannot contain (becomes a KernelSyntaxError at the user's line,
    ``loc`` when known, else where the traceback leaves the user's code)."""

    def __init__(self, message: str, loc: Loc | None = None):
        super().__init__(message)
        self.loc = loc


class Semantic(Exception):
    """An error the op-by-op call would raise too (TypeError, OverflowError...), carried out of the
    trace to be re-raised with the user's line."""

    def __init__(self, exc: Exception, loc: Loc | None):
        super().__init__(str(exc))
        self.exc, self.loc = exc, loc


def _loc_of(code: Any, lasti: int, lineno: int | None) -> Loc:
    col, end = 0, None
    try:
        pos = list(code.co_positions())[lasti // 2]
        col, end = pos[2] or 0, pos[3]
        lineno = pos[0] or lineno
    except (AttributeError, IndexError):
        pass
    return Loc(code.co_filename, lineno or code.co_firstlineno, col, end)


def user_loc() -> Loc | None:
    """The innermost frame outside the package: the line of the user's function being traced."""
    frame = sys._getframe(1)
    while frame is not None and not is_user_file(frame.f_code.co_filename):
        frame = frame.f_back  # type: ignore[assignment]
    return None if frame is None else _loc_of(frame.f_code, frame.f_lasti, frame.f_lineno)


def traceback_loc(tb: TracebackType | None) -> Loc | None:
    """The innermost user frame of a traceback (where the user's function called what failed)."""
    found = None
    while tb is not None:
        if is_user_file(tb.tb_frame.f_code.co_filename):
            found = _loc_of(tb.tb_frame.f_code, tb.tb_lasti, tb.tb_lineno)
        tb = tb.tb_next
    return found


class Node:
    """One value of the graph. ``kind``: ``in`` (array argument ``value``), ``const`` (a literal),
    ``host`` (a scalar computed by ``value(args)`` at call time), ``op`` (elementwise ``fn`` of ``args``
    computing in ``compute``), ``cast`` (to ``dtype``) or ``red`` (reduction ``value``, a RedSpec)."""

    __slots__ = ("args", "compute", "dtype", "fn", "kind", "loc", "ndim", "shape", "value")

    def __init__(self, kind: str, dtype: Any, ndim: int = 0, *, args: Sequence[Node] = (), fn: Any = None,
                 compute: tuple[str, ...] = (), value: Any = None, shape: Any = None, loc: Loc | None = None):
        self.kind, self.dtype, self.ndim, self.args = kind, dtype, ndim, tuple(args)
        self.fn, self.compute, self.value, self.shape, self.loc = fn, compute, value, shape, loc

    @property
    def is_array(self) -> bool:
        return self.kind in ("in", "op", "cast", "red")

    def __repr__(self) -> str:
        return f"<Node {self.kind} {self.dtype}>"


class RedSpec:
    """A traced reduction: the namespace operation ``op`` (sum/prod/min/max) over ``axes`` into the
    accumulator ``acc``; ``empty_ok`` unless an empty reduction raises (min, max)."""

    __slots__ = ("acc", "axes", "empty_ok", "keepdims", "op", "what")

    def __init__(self, what: str, op: str, axes: tuple[int, ...], keepdims: bool, acc: str, empty_ok: bool):
        self.what, self.op, self.axes, self.keepdims, self.acc, self.empty_ok = (what, op, axes, keepdims,
                                                                                 acc, empty_ok)


class Trace:
    """The graph recorded by one run of the user's function; ``fp64``: the device has float64."""

    def __init__(self, name: str, fp64: bool, args: Sequence[Any]):
        self.name, self.fp64, self.args = name, fp64, args
        self.reduction: Node | None = None
        #: (host node, compute dtype): weak Python ints checked against the dtype at each call
        self.int_checks: list[tuple[Node, str]] = []

    # -- operands ------------------------------------------------------------------------------
    def operand(self, a: Any, what: str) -> Node:
        if isinstance(a, FusedArray | FusedScalar):
            return a.node
        if a.__class__ in _WEAK:
            return Node("const", ("weak", _WEAK[a.__class__]), value=a)
        if isinstance(a, np.generic):
            return Node("const", dtypes.name(a.dtype), value=a)
        if hasattr(a, "__cambrian_array__") or isinstance(a, np.ndarray):
            raise Unsupported(f"{what}: an array that is not an argument of the fused function cannot be "
                              "used inside it; pass it as an argument")
        raise Semantic(TypeError(f"{what}: unsupported operand type {type(a).__name__} (cambrian.Array or "
                                 "Python scalar)"), user_loc())

    def host(self, fn: Callable[[Sequence[Any]], Any], sample: Any) -> FusedScalar:
        kind = _WEAK.get(sample.__class__)
        if kind is not None:
            dtype: Any = ("weak", kind)
        elif isinstance(sample, np.generic):
            dtype = dtypes.name(sample.dtype)
        else:
            raise Unsupported(f"a value of type {type(sample).__name__} cannot be a run-time scalar")
        return FusedScalar(self, Node("host", dtype, value=fn), sample)

    # -- recording -------------------------------------------------------------------------------
    def elementwise(self, fn: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        if kwargs.get("out") is not None:
            raise Unsupported(f"{fn.name}(..., out=) inside a fused function (give out= to the fused call)")
        nodes = [self.operand(a, fn.name) for a in args]
        arrays = [n for n in nodes if n.is_array]
        loc = user_loc()
        if not arrays:
            raise Semantic(TypeError(f"{fn.name}: at least one operand must be an array"), loc)
        try:
            ret, compute = fn.types([n.dtype for n in nodes], self.fp64)
        except TypeError as exc:
            raise Semantic(exc, loc) from None
        for n, a in zip(nodes, args, strict=True):
            if n.dtype == ("weak", "int") and dtypes.is_integer(compute[0]):
                if n.kind == "const":
                    info = np.iinfo(compute[0])
                    if not info.min <= a <= info.max:
                        raise Semantic(OverflowError(f"{fn.name}: Python integer {a} out of bounds for "
                                                     f"{compute[0]}"), loc)
                else:
                    self.int_checks.append((n, compute[0]))
        shapes = [n.shape for n in arrays]
        shape = shapes[0] if len(shapes) == 1 else (lambda a: np.broadcast_shapes(*(s(a) for s in shapes)))
        node = Node("op", ret, max(n.ndim for n in arrays), args=nodes, fn=fn, compute=compute, shape=shape,
                    loc=loc)
        return FusedArray(self, node)

    def cast(self, x: FusedArray, dtype: str) -> FusedArray:
        if x.node.dtype == dtype:
            return x
        return FusedArray(self, Node("cast", dtype, x.node.ndim, args=(x.node,), shape=x.node.shape,
                                     loc=user_loc()))

    def reduce(self, what: str, x: Any, kwargs: dict[str, Any]) -> FusedArray:
        from .array._elementwise import FUNCTIONS
        from .array._statistical import axes_of
        from .reduction_ops import _sum_dtype

        loc = user_loc()
        if not isinstance(x, FusedArray):
            raise Unsupported(f"{what} of a scalar")
        if self.reduction is not None:
            raise Unsupported(f"a second reduction ({what}): a fused function may contain one reduction, "
                              f"followed only by arithmetic with scalars on its result")
        axis, keepdims, dtype = kwargs.get("axis"), bool(kwargs.get("keepdims", False)), kwargs.get("dtype")
        try:
            axes = axes_of(x, axis, what)  # type: ignore[arg-type]
        except (IndexError, ValueError, TypeError) as exc:
            raise Semantic(exc, loc) from None
        d = x.node.dtype
        op, empty_ok = what, True
        if what == "count_nonzero":
            x, op, acc = FUNCTIONS["not_equal"](x, 0), "sum", "int64"
        elif what in ("any", "all"):
            x = x if d == "bool" else FUNCTIONS["not_equal"](x, 0)
            op, acc = ("max" if what == "any" else "min"), "bool"
        elif what == "mean":
            acc = d if dtypes.is_float(d) or dtypes.is_complex(d) else ("float64" if self.fp64 else "float32")
            op = "sum"
        elif what in ("min", "max"):
            if dtypes.is_complex(d):
                raise Semantic(TypeError(f"{what} of complex numbers is not defined"), loc)
            acc, empty_ok = d, False
        else:
            acc = dtypes.name(dtype) if dtype is not None else _sum_dtype(d)
        src = x.node
        if not axes:  # nothing reduced: the namespace casts
            out = self.cast(x, acc)
        else:
            self.reduction = Node("red", acc, src.ndim if keepdims else src.ndim - len(axes), args=(src,),
                                  value=RedSpec(what, op, axes, keepdims, acc, empty_ok),
                                  shape=_reduced_shape(src.shape, axes, keepdims), loc=loc)
            out = FusedArray(self, self.reduction)
        if what == "mean":
            scale = _mean_scale(src.shape(self.args), axes)
            count = self.host(lambda a, s=src.shape: _mean_scale(s(a), axes), scale)
            out = FUNCTIONS["multiply"](out, count)
        return out


def _reduced_shape(shape: Callable[..., tuple[int, ...]], axes: tuple[int, ...], keepdims: bool) -> Any:
    def reduced(args: Sequence[Any]) -> tuple[int, ...]:
        s = shape(args)
        return tuple(1 if k in axes else n for k, n in enumerate(s) if keepdims or k not in axes)

    return reduced


def _mean_scale(shape: tuple[int, ...], axes: tuple[int, ...]) -> float:
    """What ``mean`` multiplies the sum by (the namespace's ``1.0 / n``; NaN for an empty mean)."""
    n = math.prod(shape[a] for a in axes)
    return 1.0 / n if n else math.nan


# ---------------------------------------------------------------------------------- tracers
def _refuse(what: str) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise Unsupported(f"{what} of a traced array: a fused function is traced once with abstract arrays "
                          "(dtype and dimensions, no values), so Python control flow and conversions on "
                          "array values cannot be compiled; use cb.where for choices")

    return method


class _Traced:
    """What both tracers share: the elementwise and reduction hooks, and refusal of Python conversions."""

    __slots__ = ("node", "trace")
    __array_ufunc__ = None  # NumPy defers to our reflected operators
    __array_function__ = None
    __hash__ = object.__hash__

    def __init__(self, trace: Trace, node: Node):
        self.trace, self.node = trace, node

    def __cambrian_trace__(self, fn: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        """The protocol hook: an elementwise function (``fn`` an Elementwise) or a reduction (``fn`` its
        name) called with this tracer among its operands records instead of computing."""
        if isinstance(fn, str):
            return self.trace.reduce(fn, args[0], kwargs)
        return self.trace.elementwise(fn, args, kwargs)

    __bool__ = _refuse("bool()")
    __index__ = _refuse("index()")
    __iter__ = _refuse("iteration")
    __len__ = _refuse("len()")
    __getitem__ = _refuse("indexing")
    __setitem__ = _refuse("item assignment")


class FusedArray(_Traced):
    """An abstract array of the trace: ``dtype`` and ``ndim`` are known, ``shape`` and ``size`` are
    run-time scalars. Operators and ``cb`` elementwise functions record."""

    __slots__ = ()
    __float__ = _refuse("float()")
    __int__ = _refuse("int()")
    __complex__ = _refuse("complex()")
    __array__ = _refuse("conversion to NumPy")
    __matmul__ = __rmatmul__ = _refuse("matmul (not elementwise)")

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.node.dtype)

    @property
    def ndim(self) -> int:
        return self.node.ndim

    @property
    def shape(self) -> tuple[Any, ...]:
        s = self.node.shape
        sample = s(self.trace.args)
        return tuple(self.trace.host(lambda a, k=k: s(a)[k], sample[k]) for k in range(self.node.ndim))

    @property
    def size(self) -> Any:
        if self.node.ndim == 0:
            return 1
        s = self.node.shape
        return self.trace.host(lambda a: math.prod(s(a)), math.prod(s(self.trace.args)))

    def astype(self, dtype: Any, /, *, copy: bool = True, device: Any = None) -> FusedArray:
        d = dtypes.name(dtype)
        if dtypes.is_complex(self.node.dtype) and not dtypes.is_complex(d):
            raise Semantic(TypeError(f"astype: cannot cast {self.node.dtype} to {d} (the standard refuses "
                                     "complex to real)"), user_loc())
        return self.trace.cast(self, d)

    def __array_namespace__(self, /, *, api_version: str | None = None) -> Any:
        import cambrian

        return cambrian

    def __pow__(self, other: Any) -> Any:
        from .array._elementwise import FUNCTIONS

        if other.__class__ in (int, float) and other == 2:  # as Array.__pow__: x ** 2 is square(x)
            return FUNCTIONS["square"](self)
        return FUNCTIONS["pow"](self, other)

    def __repr__(self) -> str:
        return f"<cambrian.fuse traced array {self.node.dtype}, {self.node.ndim}-d>"


class FusedScalar(_Traced):
    """A scalar known at call time (an argument, an extent, Python arithmetic on those): Python does
    its arithmetic at each call; next to arrays it is a weak (Python) or strong (NumPy) scalar."""

    __slots__ = ("sample",)

    def __init__(self, trace: Trace, node: Node, sample: Any):
        super().__init__(trace, node)
        self.sample = sample

    __float__ = _refuse("float() (math functions included)")
    __int__ = _refuse("int()")
    __complex__ = _refuse("complex()")

    def _apply(self, fn: Callable[..., Any], other: Any = None, reflected: bool = False, unary: bool = False
               ) -> Any:
        if unary:
            f = self.node.value
            return self.trace.host(lambda a: fn(f(a)), fn(self.sample))
        if isinstance(other, FusedArray):
            return NotImplemented
        if isinstance(other, FusedScalar):
            g, gs = other.node.value, other.sample
        elif other.__class__ in _WEAK or isinstance(other, np.generic):
            g, gs = (lambda a, v=other: v), other
        else:
            return NotImplemented
        f, fs = self.node.value, self.sample
        if reflected:
            f, g, fs, gs = g, f, gs, fs
        return self.trace.host(lambda a: fn(f(a), g(a)), fn(fs, gs))

    def __repr__(self) -> str:
        return f"<cambrian.fuse run-time scalar {self.node.dtype}>"


#: Binary operator dunder -> (namespace function, Python operator): arrays record the function,
#: run-time scalars apply the Python operator.
_BINARY = {"add": ("add", operator.add), "sub": ("subtract", operator.sub), "mul": ("multiply", operator.mul),
           "truediv": ("divide", operator.truediv), "floordiv": ("floor_divide", operator.floordiv),
           "mod": ("remainder", operator.mod), "and": ("bitwise_and", operator.and_),
           "or": ("bitwise_or", operator.or_), "xor": ("bitwise_xor", operator.xor),
           "lshift": ("bitwise_left_shift", operator.lshift),
           "rshift": ("bitwise_right_shift", operator.rshift), "pow": ("pow", operator.pow)}
_COMPARE = {"lt": ("less", operator.lt), "le": ("less_equal", operator.le), "gt": ("greater", operator.gt),
            "ge": ("greater_equal", operator.ge), "eq": ("equal", operator.eq),
            "ne": ("not_equal", operator.ne)}
_UNARY = {"neg": ("negative", operator.neg), "pos": ("positive", operator.pos), "abs": ("abs", operator.abs),
          "invert": ("bitwise_invert", operator.invert)}


def _array_op(name: str, reflected: bool = False, unary: bool = False) -> Callable[..., Any]:
    def op(self: FusedArray, other: Any = None) -> Any:
        from .array._elementwise import FUNCTIONS

        fn = FUNCTIONS[name]
        if unary:
            return fn(self)
        if not (isinstance(other, _Traced) or other.__class__ in _WEAK or isinstance(other, np.generic)):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)

    return op


def _scalar_op(pyop: Callable[..., Any], reflected: bool = False, unary: bool = False) -> Callable[..., Any]:
    def op(self: FusedScalar, other: Any = None) -> Any:
        return self._apply(pyop, other, reflected, unary)

    return op


def _install() -> None:
    for dunder, (name, pyop) in {**_BINARY, **_COMPARE}.items():
        if dunder != "pow":
            setattr(FusedArray, f"__{dunder}__", _array_op(name))
        setattr(FusedScalar, f"__{dunder}__", _scalar_op(pyop))
        if dunder in _BINARY:
            setattr(FusedArray, f"__r{dunder}__", _array_op(name, reflected=True))
            setattr(FusedScalar, f"__r{dunder}__", _scalar_op(pyop, reflected=True))
    for dunder, (name, pyop) in _UNARY.items():
        setattr(FusedArray, f"__{dunder}__", _array_op(name, unary=True))
        setattr(FusedScalar, f"__{dunder}__", _scalar_op(pyop, unary=True))


_install()
