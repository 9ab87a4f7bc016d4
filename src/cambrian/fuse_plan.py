"""Prepared launches of :mod:`cambrian.fuse`: a call's plan (run-time scalars, result allocation,
launch arguments) and the launches of a traced reduction."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import dtypes
from .backends.base import ArrayArg, Device
from .fuse_source import Kind, axis_source, chunks_source, loader_source, tree_source
from .fuse_trace import Node
from .kernels import Kernel, Prepared


class _Arg:
    """A launch argument with the device-array protocol (``device``, ``__cambrian_array__``)."""

    __slots__ = ("arg", "device")

    def __init__(self, device: Device, arg: ArrayArg):
        self.device, self.arg = device, arg

    def __cambrian_array__(self) -> ArrayArg:
        return self.arg


def _flat(a: Any) -> ArrayArg:
    return a.__cambrian_array__().flat()  # type: ignore[no-any-return]


def _nd(a: Any) -> ArrayArg:
    return a.__cambrian_array__()  # type: ignore[no-any-return]


class _Plan:
    """A fused call prepared for arguments of given devices, dtypes, shapes and layouts: the run-time
    scalars, the launches and the result's shape and dtype."""

    __slots__ = ("arrays", "bstrides", "checks", "device", "dtype", "estrides", "host", "hosts", "launches",
                 "nbytes", "out_conv", "shape", "together")

    def __init__(self, device: Device, shape: tuple[int, ...], dtype: str, hosts: list[tuple[Any, Any]],
                 checks: list[tuple[int, str]], arrays: list[tuple[int, Callable[[Any], ArrayArg]]],
                 out_conv: Callable[[Any], ArrayArg],
                 launches: list[tuple[Prepared, Callable[..., list[Any]]]], together: Any = None):
        from .backends.base import contiguous_strides

        self.device, self.shape, self.dtype, self.hosts, self.checks = device, shape, dtype, hosts, checks
        self.arrays, self.out_conv, self.launches = arrays, out_conv, launches
        self.together = together if together is not None else contextlib.nullcontext()
        dt = np.dtype(dtype)
        self.nbytes = math.prod(shape) * dt.itemsize
        self.bstrides = contiguous_strides(shape, dt.itemsize)
        self.estrides = tuple(s // dt.itemsize for s in self.bstrides)
        self.host = device.impl.host_memory
        if dtypes.needs_float64(dtype) and not device.supports_float64:
            from .array._array import check_dtype_on

            check_dtype_on(device, dtype)

    def new_out(self) -> Any:
        """A new C-contiguous result with its launch argument (no per-call dtype or stride work)."""
        from .array._array import Array

        device = self.device
        buf = device.impl.alloc(device, self.nbytes)
        dt = np.dtype(self.dtype)
        out = Array._new(buf, device, self.shape, dt, self.bstrides, self.nbytes)
        view = None
        if self.host:
            host = device.impl.host_view(device, buf)
            view = np.ndarray(self.shape, dt, buffer=host, strides=self.bstrides)
        out._arg = ArrayArg(buf, 0, self.shape, self.estrides, self.dtype, view)
        return out

    def values(self, args: Sequence[Any]) -> list[Any]:
        vals = [t(f(args)) if t is not None else f(args) for f, t in self.hosts]
        for k, dt in self.checks:
            v = self.hosts[k][0](args)
            info = np.iinfo(dt)
            if not info.min <= v <= info.max:
                raise OverflowError(f"Python integer {v} out of bounds for {dt}")
        return vals

    def run(self, args: Sequence[Any], out: Any) -> Any:
        vals = self.values(args) if self.hosts else []
        if out is None:
            out = self.new_out()
        if self.launches:
            o = self.out_conv(out)
            arrays = [c(args[i]) for i, c in self.arrays]
            with self.together:
                for prepared, build in self.launches:
                    prepared(build(o, arrays, vals))
        return out


def _param_dtype(node: Node, fp64: bool) -> str:
    """The kernel parameter dtype of a run-time scalar: weak Python scalars at full width."""
    if isinstance(node.dtype, str):
        return node.dtype
    wide = {"bool": "bool", "int": "int64", "float": "float64", "complex": "complex128"}[node.dtype[1]]
    return wide if fp64 or not dtypes.needs_float64(wide) else {"float64": "float32"}.get(wide, "complex64")


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


def _kind(a: Any, shape: tuple[int, ...]) -> Kind:
    """``(ndim, broadcast dims)`` of an input against the iteration ``shape`` (dims indexed with 0)."""
    nd = a.ndim
    lead = len(shape) - nd
    return nd, tuple(k for k in range(nd) if a.shape[k] == 1 and shape[lead + k] != 1)


def _placeholder(shape: tuple[int, ...], dtype: str, device: Device) -> Any:
    """An array standing in for the result when preparing (only its type matters)."""
    from .array._array import Array

    return Array._empty(shape, dtype, device)


def reduction_launches(c: Any, arrs: list[Any], full: tuple[int, ...], out: Any, device: Device,
                       vals: list[Any], tree_on_cpu: bool = False) -> tuple[Any, ...]:
    """What ``_Compiled.build`` returns for a traced reduction: the launches of the namespace's
    reduction (chunks on CPU devices, a work-group tree on GPUs, one work-item per kept element along
    axes) with the fused map and the scalar arithmetic after it."""
    from .reduction import MAX_GROUPS, _partials, chunk_group_size, chunking, tree_group_size
    from .reduction_ops import _OPS
    from .reduction_source import LANES

    g = c.graph
    red = g.reduction
    assert red is not None
    spec = red.value
    acc, ret = spec.acc, g.result
    axes = spec.axes
    shape = tuple(1 if k in axes else m for k, m in enumerate(full) if spec.keepdims or k not in axes)
    if not spec.empty_ok and any(full[a] == 0 for a in axes):
        raise ValueError(f"{spec.what} of an empty array (along the axes {axes}) has no identity")
    if out is not None and tuple(out.shape) != shape:
        raise ValueError(f"{c.name}: out has shape {tuple(out.shape)}, the result has shape {shape}")
    od = c._out_dtype(out, ret)
    fn, ident_of, _ = _OPS[spec.op]
    ident = np.dtype(acc).type(ident_of(acc))
    plain = all(a.ndim == 0 or (tuple(a.shape) == full and a.__cambrian_array__().c_contiguous)
                for a in arrs)
    target = out if out is not None else _placeholder(shape, od, device)
    o = _Arg(device, _flat(target))
    if len(axes) < len(full):  # along axes: one work-item per kept element
        kinds: list[Kind] = [_kind(a, full) for a in arrs]
        kept = [m for k, m in enumerate(full) if k not in axes]
        red_ext = [full[a] for a in axes]
        extra = [np.int64(m) for m in (*kept[1:], *red_ext[1:], math.prod(red_ext))] + [ident]
        key = ("axis", len(full), axes, tuple(kinds), acc, od)
        kern = c.kernel(key, lambda name: axis_source(name, g, kinds, len(full), axes, acc, od),
                           reduce=fn)
        nk = math.prod(kept)
        if nk == 0:
            return shape, ret, [_nd] * len(arrs), _nd, [], None
        conv = [_flat if a.ndim == 0 else _nd for a in arrs]
        proto = [o, *(_Arg(device, c(a)) for a, c in zip(arrs, conv, strict=True)), *vals, *extra]
        return shape, ret, conv, _flat, [(kern[nk], proto, lambda o, a, v: [o, *a, *v, *extra])], None
    n = math.prod(full)
    kinds = [(0, ()) if a.ndim == 0 else None if plain else _kind(a, full) for a in arrs]
    conv = [_flat if plain or a.ndim == 0 else _nd for a in arrs]
    ndim = len(full)
    loader = None if plain else loader_source(g, kinds, ndim)
    ext = [] if plain else [np.int64(m) for m in full[1:]]
    tree = tree_on_cpu or device.kind != "cpu"
    group = tree_group_size(device) if tree else 0
    mk = tree_source if tree else chunks_source

    def source(final: str | None, partial: bool) -> Callable[[str], str]:
        if tree:
            return lambda name: tree_source(name, g, None if partial else kinds, ndim, acc, group, final)
        return lambda name: chunks_source(name, g, None if partial else kinds, ndim, acc, final)

    def kernel(final: str | None, partial: bool) -> Kernel:
        key = (mk.__name__.split("_")[0], partial, final, ndim, tuple(kinds), acc, group)
        return c.kernel(key, source(final, partial), None if partial else loader, fn)

    arrays = [_Arg(device, c(a)) for a, c in zip(arrs, conv, strict=True)]
    if tree:
        ngroups = max(1, min(_cdiv(n, group), MAX_GROUPS))
        tail = [np.int64(n), ident]
        if ngroups == 1:
            k1 = kernel(od, False)[group, group]
            return shape, ret, conv, _flat, [(k1, [o, *arrays, *vals, *ext, *tail],
                                              lambda o, a, v: [o, *a, *v, *ext, *tail])], None
        partials, together = _partials(device, acc, ngroups, False)
        p = _Arg(device, _flat(partials))
        last = [np.int64(ngroups), ident]
        return shape, ret, conv, _flat, [
            (kernel(None, False)[ngroups * group, group], [p, *arrays, *vals, *ext, *tail],
             lambda o, a, v: [p.arg, *a, *v, *ext, *tail]),
            (kernel(od, True)[group, group], [o, p, *vals, *last],
             lambda o, a, v: [o, p.arg, *v, *last])], together
    nchunks, chunk = chunking(n)  # (the namespace's chunks: the same summation order)
    tail = [np.int64(n), np.int64(chunk), ident]
    if nchunks == 1:
        return shape, ret, conv, _flat, [(kernel(od, False)[1, 1], [o, *arrays, *vals, *ext, *tail],
                                          lambda o, a, v: [o, *a, *v, *ext, *tail])], None
    grp = chunk_group_size(device, nchunks)
    padded = _cdiv(nchunks, grp) * grp
    partials, together = _partials(device, acc, padded, False)
    p = _Arg(device, _flat(partials))
    last = [np.int64(nchunks), np.int64(_cdiv(nchunks, LANES) * LANES), ident]
    return shape, ret, conv, _flat, [
        (kernel(None, False)[(padded,), (grp,)], [p, *arrays, *vals, *ext, *tail],
         lambda o, a, v: [p.arg, *a, *v, *ext, *tail]),
        (kernel(od, True)[1, 1], [o, p, *vals, *last], lambda o, a, v: [o, p.arg, *v, *last])], together
