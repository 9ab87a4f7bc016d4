"""Array-module implementations: NumPy, and when installed CuPy, PyTorch, JAX and Dask.

One function per workload written against an array namespace ``xp`` (the NumPy API subset these tools
share); a small adapter per tool moves data, synchronises and, for JAX, jit-compiles.
"""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .core import HOST, DeviceSpec, Impl, Inputs, Prepared, Skip, Workload
from .workloads import bs_numpy, mandel_numpy, nbody_numpy


def _pi(x: Any, y: Any, xp: Any) -> Any:
    return 4.0 * xp.sum(x * x + y * y <= 1.0) / x.shape[0]


def _array_pi(x: Any, y: Any, xp: Any) -> Any:
    """Monte Carlo pi as the array articles write it (``count_nonzero`` spelled ``sum`` of a mask)."""
    rs = x * x + y * y
    hits = xp.sum(rs <= 1.0)
    return 4.0 * hits / x.shape[0]


def _gaussian(x: Any, mu: Any, sigma: Any, xp: Any) -> Any:
    """The Gaussian density of the cb.fuse issue (16), against an array namespace ``xp``."""
    return xp.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def _pi_estimate(x: Any, y: Any, xp: Any) -> Any:
    """Monte Carlo pi of the cb.fuse issue: ``count_nonzero`` of a mask, then scalar arithmetic."""
    return 4.0 * xp.count_nonzero(x * x + y * y <= 1.0) / x.shape[0]


FUNCS: dict[str, Callable[..., Any]] = {
    "gaussian": _gaussian,
    "pi_estimate": _pi_estimate,
    "array_scale": lambda x, xp: x * 2,
    "array_gaussian": lambda x, xp: xp.exp(-0.5 * x**2),
    "array_pi": _array_pi,
    "vadd": lambda a, b, xp: a + b,
    "pi": _pi,
    "mandelbrot": lambda xs, ys, maxiter, xp: mandel_numpy(xs, ys, maxiter, xp=xp),
    "sumsq": lambda x, xp: xp.sum(x * x),
    "blackscholes": lambda s, k, t, r, v, xp: bs_numpy(s, k, t, r, v, xp=xp),
    "matmul_naive": lambda a, b, xp: a @ b,
    "matmul_tiled": lambda a, b, xp: a @ b,
    "nbody": lambda pos, vel, mass, dt, eps2, xp: nbody_numpy(pos, vel, mass, dt, eps2, xp=xp),
}
# NumPy's idiomatic forms where they differ from the generic one.
NUMPY_FUNCS: dict[str, Callable[..., Any]] = {**FUNCS, "sumsq": lambda x, xp: np.dot(x, x)}


@dataclass(frozen=True)
class Tool:
    """How one array library moves data, synchronises and lists its devices."""

    name: str
    module: str
    devices: Callable[[], list[DeviceSpec]]
    namespace: Callable[[Any], Any]
    to_device: Callable[[np.ndarray, DeviceSpec], Any]
    to_host: Callable[[Any], Any]
    sync: Callable[[Any, DeviceSpec], Any]
    jit: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None
    funcs: dict[str, Callable[..., Any]] | None = None
    offloaded: bool = True


def _map(fn: Callable[[Any], Any], result: Any) -> Any:
    return tuple(fn(r) for r in result) if isinstance(result, tuple | list) else fn(result)


def _host_value(x: Any) -> Any:
    a = np.asarray(x)
    return float(a) if a.ndim == 0 else a


# ---- per-tool adapters -------------------------------------------------------------------------------

def _cupy_devices() -> list[DeviceSpec]:
    import cupy

    count = cupy.cuda.runtime.getDeviceCount()
    if not count:
        raise Skip("no CUDA device")
    return [DeviceSpec(f"cuda:{i}", "gpu", i) for i in range(count)]


def _cupy_to_device(x: np.ndarray, dev: DeviceSpec) -> Any:
    import cupy

    with cupy.cuda.Device(dev.handle):
        return cupy.asarray(x)


def _cupy_sync(result: Any, dev: DeviceSpec) -> Any:
    import cupy

    cupy.cuda.Device(dev.handle).synchronize()
    return result


def _torch_devices() -> list[DeviceSpec]:
    import torch

    out = [DeviceSpec("host", "cpu", "cpu")]
    if torch.cuda.is_available():
        out += [DeviceSpec(f"cuda:{i}", "gpu", f"cuda:{i}") for i in range(torch.cuda.device_count())]
    return out


def _torch_to_device(x: np.ndarray, dev: DeviceSpec) -> Any:
    import torch

    return torch.from_numpy(np.ascontiguousarray(x)).to(dev.handle)


