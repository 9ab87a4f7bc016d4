"""The array API namespace, one module per chapter of the standard (re-exported by ``cambrian``, which
*is* the namespace): ``_array`` (the Array object; its operators in ``_operators``), ``_constants``,
``_creation``, ``_dtypes``, ``_elementwise``, ``_info``, ``_manipulation``,
``_searching``, ``_statistical``, ``_utility``."""

from __future__ import annotations

from . import (
           _constants,
           _creation,
           _dtypes,
           _elementwise,
           _info,
           _manipulation,
           _searching,
           _statistical,
           _utility,
)
from . import _numpy_protocols as _numpy_protocols  # installs __array_ufunc__/__array_function__
from . import _operators as _operators  # installs Array's operators
from ._array import Array
from ._constants import *  # noqa: F403
from ._creation import *  # noqa: F403
from ._dtypes import *  # noqa: F403
from ._elementwise import *  # noqa: F403
from ._info import *  # noqa: F403
from ._manipulation import *  # noqa: F403
from ._searching import *  # noqa: F403
from ._statistical import *  # noqa: F403
from ._utility import *  # noqa: F403

__all__ = ["Array", *_constants.__all__, *_creation.__all__, *_dtypes.__all__, *_elementwise.__all__,
           *_info.__all__, *_manipulation.__all__,
           *_searching.__all__, *_statistical.__all__,
           *_utility.__all__]
