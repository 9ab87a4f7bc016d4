"""Dask on Cambrian chunks (issue 15): ``da.from_array(x)`` keeps device chunks; operations, reductions,
``concatenate``, slicing, ``map_blocks`` with ``@cb.vectorize`` and kernels, and ``compute()`` give
``cambrian.Array`` on the device, equal to NumPy; threads, processes and ``dask.distributed``."""

from __future__ import annotations

import time

import numpy as np
import pytest

import cambrian as cb

da = pytest.importorskip("dask.array", reason="dask is not installed (pip install 'cambrian[dask]')")

HOST = np.arange(48, dtype=np.float64).reshape(8, 6) * 0.75 - 11.0


@cb.vectorize
def softplus_ish(a, b):
    return a * a * 0.5 + b


@cb.kernel
def cube_kernel(out, a):
    i = cb.get_global_id(0)
    out[i] = a[i] * a[i] * a[i]


def cube(block):
    """A Cambrian kernel per chunk (flat views of a contiguous block)."""
    flat = cb.reshape(block, (-1,))
    out = cb.empty_like(flat)
    if flat.size:
        cube_kernel[flat.size](out, flat)
    return cb.reshape(out, block.shape)


OPS = {
    "elementwise": lambda m, d: (d * 2.0 - 1.0) / (m.abs(d) + 1.0),
    "ufunc": lambda m, d: m.exp(d / 10.0) + m.sin(d),
    "sum": lambda m, d: d.sum(),
    "sum axis 0": lambda m, d: d.sum(axis=0),
    "mean axis 1": lambda m, d: d.mean(axis=1),
    "max": lambda m, d: d.max(),
    "argmax": lambda m, d: d.argmax(),
    "argmax axis 0": lambda m, d: d.argmax(axis=0),
    "std": lambda m, d: d.std(),
    "var axis 1": lambda m, d: d.var(axis=1),
    "concatenate": lambda m, d: m.concatenate([d, d[:3] * 2], axis=0),
    "slicing": lambda m, d: d[1:7:2, ::-2],
    "fancy index": lambda m, d: d[[0, 5, 2]],
    "matmul": lambda m, d: d.T @ d,
    "transpose reshape": lambda m, d: d.T.reshape((48,)),
}


def _check(got, want, device: cb.Device) -> None:
    assert isinstance(got, cb.Array), f"{type(got).__name__}, not a cambrian.Array"
    assert got.device == device
    np.testing.assert_allclose(cb.asnumpy(got), want, rtol=1e-12, atol=1e-12)


def _dask(device: cb.Device, dtype=np.float64):
    x = cb.asarray(HOST.astype(dtype), device=device)
    return da.from_array(x, chunks=(3, 4))


def test_from_array_keeps_device_chunks(device: cb.Device) -> None:
    d = _dask(device)
    assert isinstance(d._meta, cb.Array) and "cambrian.Array" in repr(d)
    blocks = [d.blocks[i, j].compute() for i in range(3) for j in range(2)]
    assert all(isinstance(b, cb.Array) and b.device == device for b in blocks)
    _check(d.compute(), HOST, device)


@pytest.mark.parametrize("op", sorted(OPS))
def test_operations_stay_on_the_device(device: cb.Device, op: str) -> None:
    got = OPS[op](da, _dask(device)).compute(scheduler="threads")
    _check(got, OPS[op](np, HOST), device)


def test_map_blocks_with_vectorize_and_kernels(device: cb.Device) -> None:
    d = _dask(device)
    _check(d.map_blocks(softplus_ish, 3.0, dtype=np.float64).compute(), HOST * HOST * 0.5 + 3.0, device)
    _check(d.map_blocks(cube, dtype=np.float64).sum(axis=0).compute(), (HOST**3).sum(axis=0), device)