def _torch_sync(result: Any, dev: DeviceSpec) -> Any:
    import torch

    if dev.kind == "gpu":
        torch.cuda.synchronize(dev.handle)
    return result


def _torch_to_host(x: Any) -> Any:
    return _host_value(x.cpu().numpy())


def _jax_devices() -> list[DeviceSpec]:
    import jax

    jax.config.update("jax_enable_x64", True)  # float64 workloads; without it JAX silently uses float32
    return [DeviceSpec("host" if d.platform == "cpu" else f"{d.platform}:{d.id}",
                       "cpu" if d.platform == "cpu" else "gpu", d) for d in jax.devices()]


def _jax_sync(result: Any, dev: DeviceSpec) -> Any:
    return _map(lambda r: r.block_until_ready(), result)


def _jax_jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    import jax

    return jax.jit(fn)


def _dask_to_device(x: np.ndarray, dev: DeviceSpec) -> Any:
    import dask.array as da

    chunks = max(1, x.shape[-1] // (os.cpu_count() or 1))
    return da.from_array(x, chunks=(*x.shape[:-1], chunks) if x.ndim > 1 else chunks)


def _dask_sync(result: Any, dev: DeviceSpec) -> Any:
    import dask

    return dask.compute(*result) if isinstance(result, tuple) else dask.compute(result)[0]


def _dask_mandel(xs: Any, ys: Any, maxiter: int, xp: Any) -> Any:
    """Dask's idiom for an iterative kernel: NumPy's loop per block of rows (``map_blocks``); a lazy
    graph of ``maxiter`` element-wise steps would exceed Python's recursion limit at 200 iterations."""
    cols = xs.compute() if hasattr(xs, "compute") else xs
    rows = ys[:, None]
    return xp.map_blocks(lambda yb: mandel_numpy(cols, yb[:, 0], maxiter), rows, dtype=np.int32,
                         chunks=(rows.chunks[0], (cols.shape[0],)))


DASK_FUNCS: dict[str, Callable[..., Any]] = {**FUNCS, "mandelbrot": _dask_mandel}


def _host_only() -> list[DeviceSpec]:
    return [HOST]


TOOLS: dict[str, Tool] = {t.name: t for t in (
    Tool("numpy", "numpy", _host_only, lambda d: np, lambda x, d: x, _host_value, lambda r, d: r,
         funcs=NUMPY_FUNCS, offloaded=False),
    Tool("cupy", "cupy", _cupy_devices, lambda d: importlib.import_module("cupy"), _cupy_to_device,
         lambda x: _host_value(importlib.import_module("cupy").asnumpy(x)), _cupy_sync),
    Tool("torch", "torch", _torch_devices, lambda d: importlib.import_module("torch"), _torch_to_device,
         _torch_to_host, _torch_sync),
    Tool("jax", "jax", _jax_devices, lambda d: importlib.import_module("jax.numpy"),
         lambda x, d: importlib.import_module("jax").device_put(x, d.handle), _host_value, _jax_sync,
         jit=_jax_jit),
    Tool("dask", "dask.array", _host_only, lambda d: importlib.import_module("dask.array"),
         _dask_to_device, _host_value, _dask_sync, funcs=DASK_FUNCS, offloaded=False),
)}


def _builder(tool: Tool) -> Callable[[Workload, DeviceSpec], Prepared]:
    def build(workload: Workload, device: DeviceSpec) -> Prepared:
        fn = (tool.funcs or FUNCS).get(workload.kind)
        if fn is None:
            raise Skip(f"no {tool.name} version of {workload.kind}")
        xp = tool.namespace(device)
        holder: dict[str, Callable[..., Any]] = {}

        def copy_in(inputs: Inputs) -> Inputs:
            arrays = [tool.to_device(x, device) if isinstance(x, np.ndarray) else None for x in inputs]
            if "f" not in holder:
                scalars = [None if isinstance(x, np.ndarray) else x for x in inputs]

                def bound(*arrs: Any) -> Any:
                    it = iter(arrs)
                    return fn(*[next(it) if s is None else s for s in scalars], xp=xp)

                holder["f"] = tool.jit(bound) if tool.jit else bound
            return tuple(a for a in arrays if a is not None)

        def compute(arrays: Inputs) -> Any:
            return tool.sync(holder["f"](*arrays), device)

        return Prepared(compute=compute, copy_in=copy_in, copy_out=lambda r: _map(tool.to_host, r),
                        offloaded=tool.offloaded and device.kind != "cpu")

    return build


def _devices(tool: Tool) -> Callable[[], list[DeviceSpec]]:
    return lambda: tool.devices()


IMPLS = [Impl(t.name, t.name, _builder(t), requires=(t.module,), devices=_devices(t),
              threaded=t.name == "dask", description=f"{t.name} array expressions", array_library=True)
         for t in TOOLS.values()]
