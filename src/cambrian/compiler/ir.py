"""The typed IR: small frozen nodes, structured control flow, one content-hash key.

The front end (``frontend.py``) produces it; the interpreter executes it; the renderers turn it into
Numba-Python, OpenCL C or CUDA C. Invariants (checked by :func:`verify`):

* Every expression has a ``type``. Operands of ``Binary`` and ``Compare`` already have the same
  dtype (the front end inserts ``Cast`` nodes, following NEP 50), except shifts whose right operand
  is cast to the left's dtype too. ``Binary`` result dtype equals its operand dtype, except
  ``truediv`` on integers, which the front end never emits (operands are cast to float first).
* Local variables have one type for the whole function (``Function.locals``); the first ``Assign``
  declares. Loop variables of ``For`` are in ``locals`` too.
* ``Index`` on arrays uses exactly ``ndim`` int64 indices, already wrapped for negative Python-style
  indices only when the front end proved it needed (it never does: negative indices are out of bounds).
* Semantics of every operation are those of ``DESIGN.md`` (floor ``//`` and ``%``, division by zero
  gives 0 for integers, wrapping integers, IEEE floats, CPython complex formulas).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import Loc
from . import dataclass_code

# The dataclasses' generated methods come compiled from the disk cache (same code: dataclass_code.py;
# ``import cambrian`` holds one session for all its modules, this one serves a separate import).
_DATACLASS_CODE = dataclass_code.begin_module(__file__)

# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class Scalar:
    """A scalar of a dtype name from :mod:`cambrian.dtypes`."""

    dtype: str

    def __str__(self) -> str:
        return self.dtype


@dataclass(frozen=True)
class ArrayT:
    """An array argument or a local/private array.

    ``space``: ``"global"`` (kernel argument), ``"local"`` (work-group shared) or ``"private"``.
    ``layout``: ``"C"`` when the argument is C-contiguous (renderers may index without strides),
    else ``"A"`` (any strides). Local and private arrays are C-contiguous with a static ``shape``.
    ``readonly`` is informational (lets C renderers add ``const``).
    """

    dtype: str
    ndim: int
    space: str = "global"
    layout: str = "A"
    shape: tuple[int, ...] | None = None

    def __str__(self) -> str:
        return f"{self.space} array({self.dtype}, {self.ndim}d, {self.layout})"


Type = Scalar | ArrayT

BOOL = Scalar("bool")
INT32 = Scalar("int32")
INT64 = Scalar("int64")
FLOAT64 = Scalar("float64")
#: Type of a ``CallFunc`` of a device function that returns nothing (only ever an ``ExprStmt``).
VOID = Scalar("void")

# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expr:
    type: Type
    loc: Loc | None = field(default=None, kw_only=True, compare=True)


@dataclass(frozen=True)
class Const(Expr):
    """A literal of a scalar type; ``value`` is a Python bool/int/float/complex already in range."""

    value: bool | int | float | complex = 0


@dataclass(frozen=True)
class Name(Expr):
    """A parameter or local variable (scalar or array)."""

    name: str = ""


#: Unary ops: "neg", "pos", "invert" (bitwise ~ on integers, logical not on bool), "not".
UNARY_OPS = ("neg", "pos", "invert", "not")
#: Binary arithmetic ops; operands and result share one dtype.
BINARY_OPS = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow",
              "and", "or", "xor", "lshift", "rshift")
COMPARE_OPS = ("lt", "le", "gt", "ge", "eq", "ne")


@dataclass(frozen=True)
class Unary(Expr):
    op: str = "neg"
    operand: Expr | None = None


@dataclass(frozen=True)
class Binary(Expr):
    """Arithmetic. ``and``/``or``/``xor`` are bitwise (logical on bool operands)."""

    op: str = "add"
    left: Expr | None = None
    right: Expr | None = None


@dataclass(frozen=True)
class Compare(Expr):
    """A comparison of two operands of one dtype; type is bool. Chains are split by the front end."""

    op: str = "lt"
    left: Expr | None = None
    right: Expr | None = None


@dataclass(frozen=True)
class Logical(Expr):
    """Short-circuit ``and`` / ``or`` of two bool operands; type is bool."""

    op: str = "and"
    left: Expr | None = None
    right: Expr | None = None


@dataclass(frozen=True)
class Select(Expr):
    """``a if cond else b``: cond is bool, a and b have ``type``; only the chosen branch is evaluated."""

    cond: Expr | None = None
    a: Expr | None = None
    b: Expr | None = None


@dataclass(frozen=True)
class Cast(Expr):
    """Conversion to ``type`` (float->int truncates toward zero; int->int wraps; x->bool is x != 0;
    real->complex has imaginary part 0; complex->real takes the real part)."""

    operand: Expr | None = None


@dataclass(frozen=True)
class Index(Expr):
    """Load ``array[indices]``; ``array`` is a ``Name`` of array type, indices are int64 exprs."""

    array: Name | None = None
    indices: tuple[Expr, ...] = ()


@dataclass(frozen=True)
class Shape(Expr):
    """``array.shape[dim]`` as int64."""

    array: Name | None = None
    dim: int = 0


@dataclass(frozen=True)
class Call(Expr):
    """An intrinsic call (name from :mod:`cambrian.compiler.intrinsics`), e.g. ``"sqrt"``,
    ``"get_global_id"``, ``"atomic_add"``, ``"complex"``, ``"real"``, ``"min"``.

    Atomic calls take ``(array Name, index0, ..., indexN-1, value...)``: the first ``ndim`` args after
    the array are indices. Work-item calls take one ``Const`` dimension.
    """

    name: str = ""
    args: tuple[Expr, ...] = ()


@dataclass(frozen=True)
class CallFunc(Expr):
    """A call of a device function of the module (by its mangled name); arguments already cast to the
    parameter types."""

    func: str = ""
    args: tuple[Expr, ...] = ()


# --------------------------------------------------------------------------- statements


@dataclass(frozen=True)
class Stmt:
    loc: Loc | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class Assign(Stmt):
    """``name = value``; value already has the variable's type."""

    name: str = ""
    value: Expr | None = None


