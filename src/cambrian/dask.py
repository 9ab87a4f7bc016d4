"""Scale-out on Dask: ``cambrian.Array`` chunks in ``dask.array``, and ``dask.distributed`` workers.

Imported by itself when Dask is in use (the first time Dask tokenizes or pickles a ``cambrian.Array``,
or when ``cambrian`` is imported after ``dask.array``): Dask is never a hard dependency.

* :func:`register` adds Cambrian arrays to Dask's dispatch tables, as ``dask/array/backends.py`` does
  for CuPy (``concatenate_lookup``, ``tensordot_lookup``, ``take_lookup``, ``empty_lookup``,
  ``numel_lookup``, ``nannumel_lookup``, ``to_numpy_dispatch``), registers ``cambrian.Array`` as a
  chunk type and its size for Dask's memory accounting, and, when ``dask.distributed`` is loaded, a
  ``dask_serialize``/``dask_deserialize`` pair that sends the data as one bytes frame with its
  device's filter string. So ``da.from_array(x)`` keeps device chunks, and elementwise operations,
  reductions, ``concatenate``, slicing, ``map_blocks`` and ``compute()`` give ``cambrian.Array`` on
  the device.
* :class:`CambrianPlugin` is a ``dask.distributed`` worker plugin: each worker gets its own device
  (``CAMBRIAN_DEVICE``, round-robin over a list such as ``["cuda:0", "cuda:1"]``), arrays sent to it
  land there, and :func:`warm_up` pays the first-call costs (device discovery, Numba's imports, the
  disk cache) before the first task.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

import cambrian as cb

from .array import Array
from .array._pickle import placement, unpickle_to
from .kernels import kernel

__all__ = ["CambrianPlugin", "register", "warm_up"]

_done: set[str] = set()


def register() -> None:
    """Register Cambrian arrays with Dask (and ``dask.distributed`` when loaded); idempotent."""
    if "dask" not in _done:
        _register_dask()
        _done.add("dask")
    if "distributed" not in _done and "distributed" in sys.modules:
        _register_distributed()
        _done.add("distributed")


def _register_dask() -> None:
    from dask.array.backends import _nannumel
    from dask.array.chunk_types import register_chunk_type
    from dask.array.dispatch import (
        concatenate_lookup,
        empty_lookup,
        nannumel_lookup,
        numel_lookup,
        take_lookup,
        tensordot_lookup,
        to_numpy_dispatch,
    )
    from dask.sizeof import sizeof

    register_chunk_type(Array)
    concatenate_lookup.register(Array, _concatenate)
    tensordot_lookup.register(Array, cb.tensordot)
    take_lookup.register(Array, _take)
    empty_lookup.register(Array, _empty)
    numel_lookup.register(Array, _numel)
    nannumel_lookup.register(Array, _nannumel)
    to_numpy_dispatch.register(Array, lambda x, **kwargs: cb.asnumpy(x))
    sizeof.register(Array, lambda x: x.nbytes)


def _concatenate(arrays: Sequence[Any], axis: int = 0) -> Array:
    """Dask's ``concatenate``: NumPy blocks next to device blocks move to their device, as ufuncs do."""
    anchor = next(a for a in arrays if isinstance(a, Array))
    return cb.concat([a if isinstance(a, Array) else cb.asarray(a, device=anchor.device) for a in arrays],
                     axis=axis)


def _take(x: Array, indices: Any, axis: int = 0) -> Array:
    return cb.take(x, cb.asarray(indices, device=x.device), axis=axis)


def _numel(x: Array, **kwargs: Any) -> Any:
    """Dask's element count of a chunk (``mean``, ``var``), a ``cambrian.Array`` on its device as
    ``dask.array.backends._numel`` makes it with ``np.full_like(x, n, shape=...)``."""
    keepdims, axis, dtype = kwargs.get("keepdims", False), kwargs.get("axis"), kwargs.get("dtype")
    dtype = np.float64 if dtype is None else dtype
    if axis is None:
        if not keepdims:
            return np.prod(x.shape, dtype=dtype)  # a NumPy scalar, as Dask's own
        n, shape = math.prod(x.shape), (1,) * x.ndim
    else:
        axes = {a % x.ndim for a in (axis if isinstance(axis, tuple | list) else (axis,))}
        n = math.prod(x.shape[a] for a in axes)
        shape = tuple(1 if k in axes else s for k, s in enumerate(x.shape) if keepdims or k not in axes)
    return cb.full(shape, n, dtype=dtype, device=x.device)


