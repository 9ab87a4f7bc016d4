"""Pickling of Cambrian functions: kernels, device functions, vectorized functions, reductions.

An object that its module and name find again (``mymodule.saxpy``) pickles by reference, as Python
functions do. Anything else (defined in ``__main__``, a notebook cell, a function's body, generated
source) pickles by value: the Python function with cloudpickle, together with its file name and
source lines, so a process without that source (a Dask worker, a ``multiprocessing`` child) can
compile it. There the function gets its file name back (cloudpickle drops it), and the lines are
registered in ``linecache`` under that name unless the file there holds them (when the file there holds
other lines, under ``<cambrian-pickled FILE>``); so error messages name the user's file and the disk
cache keys are those of the pickling process. A global the function uses that cannot be pickled raises
:class:`pickle.PicklingError` naming the function and the global.

The classes call :func:`reduce` from their ``__reduce__``; the ``rebuild_*`` functions run on load.
"""

from __future__ import annotations

import inspect
import linecache
import os
import pickle
import sys
import threading
from collections.abc import Callable
from types import FunctionType
from typing import Any

_busy = threading.local()


def by_reference(obj: Any) -> bool:
    """True when ``obj`` is what ``import obj.__module__`` and its ``__qualname__`` find."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or module == "__main__" \
            or "<" in qualname or module not in sys.modules:
        return False
    target: Any = sys.modules[module]
    for part in qualname.split("."):
        target = getattr(target, part, None)
    return target is obj


def reduce(obj: Any, rebuild: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``obj.__reduce__()``: a global reference when importable, else ``(rebuild, args)``."""
    return obj.__qualname__ if by_reference(obj) else (rebuild, args)


class PickledFunction:
    """A Python function pickled by value with its source lines (see the module docstring)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[..., Any]):
        self.fn = fn

    def __reduce__(self) -> Any:
        fn = self.fn
        if by_reference(fn):
            return (_identity, (fn,))
        try:
            lines, start = inspect.getsourcelines(fn)
        except (OSError, TypeError):
            lines, start = None, 0  # no source here either: the worker reports it when compiling
        return (load_function, (_dumps(fn), fn.__code__.co_filename, lines, max(start, 1)))


def _identity(fn: Any) -> Any:
    return fn


def _cloudpickle() -> Any:
    try:
        import cloudpickle
    except ImportError:
        raise pickle.PicklingError("pickling a Cambrian function defined in __main__ or a notebook needs "
                                   "cloudpickle (pip install cloudpickle; Dask installs it)") from None
    return cloudpickle


def _dumps(fn: Callable[..., Any]) -> bytes:
    busy = _busy.__dict__.setdefault("ids", set())
    name = getattr(fn, "__qualname__", repr(fn))
    if id(fn) in busy:
        raise pickle.PicklingError(f"cannot pickle {name}: it refers to itself (recursive device "
                                   "functions are not part of the kernel language)")
    busy.add(id(fn))
    try:
        return _cloudpickle().dumps(fn)  # type: ignore[no-any-return]
    except pickle.PicklingError:
        raise
    except Exception as exc:
        raise pickle.PicklingError(f"cannot pickle {name} (defined in {_where(fn)}): "
                                   f"{_culprit(fn) or exc}") from exc
    finally:
        busy.discard(id(fn))


def _where(fn: Any) -> str:
    code = getattr(fn, "__code__", None)
    return f"{code.co_filename}:{code.co_firstlineno}" if code is not None else "?"


def _culprit(fn: Any) -> str | None:
    """Which global or closure value of ``fn`` cannot be pickled, as a sentence."""
    code, cp = getattr(fn, "__code__", None), _cloudpickle()
    if code is None:
        return None
    values = [(n, fn.__globals__[n]) for n in code.co_names if n in fn.__globals__]
    values += [(n, c.cell_contents) for n, c in zip(code.co_freevars, fn.__closure__ or (), strict=False)]
    for name, value in values:
        try:
            cp.dumps(value)
        except Exception as exc:
            return f"the global {name!r} it uses ({type(value).__name__}) cannot be pickled: {exc}"
    return None


def load_function(blob: bytes, filename: str, lines: list[str] | None, start: int) -> Callable[..., Any]:
    """The function pickled by :class:`PickledFunction`, its source readable in this process."""
    fn = pickle.loads(blob)
    return fn if lines is None else with_source(fn, filename, lines, start)


def with_source(fn: Any, filename: str, lines: list[str], start: int) -> Any:
    """``fn`` from ``filename`` whose source ``inspect`` reads as ``lines`` (first line ``start``) here."""
    if os.path.exists(filename):
        here = linecache.getlines(filename)
        if here[start - 1:start - 1 + len(lines)] == lines:
            return _renamed(fn, filename)
        filename = f"<cambrian-pickled {filename}>"  # another file of that name: a name of its own
    fn = _renamed(fn, filename)
    entry = linecache.cache.get(filename)
    text = list(entry[2]) if entry is not None and len(entry) == 4 and entry[1] is None else []
    text += ["\n"] * (start - 1 + len(lines) - len(text))
    text[start - 1:start - 1 + len(lines)] = lines
    linecache.cache[filename] = (sum(map(len, text)), None, text, filename)
    return fn


def _renamed(fn: FunctionType, filename: str) -> FunctionType:
    if fn.__code__.co_filename == filename:
        return fn
    new = FunctionType(fn.__code__.replace(co_filename=filename), fn.__globals__, fn.__name__,
                       fn.__defaults__, fn.__closure__)
    new.__kwdefaults__, new.__qualname__, new.__module__ = fn.__kwdefaults__, fn.__qualname__, fn.__module__
    new.__doc__ = fn.__doc__
    new.__dict__.update(fn.__dict__)
    return new


# -- rebuilders (called on load) -------------------------------------------------------------------------
def rebuild_kernel(fn: Callable[..., Any], boundscheck: bool) -> Any:
    from .kernels import Kernel

    return Kernel(fn, boundscheck=boundscheck)


def rebuild_func(fn: Callable[..., Any], signature: Any) -> Any:
    import functools

    from .kernels import Func

    obj = Func.__new__(Func)
    obj.signature, obj.py_func = signature, fn
    functools.update_wrapper(obj, fn)
    return obj


def rebuild_vectorized(func: Any, signatures: list[str], typer: Any, identity: Any = None) -> Any:
    from .vectorize import Vectorized

    return Vectorized(func, signatures, typer, identity=identity)


def rebuild_reduction(reduce: Any, identity: Any, map: Any, dtype: Any, with_index: bool, name: str) -> Any:
    from .reduction import Reduction

    return Reduction(reduce, identity, map, dtype=dtype, with_index=with_index, name=name)


def rebuild_fused(fn: Callable[..., Any]) -> Any:
    from .fuse import Fused

    return Fused(fn)


def namespace_function(name: str) -> Any:
    """``cambrian.<name>`` (the namespace's elementwise functions pickle as their name)."""
    import cambrian

    return getattr(cambrian, name)