@dataclass(frozen=True)
class Store(Stmt):
    """``array[indices] = value``; value already has the element dtype. ``nontemporal``: a hint that
    the element is not read again soon (``store_nontemporal``): backends that can store it bypassing
    the caches do (same result)."""

    array: Name | None = None
    indices: tuple[Expr, ...] = ()
    value: Expr | None = None
    nontemporal: bool = False


@dataclass(frozen=True)
class If(Stmt):
    cond: Expr | None = None
    body: tuple[Stmt, ...] = ()
    orelse: tuple[Stmt, ...] = ()


@dataclass(frozen=True)
class For(Stmt):
    """``for var in range(start, stop, step)`` over int64; ``step`` is never 0 (a zero step raises at
    run time in the interpreter and makes zero iterations elsewhere... the front end rejects constant 0).
    A negative step counts down (``var > stop``). ``start``/``stop``/``step`` are evaluated once."""

    var: str = ""
    start: Expr | None = None
    stop: Expr | None = None
    step: Expr | None = None
    body: tuple[Stmt, ...] = ()


@dataclass(frozen=True)
class While(Stmt):
    cond: Expr | None = None
    body: tuple[Stmt, ...] = ()


@dataclass(frozen=True)
class Break(Stmt):
    pass


@dataclass(frozen=True)
class Continue(Stmt):
    pass


@dataclass(frozen=True)
class Return(Stmt):
    """Return from a kernel (``value`` None) or a device function (value of the return type)."""

    value: Expr | None = None


@dataclass(frozen=True)
class ExprStmt(Stmt):
    """An expression evaluated for its effect (an atomic, a device function call)."""

    value: Expr | None = None


@dataclass(frozen=True)
class Barrier(Stmt):
    """Work-group barrier with local (and global) memory fence."""


@dataclass(frozen=True)
class ArrayDecl(Stmt):
    """Declares a local (work-group shared) or private array ``name`` of type ``ArrayT`` with a static
    shape. Local arrays are declared in kernels only, at the top of the body (the front end hoists them)."""

    name: str = ""
    type: ArrayT | None = None


