"""Pickling ``cambrian.Array`` (for ``multiprocessing``, Dask and ``dask.distributed``).

An array pickles as its data (a C-contiguous NumPy copy: with pickle protocol 5 its bytes travel as an
out-of-band buffer, no further copy) and its device's filter string (``"opencl:cpu:0"``). Unpickling
puts the data on the first of:

1. the device set by :func:`unpickle_to` in this process (Dask's worker plugin sets the worker's own
   device, so chunks land where that worker computes);
2. the array's own device, when this process has it;
3. ``CAMBRIAN_DEVICE``, when set;

and otherwise raises :class:`~cambrian.errors.DeviceError` naming the missing device and those present.

``copy.copy`` gives a view of the same memory and ``copy.deepcopy`` a copy on the same device; neither
goes through the host.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import numpy as np

from .. import config
from ..backends.base import Device
from ..devices import devices, select_device
from ..errors import DeviceError
from ._array import Array

_target: list[Device | None] = [None]


def unpickle_to(device: Device | str | None) -> None:
    """Put arrays unpickled in this process on ``device`` (None: on the device they were pickled on)."""
    _target[0] = None if device is None else select_device(device)


def placement(filter: str) -> Device:
    """The device an array pickled on ``filter`` is unpickled to (see the module docstring)."""
    if _target[0] is not None:
        return _target[0]
    try:
        return select_device(filter)
    except DeviceError as exc:
        env = config.device_filter()
        if env:
            return select_device(env)
        present = ", ".join(str(d) for d in devices()) or "none"
        raise DeviceError(f"cannot unpickle a cambrian.Array that lived on {filter}: this process has no "
                          f"such device (devices here: {present}); set CAMBRIAN_DEVICE to choose where "
                          f"such arrays go ({exc.__class__.__name__}: {str(exc).splitlines()[0]})") from None


def reduce_array(x: Array, protocol: int = 2) -> Any:
    """``x.__reduce_ex__``: the host data and the device filter string."""
    register_dask()
    return (rebuild_array, (x._read(), x.device.filter_string))


def rebuild_array(host: np.ndarray, filter: str) -> Array:
    """Unpickle: ``host`` data on the device that :func:`placement` chooses."""
    from ._convert import from_host

    register_dask()
    return from_host(host, placement(filter))


def deepcopy_array(x: Array, memo: Any = None) -> Array:
    """``copy.deepcopy(x)``: a copy on the same device."""
    import cambrian

    return cambrian.asarray(x, copy=True)  # type: ignore[no-any-return]


def dask_token(x: Array) -> tuple[Any, ...]:
    """``__dask_tokenize__``: the array's identity and layout (hashing the data would read it to the host).
    Also registers Cambrian with Dask's dispatch tables on first use (:mod:`cambrian.dask`)."""
    register_dask()
    return ("cambrian.Array", id(x), id(x._buffer), x.offset, x.shape, x.strides, x.dtype.str, str(x.device))


def register_dask() -> None:
    """Register Cambrian with Dask's dispatch tables (:func:`cambrian.dask.register`) when this process
    has loaded ``dask.array``; nothing otherwise (Dask is no dependency)."""
    if "dask.array" in sys.modules:
        module = sys.modules.get("cambrian.dask") or importlib.import_module("cambrian.dask")
        module.register()
