"""NumPy-style convenience methods of ``cb.Array`` (not in the standard, but what NumPy and CuPy users
reach for first, and what Dask calls on its chunks): ``x.sum(axis)``, ``x.mean()``, ``x.reshape(...)``,
``x.copy()``, ... Each calls the namespace's function on the array's device; NumPy's keyword names are
accepted where they differ (``ddof`` for ``correction``), NumPy-only options at their defaults only."""

from __future__ import annotations

from typing import Any

from ._array import Array

#: method name -> namespace function name; methods whose first NumPy parameter is ``axis``.
REDUCTIONS = {"sum": "sum", "prod": "prod", "min": "min", "max": "max", "mean": "mean", "any": "any",
              "all": "all", "argmax": "argmax", "argmin": "argmin"}
_DTYPED = ("sum", "prod")


def _namespace() -> Any:
    import cambrian

    return cambrian


def _refuse(name: str, **extra: Any) -> None:
    bad = [k for k, v in extra.items() if v is not None and v is not False]
    if bad:
        raise TypeError(f"cambrian.Array.{name}(): NumPy's {', '.join(bad)}= is not supported")


def _reduction(name: str, fn: str) -> Any:
    def method(self: Array, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
               **numpy_only: Any) -> Any:
        _refuse(name, out=out, **numpy_only)
        kwargs: dict[str, Any] = {"axis": axis, "keepdims": keepdims}
        if name in _DTYPED:
            kwargs["dtype"] = dtype
        elif dtype is not None and name != "mean":
            raise TypeError(f"cambrian.Array.{name}() takes no dtype")
        result = getattr(_namespace(), fn)(self, **kwargs)
        if name == "mean" and dtype is not None:
            result = result.astype(dtype)
        return result

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``cambrian.{fn}(x, axis=..., keepdims=...)`` as a method (NumPy style)."
    return method


def _spread(name: str) -> Any:
    def method(self: Array, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
               keepdims: bool = False, *, correction: float | None = None) -> Any:
        _refuse(name, out=out)
        fn = getattr(_namespace(), name)
        result = fn(self, axis=axis, correction=ddof if correction is None else correction, keepdims=keepdims)
        return result if dtype is None else result.astype(dtype)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``cambrian.{name}(x, axis=..., correction=ddof)`` as a method (NumPy style)."
    return method


def reshape(self: Array, *shape: Any, copy: bool | None = None) -> Array:
    """``cambrian.reshape``; the shape as one tuple or as separate ints (NumPy style)."""
    dims = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
    return _namespace().reshape(self, tuple(dims), copy=copy)


def copy(self: Array) -> Array:
    """A copy on the same device."""
    return _namespace().asarray(self, copy=True)


def flatten(self: Array) -> Array:
    """A 1-D copy (C order)."""
    return _namespace().reshape(self, (-1,), copy=True)


def ravel(self: Array) -> Array:
    """A 1-D view when the layout allows, else a copy."""
    return _namespace().reshape(self, (-1,))


def transpose(self: Array, *axes: Any) -> Array:
    """``permute_dims`` (all axes reversed when none are given)."""
    order = axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes
    return _namespace().permute_dims(self, tuple(order) if order else tuple(reversed(range(self.ndim))))


def _install() -> None:
    for name, fn in REDUCTIONS.items():
        setattr(Array, name, _reduction(name, fn))
    for name in ("std", "var"):
        setattr(Array, name, _spread(name))
    for fn in (reshape, copy, flatten, ravel, transpose):
        setattr(Array, fn.__name__, fn)
    Array.conj = lambda self: _namespace().conj(self)  # type: ignore[attr-defined]
    Array.squeeze = lambda self, axis=None: _namespace().squeeze(  # type: ignore[attr-defined]
        self, axis=tuple(k for k, n in enumerate(self.shape) if n == 1) if axis is None else axis)


_install()