# --------------------------------------------------------------------------- functions and modules


@dataclass(frozen=True)
class Param:
    name: str
    type: Type


@dataclass(frozen=True)
class Function:
    """A kernel (``ret is None`` and ``is_kernel``) or a device function specialised for its argument
    types (``name`` is mangled and unique in the module)."""

    name: str
    params: tuple[Param, ...]
    ret: Scalar | None
    body: tuple[Stmt, ...]
    locals: tuple[tuple[str, Type], ...] = ()
    is_kernel: bool = False
    loc: Loc | None = None
    py_name: str = ""


@dataclass(frozen=True)
class Module:
    """A kernel with the device functions it calls (callees before callers) and compile options."""

    kernel: Function
    funcs: tuple[Function, ...] = ()
    boundscheck: bool = False
    uses_barrier: bool = False
    uses_float64: bool = False
    uses_atomics: bool = False
    #: ``print()`` sites of the kernel (``frontend_print``): formats the host applies to the records.
    prints: tuple[Any, ...] = ()

    def key(self) -> str:
        """Content hash (sha256 hex) of the whole module, locations included."""
        return hashlib.sha256(repr(self).encode()).hexdigest()

    @property
    def needs_error_record(self) -> bool:
        """Do the generated functions take an error record? With bounds checks, and for a ``range()``
        whose step is known only at run time (a zero step is an error, as in the interpreter)."""
        return self.boundscheck or any(isinstance(n, For) and not isinstance(n.step, Const)
                                       for f in (*self.funcs, self.kernel) for s in f.body for n in walk(s))


dataclass_code.end(_DATACLASS_CODE)


# --------------------------------------------------------------------------- utilities


def walk(node: object):
    """Yield ``node`` and every IR node below it (expressions and statements), depth first."""
    yield node
    if isinstance(node, (Expr, Stmt, Function)):
        for f in fields(node):
            value = getattr(node, f.name)
            if isinstance(value, (Expr, Stmt)):
                yield from walk(value)
            elif isinstance(value, tuple):
                for item in value:
                    if isinstance(item, (Expr, Stmt)):
                        yield from walk(item)


def contains(body: tuple[Stmt, ...], cls: type) -> bool:
    """True when a node of class ``cls`` occurs anywhere in ``body``."""
    return any(isinstance(n, cls) for s in body for n in walk(s))


class VerifyError(Exception):
    """The IR broke an invariant: a bug in the front end, never the user's fault."""


def verify(module: Module) -> None:
    """Check the invariants listed in the module docstring; raise :class:`VerifyError`."""
    for fn in (*module.funcs, module.kernel):
        local_types = dict(fn.locals) | {p.name: p.type for p in fn.params}
        for stmt in fn.body:
            for node in walk(stmt):
                _verify_node(node, local_types, fn)


def _verify_node(node: object, local_types: dict[str, Type], fn: Function) -> None:
    where = f"{fn.py_name or fn.name}: {node!r}"[:300]
    if isinstance(node, Name) and node.name not in local_types:
        raise VerifyError(f"unknown name {node.name!r} in {where}")
    if isinstance(node, Binary):
        assert node.left is not None and node.right is not None
        if not (node.left.type == node.right.type == node.type):
            raise VerifyError(f"binary operand types differ in {where}")
        if node.op not in BINARY_OPS:
            raise VerifyError(f"unknown binary op in {where}")
    if isinstance(node, Compare):
        assert node.left is not None and node.right is not None
        if node.left.type != node.right.type or node.type != BOOL:
            raise VerifyError(f"compare operand types differ in {where}")
    if isinstance(node, (Index, Store)):
        arr = node.array
        assert arr is not None
        if not isinstance(arr.type, ArrayT) or len(node.indices) != arr.type.ndim:
            raise VerifyError(f"bad indexing in {where}")
        if any(i.type != INT64 for i in node.indices):
            raise VerifyError(f"index not int64 in {where}")
    if isinstance(node, Assign):
        assert node.value is not None
        if local_types.get(node.name) != node.value.type:
            raise VerifyError(f"assignment type mismatch in {where}")
