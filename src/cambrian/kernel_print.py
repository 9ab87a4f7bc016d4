"""The host side of ``print(...)`` in kernels (the front end's ``compiler/frontend_print``).

A launch of a kernel that prints allocates the record tables on the device, appends them to the
arguments, waits for the kernel, reads the records back and prints them on ``sys.stdout``, sorted by
global work-item id (the linear id ``x + X * (y + Y * z)``), each work-item's lines in program order,
formatted as Python's ``print`` would format the values (``str`` of a NumPy scalar of the value's
dtype; f-string conversions and format specs applied on the host). At most :data:`LIMIT` records
per launch are kept; a final line says how many were dropped. The launch is synchronous.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .backends.base import ArrayArg, Device
from .compiler import ir
from .compiler.frontend_print import HEADER, PARAMS

#: Records (``print`` calls) kept per launch; the others are counted and reported as dropped.
LIMIT = 1024


def launcher(launch: Callable[..., Any], module: ir.Module) -> Callable[..., Any]:
    """``launch`` itself, or for a kernel that prints a launch that prints its records after it."""
    params = module.kernel.params
    if len(params) < 3 or tuple(p.name for p in params[-3:]) != PARAMS:
        return launch
    sites = module.prints
    ftype = params[-1].type
    assert isinstance(ftype, ir.ArrayT)
    pieces = [it for s in sites for arg in s[4] for it in arg if it[0] == "v"]
    ni = max((it[3] + 1 for it in pieces if it[2] == "i"), default=HEADER)
    nf = max((it[3] + (2 if it[1].startswith("complex") else 1) for it in pieces if it[2] == "f"), default=0)

    def run(device: Device, queue: Any, program: Any, gsize: Any, lsize: Any, args: list[Any]) -> Any:
        tables = [np.zeros(1, np.int32), np.zeros((LIMIT, ni), np.int64),
                  np.zeros((LIMIT, max(nf, 1)), ftype.dtype)]
        staged = [_to_device(device, t) for t in tables]
        event = launch(device, queue, program, gsize, lsize, [*args, *(a for _, a in staged)])
        for (buf, _), host in zip(staged, tables, strict=True):
            device.impl.read(device, buf, 0, host, device.queue)  # waits for the kernel
        sys.stdout.write(format_records(sites, *tables))
        sys.stdout.flush()
        return event

    return run


def _to_device(device: Device, host: np.ndarray) -> tuple[Any, ArrayArg]:
    backend = device.impl
    buf = backend.alloc(device, host.nbytes)
    backend.write(device, buf, 0, host, device.queue)
    view = backend.host_view(device, buf)
    if view is not None:
        view = view[: host.nbytes].view(host.dtype).reshape(host.shape)
    strides = tuple(s // host.itemsize for s in host.strides)
    return buf, ArrayArg(buf, 0, host.shape, strides, host.dtype.name, view=view)


def format_records(sites: tuple[Any, ...], count: np.ndarray, ints: np.ndarray, floats: np.ndarray) -> str:
    """The text of the records: rows sorted by global id (stable: program order per work-item)."""
    n = int(count[0])
    kept = min(n, len(ints))
    rows = ints[:kept]
    order = np.argsort(rows[:, 1], kind="stable")
    out = []
    for r in order:
        _, _, sep, end, args = sites[int(rows[r, 0])]
        out.append(sep.join("".join(_text(it, rows[r], floats[r]) for it in arg) for arg in args) + end)
    if n > kept:
        out.append(f"[cambrian] print(): {n - kept} more record(s) dropped (at most {len(ints)} per "
                   "launch)\n")
    return "".join(out)


def _text(item: tuple[Any, ...], irow: np.ndarray, frow: np.ndarray) -> str:
    if item[0] == "s":
        return str(item[1])
    _, dtype, table, col, conv, spec = item
    t = np.dtype(dtype).type
    if table == "i":
        v = np.uint64(int(irow[col]) & (2**64 - 1)) if dtype == "uint64" else \
            np.bool_(irow[col] != 0) if dtype == "bool" else t(irow[col])
    elif dtype.startswith("complex"):
        v = t(complex(frow[col], frow[col + 1]))
    else:
        v = t(frow[col])
    if conv == "r":
        return format(repr(v.item()), spec)
    if conv == "a":
        return format(ascii(v.item()), spec)
    if conv == "s" or not spec:
        return format(str(v), spec)
    return format(v.item() if dtype not in ("float32", "complex64") else v, spec)


__all__ = ["LIMIT", "format_records", "launcher"]
