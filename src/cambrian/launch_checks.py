"""Checks of a kernel launch against the language and the device: launch sizes (work-item ids are
int64; a device may index fewer work-items or work-groups) and the capabilities a module needs."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from . import dtypes
from .backends.base import Device
from .compiler import ir
from .errors import LaunchError, UnsupportedFeatureError

if TYPE_CHECKING:
    from .kernels import _Launcher

#: The most work-items of a launch on any device (ids are int64); devices may allow fewer
#: (``Device.max_global_size``).
MAX_WORK_ITEMS = 2**63 - 1


def size_tuple(value: Any, what: str, kernel: Any) -> tuple[int, ...]:
    """A launch size as a tuple of 1 to 3 ints >= 0 whose product a kernel can index (LaunchError)."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(items) <= 3:
        raise LaunchError(f"{kernel.name}: {what} must have 1 to 3 dimensions, got {value!r}")
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise LaunchError(f"{kernel.name}: {what} must be non-negative integers, got {value!r}")
        out.append(int(v))
    if math.prod(out) > MAX_WORK_ITEMS:
        raise LaunchError(f"{kernel.name}: {what} {tuple(out)} has {math.prod(out)} work-items, more than "
                          f"the 2**63 - 1 a kernel can index (work-item ids are int64)")
    return tuple(out)


def check_sizes(launcher: _Launcher, device: Device) -> None:
    """LaunchError unless ``device`` can index the launch (global) and run its work-groups (local)."""
    limit = device.max_global_size
    if launcher.nitems > limit or any(g > limit for g in launcher.gsize):
        raise LaunchError(f"kernel {launcher.kernel.name}: global size {launcher.gsize} exceeds what device "
                          f"{device} can index ({limit} work-items)")
    lsize = launcher.lsize
    groups = launcher.nitems // math.prod(lsize or (1,))
    if groups > device.max_work_groups:
        how = (f"makes {groups} work-groups" if lsize else "without a local size may make one work-group "
               "per work-item")
        raise LaunchError(f"kernel {launcher.kernel.name}: global size {launcher.gsize} {how}, more than the "
                          f"{device.max_work_groups} device {device} can count; give a local size that "
                          f"makes fewer (kern[global_size, local_size])")
    if lsize is not None and (math.prod(lsize) > device.max_work_group_size or any(
            l > m for l, m in zip(lsize, device.max_work_item_sizes, strict=False))):
        raise LaunchError(f"kernel {launcher.kernel.name}: local size {lsize} exceeds the limits of "
                          f"{device} (max work-group size {device.max_work_group_size}, max work-item "
                          f"sizes {device.max_work_item_sizes})")


def check_device_caps(module: ir.Module, device: Device) -> None:
    """UnsupportedFeatureError when ``module`` needs float64, atomics or local memory ``device`` lacks."""
    if not device.supports_float64:
        for fn in (*module.funcs, module.kernel):
            for p in fn.params:
                if dtypes.needs_float64(p.type.dtype):
                    raise UnsupportedFeatureError(
                        f"kernel {module.kernel.py_name}: parameter {p.name!r} is {p.type.dtype}, "
                        f"but device {device} ({device.name}) has no float64 support", fn.loc)
            for stmt in fn.body:
                for node in ir.walk(stmt):
                    t = getattr(node, "type", None)
                    if t is not None and dtypes.needs_float64(t.dtype):
                        raise UnsupportedFeatureError(
                            f"kernel {module.kernel.py_name} uses {t.dtype}, but device {device} "
                            f"({device.name}) has no float64 support", node.loc or fn.loc)
    if module.uses_atomics and not device.supports_atomics:
        raise UnsupportedFeatureError(f"kernel {module.kernel.py_name} uses atomics, which device "
                                      f"{device} does not support", module.kernel.loc)
    if module.uses_barrier and not device.supports_local_memory:
        raise UnsupportedFeatureError(f"kernel {module.kernel.py_name} uses local memory/barriers, "
                                      f"which device {device} does not support", module.kernel.loc)