def _empty(shape: Any, dtype: Any = None, **kwargs: Any) -> Array:
    return cb.empty(shape, dtype=dtype)


def _register_distributed() -> None:
    from distributed.protocol import dask_deserialize, dask_serialize

    @dask_serialize.register(Array)
    def _serialize(x: Array) -> tuple[dict[str, Any], list[Any]]:
        host = x._read()
        return {"device": x.device.filter_string, "dtype": host.dtype.str, "shape": host.shape}, [host.data]

    @dask_deserialize.register(Array)
    def _deserialize(header: dict[str, Any], frames: list[Any]) -> Array:
        from .array._convert import from_host

        data = frames[0] if len(frames) == 1 else b"".join(frames)
        host = np.frombuffer(data, dtype=np.dtype(header["dtype"])).reshape(header["shape"])
        return from_host(host, placement(header["device"]))


# -- dask.distributed workers -------------------------------------------------------------------------
@kernel
def _iota(out):  # type: ignore[no-untyped-def]
    i = cb.get_global_id(0)
    out[i] = i * 0.5


def warm_up(device: Any = None) -> float:
    """Pay a process's first-call costs now: select ``device`` (self-test verdicts from the disk cache),
    load a compiled kernel (Numba's imports on ``cpu``, the OpenCL program cache) and run it once.
    Returns the seconds it took."""
    t0 = time.perf_counter()
    target = cb.select_device(device) if device is not None else cb.default_device()
    out = cb.empty((4,), dtype="float64" if target.supports_float64 else "float32", device=target)
    _iota[4](out)
    cb.asnumpy(out)
    cb.asnumpy(cb.sum(out + 1))
    return time.perf_counter() - t0


def _plugin_base() -> type:
    try:
        from distributed import WorkerPlugin
    except ImportError:
        return object
    return WorkerPlugin  # type: ignore[no-any-return]


class CambrianPlugin(_plugin_base()):  # type: ignore[misc]
    """A ``dask.distributed`` worker plugin: ``client.register_plugin(CambrianPlugin(["cuda:0", "cuda:1"]))``.

    Each worker takes the device of its position (``devices[k % len(devices)]``, ``k`` the worker's
    name when it is an integer, as in ``LocalCluster``; else a stable hash of its name), sets
    ``CAMBRIAN_DEVICE`` to it, places arrays sent to it there and warms Cambrian up
    (:func:`warm_up`); ``worker.cambrian_device`` and ``worker.cambrian_warm_up_s`` tell what it did.
    ``devices=None`` keeps each worker's default device (its ``CAMBRIAN_DEVICE`` or the best one).
    """

    name = "cambrian"

    def __init__(self, devices: str | Sequence[str] | None = None, warm: bool = True):
        self.devices = [devices] if isinstance(devices, str) else list(devices or [])
        self.warm = warm

    def device_for(self, worker_name: Any) -> str | None:
        """The filter string of the device the worker called ``worker_name`` uses (None: its default)."""
        if not self.devices:
            return None
        k = worker_name if isinstance(worker_name, int) else sum(str(worker_name).encode())
        return self.devices[k % len(self.devices)]

    def setup(self, worker: Any) -> None:
        register()
        chosen = self.device_for(worker.name)
        if chosen is not None:
            os.environ["CAMBRIAN_DEVICE"] = chosen
            unpickle_to(chosen)
        device = cb.select_device(chosen) if chosen is not None else cb.default_device()
        worker.cambrian_device = device.filter_string
        worker.cambrian_warm_up_s = warm_up(device) if self.warm else 0.0
