"""The array API namespace, one module per chapter of the standard (re-exported by ``cambrian``, which
*is* the namespace): ``_array`` (the Array object; its operators in ``_operators``, its NumPy protocols in
``_numpy_protocols``), ``_constants``, ``_creation``, ``_dtypes``, ``_elementwise``,
``_indexing_advanced``, ``_info``, ``_linear_algebra``, ``_manipulation``, ``_searching``, ``_set``,
``_sorting``, ``_statistical``, ``_utility``; the extensions ``linalg`` and ``fft``. The chapters a
kernel launch needs are imported with the package, the others on first use (:data:`LAZY`)."""

from __future__ import annotations

import importlib
from typing import Any

from . import _constants, _creation, _dtypes, _elementwise, _info
from . import _methods as _methods  # installs NumPy-style methods (x.sum(), x.reshape(), ...)
from . import _numpy_protocols as _numpy_protocols  # installs __array_ufunc__/__array_function__
from . import _operators as _operators  # installs Array's operators
from ._array import Array
from ._constants import *  # noqa: F403
from ._creation import *  # noqa: F403
from ._dtypes import *  # noqa: F403
from ._elementwise import *  # noqa: F403
from ._info import *  # noqa: F403

#: Chapters imported on the first use of one of their names (``cambrian.sum`` imports ``_statistical``),
#: as are the extensions ``fft`` and ``linalg``: a new process launching a kernel needs none of them
#: (~8 ms of ``import cambrian``). Each row is the chapter's ``__all__`` (a test checks them).
LAZY: dict[str, tuple[str, ...]] = {
    "_indexing_advanced": ("take", "take_along_axis"),
    "_linear_algebra": ("matmul", "matrix_transpose", "tensordot", "vecdot"),
    "_manipulation": ("broadcast_arrays", "broadcast_to", "concat", "expand_dims", "flip", "moveaxis",
                      "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile", "unstack"),
    "_searching": ("argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where"),
    "_set": ("unique_all", "unique_counts", "unique_inverse", "unique_values"),
    "_sorting": ("argsort", "sort"),
    "_statistical": ("cumulative_prod", "cumulative_sum", "max", "mean", "min", "prod", "std", "sum", "var"),
    "_utility": ("all", "any", "diff"),
}
#: name -> the chapter that defines it; the extensions are modules of their own name
LAZY_NAMES: dict[str, str] = {"fft": "fft", "linalg": "linalg",
                              **{name: mod for mod, names in LAZY.items() for name in names}}
#: the names bound at import (``cambrian`` re-exports them; the others through its ``__getattr__``)
EAGER = ("Array", *_constants.__all__, *_creation.__all__, *_dtypes.__all__, *_elementwise.__all__,
         *_info.__all__)


def __getattr__(name: str) -> Any:
    """A name of a chapter not imported yet: import it (``cambrian.array.sum``, ``cambrian.array.fft``)."""
    mod = LAZY_NAMES.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f".{mod}", __name__)
    value = module if mod == name else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *LAZY_NAMES})


__all__ = ["Array", *_constants.__all__, *_creation.__all__, *_dtypes.__all__, *_elementwise.__all__,
           *LAZY["_indexing_advanced"], *_info.__all__, *LAZY["_linear_algebra"], *LAZY["_manipulation"],
           *LAZY["_searching"], *LAZY["_set"], *LAZY["_sorting"], *LAZY["_statistical"], *LAZY["_utility"]]
