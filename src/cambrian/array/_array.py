"""``cambrian.Array``: a buffer on one device with a shape, a dtype and byte strides (NumPy convention).

The class stays small: creation lives in ``_creation.py``; operations will live in modules named after
the array API standard's chapters.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .. import dtypes
from ..backends.base import ArrayArg, Device, byte_extent, contiguous_strides
from ..devices import resolve_device
from ..errors import UnsupportedFeatureError
from ..queues import Queue

_NAMES = dtypes.NP_NAMES  # dtype -> name (a dict lookup; NumPy's ``dtype.name`` runs Python code)

_DTYPES = {n: np.dtype(n) for n in dtypes.ALL}
_FP64 = (np.dtype("float64"), np.dtype("complex128"))


def check_dtype_on(device: Device, dtype: str) -> None:
    """Raise UnsupportedFeatureError when ``device`` cannot hold ``dtype`` (float64 on a device
    without it): never a silent downcast."""
    if dtypes.needs_float64(dtype) and not device.supports_float64:
        raise UnsupportedFeatureError(f"device {device} ({device.name}) has no float64 support, so it "
                                      f"cannot hold {dtype} data; use "
                                      f"{'complex64' if dtype == 'complex128' else 'float32'} instead")


class Array:
    """An n-dimensional array on one device. Create one with ``cambrian.asarray``/``zeros``/...

    Attributes: ``shape``, ``dtype`` (a NumPy dtype), ``strides`` (bytes), ``offset`` (bytes into
    the buffer), ``device``. Reading (``cambrian.asnumpy``, ``np.asarray``, ``repr``, ``float``)
    waits for pending work on the device's queue.
    """

    #: ``_seen``: set only by :func:`cambrian.array._host.seen_on` (this array's memory as another device's
    #: array), read with a default
    __slots__ = ("__weakref__", "_arg", "_buffer", "_capacity", "_seen", "device", "dtype", "offset",
                 "shape", "strides")

    def __init__(self, buffer: Any, device: Device, shape: tuple[int, ...], dtype: str | np.dtype,
                 strides: tuple[int, ...] | None = None, offset: int = 0, capacity: int | None = None):
        self.dtype = np.dtype(dtypes.name(dtype))
        self.shape = tuple(shape)
        self.strides = (contiguous_strides(self.shape, self.dtype.itemsize) if strides is None
                        else tuple(strides))
        self.offset = offset
        self.device = device
        self._buffer = buffer
        self._capacity = self.nbytes if capacity is None else capacity
        self._arg: ArrayArg | None = None

    @classmethod
    def _new(cls, buffer: Any, device: Device, shape: tuple[int, ...], dtype: np.dtype,
             strides: tuple[int, ...], capacity: int) -> Array:
        """An array over ``buffer`` from already normalised parts (hot paths: no checks)."""
        self = object.__new__(cls)
        self.dtype, self.shape, self.strides, self.offset = dtype, shape, strides, 0
        self.device, self._buffer, self._capacity, self._arg = device, buffer, capacity, None
        return self

    @classmethod
    def _empty(cls, shape: tuple[int, ...], dtype: str, device: Device) -> Array:
        """A new uninitialised C-contiguous array (``dtype`` a supported dtype name; a hot path)."""
        dt = _DTYPES.get(dtype)
        if dt is None:
            dt = np.dtype(dtypes.name(dtype))
        if dt in _FP64 and not device.supports_float64:
            check_dtype_on(device, dt.name)
        nbytes = math.prod(shape) * dt.itemsize
        return cls._new(device.impl.alloc(device, nbytes), device, tuple(shape), dt,
                        contiguous_strides(shape, dt.itemsize), nbytes)

    def _view(self, offset: int, shape: tuple[int, ...], strides: tuple[int, ...]) -> Array:
        """A view of the same buffer: byte ``offset`` from the buffer start, byte ``strides``."""
        size = self.dtype.itemsize
        if len(shape) != len(strides) or any(n < 0 for n in shape):
            raise ValueError(f"bad view shape {shape} / strides {strides}")
        if offset % size or any(s % size for s in strides):
            raise ValueError(f"view offset and strides must be multiples of the itemsize {size}")
        if math.prod(shape):
            lo, hi = byte_extent(tuple(shape), tuple(strides), offset, size)
            if lo < 0 or hi > self._capacity:
                raise ValueError(f"view bytes [{lo}, {hi}) fall outside the buffer of {self._capacity} bytes")
        return Array(self._buffer, self.device, shape, self.dtype, strides, offset, self._capacity)

    # -- properties ------------------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def queue(self) -> Queue:
        """The device's default in-order queue."""
        return self.device.queue

    @property
    def c_contiguous(self) -> bool:
        """C order (an empty array is)."""
        return 0 in self.shape or all(n == 1 or s == c for n, s, c in
                   zip(self.shape, self.strides, contiguous_strides(self.shape, self.itemsize), strict=True))

    def synchronize(self) -> None:
        """Wait for all work on this array's queue (raising errors of that work)."""
        self.queue.synchronize()

    # -- data movement ---------------------------------------------------------------------------
    def _write(self, host: np.ndarray) -> None:
        """Copy a C-contiguous host array of this dtype and shape in (contiguous arrays only)."""
        self.device.impl.write(self.device, self._buffer, self.offset, host, self.queue).wait()

    def _read(self) -> np.ndarray:
        """A new C-contiguous NumPy copy (waits for pending work)."""
        host = np.empty(self.shape, self.dtype)
        if host.size == 0:
            return host
        if self.c_contiguous:
            self._read_bytes(self.offset, host)
            return host
        lo, hi = byte_extent(self.shape, self.strides, self.offset, self.itemsize)
        raw = np.empty(hi - lo, np.uint8)
        self._read_bytes(lo, raw)
        view = np.ndarray(self.shape, self.dtype, buffer=raw, offset=self.offset - lo, strides=self.strides)
        host[...] = view
        return host

    def _read_bytes(self, byte_offset: int, host: np.ndarray) -> None:
        """Backend read (ordered after the queue's earlier work, one round trip), then the errors of
        that work; if the read itself fails, the error of the earlier work comes first."""
        try:
            self.device.impl.read(self.device, self._buffer, byte_offset, host, self.queue)
        except Exception:
            self.queue.synchronize()
            raise
        self.queue.raise_pending()

    def to_device(self, device: Device | str, /, *, stream: Any = None) -> Array:
        """This array on ``device`` (a Device or a filter string); ``self`` when already there."""
        target = resolve_device(device)
        if target == self.device:
            return self
        from ._creation import from_host

        return from_host(self._read(), target)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if copy is False:
            raise ValueError("a cambrian.Array lives on a device: converting it to NumPy always copies")
        host = self._read()
        return host if dtype is None else host.astype(dtype, copy=False)

    def __cambrian_array__(self) -> ArrayArg:
        """The launch argument for kernels (cached: launches call this every time)."""
        arg = self._arg
        if arg is None:
            size = self.itemsize
            hv = self.device.impl.host_view(self.device, self._buffer)
            if hv is None:
                view = None
            elif 0 in self.shape:  # nothing to address (an empty view's offset may lie past its buffer)
                view = np.empty(self.shape, self.dtype)
            else:
                view = np.ndarray(self.shape, self.dtype, buffer=hv, offset=self.offset, strides=self.strides)
            name = _NAMES.get(self.dtype) or self.dtype.name
            arg = ArrayArg(self._buffer, self.offset // size, self.shape,
                           tuple(s // size for s in self.strides), name, view)
            self._arg = arg
        return arg

    # -- interchange -----------------------------------------------------------------------------
    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        """CUDA Array Interface (v3) for arrays on a CUDA device (CuPy, Numba, PyTorch read it)."""
        if self.device.backend != "cuda":
            raise AttributeError(f"__cuda_array_interface__: this array lives on {self.device}, not CUDA")
        from ..backends.cuda_interop import cuda_array_interface

        return cuda_array_interface(self.device, self._buffer, self.offset, self.shape, self.strides,
                                    self.dtype.name)

    def __dlpack__(self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: bool | None = None) -> Any:
        """DLPack export: zero-copy on CUDA and host-memory devices (cpu, interp, OpenCL CPU devices)."""
        if self.device.backend == "cuda":
            from ..backends.cuda_interop import to_dlpack

            return to_dlpack(self.device, self._buffer, self.offset, self.shape, self.strides,
                             self.dtype.name, stream=stream, max_version=max_version, dl_device=dl_device,
                             copy=copy)
        from ._host import host_memory
        from ._host import view as host_view

        view = host_view(self) if host_memory(self) else None  # cpu, interp, OpenCL CPU devices
        kwargs: dict[str, Any] = {} if max_version is None else {"max_version": max_version}
        if view is None:  # device memory the host cannot address: only an explicit copy can export it
            if copy is False:
                raise BufferError(f"arrays on {self.device} are not host memory: DLPack export needs a copy "
                                  "(copy=False was given); use cambrian.asnumpy(x) or x.to_device('cpu')")
            return self._read().__dlpack__(stream=stream, **kwargs)
        self.queue.synchronize()
        if copy is not None:
            kwargs["copy"] = copy
        return view.__dlpack__(stream=stream, **kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        if self.device.backend == "cuda":
            from ..backends.cuda_interop import dlpack_device

            return dlpack_device(self.device)
        return (1, 0)  # kDLCPU: host memory (cpu, interp); other devices refuse __dlpack__

    # -- pickling, copy and Dask (``_pickle.py``) ---------------------------------------------------
    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickles as its data and its device's filter string (``_pickle.py`` says where it lands)."""
        from ._pickle import reduce_array

        return reduce_array(self, protocol)

    def __copy__(self) -> Array:
        return self._view(self.offset, self.shape, self.strides)

    def __deepcopy__(self, memo: Any) -> Array:
        from ._pickle import deepcopy_array

        return deepcopy_array(self, memo)

    def __dask_tokenize__(self) -> Any:
        from ._pickle import dask_token

        return dask_token(self)

    # -- indexing (``_indexing.py``) --------------------------------------------------------------
    def __getitem__(self, key: Any) -> Array:
        """Basic indexing (integers, slices, ``...``, None): a view of the same device memory; a boolean
        mask or integer arrays: a new array gathered on the device (``_indexing_advanced``)."""
        from ._indexing import basic_index
        from ._indexing_advanced import getitem, is_advanced

        if is_advanced(key):
            return getitem(self, key)
        return self._view(*basic_index(self.shape, self.strides, self.offset, key))

    def __setitem__(self, key: Any, value: Any) -> None:
        """``x[key] = value``: ``value`` broadcast and cast (as NumPy does), written on the device."""
        from ._indexing import assign
        from ._indexing_advanced import is_advanced, setitem

        if is_advanced(key):
            setitem(self, key, value)
        else:
            assign(self[key], value)

    # -- array API object --------------------------------------------------------------------------
    __hash__ = None  # type: ignore[assignment]  # == is elementwise

    def __array_namespace__(self, /, *, api_version: str | None = None) -> Any:
        """The ``cambrian`` module: the array API namespace of this array."""
        if api_version not in (None, "2021.12", "2022.12", "2023.12", "2024.12"):
            raise ValueError(f"unsupported array API version {api_version!r}; cambrian implements 2024.12")
        import cambrian

        return cambrian

    @property
    def T(self) -> Array:
        """The transpose of a 2-D array (a view); use ``permute_dims``/``mT`` for other ranks."""
        if self.ndim != 2:
            raise ValueError(f"x.T needs a 2-D array (got {self.ndim}-D); use x.mT or permute_dims")
        return self._view(self.offset, self.shape[::-1], self.strides[::-1])

    @property
    def mT(self) -> Array:
        """The matrix transpose (last two axes swapped; a view)."""
        if self.ndim < 2:
            raise ValueError(f"x.mT needs at least 2 dimensions, got {self.ndim}")
        sh, st = list(self.shape), list(self.strides)
        sh[-2:], st[-2:] = sh[:-3:-1], st[:-3:-1]
        return self._view(self.offset, tuple(sh), tuple(st))

    def __matmul__(self, other: Any) -> Any:
        """``x @ y``: :func:`cambrian.matmul`."""
        from ._linear_algebra import matmul

        return matmul(self, other) if isinstance(other, Array) else NotImplemented

    def __rmatmul__(self, other: Any) -> Any:
        from ._linear_algebra import matmul

        return matmul(other, self) if isinstance(other, Array) else NotImplemented

    def __imatmul__(self, other: Any) -> Any:
        """``x @= y`` writes ``x @ y`` into ``x`` (its shape and dtype kind must not change)."""
        from ..elementwise import copy_into
        from ._linear_algebra import matmul

        if not isinstance(other, Array):
            return NotImplemented
        result = matmul(self, other)
        if result.shape != self.shape:
            raise ValueError(f"x @= y would change x's shape {self.shape} to {result.shape}")
        copy_into(result, out=self)
        return self

    def astype(self, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Array:
        """This array cast to ``dtype`` on its device (``cambrian.astype``)."""
        import cambrian

        return cambrian.astype(self, dtype, copy=copy, device=device)

    def __iter__(self) -> Any:
        """Iterate over the first axis (views)."""
        if not self.shape:
            raise TypeError("iteration over a 0-d cambrian.Array")
        return (self[i] for i in range(self.shape[0]))

    # -- Python protocol -------------------------------------------------------------------------
    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d cambrian.Array")
        return self.shape[0]

    def _item(self, what: str) -> Any:
        if self.size != 1:
            raise TypeError(f"only size-1 arrays can be converted to Python {what}; this one has shape "
                            f"{self.shape}")
        return self._read().reshape(()).item()

    def __float__(self) -> float:
        return float(self._item("float"))

    def __int__(self) -> int:
        return int(self._item("int"))

    def __complex__(self) -> complex:
        return complex(self._item("complex"))

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(f"the truth value of an array of shape {self.shape} is ambiguous")
        return bool(self._item("bool"))

    def __index__(self) -> int:
        if self.ndim or not dtypes.is_integer(self.dtype.name):
            raise TypeError("only 0-d integer arrays can be used as an index")
        return operator.index(self._item("int"))

    def __repr__(self) -> str:
        host = self._read()
        prefix = "cambrian.Array("
        body = np.array2string(host, separator=", ", prefix=prefix) if host.size else "[]"
        if host.size == 0 and host.ndim != 1:
            body += f", shape={host.shape}"
        return f"{prefix}{body}, dtype={self.dtype.name}, device='{self.device}')"

    __str__ = __repr__