def test_float32_chunks(device: cb.Device) -> None:
    d = _dask(device, np.float32)
    got = (d * 2).sum(axis=1).compute()
    assert got.dtype == np.float32 and got.device == device
    np.testing.assert_allclose(cb.asnumpy(got), (HOST.astype(np.float32) * 2).sum(axis=1), rtol=1e-6)


def test_mixed_devices_raise(device: cb.Device) -> None:
    other = "interp" if device.backend != "interp" else "cpu"
    a = da.from_array(cb.asarray(HOST, device=device), chunks=4)
    b = da.from_array(cb.asarray(HOST, device=other), chunks=4)
    with pytest.raises(cb.PlacementError, match="to_device"):
        (a + b).compute(scheduler="sync")
    with pytest.raises(cb.PlacementError):
        da.concatenate([a, b]).compute(scheduler="sync")


def test_processes_scheduler(device: cb.Device) -> None:
    """Chunks and the kernel travel to worker processes (pickled) and the results come back."""
    d = _dask(device)
    expr = (d.map_blocks(cube, dtype=np.float64) + d).sum(axis=1)
    _check(expr.compute(scheduler="processes", num_workers=2), (HOST**3 + HOST).sum(axis=1), device)


# -- dask.distributed ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed "
                                                            "(pip install 'cambrian[test]')")
    from cambrian.dask import CambrianPlugin

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    c = distributed.Client(cluster, timeout=120)
    c.register_plugin(CambrianPlugin())
    yield c
    c.close()
    cluster.close()


def test_distributed(client, device: cb.Device) -> None:
    """Two worker processes: an elementwise expression, a reduction and a kernel via map_blocks."""
    d = _dask(device)
    cases = [((d * d + 1.0) / 2.0, (HOST * HOST + 1.0) / 2.0), (d.std(axis=0), HOST.std(axis=0)),
             (d.map_blocks(cube, dtype=np.float64).max(), (HOST**3).max())]
    for expr, want in cases:
        _check(client.compute(expr).result(timeout=120), want, device)


def test_distributed_plugin_warms_up_and_assigns_devices(client) -> None:
    from cambrian.dask import CambrianPlugin

    present = [str(d) for d in cb.devices()]
    client.register_plugin(CambrianPlugin(present))  # round-robin over the present devices
    chosen = client.run(lambda dask_worker: (dask_worker.name, dask_worker.cambrian_device,
                                             dask_worker.cambrian_warm_up_s))
    for name, dev, warm in chosen.values():
        assert dev == present[name % len(present)] and warm > 0
    t = time.perf_counter()  # the first task after the warm-up
    got = client.submit(lambda: float(cb.sum(cb.asarray(np.arange(4.0), device="cpu")))).result(timeout=60)
    assert got == 6.0 and time.perf_counter() - t < 60


def test_plugin_device_for() -> None:
    from cambrian.dask import CambrianPlugin

    plugin = CambrianPlugin(["cuda:0", "cuda:1"], warm=False)
    assert [plugin.device_for(k) for k in range(4)] == ["cuda:0", "cuda:1", "cuda:0", "cuda:1"]
    assert plugin.device_for("tcp://w") == plugin.device_for("tcp://w")
    assert CambrianPlugin().device_for(3) is None and CambrianPlugin("cpu").devices == ["cpu"]


def test_distributed_serialization_family(device: cb.Device) -> None:
    """``dask_serialize``: the data as one bytes frame (no pickle) and the device's filter string."""
    protocol = pytest.importorskip("distributed.protocol", reason="dask.distributed is not installed")
    from cambrian.dask import register

    register()
    x = cb.asarray(HOST, device=device)[::2, 1:]
    header, frames = protocol.serialize(x, serializers=("dask",))
    assert header["serializer"] == "dask" and header["sub-header"]["device"] == str(device)
    assert len(frames) == 1 and memoryview(frames[0]).nbytes == HOST[::2, 1:].nbytes
    _check(protocol.deserialize(header, frames), HOST[::2, 1:], device)
