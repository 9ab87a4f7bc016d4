"""The array API namespace, one module per chapter of the standard (re-exported by ``cambrian``, which
*is* the namespace): ``_array`` (the Array object), ``_constants``, ``_creation``, ``_dtypes``."""

from __future__ import annotations

from . import _constants, _creation, _dtypes
from ._array import Array
from ._constants import *  # noqa: F403
from ._creation import *  # noqa: F403
from ._dtypes import *  # noqa: F403

__all__ = ["Array", *_constants.__all__, *_creation.__all__, *_dtypes.__all__]
