"""Dask on Cambrian chunks (``dask+cambrian``): the PyCon JP slides' Dask Monte Carlo pi, one Cambrian
kernel per chunk, next to the ``dask`` row (the same chunks as plain NumPy arrays).

The points are copied to the device (``cambrian.asarray``, timed as the copy-in) and wrapped with
``dask.array.from_array``, which keeps them as ``cambrian.Array`` chunks (see :mod:`cambrian.dask`);
``map_blocks`` runs the benchmark's ``pi_partials`` kernel on each chunk and sums its partial counts on the
device, Dask adds the per-chunk counts, and ``compute(scheduler="threads")`` runs the chunks on Dask's
thread pool. The chunking is the ``dask`` row's (``n // cpu_count`` elements), so the two rows differ only
in what computes a chunk. ``examples/dask_monte_carlo_pi.py`` is the standalone form (Philox points drawn
on the device, ``--scheduler threads|processes|distributed``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import DeviceSpec, Impl, Inputs, Partials, Prepared, Skip, Workload
from .impls_arrays import _dask_to_device
from .impls_cambrian import _api, _devices

KINDS = ("pi",)


def chunk_hits(x: Any, y: Any) -> Any:
    """Points of one chunk inside the unit circle, as a 1-element ``int64`` array on the chunk's device
    (taken from the chunk, not passed: Dask would tokenize a device argument by pickling it each call)."""
    import cambrian as cb

    from . import cambrian_kernels as ks

    n, device = x.shape[0], x.device
    if n == 0:  # Dask's meta probe
        return cb.zeros((0,), dtype=cb.int64, device=device)
    lay = Partials.layout(n, device.kind, device.compute_units)
    out = cb.empty((lay.groups,), dtype=cb.int64, device=device)
    ks.pi_partials[lay.groups](x, y, out, n, lay.chunk, lay.outer, lay.inner).wait()
    return cb.reshape(cb.sum(out), (1,))


def build(workload: Workload, device: DeviceSpec) -> Prepared:
    """The Dask pi of ``workload`` with a Cambrian kernel per chunk on ``device`` (threads scheduler)."""
    if workload.kind not in KINDS:
        raise Skip("dask+cambrian times the Monte Carlo pi only")
    cb, _ = _api()
    import dask.array as da

    import cambrian.dask  # noqa: F401  (registers cambrian.Array as a Dask chunk type)

    dev = device.handle

    def copy_in(inputs: Inputs) -> Inputs:
        x, y = (_dask_to_device(cb.asarray(a, device=dev), device) for a in inputs)
        if not isinstance(x._meta, cb.Array):
            raise Skip(f"dask.array.from_array turned Cambrian chunks into {type(x._meta).__name__}")
        return x, y

    def compute(state: Inputs) -> Any:
        x, y = state
        counts = da.map_blocks(chunk_hits, x, y, dtype=np.int64, chunks=((1,) * x.numblocks[0],),
                               meta=cb.empty((0,), dtype=cb.int64, device=dev))
        total = counts.sum().compute(scheduler="threads")
        return total, x.shape[0]

    def copy_out(result: tuple[Any, int]) -> float:
        total, n = result
        return 4.0 * int(cb.asnumpy(total) if isinstance(total, cb.Array) else total) / n

    return Prepared(compute=compute, copy_in=copy_in, copy_out=copy_out, offloaded=True,
                    note="threads scheduler, a pi_partials kernel per chunk")


IMPLS = [Impl("dask+cambrian", "dask", build, requires=("dask.array", "cambrian"), devices=_devices,
              threaded=True, description="Dask arrays of cambrian.Array chunks, a Cambrian kernel per chunk")]
