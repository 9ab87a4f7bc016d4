"""Cambrian on every present device: hand-written ``@cb.kernel`` kernels, and ``vectorize``/``reduction``.

The interp device (the pure-Python reference interpreter) runs at the tiny size and is scaled, like pure
Python. While the public kernel API is missing the rows are skipped with the import error as the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .core import DeviceSpec, Impl, Inputs, Partials, Prepared, Skip, Workload, finish_partials, match_scalars

Launch = Callable[[Any, Any, Inputs, DeviceSpec], tuple[Any, ...]]


def _api() -> Any:
    """The ``cambrian`` package and the benchmark's kernels, or Skip naming what is missing."""
    try:
        import cambrian as cb

        for name in ("kernel", "func", "asarray", "asnumpy", "empty", "devices", "vectorize", "reduction"):
            if not callable(getattr(cb, name, None)):
                raise ImportError(f"cambrian.{name} is missing")
        from . import cambrian_kernels
    except Exception as exc:  # any failure of an in-progress API is a skipped row, never a crash
        raise Skip(f"cambrian kernel API unavailable: {type(exc).__name__}: {exc}") from None
    return cb, cambrian_kernels


def _devices() -> list[DeviceSpec]:
    cb, _ = _api()
    try:
        found = cb.devices()
    except Exception as exc:
        raise Skip(f"no cambrian device: {type(exc).__name__}: {exc}") from None
    return [DeviceSpec(str(d), d.kind, d, "tiny" if d.backend == "interp" else None)
            for d in found if getattr(d, "usable", True)]


def _sync(x: Any) -> Any:
    sync = getattr(x, "synchronize", None)
    if sync is not None:
        sync()
    return x


def _reduce(kernel_name: str) -> Launch:
    def launch(cb: Any, ks: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
        n = d[0].shape[0]
        lay = Partials.layout(n, dev.kind, dev.handle.compute_units)
        out = cb.empty((lay.groups,), dtype="int64" if kernel_name == "pi_partials" else "float64",
                       device=dev.handle)
        y = d[1] if kernel_name == "pi_partials" else d[0]
        getattr(ks, kernel_name)[lay.groups](d[0], y, out, n, lay.chunk, lay.outer, lay.inner).wait()
        return out, n

    return launch


def _vadd(cb: Any, ks: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
    c = cb.empty(d[0].shape, dtype=d[0].dtype, device=dev.handle)
    ks.vadd[d[0].shape[0]](d[0], d[1], c).wait()
    return (c,)


def _mandel(cb: Any, ks: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
    xs, ys, maxiter = d
    out = cb.empty((ys.shape[0], xs.shape[0]), dtype="int32", device=dev.handle)
    ks.mandelbrot[(xs.shape[0], ys.shape[0]), None](xs, ys, maxiter, out).wait()  # None: no local size
    return (out,)


def _bs(cb: Any, ks: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
    call, put = (cb.empty(d[0].shape, dtype=d[0].dtype, device=dev.handle) for _ in range(2))
    ks.blackscholes[d[0].shape[0]](*d, call, put).wait()
    return call, put


def _matmul(tiled: bool) -> Launch:
    def launch(cb: Any, ks: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
        n = d[0].shape[0]
        c = cb.empty((n, n), dtype="float32", device=dev.handle)
        kern = ks.matmul_tiled[(n, n), (16, 16)] if tiled else ks.matmul_naive[(n, n), None]
        kern(d[0], d[1], c).wait()
        return (c,)

    return launch


def _nbody(cb: Any, ks: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
    opos, ovel = (cb.empty(d[0].shape, dtype="float32", device=dev.handle) for _ in range(2))
    ks.nbody[d[0].shape[1]](*d, opos, ovel).wait()
    return opos, ovel


KERNELS: dict[str, Launch] = {
    "vadd": _vadd, "pi": _reduce("pi_partials"), "sumsq": _reduce("sumsq_partials"), "mandelbrot": _mandel,
    "blackscholes": _bs, "matmul_naive": _matmul(False), "matmul_tiled": _matmul(True), "nbody": _nbody,
}


def _vec_mandel(cb: Any, ks: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
    xs, ys, maxiter = d  # copied in as (1, w) and (h, 1): vectorize broadcasts them to (h, w)
    return (_sync(ks.v_mandel(xs, ys, maxiter)),)


VECTORIZED: dict[str, Launch] = {
    "vadd": lambda cb, ks, d, dev: (_sync(ks.v_add(d[0], d[1])),),
    "pi": lambda cb, ks, d, dev: (_sync(ks.r_inside(d[0], d[1])), d[0].shape[0]),
    "sumsq": lambda cb, ks, d, dev: (_sync(ks.r_sumsq(d[0])), d[0].shape[0]),
    "mandelbrot": _vec_mandel,
    "blackscholes": lambda cb, ks, d, dev: (_sync(ks.v_bs_call(*d)), _sync(ks.v_bs_put(*d))),
}


def _shape_inputs(kind: str, inputs: Inputs, vectorized: bool) -> Inputs:
    if vectorized and kind == "mandelbrot":
        return inputs[0][None, :], inputs[1][:, None], inputs[2]
    return inputs


Builder = Callable[[Workload, DeviceSpec], Prepared]


def _builder(table: dict[str, Launch], what: str, vectorized: bool) -> Builder:
    def build(workload: Workload, device: DeviceSpec) -> Prepared:
        launch = table.get(workload.kind)
        if launch is None:
            raise Skip(f"{workload.kind} is not expressible with {what}")
        cb, ks = _api()
        dev = device.handle

        def copy_in(inputs: Inputs) -> Inputs:
            inputs = _shape_inputs(workload.kind, match_scalars(inputs), vectorized)
            return tuple(_sync(cb.asarray(x, device=dev)) if isinstance(x, np.ndarray) else x for x in inputs)

        def copy_out(outs: tuple[Any, ...]) -> Any:
            host = tuple(cb.asnumpy(o) if hasattr(o, "__cambrian_array__") else o for o in outs)
            if workload.kind in ("pi", "sumsq"):
                if vectorized:
                    total = float(host[0]) if workload.kind == "sumsq" else 4.0 * int(host[0]) / host[1]
                    return total
                return finish_partials(workload.kind, *host)
            return host[0] if len(host) == 1 else host

        set_threads = None
        if dev.backend == "cpu":
            import numba

            set_threads = numba.set_num_threads
        return Prepared(compute=lambda d: launch(cb, ks, d, device), copy_in=copy_in, copy_out=copy_out,
                        offloaded=True, set_threads=set_threads)

    return build


IMPLS = [
    Impl("cambrian-kernel", "cambrian", _builder(KERNELS, "hand-written kernels", False),
         requires=("cambrian",), devices=_devices, threaded=True,
         description="@cambrian.kernel kernels, launched on each device"),
    Impl("cambrian-vectorize", "cambrian", _builder(VECTORIZED, "vectorize/reduction", True),
         requires=("cambrian",), devices=_devices, threaded=True,
         description="@cambrian.vectorize and cambrian.reduction"),
]
