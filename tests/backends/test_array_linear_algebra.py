"""matmul (and @), tensordot, vecdot, matrix_transpose on every device against NumPy; on ``cpu`` and
``opencl:cpu:0`` both BLAS on their memory and the kernels (naive, packed, local)."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import _host, _statistical
from cambrian.array._linear_algebra import matmul_kernel
from cambrian.errors import PlacementError

RNG = np.random.default_rng(0)
A, B, V = RNG.random((2, 3, 4)), RNG.random((4, 5)), RNG.random(4)
Z = RNG.random((3, 4)) + 1j * RNG.random((3, 4))
I8 = np.arange(6, dtype=np.int8).reshape(2, 3)

CASES = {
    "batched @ 2-D": (lambda a, b, v, z, i: a @ b, A @ B),
    "1-D @ 2-D": (lambda a, b, v, z, i: cb.matmul(v, b), V @ B),
    "3-D @ 1-D": (lambda a, b, v, z, i: cb.matmul(a, v), A @ V),
    "1-D @ 1-D": (lambda a, b, v, z, i: cb.matmul(v, v), V @ V),
    "complex": (lambda a, b, v, z, i: z @ z.mT, Z @ Z.T),
    "int8 wraps": (lambda a, b, v, z, i: i @ i.T, I8 @ I8.T),
    "tensordot 1": (lambda a, b, v, z, i: cb.tensordot(a, b, axes=1), np.tensordot(A, B, 1)),
    "tensordot pairs": (lambda a, b, v, z, i: cb.tensordot(a, a, axes=([1, 2], [1, 2])),
                        np.tensordot(A, A, ([1, 2], [1, 2]))),
    "vecdot complex": (lambda a, b, v, z, i: cb.vecdot(z, z), np.sum(np.conj(Z) * Z, -1)),
    "vecdot axis": (lambda a, b, v, z, i: cb.vecdot(a, a, axis=-2), np.sum(A * A, -2)),
    "matrix_transpose": (lambda a, b, v, z, i: cb.matrix_transpose(a), np.swapaxes(A, -1, -2)),
}


@pytest.mark.parametrize("case", CASES)
def test_against_numpy(device, case, monkeypatch):
    fn, want = CASES[case]
    for in_place, limit in ([(True, _statistical.REDUCE_HOST_MAX), (False, 0)] if device.backend == "cpu"
                            else [(True, None), (False, None)]):
        monkeypatch.setattr(_host, "IN_PLACE", in_place)
        if limit is not None:
            monkeypatch.setattr(_statistical, "REDUCE_HOST_MAX", limit)
        got = fn(*(cb.asarray(t, device=device) for t in (A, B, V, Z, I8)))
        assert got.device == device and got.dtype == want.dtype
        np.testing.assert_allclose(cb.asnumpy(got), want, rtol=1e-12)


def test_imatmul_and_errors(device):
    x = cb.asarray(np.eye(3), device=device)
    y = cb.asarray(np.arange(9.0).reshape(3, 3), device=device)
    x @= y
    np.testing.assert_array_equal(cb.asnumpy(x), np.arange(9.0).reshape(3, 3))
    with pytest.raises(ValueError, match="align"):
        cb.asarray(A, device=device) @ cb.asarray(A, device=device)
    with pytest.raises(ValueError):
        cb.matmul(cb.asarray(1.0, device=device), y)
    with pytest.raises(TypeError):
        cb.asarray(I8 > 0, device=device) @ cb.asarray(I8.T > 0, device=device)
    other = "interp" if device.backend != "interp" else "cpu"
    with pytest.raises(PlacementError):
        y @ cb.asarray(np.eye(3), device=other)


@pytest.mark.parametrize("variant", ["naive", "packed", "local"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "complex64"])
def test_matmul_kernels(device, variant, dtype):
    """Every matmul kernel on ragged shapes (edges of the tiles) and a broadcast batch."""
    if variant == "local" and not device.supports_local_memory:
        pytest.skip(f"device {device} has no local memory")
    if device.backend == "interp" and variant != "naive":
        pytest.skip("the interpreter runs the tiled kernels too slowly for a unit test")
    a = (RNG.random((2, 37, 29)) * 4).astype(dtype)
    b = (RNG.random((29, 70)) * 4).astype(dtype)
    got = matmul_kernel(cb.asarray(a, device=device), cb.asarray(b, device=device), variant=variant)
    assert got.device == device and got.dtype == np.dtype(dtype) and got.shape == (2, 37, 70)
    np.testing.assert_allclose(cb.asnumpy(got), a @ b, rtol=1e-5)


@pytest.mark.parametrize("m,k,n", [(5, 1, 20), (9, 3, 33), (64, 40, 96)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_packed_kernel_tile_edges(device, m, k, n, dtype):
    """The packed kernel (fma, 4 x 32 / 4 x 16 blocks) where K is 1, the result is narrower than one
    block, or M and N are whole blocks."""
    if device.backend == "interp":
        pytest.skip("the interpreter runs the tiled kernels too slowly for a unit test")
    a, b = RNG.random((m, k)).astype(dtype), RNG.random((k, n)).astype(dtype)
    got = matmul_kernel(cb.asarray(a, device=device), cb.asarray(b, device=device), variant="packed")
    np.testing.assert_allclose(cb.asnumpy(got), a @ b, rtol=1e-5 if dtype == "float32" else 1e-12)


def test_matmul_big_operands_use_numpy_in_place(device):
    """Operands in host memory NumPy may use (OpenCL CPU device buffers too): BLAS writes the
    result's memory; the answer is the same as the kernel's."""
    a, b = RNG.random((96, 128)), RNG.random((128, 80))
    x, y = cb.asarray(a, device=device), cb.asarray(b, device=device)
    assert _host.host_memory(x) == (device.kind == "cpu")
    np.testing.assert_allclose(cb.asnumpy(x @ y), a @ b, rtol=1e-12)
    np.testing.assert_allclose(cb.asnumpy(matmul_kernel(x, y)), a @ b, rtol=1e-12)


def test_bench_kernel_row(device):
    """``cambrian bench``'s cambrian-array-kernel row: matmul through the kernels, correct; other
    workloads are skipped rows."""
    from cambrian.bench import workloads
    from cambrian.bench.core import DeviceSpec, Skip
    from cambrian.bench.impls_cambrian_arrays import KERNEL_IMPLS
    from cambrian.bench.runner import measure

    (impl,) = KERNEL_IMPLS
    spec = DeviceSpec(str(device), device.kind, device, "tiny" if device.backend == "interp" else None)
    w = workloads.BY_NAME["matmul_tiled"]
    prep = impl.build(w, spec)
    inputs = w.make_inputs(32 if device.backend == "interp" else 96, np.random.default_rng(2))
    res = measure(prep, inputs, w.reference(inputs), w.check, repeat=1, budget=0.5, min_runs=1)
    assert res["correct"], res["detail"]
    with pytest.raises(Skip, match="matmul only"):
        impl.build(workloads.BY_NAME["vadd_f64"], spec)
