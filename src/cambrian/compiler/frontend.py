"""The kernel compiler front end: Python source (AST) -> typed, verified IR.

Public API: :func:`translate` (a kernel and the device functions it calls -> :class:`ir.Module`) and
:func:`infer_return_type` (the result dtype of a scalar device function, for ``@vectorize``).

The work is split over small modules: ``frontend_types`` (typed values, NEP 50 weakness, casts,
constant folding), ``frontend_resolve`` (what a global name denotes), ``frontend_expr`` and
``frontend_calls`` (expressions), ``frontend_stmt`` (statements and local type inference).

Notes on the language: ``math.floor/ceil/trunc`` return the float type in kernels (Python's return
ints); loop variables, indices and ``a.shape[k]`` are int64; a variable assigned only Python literals
stays weak (it adopts the dtype of strong operands, as a Python scalar would).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import inspect
import keyword
import re
import threading
import weakref
from collections.abc import Callable
from typing import Any

from .. import dtypes
from ..errors import CambrianError, KernelSyntaxError, KernelTypeError, Loc, no_source_hint
from . import frontend_print, ir
from .frontend_stmt import FuncTranslator
from .frontend_views import AGGREGATE_TYPES
from .group_passes import hoist_local_arrays

__all__ = ["infer_return_type", "translate"]

_MEMO: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], Any]] = weakref.WeakKeyDictionary()
_MEMO_LOCK = threading.Lock()

#: Identifiers a generated kernel/function name must avoid (C, OpenCL C, CUDA C and Python words).
_RESERVED = frozenset(keyword.kwlist) | frozenset(
    "auto break case char const continue default do double else enum extern float for goto if inline int "
    "long register restrict return short signed sizeof static struct switch typedef union unsigned void "
    "volatile while bool half kernel global local private constant main complex uint ulong uchar ushort "
    "size_t ptrdiff_t max min abs sqrt".split())


# --------------------------------------------------------------------------- source and locations


class Source:
    """The parsed source of one Python function with a map back to real file positions."""

    def __init__(self, pyfunc: Callable[..., Any]):
        self.pyfunc = pyfunc
        code = getattr(pyfunc, "__code__", None)
        if code is None:
            raise KernelSyntaxError(f"{pyfunc!r} is not a Python function; kernels and device functions "
                                    "are defined with 'def'")
        self.file = code.co_filename
        try:
            lines, start = inspect.getsourcelines(pyfunc)
        except (OSError, TypeError) as exc:
            why = f"cannot read the source of {pyfunc.__qualname__!r} ({exc}); {no_source_hint(self.file)}"
            raise KernelSyntaxError(why, Loc(self.file, code.co_firstlineno)) from None
        start = max(start, 1)
        self.lines = lines
        indented = bool(lines) and lines[0][:1] in (" ", "\t")
        text = ("if 1:\n" if indented else "") + "".join(lines)
        self.shift = start - (2 if indented else 1)  # ast line + shift = real line
        self.first = 2 if indented else 1  # ast line of lines[0]
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            raise KernelSyntaxError(f"cannot parse the source of {pyfunc.__qualname__!r}: {exc.msg}",
                                    Loc(self.file, (exc.lineno or 1) + self.shift)) from None
        body = tree.body[0].body if indented and isinstance(tree.body[0], ast.If) else tree.body
        defs = [n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if not defs or isinstance(defs[0], ast.AsyncFunctionDef) or pyfunc.__name__ == "<lambda>":
            raise KernelSyntaxError(f"{pyfunc.__qualname__!r} must be defined with 'def' (lambdas and "
                                    "async functions are not supported)", Loc(self.file, start))
        self.fdef: ast.FunctionDef = defs[0]  # type: ignore[assignment]

    def _col(self, ast_line: int, col: int) -> int:
        """Character column from the UTF-8 byte offset that ``ast`` reports."""
        i = ast_line - self.first
        if 0 <= i < len(self.lines) and not self.lines[i].isascii():
            return len(self.lines[i].encode()[:col].decode(errors="ignore"))
        return col

    def loc(self, node: ast.AST) -> Loc:
        line = getattr(node, "lineno", None)
        if line is None:
            return Loc(self.file, self.fdef.lineno + self.shift)
        col = self._col(line, node.col_offset)  # type: ignore[attr-defined]
        end = node.end_col_offset if getattr(node, "end_lineno", None) == line else None  # type: ignore
        return Loc(self.file, line + self.shift, col, None if end is None else self._col(line, end))


_SOURCES: weakref.WeakKeyDictionary[Any, tuple[Any, Source]] = weakref.WeakKeyDictionary()


def _source(pyfunc: Callable[..., Any]) -> Source:
    cached = _SOURCES.get(pyfunc)
    if cached is not None and cached[0] is pyfunc.__code__:
        return cached[1]
    src = Source(pyfunc)
    _SOURCES[pyfunc] = (pyfunc.__code__, src)
    return src


def mangle(text: str) -> str:
    """A C/Python-safe identifier ``[A-Za-z_][A-Za-z0-9_]*`` derived from ``text``."""
    out = re.sub(r"[^A-Za-z0-9_]", lambda m: "_" if m.group() in ".<>" else f"_u{ord(m.group()):x}_", text)
    out = re.sub(r"_{3,}", "__", out).strip("_") or "f"
    if out[0].isdigit() or out in _RESERVED:
        out = "k_" + out
    return out


# --------------------------------------------------------------------------- module builder


def _check_signature(src: Source, argtypes: tuple[ir.Type, ...], loc: Loc | None) -> None:
    a = src.fdef.args
    bad = ("positional-only parameters" if a.posonlyargs else "*args" if a.vararg else
           "keyword-only parameters" if a.kwonlyargs else "**kwargs" if a.kwarg else
           "default parameter values" if a.defaults else None)
    if bad:
        raise KernelSyntaxError(f"{bad} are not supported in kernels and device functions",
                                src.loc(src.fdef))
    if len(a.args) != len(argtypes):
        raise KernelTypeError(f"{src.pyfunc.__qualname__}() takes {len(a.args)} arguments "
                              f"({len(argtypes)} given)", loc or src.loc(src.fdef))
    for p, t in zip(a.args, argtypes, strict=True):
        ok = (isinstance(t, ir.Scalar) and t.dtype in dtypes.ALL) or (
            isinstance(t, ir.ArrayT) and t.dtype in dtypes.ALL and t.ndim >= 0) or \
            isinstance(t, AGGREGATE_TYPES)  # views and tuples: expanded by the translator
        if not ok:
            raise KernelTypeError(f"unsupported type {t!r} for parameter {p.arg!r}", loc or src.loc(p))


class ModuleBuilder:
    """Translates a kernel and the device functions it reaches, specialised by argument types."""

    def __init__(self, boundscheck: bool = False):
        self.boundscheck = boundscheck
        self.done: dict[tuple[Any, ...], tuple[ir.Function, tuple[str, ...]]] = {}
        self.by_name: dict[str, tuple[ir.Function, tuple[str, ...]]] = {}
        self.active: list[tuple[Any, ...]] = []

    def _translate(self, pyfunc: Callable[..., Any], argtypes: tuple[ir.Type, ...], is_kernel: bool,
                   name: str, loc: Loc | None) -> tuple[ir.Function, tuple[str, ...]]:
        src = _source(pyfunc)
        _check_signature(src, argtypes, loc)
        try:  # (frontend_print: a kernel that prints gets the record tables as hidden parameters)
            fn, tr = frontend_print.translate(
                lambda: FuncTranslator(self, src, src.fdef, argtypes, is_kernel), name)
        except (CambrianError, RecursionError):
            raise
        except Exception as exc:  # an internal error: report it at the function, never a traceback
            raise KernelSyntaxError(f"internal error compiling {pyfunc.__qualname__!r} ({exc!r}); please "
                                    "report", src.loc(src.fdef)) from exc
        return fn, tuple(dict.fromkeys(tr.callees))

    def device_function(self, pyfunc: Callable[..., Any], argtypes: tuple[ir.Type, ...],
                        loc: Loc | None) -> ir.Function:
        """The specialisation of ``pyfunc`` for ``argtypes`` (translated once per module)."""
        key = (pyfunc, getattr(pyfunc, "__code__", None), argtypes)
        if key in self.done:
            return self.done[key][0]
        if key in self.active:
            raise KernelTypeError(f"recursive call of device function {pyfunc.__qualname__!r}: recursion is "
                                  "not supported in kernels", loc)
        digest = hashlib.sha256(repr(argtypes).encode()).hexdigest()[:8]
        base = f"{mangle(pyfunc.__qualname__)}_{digest}"
        name, n = base, 1
        while name in self.by_name:
            n += 1
            name = f"{base}_{n}"
        self.active.append(key)
        try:
            entry = self._translate(pyfunc, argtypes, False, name, loc)
        finally:
            self.active.pop()
        self.done[key] = self.by_name[name] = entry
        return entry[0]

    def build(self, pyfunc: Callable[..., Any], argtypes: tuple[ir.Type, ...]) -> ir.Module:
        kernel, callees = self._translate(pyfunc, argtypes, True, mangle(pyfunc.__qualname__), None)
        kernel = dataclasses.replace(kernel, body=hoist_local_arrays(kernel.body))  # one per work-group
        order: list[ir.Function] = []
        seen: set[str] = set()

        def visit(name: str) -> None:  # callees first
            if name in seen:
                return
            seen.add(name)
            fn, deps = self.by_name[name]
            for d in deps:
                visit(d)
            order.append(fn)

        for c in callees:
            visit(c)
        funcs = tuple(order)
        module = ir.Module(kernel=kernel, funcs=funcs, boundscheck=self.boundscheck,
                           prints=frontend_print.sites(self), **_flags((*funcs, kernel)))
        try:
            ir.verify(module)
        except ir.VerifyError as exc:
            src = _source(pyfunc)
            raise KernelSyntaxError(f"internal error compiling {pyfunc.__qualname__!r}: the generated IR "
                                    f"is invalid ({exc}); please report", src.loc(src.fdef)) from exc
        return module


def _flags(funcs: tuple[ir.Function, ...]) -> dict[str, bool]:
    """``uses_barrier``, ``uses_atomics`` and ``uses_float64`` of a module's functions."""
    barrier = atomics = f64 = False
    for fn in funcs:
        types = [p.type for p in fn.params] + [t for _, t in fn.locals] + ([fn.ret] if fn.ret else [])
        for s in fn.body:
            for node in ir.walk(s):
                barrier |= isinstance(node, ir.Barrier)
                atomics |= isinstance(node, ir.Call) and node.name.startswith("atomic_")
                t = getattr(node, "type", None)
                if isinstance(t, (ir.Scalar, ir.ArrayT)):
                    types.append(t)
        f64 |= any(t.dtype in dtypes.ALL and dtypes.needs_float64(t.dtype) for t in types)
    return {"uses_barrier": barrier, "uses_atomics": atomics, "uses_float64": f64}


