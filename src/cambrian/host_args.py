"""NumPy arrays as kernel arguments: zero-copy where possible, else staged through device buffers.

On host-memory devices (``cpu``, ``interp``) a native-order, aligned NumPy array is launched in place.
Anything else is staged: copied into a device buffer before the launch and, when the kernel may write
it, copied back afterwards (the launch waits). Two rules keep staging invisible to the kernel:

* **Aliasing.** Arguments whose memory overlaps (``k(a, a)``, ``k(a, a[1:])``) share ONE device buffer
  covering their byte span, so a write through one parameter is seen through the other, as on the
  host; after the launch each written argument is copied back from that one buffer, so written data
  wins and no stale copy of a read-only parameter overwrites it.
* **Byte order.** Non-native (big-endian) arrays are converted to native order on the way in and
  back to their own order on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import dtypes
from .backends.base import ArrayArg, Device, byte_extent
from .compiler import ir
from .errors import KernelTypeError, LaunchError, UnsupportedFeatureError
from .queues import Event

if TYPE_CHECKING:
    from .kernels import _Launcher


class _Span:
    """Array interface of the bytes ``[addr, addr + n)`` shared by ``owners`` (kept alive)."""

    def __init__(self, addr: int, n: int, owners: list[np.ndarray]):
        self.owners = owners
        self.__array_interface__ = {"data": (addr, True), "shape": (n,), "typestr": "|u1", "version": 3}


def _data(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _bounds(a: np.ndarray) -> tuple[int, int]:
    lo, hi = byte_extent(a.shape, a.strides, 0, a.itemsize)
    return _data(a) + lo, _data(a) + hi


def _in_place(a: np.ndarray) -> bool:
    """Can a host-memory device launch on ``a`` itself?"""
    return a.dtype.isnative and a.flags.aligned and all(s % a.itemsize == 0 for s in a.strides)


def _groups(args: Sequence[Any], idx: list[int]) -> list[list[int]]:
    """Partition ``idx`` (positions of NumPy arrays) into groups whose byte ranges overlap."""
    parent = {i: i for i in idx}

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    bounds = {i: _bounds(args[i]) if args[i].size else (0, 0) for i in idx}
    for n, i in enumerate(idx):
        for j in idx[:n]:
            (a0, a1), (b0, b1) = bounds[i], bounds[j]
            if a0 < b1 and b0 < a1:
                parent[root(i)] = root(j)
    out: dict[int, list[int]] = {}
    for i in idx:
        out.setdefault(root(i), []).append(i)
    return list(out.values())


def _strided(buf: np.ndarray, offset: int, dtype: np.dtype, a: np.ndarray) -> np.ndarray:
    """A view of the uint8 ``buf`` laid out as ``a`` with element 0 at byte ``offset``."""
    return np.ndarray(a.shape, dtype, buffer=buf, offset=offset, strides=a.strides)


class _Staged:
    """A device buffer holding one array, or the byte span of a group of overlapping arrays."""

    def __init__(self, host: np.ndarray, buf: Any, swap: np.dtype | None, views: dict[int, np.ndarray]):
        self.host = host  # private C-contiguous host copy (native order); read back into it
        self.buf = buf
        self.swap = swap  # the non-native dtype of a byte-swapped span, else None
        self.views = views  # argument position -> its elements in ``host`` (after any swap back)


def _check_float64(launcher: _Launcher, device: Device, i: int, a: np.ndarray) -> None:
    if dtypes.needs_float64(dtypes.name(a.dtype)) and not device.supports_float64:
        kern = launcher.kernel
        raise UnsupportedFeatureError(f"kernel {kern.name}: argument {kern._params[i]!r} is "
                                      f"{dtypes.name(a.dtype)} but device {device} has no float64 support")


def _stage_one(device: Device, i: int, a: np.ndarray) -> tuple[_Staged, ArrayArg]:
    backend = device.impl
    src = np.ascontiguousarray(a) if a.dtype.isnative else a.astype(a.dtype.newbyteorder("="), order="C")
    buf = backend.alloc(device, src.nbytes)
    backend.write(device, buf, 0, src, device.queue)
    strides = tuple(s // src.itemsize for s in src.strides) if src.ndim else ()
    view = backend.host_view(device, buf)
    if view is not None:
        view = view[: src.nbytes].view(src.dtype).reshape(src.shape)
    return _Staged(src, buf, None, {i: src}), ArrayArg(buf, 0, src.shape, strides, src.dtype.name, view=view)


def _stage_group(launcher: _Launcher, device: Device, args: Sequence[Any],
                 members: list[int]) -> tuple[_Staged, dict[int, ArrayArg]]:
    """One buffer over the byte span of overlapping arrays; each argument a view at its offset."""
    kern = launcher.kernel
    arrays = [args[i] for i in members]
    spans = [_bounds(a) for a in arrays if a.size]
    lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
    swap = None
    if not all(a.dtype.isnative for a in arrays):
        if len({a.dtype for a in arrays}) != 1:
            raise LaunchError(f"kernel {kern.name}: arguments {_names(kern, members)} overlap in memory "
                              "and are not all of one dtype, some in non-native byte order; pass "
                              "native-order copies")
        swap = arrays[0].dtype
    for a in arrays:
        if (_data(a) - lo) % a.itemsize or any(s % a.itemsize for s in a.strides):
            raise LaunchError(f"kernel {kern.name}: arguments {_names(kern, members)} overlap in memory "
                              "at offsets or strides that are not whole elements; pass copies")
    host = np.asarray(_Span(lo, hi - lo, arrays)).copy()
    if swap is not None:
        host[: len(host) - len(host) % swap.itemsize].view(swap).byteswap(inplace=True)  # now native
    backend = device.impl
    buf = backend.alloc(device, host.nbytes)
    backend.write(device, buf, 0, host, device.queue)
    dview = backend.host_view(device, buf)
    out: dict[int, ArrayArg] = {}
    views: dict[int, np.ndarray] = {}
    for i, a in zip(members, arrays, strict=True):
        off = _data(a) - lo  # byte offset of element 0 (strides may be negative)
        native = a.dtype.newbyteorder("=")
        views[i] = _strided(host, off, a.dtype, a)
        view = None if dview is None else _strided(dview, off, native, a)
        strides = tuple(s // a.itemsize for s in a.strides)
        out[i] = ArrayArg(buf, off // a.itemsize, a.shape, strides, dtypes.name(a.dtype), view=view)
    return _Staged(host, buf, swap, views), out


def _names(kern: Any, positions: list[int]) -> str:
    return ", ".join(repr(kern._params[i]) for i in positions)


def launch_with_host_arrays(launcher: _Launcher, device: Device, args: Sequence[Any], launch_args: list[Any],
                            host_arrays: list[int], key: tuple[Any, ...]) -> Event:
    """Launch with NumPy arguments (positions ``host_arrays``): in place or staged (module docstring)."""
    kern = launcher.kernel
    backend = device.impl
    for i in host_arrays:
        try:
            dtypes.name(args[i].dtype)
        except TypeError as exc:  # float16, object, strings, structured
            raise KernelTypeError(f"kernel {kern.name}: argument {kern._params[i]!r} is a NumPy array of "
                                  f"{exc}") from None
        _check_float64(launcher, device, i, args[i])
    staged: list[_Staged] = []
    for members in _groups(args, host_arrays):
        arrays = [args[i] for i in members]
        if backend.host_memory and all(_in_place(a) for a in arrays):
            for i, a in zip(members, arrays, strict=True):
                launch_args[i] = ArrayArg(None, 0, a.shape, tuple(s // a.itemsize for s in a.strides),
                                          dtypes.name(a.dtype), view=a)
        elif len(members) == 1:
            st, arg = _stage_one(device, members[0], arrays[0])
            launch_args[members[0]] = arg
            staged.append(st)
        else:
            st, group_args = _stage_group(launcher, device, args, members)
            for i, arg in group_args.items():
                launch_args[i] = arg
            staged.append(st)
    spec = kern._spec(device, key, args)
    event = launcher._launch(device, spec, launch_args)
    if not staged:  # launched in place (host-memory devices): nothing to copy back
        event.wait()  # (raises the launch's errors, as below)
        return event
    written = _WRITTEN.get(id(spec.module), (None, None))[1]
    if written is None:  # (the module is kept with its set: its id stays its own)
        written = written_params(spec.module)
        _WRITTEN[id(spec.module)] = (spec.module, written)
    params = spec.module.kernel.params
    for st in staged:
        back = [i for i in st.views if kern._params[i] in written or params[i].name in written]
        if not back:
            continue
        backend.read(device, st.buf, 0, st.host, device.queue)
        if st.swap is not None:
            st.host[: len(st.host) - len(st.host) % st.swap.itemsize].view(st.swap).byteswap(inplace=True)
        for i in back:
            if st.views[i] is not args[i]:  # (a contiguous native array is read back into itself)
                np.copyto(args[i], st.views[i])
    event.wait()
    return event


#: id(module) -> (module, its written_params): launches with NumPy arguments need them every time.
_WRITTEN: dict[int, tuple[ir.Module, set[str]]] = {}


def written_params(module: ir.Module) -> set[str]:
    """Names of kernel array parameters that the kernel may write (stores and atomics)."""
    written: set[str] = set()
    for fn in (module.kernel, *module.funcs):
        for stmt in fn.body:
            for node in ir.walk(stmt):
                if isinstance(node, ir.Store) and node.array is not None:
                    written.add(node.array.name)
                elif isinstance(node, ir.Call) and node.name.startswith("atomic_") and node.args:
                    arr = node.args[0]
                    if isinstance(arr, ir.Name):
                        written.add(arr.name)
    if module.funcs:  # arrays passed to device functions may be written there: be conservative
        written.update(p.name for p in module.kernel.params if isinstance(p.type, ir.ArrayT))
    return written
