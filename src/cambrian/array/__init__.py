"""The array API namespace, one module per chapter of the standard (re-exported by ``cambrian``, which
*is* the namespace): ``_array`` (the Array object; its operators in ``_operators``, its NumPy protocols in
``_numpy_protocols``), ``_constants``, ``_creation``, ``_dtypes``, ``_elementwise``,
``_indexing_advanced``, ``_info``, ``_linear_algebra``, ``_manipulation``, ``_searching``, ``_set``,
``_sorting``, ``_statistical``, ``_utility``; the extensions ``linalg`` and ``fft``."""

from __future__ import annotations

from . import (
           _constants,
           _creation,
           _dtypes,
           _elementwise,
           _indexing_advanced,
           _info,
           _linear_algebra,
           _manipulation,
           _searching,
           _set,
           _sorting,
           _statistical,
           _utility,
)
from . import _methods as _methods  # installs NumPy-style methods (x.sum(), x.reshape(), ...)
from . import _numpy_protocols as _numpy_protocols  # installs __array_ufunc__/__array_function__
from . import _operators as _operators  # installs Array's operators
from . import fft as fft  # the array API extensions: cambrian.fft and cambrian.linalg
from . import linalg as linalg
from ._array import Array
from ._constants import *  # noqa: F403
from ._creation import *  # noqa: F403
from ._dtypes import *  # noqa: F403
from ._elementwise import *  # noqa: F403
from ._indexing_advanced import *  # noqa: F403
from ._info import *  # noqa: F403
from ._linear_algebra import *  # noqa: F403
from ._manipulation import *  # noqa: F403
from ._searching import *  # noqa: F403
from ._set import *  # noqa: F403
from ._sorting import *  # noqa: F403
from ._statistical import *  # noqa: F403
from ._utility import *  # noqa: F403

__all__ = ["Array", *_constants.__all__, *_creation.__all__, *_dtypes.__all__, *_elementwise.__all__,
           *_indexing_advanced.__all__, *_info.__all__, *_linear_algebra.__all__,
           *_manipulation.__all__, *_searching.__all__,
           *_set.__all__, *_sorting.__all__, *_statistical.__all__, *_utility.__all__]