# --------------------------------------------------------------------------- public API


def _unwrap(pyfunc: Any) -> Callable[..., Any]:
    if getattr(pyfunc, "__cambrian_func__", False) and callable(getattr(pyfunc, "py_func", None)):
        return pyfunc.py_func  # type: ignore[no-any-return]
    return getattr(pyfunc, "py_func", pyfunc) if not inspect.isfunction(pyfunc) else pyfunc


def _memo(pyfunc: Callable[..., Any], key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    code = getattr(pyfunc, "__code__", None)
    try:
        table = _MEMO.setdefault(pyfunc, {})
    except TypeError:  # not weak-referenceable: no memo
        return make()
    full = (code, *key)
    with _MEMO_LOCK:
        if full in table:
            return table[full]
    out = make()
    with _MEMO_LOCK:
        table[full] = out
    return out


def translate(pyfunc: Callable[..., Any], argtypes: tuple[ir.Type, ...], *,
              boundscheck: bool = False) -> ir.Module:
    """Translate the kernel ``pyfunc`` for ``argtypes`` (one ``ir.Scalar``/``ir.ArrayT`` per parameter)
    into a verified :class:`ir.Module`. Memoised per function, code object, argtypes and boundscheck.

    Raises :class:`KernelSyntaxError` / :class:`KernelTypeError` with the file, line and caret of the
    offending construct."""
    pyfunc = _unwrap(pyfunc)
    argtypes = tuple(argtypes)
    return _memo(pyfunc, ("kernel", argtypes, bool(boundscheck)),
                 lambda: ModuleBuilder(bool(boundscheck)).build(pyfunc, argtypes))


def infer_return_type(pyfunc: Callable[..., Any], argtypes: tuple[ir.Type, ...]) -> ir.Scalar:
    """The result type of the device function ``pyfunc`` (a ``@cambrian.func`` or a plain function)
    called with ``argtypes``; raises :class:`KernelTypeError` if it returns nothing."""
    pyfunc = _unwrap(pyfunc)
    argtypes = tuple(argtypes)

    def make() -> ir.Scalar:
        fn = ModuleBuilder().device_function(pyfunc, argtypes, None)
        if fn.ret is None:
            src = _source(pyfunc)
            raise KernelTypeError(f"{pyfunc.__qualname__!r} does not return a value", src.loc(src.fdef))
        return fn.ret

    return _memo(pyfunc, ("ret", argtypes), make)  # type: ignore[no-any-return]
