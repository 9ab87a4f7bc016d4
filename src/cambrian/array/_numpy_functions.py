"""NEP 18 (``__array_function__``) for ``cambrian.Array``, and the lookups both NumPy protocols share
(installed by ``_numpy_protocols``, whose docstring tells the whole story).

A NumPy function with a namespace counterpart calls it with NumPy's arguments mapped to the standard's
(a table row per function: :class:`Mapping`); a NumPy-only argument at a non-default value, and a NumPy
function without a counterpart, raise TypeError: nothing is copied to the host behind the user's back.
Counterparts are looked up by name on ``cambrian`` at call time, so a function that lands later (parts
2 and 3: manipulation, statistics, linalg, fft) works from then on.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ._array import Array
from ._elementwise import FUNCTIONS

NEVER = "it never copies to the host silently: use cambrian.asnumpy(x) for an explicit copy"

# -- lookups -------------------------------------------------------------------------------------------


def counterpart(name: str) -> Any:
    """The namespace object ``name`` (``"sum"``, ``"linalg.solve"``) now, or None while it is missing."""
    import cambrian

    obj: Any = cambrian
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def unsupported(what: str, target: str | None = None) -> TypeError:
    later = f" (its counterpart cambrian.{target} does not exist yet)" if target else ""
    return TypeError(f"{what} is not implemented for cambrian.Array{later}; {NEVER}")


def resolve(what: str, target: str) -> Any:
    fn = counterpart(target)
    if fn is None:
        raise unsupported(what, target)
    return fn


def first_array(values: Any) -> Array | None:
    """The first cambrian.Array among ``values`` (looking one level into lists and tuples)."""
    for v in values:
        if isinstance(v, Array):
            return v
        if isinstance(v, list | tuple):
            found = next((a for a in v if isinstance(a, Array)), None)
            if found is not None:
                return found
    return None


def to_device(v: Any, device: Any, strong_scalars: bool) -> Any:
    """NumPy data moved to ``device`` (host data passed explicitly, as the elementwise engine moves
    it); NumPy scalars become 0-d arrays (``strong_scalars``: NEP 50 keeps their dtype) or Python
    scalars (arguments such as a fill value or a count)."""
    if isinstance(v, np.ndarray) or (strong_scalars and isinstance(v, np.generic)):
        import cambrian

        return cambrian.asarray(np.asarray(v), device=device)  # np.float64 is a float: keep its dtype
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, list | tuple) and any(isinstance(a, np.ndarray) for a in v):
        return type(v)(to_device(a, device, strong_scalars) for a in v)
    return v


def no_host(result: Any, what: str) -> Any:
    """Guard: a NumPy array coming back would be a silent host copy."""
    parts = result if isinstance(result, tuple | list) else (result,)
    if any(isinstance(p, np.ndarray) for p in parts):
        raise TypeError(f"{what}: the cambrian counterpart returned a NumPy array; {NEVER}")
    return result


def show(value: Any) -> str:
    """A short description of an argument for messages (no device read for arrays)."""
    if isinstance(value, Array | np.ndarray):
        return f"<{type(value).__module__.split('.')[0]}.{type(value).__name__} of shape {value.shape}, " \
               f"{value.dtype.name}>"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_default(value: Any, default: Any) -> bool:
    return value is default or (type(value) is type(default) and value == default)


# -- NEP 18: functions ---------------------------------------------------------------------------------

_NEVER_OK = object()  # the default of NumPy-only parameters that no value satisfies
Adapter = Callable[["Mapping", str, dict[str, Any]], Any]


class Mapping:
    """A NumPy function's counterpart: ``target`` (a namespace name) and NumPy's parameters ``spec``.

    ``spec`` lists NumPy's parameters in NumPy's order, space separated: ``name`` passes on under the
    same name, ``np>cb`` under another, ``*name`` takes the remaining positional arguments, ``name?``
    is dropped when None, ``!name=default`` is NumPy-only (accepted at that value only; without a value
    never). Parameters before ``/`` go to the counterpart positionally, the others as keywords.
    ``adapt`` handles what a table cannot (``np.transpose`` without axes, ``np.where`` with one argument).
    """

    def __init__(self, target: str, spec: str, adapt: Adapter | None = None):
        self.target, self.adapt = target, adapt
        self.params: list[tuple[str, str]] = []  # (NumPy name, counterpart name or "!")
        self.defaults: dict[str, Any] = {}
        self.positional: list[str] = []
        self.star: str | None = None
        self.optional: set[str] = set()
        before = True
        for token in spec.split():
            if token == "/":
                before = False
                continue
            if token.startswith("!"):
                name, _, default = token[1:].partition("=")
                self.params.append((name, "!"))
                self.defaults[name] = ast.literal_eval(default) if default else _NEVER_OK
                continue
            if token.endswith("?"):
                token = token[:-1]
                self.optional.add(token.partition(">")[2] or token)
            if token.startswith("*"):
                token = self.star = token[1:]
            np_name, _, cb_name = token.partition(">")
            self.params.append((np_name, cb_name or np_name))
            if before:
                self.positional.append(cb_name or np_name)

    def bind(self, what: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """NumPy's arguments by counterpart name (NumPy-only ones checked and dropped)."""
        bound: dict[str, Any] = {}
        given: list[tuple[str, str, Any]] = []
        rest = list(args)
        for np_name, cb_name in self.params:
            if not rest:
                break
            if np_name == self.star:
                given.append((np_name, cb_name, tuple(rest)))
                rest = []
            else:
                given.append((np_name, cb_name, rest.pop(0)))
        if rest:
            raise TypeError(f"{what}: too many positional arguments ({len(args)})")
        names = dict(self.params)
        for key, value in kwargs.items():
            if key not in names or key == self.star:
                raise TypeError(f"{what}: unexpected keyword argument {key!r}")
            given.append((key, names[key], value))
        for np_name, cb_name, value in given:
            if cb_name == "!":
                if not is_default(value, self.defaults[np_name]):
                    raise TypeError(f"{what}: the argument {np_name}={show(value)} is not supported for "
                                    "cambrian.Array")
                continue
            if cb_name in bound:
                raise TypeError(f"{what}: got multiple values for argument {np_name!r}")
            if value is None and cb_name in self.optional:
                continue
            bound[cb_name] = value
        return bound

    def __call__(self, what: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        bound = self.bind(what, args, kwargs)
        anchor = first_array(bound.values())
        if anchor is not None:
            strong = self.target in _STRONG
            bound = {k: to_device(v, anchor.device, strong) for k, v in bound.items()}
        if self.adapt is not None:
            return self.adapt(self, what, bound)
        return self.call(what, bound)

    def call(self, what: str, bound: dict[str, Any], target: str | None = None) -> Any:
        """Call the counterpart (``target`` overrides) with ``bound``: positional ones first."""
        fn = resolve(what, target or self.target)
        bound = dict(bound)
        args: list[Any] = []
        for name in self.positional:
            if name not in bound:
                break
            value = bound.pop(name)
            args.extend(value if name == self.star else (value,))
        return no_host(fn(*args, **bound), what)


#: Counterparts whose NumPy scalar arguments stay strong 0-d arrays (as in the elementwise engine).
_STRONG = {*FUNCTIONS, "clip", "where"}


# -- adapters ----------------------------------------------------------------------------------------


def _x(bound: dict[str, Any], what: str) -> Array:
    x = next(iter(bound.values()), None)
    if not isinstance(x, Array):
        raise TypeError(f"{what}: expected a cambrian.Array, got {type(x).__name__}")
    return x


def _transpose(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    if b.get("axes") is None:
        b["axes"] = tuple(range(_x(b, what).ndim))[::-1]
    return m.call(what, b)


def _swapaxes(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    x = _x(b, what)
    axes = list(range(x.ndim))
    i, j = (operator.index(b.pop(k)) % max(x.ndim, 1) for k in ("axis1", "axis2"))
    axes[i], axes[j] = axes[j], axes[i]
    return no_host(resolve(what, m.target)(x, tuple(axes)), what)


def _squeeze(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    if b.get("axis") is None:
        b["axis"] = tuple(i for i, n in enumerate(_x(b, what).shape) if n == 1)
    return m.call(what, b)


def _ravel(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    return no_host(resolve(what, m.target)(_x(b, what), (-1,)), what)


def _where(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    if len(b) == 1:
        return m.call(what, b, "nonzero")
    if len(b) != 3:
        raise TypeError(f"{what}: give condition, x and y, or condition alone")
    return m.call(what, b)


def _cumulative(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    x = _x(b, what)
    if b.get("axis") is None and x.ndim != 1:  # NumPy flattens
        b["a"] = resolve(what, "reshape")(x, (-1,))
        b["axis"] = 0
    return m.call(what, b)


def _matrix_only(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    if _x(b, what).ndim != 2:
        raise TypeError(f"{what}: only 2-D arrays map to cambrian.{m.target} (NumPy's axis1/axis2 differ "
                        "from the standard's last two axes); " + NEVER)
    return m.call(what, b)


def _dot(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    if not all(isinstance(v, Array) and v.ndim in (1, 2) for v in b.values()):
        raise TypeError(f"{what}: only 1-D and 2-D cambrian.Arrays map to cambrian.matmul; " + NEVER)
    return m.call(what, b)


def _copy(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    return m.call(what, {**b, "copy": True})


def _norm(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    """``np.linalg.norm``: ``vector_norm`` over all elements or one axis, ``matrix_norm`` over the last
    two axes (NumPy's defaults: 2-norm, Frobenius)."""
    x = _x(b, what)
    axis = b.get("axis")
    rest = {k: b[k] for k in ("ord", "keepdims") if b.get(k) not in (None, False)}
    if axis is None and ("ord" not in rest or x.ndim == 1):
        return m.call(what, {"x": x, **rest}, "linalg.vector_norm")
    if axis is None and x.ndim == 2:
        axis = (0, 1)
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    if isinstance(axis, int):
        return m.call(what, {"x": x, "axis": axis, **rest}, "linalg.vector_norm")
    if isinstance(axis, tuple) and len(axis) == 2 and x.ndim >= 2:
        first, second = (operator.index(a) % x.ndim for a in axis)
        if {first, second} == {x.ndim - 2, x.ndim - 1}:
            return m.call(what, {"x": x if first < second else x.mT, **rest}, "linalg.matrix_norm")
    raise TypeError(f"{what}: axis={axis!r} has no cambrian counterpart; {NEVER}")


def _shape(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    return _x(b, what).shape


def _ndim(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    return _x(b, what).ndim


def _size(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    x = _x(b, what)
    return x.size if b.get("axis") is None else x.shape[b["axis"]]


def _unravel(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    """``np.unravel_index`` on the device: one array per dimension (C order)."""
    index, out = b["indices"], []
    for n in reversed(tuple(b["shape"])):
        out.append(index % n)
        index = index // n
    return tuple(reversed(out))


def _ravel_multi(m: Mapping, what: str, b: dict[str, Any]) -> Any:
    """``np.ravel_multi_index`` on the device (C order, indices assumed in range)."""
    flat: Any = 0
    for index, n in zip(b["multi_index"], b["dims"], strict=True):
        flat = flat * n + index
    return flat


# -- the table ---------------------------------------------------------------------------------------

_LIKE = "a / dtype !order='K' !subok=True !shape=None device"
_STAT = "a / axis !dtype=None !out=None keepdims !where=True"
_SUM = "a / axis dtype !out=None keepdims !initial !where=True"
_EXTREME = "a / axis !out=None keepdims !initial !where=True"
_VAR = "a / axis !dtype=None !out=None ddof>correction keepdims !where=True !mean correction"
_JOIN = "arrays / axis !out=None !dtype=None !casting='same_kind'"
_SORT = "a / axis !kind=None !order=None stable?"
_FFT1 = "a / n axis norm? !out=None"
_FFTN = "a / s axes norm? !out=None"
_ROUND = "a / !decimals=0 !out=None"

#: NumPy function (dotted name) -> (namespace name, NumPy's parameters, adapter).
TABLE: dict[str, tuple[str, str, Adapter | None]] = {
    # creation and data types (part 1)
    "zeros_like": ("zeros_like", _LIKE, None), "ones_like": ("ones_like", _LIKE, None),
    "empty_like": ("empty_like", _LIKE, None),
    "full_like": ("full_like", "a fill_value / dtype !order='K' !subok=True !shape=None device", None),
    "copy": ("asarray", "a / !order='K' !subok=False", _copy),
    "tril": ("tril", "m / k", None), "triu": ("triu", "m / k", None),
    "meshgrid": ("meshgrid", "*xi / !copy=True !sparse=False indexing", None),
    "astype": ("astype", "x dtype / copy device", None),
    "result_type": ("result_type", "*arrays_and_dtypes /", None),
    "can_cast": ("can_cast", "from_ to / !casting='safe'", None),
    # elementwise functions that are not ufuncs in NumPy
    "round": ("round", _ROUND, None), "around": ("round", _ROUND, None),
    "real": ("real", "val /", None), "imag": ("imag", "val /", None),
    "clip": ("clip", "a / a_min>min a_max>max !out=None min max", None),
    # searching, sorting, sets, utility, statistics (part 2)
    "where": ("where", "condition x y /", _where),
    "nonzero": ("nonzero", "a /", None),
    "argmax": ("argmax", "a / axis !out=None keepdims", None),
    "argmin": ("argmin", "a / axis !out=None keepdims", None),
    "searchsorted": ("searchsorted", "a v / side sorter", None),
    "count_nonzero": ("count_nonzero", "a / axis keepdims", None),
    "sort": ("sort", _SORT, None), "argsort": ("argsort", _SORT, None),
    "unique_all": ("unique_all", "x /", None), "unique_counts": ("unique_counts", "x /", None),
    "unique_inverse": ("unique_inverse", "x /", None), "unique_values": ("unique_values", "x /", None),
    "all": ("all", "a / axis !out=None keepdims !where=True", None),
    "any": ("any", "a / axis !out=None keepdims !where=True", None),
    "diff": ("diff", "a / n axis prepend append", None),
    "sum": ("sum", _SUM, None), "prod": ("prod", _SUM, None),
    "max": ("max", _EXTREME, None), "amax": ("max", _EXTREME, None),
    "min": ("min", _EXTREME, None), "amin": ("min", _EXTREME, None),
    "mean": ("mean", _STAT, None), "std": ("std", _VAR, None), "var": ("var", _VAR, None),
    "cumsum": ("cumulative_sum", "a / axis dtype !out=None", _cumulative),
    "cumprod": ("cumulative_prod", "a / axis dtype !out=None", _cumulative),
    "cumulative_sum": ("cumulative_sum", "x / axis dtype !out=None include_initial", None),
    "cumulative_prod": ("cumulative_prod", "x / axis dtype !out=None include_initial", None),
    # manipulation (part 2)
    "broadcast_arrays": ("broadcast_arrays", "*args / !subok=False", None),
    "broadcast_to": ("broadcast_to", "array shape / !subok=False", None),
    "concatenate": ("concat", _JOIN, None), "concat": ("concat", _JOIN, None),
    "stack": ("stack", _JOIN, None),
    "expand_dims": ("expand_dims", "a / axis", None),
    "flip": ("flip", "m / axis", None),
    "moveaxis": ("moveaxis", "a source destination /", None),
    "transpose": ("permute_dims", "a axes /", _transpose),
    "permute_dims": ("permute_dims", "a axes /", _transpose),
    "swapaxes": ("permute_dims", "a axis1 axis2", _swapaxes),
    "matrix_transpose": ("matrix_transpose", "x /", None),
    "reshape": ("reshape", "a shape / !order='C' newshape>shape copy", None),
    "ravel": ("reshape", "a / !order='C'", _ravel),
    "roll": ("roll", "a shift / axis", None),
    "squeeze": ("squeeze", "a / axis", _squeeze),
    "tile": ("tile", "A reps /", None),
    "repeat": ("repeat", "a repeats / axis", None),
    "unstack": ("unstack", "x / axis", None),
    "take": ("take", "a indices / axis !out=None !mode='raise'", None),
    "take_along_axis": ("take_along_axis", "arr indices / axis", None),
    # linear algebra (part 3)
    "tensordot": ("tensordot", "a b / axes", None),
    "dot": ("matmul", "a b / !out=None", _dot),
    "outer": ("linalg.outer", "a b / !out=None", None),
    "trace": ("linalg.trace", "a / offset !axis1=0 !axis2=1 dtype !out=None", _matrix_only),
    "diagonal": ("linalg.diagonal", "a / offset !axis1=0 !axis2=1", _matrix_only),
    "cross": ("linalg.cross", "a b / !axisa=-1 !axisb=-1 !axisc=-1 axis?", None),
    "linalg.norm": ("linalg.vector_norm", "x / ord axis keepdims", _norm),
    "linalg.cholesky": ("linalg.cholesky", "a / upper", None),
    "linalg.det": ("linalg.det", "a /", None), "linalg.inv": ("linalg.inv", "a /", None),
    "linalg.slogdet": ("linalg.slogdet", "a /", None),
    "linalg.eigh": ("linalg.eigh", "a / !UPLO='L'", None),
    "linalg.eigvalsh": ("linalg.eigvalsh", "a / !UPLO='L'", None),
    "linalg.matrix_power": ("linalg.matrix_power", "a n /", None),
    "linalg.matrix_rank": ("linalg.matrix_rank", "A / !tol=None !hermitian=False rtol", None),
    "linalg.pinv": ("linalg.pinv", "a / !rcond=None !hermitian=False rtol", None),
    "linalg.qr": ("linalg.qr", "a / mode", None),
    "linalg.solve": ("linalg.solve", "a b /", None),
    "linalg.svd": ("linalg.svd", "a / full_matrices !compute_uv=True !hermitian=False", None),
    "linalg.svdvals": ("linalg.svdvals", "x /", None),
    "linalg.matrix_norm": ("linalg.matrix_norm", "x / keepdims ord", None),
    "linalg.vector_norm": ("linalg.vector_norm", "x / axis keepdims ord", None),
    "linalg.vecdot": ("linalg.vecdot", "x1 x2 / axis", None),
    "linalg.cross": ("linalg.cross", "x1 x2 / axis", None),
    "linalg.diagonal": ("linalg.diagonal", "x / offset", None),
    "linalg.outer": ("linalg.outer", "x1 x2 /", None),
    "linalg.trace": ("linalg.trace", "x / offset dtype", None),
    "linalg.matrix_transpose": ("linalg.matrix_transpose", "x /", None),
    "linalg.tensordot": ("linalg.tensordot", "x1 x2 / axes", None),
    "linalg.matmul": ("linalg.matmul", "x1 x2 /", None),
    # fft (part 3)
    **{f"fft.{n}": (f"fft.{n}", _FFT1, None) for n in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft")},
    **{f"fft.{n}": (f"fft.{n}", _FFTN, None) for n in ("fftn", "ifftn", "rfftn", "irfftn")},
    "fft.fftshift": ("fft.fftshift", "x / axes", None), "fft.ifftshift": ("fft.ifftshift", "x / axes", None),
    # metadata: answered here, nothing moves
    "unravel_index": ("", "indices shape / !order='C'", _unravel),
    "ravel_multi_index": ("", "multi_index dims / !mode='raise' !order='C'", _ravel_multi),
    "shape": ("", "a", _shape), "ndim": ("", "a", _ndim), "size": ("", "a axis", _size),
}


def _function_table() -> dict[Any, tuple[str, Mapping]]:
    table: dict[Any, tuple[str, Mapping]] = {}
    for dotted, (target, spec, adapt) in TABLE.items():
        obj: Any = np
        for part in dotted.split("."):
            obj = getattr(obj, part, None)
        if obj is not None:  # functions newer than the installed NumPy are skipped
            table.setdefault(obj, (f"numpy.{dotted}", Mapping(target, spec, adapt)))
    return table


#: NumPy function object -> (its NumPy name, its mapping).
NUMPY_FUNCTIONS: dict[Any, tuple[str, Mapping]] = _function_table()


#: NumPy creation functions that NEP 35 (``like=x``) sends here: made on ``x``'s device.
LIKE_CREATION: dict[Any, str] = {np.asarray: "asarray", np.array: "asarray", np.asanyarray: "asarray",
                                 np.ascontiguousarray: "asarray", np.empty: "empty", np.zeros: "zeros",
                                 np.ones: "ones", np.full: "full", np.arange: "arange"}


def _created_like(self: Array, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """NEP 35: ``np.asarray(data, like=x)``, ``np.zeros(shape, like=x)``: the namespace's function on
    ``x``'s device (host data is moved there explicitly, as ``cambrian.asarray(data, device=...)``)."""
    import cambrian

    name = LIKE_CREATION[func]
    options = {k: v for k, v in kwargs.items() if k in ("dtype", "copy")}
    npos = _LIKE_POSITIONAL.get(name, 1)
    if len(args) == npos + 1 and "dtype" not in options:  # NumPy's dtype given positionally
        args, options["dtype"] = args[:npos], args[npos]
    rest = [k for k, v in kwargs.items() if k not in options and not _LIKE_DEFAULTS.get(k, _no)(v)]
    if rest or (name == "asarray" and len(args) != 1) or len(args) > npos:
        raise unsupported(f"numpy.{func.__name__}(..., {', '.join(rest) or 'more arguments'}, like=)")
    if name == "asarray" and not isinstance(args[0], Array):
        args = (np.asarray(args[0], dtype=options.pop("dtype", None)),)
    if options.get("copy") is None or func is np.array:
        options.pop("copy", None)
    return getattr(cambrian, name)(*args, **options, device=self.device)


def _no(value: Any) -> bool:
    return False


_LIKE_POSITIONAL = {"full": 2, "arange": 3}
_LIKE_DEFAULTS: dict[str, Callable[[Any], bool]] = {"order": lambda v: v in (None, "C", "K", "A"),
                                                    "subok": lambda v: True, "ndmin": lambda v: v == 0,
                                                    "device": lambda v: v is None}


def array_function(self: Array, func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """NEP 18: a NumPy function on cambrian.Arrays runs the namespace's counterpart on their device."""
    if not all(issubclass(t, Array) or t is np.ndarray for t in types):
        return NotImplemented
    entry = NUMPY_FUNCTIONS.get(func)
    if entry is None and func in LIKE_CREATION:
        return _created_like(self, func, args, kwargs)
    if entry is None:
        raise unsupported(f"{getattr(func, '__module__', 'numpy')}.{getattr(func, '__name__', func)}")
    what, mapping = entry
    return mapping(what, args, kwargs)
