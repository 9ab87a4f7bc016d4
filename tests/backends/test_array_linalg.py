"""``cambrian.linalg`` on every device against NumPy: batches, float32 (stays float32), complex, the
standard's named tuples and errors. On host-memory devices both paths run: NumPy in place, and the
device path (Cambrian kernels and host round trips) that OpenCL GPUs take."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import _host
from cambrian.errors import PlacementError

L = cb.linalg
RNG = np.random.default_rng(7)


def _data(dtype: str) -> dict[str, np.ndarray]:
    """Inputs of ``dtype``: batches of general, Hermitian positive-definite and tall matrices."""
    def draw(*shape: int) -> np.ndarray:
        x = RNG.random(shape) - 0.5
        if dtype.startswith("complex"):
            x = x + 1j * (RNG.random(shape) - 0.5)
        return x.astype(dtype)

    a = draw(2, 4, 4) + 2 * np.eye(4, dtype=dtype)
    h = a @ np.conj(np.swapaxes(a, -1, -2)) + 4 * np.eye(4, dtype=dtype)
    return {"a": a, "h": h.astype(dtype), "t": draw(3, 5, 3), "b": draw(2, 4, 2), "v": draw(4),
            "w": draw(3, 3)}


def _tol(dtype: np.dtype) -> float:
    return 2e-4 if dtype in (np.float32, np.complex64) else 1e-10


#: name -> (cambrian call, NumPy call), both over the dictionary of inputs.
CASES = {
    "cholesky": (lambda d: L.cholesky(d["h"]), lambda d: np.linalg.cholesky(d["h"])),
    "cholesky upper": (lambda d: L.cholesky(d["h"], upper=True),
                       lambda d: np.conj(np.swapaxes(np.linalg.cholesky(d["h"]), -1, -2))),
    "det": (lambda d: L.det(d["a"]), lambda d: np.linalg.det(d["a"])),
    "slogdet": (lambda d: L.slogdet(d["a"]), lambda d: tuple(np.linalg.slogdet(d["a"]))),
    "inv": (lambda d: L.inv(d["a"]), lambda d: np.linalg.inv(d["a"])),
    "solve matrix": (lambda d: L.solve(d["a"], d["b"]), lambda d: np.linalg.solve(d["a"], d["b"])),
    "solve vector": (lambda d: L.solve(d["a"], d["v"]), lambda d: np.linalg.solve(d["a"], d["v"])),
    "eigvalsh": (lambda d: L.eigvalsh(d["h"]), lambda d: np.linalg.eigvalsh(d["h"])),
    "svdvals": (lambda d: L.svdvals(d["t"]), lambda d: np.linalg.svd(d["t"], compute_uv=False)),
    "pinv": (lambda d: L.pinv(d["t"]), lambda d: np.linalg.pinv(d["t"])),
    "matrix_rank": (lambda d: L.matrix_rank(d["t"]), lambda d: np.linalg.matrix_rank(d["t"])),
    "matrix_power 3": (lambda d: L.matrix_power(d["a"], 3), lambda d: np.linalg.matrix_power(d["a"], 3)),
    "matrix_power 0": (lambda d: L.matrix_power(d["a"], 0), lambda d: np.linalg.matrix_power(d["a"], 0)),
    "matrix_power -2": (lambda d: L.matrix_power(d["a"], -2), lambda d: np.linalg.matrix_power(d["a"], -2)),
    "diagonal": (lambda d: L.diagonal(d["t"], offset=1), lambda d: np.diagonal(d["t"], 1, -2, -1)),
    "diagonal -2": (lambda d: L.diagonal(d["t"], offset=-2), lambda d: np.diagonal(d["t"], -2, -2, -1)),
    "trace": (lambda d: L.trace(d["a"], offset=-1), lambda d: np.trace(d["a"], -1, -2, -1)),
    "outer": (lambda d: L.outer(d["v"], d["v"][:3]), lambda d: np.outer(d["v"], d["v"][:3])),
    "cross": (lambda d: L.cross(d["t"], d["w"][0]), lambda d: np.cross(d["t"], d["w"][0])),
    "cross axis": (lambda d: L.cross(d["w"], d["w"].mT, axis=-2),
                   lambda d: np.cross(d["w"], d["w"].T, axis=-2)),
    "vector_norm": (lambda d: L.vector_norm(d["t"], axis=(0, 2)),
                    lambda d: np.linalg.vector_norm(d["t"], axis=(0, 2))),
    "vector_norm 1": (lambda d: L.vector_norm(d["t"], ord=1, keepdims=True),
                      lambda d: np.linalg.vector_norm(d["t"], ord=1, keepdims=True)),
    "vector_norm inf": (lambda d: L.vector_norm(d["t"], axis=1, ord=np.inf),
                        lambda d: np.linalg.vector_norm(d["t"], axis=1, ord=np.inf)),
    "vector_norm 0": (lambda d: L.vector_norm(d["b"], ord=0), lambda d: np.linalg.vector_norm(d["b"], ord=0)),
    "vector_norm 3": (lambda d: L.vector_norm(d["v"], ord=3), lambda d: np.linalg.vector_norm(d["v"], ord=3)),
    **{f"matrix_norm {o}": ((lambda d, o=o: L.matrix_norm(d["t"], ord=o)),
                            (lambda d, o=o: np.linalg.matrix_norm(d["t"], ord=o)))
       for o in ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)},
    "matrix_norm keepdims": (lambda d: L.matrix_norm(d["t"], keepdims=True),
                             lambda d: np.linalg.matrix_norm(d["t"], keepdims=True)),
    "matmul": (lambda d: L.matmul(d["a"], d["b"]), lambda d: d["a"] @ d["b"]),
    "tensordot": (lambda d: L.tensordot(d["a"], d["b"], axes=([0, 1], [0, 1])),
                  lambda d: np.tensordot(d["a"], d["b"], axes=([0, 1], [0, 1]))),
    "vecdot": (lambda d: L.vecdot(d["a"], d["a"]), lambda d: np.sum(np.conj(d["a"]) * d["a"], axis=-1)),
    "matrix_transpose": (lambda d: L.matrix_transpose(d["t"]), lambda d: np.swapaxes(d["t"], -1, -2)),
}


@pytest.fixture(params=["numpy in place", "device path"])
def path(request, monkeypatch):
    """NumPy on host memory where the memory allows it, or the device path everywhere."""
    monkeypatch.setattr(_host, "IN_PLACE", request.param == "numpy in place")
    return request.param


def _check(got, want, device, dtype) -> None:
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _check(g, w, device, dtype)
        return
    assert got.device == device
    host = cb.asnumpy(got)
    assert host.dtype == want.dtype, f"{host.dtype} != {want.dtype}"
    assert host.shape == want.shape
    np.testing.assert_allclose(host, want, rtol=_tol(np.dtype(dtype)), atol=_tol(np.dtype(dtype)))


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "complex64"])
@pytest.mark.parametrize("case", CASES)
def test_against_numpy(device, path, case, dtype):
    data = _data(dtype)
    fn, ref = CASES[case]
    got = fn({k: cb.asarray(v, device=device) for k, v in data.items()})
    _check(got, ref(data), device, dtype)


@pytest.mark.parametrize("dtype", ["float64", "complex64"])
def test_factorizations_reconstruct(device, path, dtype):
    """eigh, qr and svd (not unique up to signs/phases): named tuples whose factors rebuild the input."""
    data = _data(dtype)
    tol = _tol(np.dtype(dtype)) * 10
    h, t = cb.asarray(data["h"], device=device), cb.asarray(data["t"], device=device)
    w, v = r = L.eigh(h)
    assert type(r).__name__ == "EighResult" and r.eigenvalues is w and r.eigenvectors is v
    w, v = cb.asnumpy(w), cb.asnumpy(v)
    assert w.dtype == np.finfo(np.dtype(dtype)).dtype  # real eigenvalues of the input's precision
    np.testing.assert_allclose(data["h"] @ v, v * w[..., None, :], atol=tol * 10)
    for mode, qshape in (("reduced", (3, 5, 3)), ("complete", (3, 5, 5))):
        q, rr = L.qr(t, mode=mode)
        assert q.shape == qshape and q.dtype == np.dtype(dtype)
        q, rr = cb.asnumpy(q), cb.asnumpy(rr)
        np.testing.assert_allclose(q @ rr, data["t"], atol=tol)
        np.testing.assert_allclose(np.tril(rr, -1), 0, atol=tol)
    for full in (True, False):
        u, s, vh = res = L.svd(t, full_matrices=full)
        assert type(res).__name__ == "SVDResult" and res.S is s
        assert u.shape == ((3, 5, 5) if full else (3, 5, 3)) and s.dtype == np.finfo(np.dtype(dtype)).dtype
        u, s, vh = cb.asnumpy(u), cb.asnumpy(s), cb.asnumpy(vh)
        np.testing.assert_allclose((u[..., :3] * s[..., None, :]) @ vh, data["t"], atol=tol)
        np.testing.assert_allclose(s, np.linalg.svd(data["t"], compute_uv=False), rtol=tol)


def test_singular_and_indefinite_matrices_raise(device, path):
    """NumPy's LinAlgError rules: cambrian.linalg.LinAlgError, also caught as np.linalg.LinAlgError."""
    sing = cb.asarray(np.array([[1.0, 2.0], [2.0, 4.0]]), device=device)
    with pytest.raises(L.LinAlgError, match=r"linalg\.inv"):
        L.inv(sing)
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg\.solve"):
        L.solve(sing, cb.asarray(np.ones(2), device=device))
    with pytest.raises(cb.CambrianError, match=r"linalg\.cholesky"):
        L.cholesky(cb.asarray(np.array([[1.0, 0.0], [0.0, -1.0]]), device=device))
    assert float(L.det(sing)) == 0.0  # a determinant is defined for singular matrices
    assert int(L.matrix_rank(sing)) == 1


def test_bad_input(device):
    m = cb.asarray(np.eye(3), device=device)
    with pytest.raises(TypeError, match="floating-point"):
        L.inv(cb.asarray(np.eye(3, dtype=np.int64), device=device))
    with pytest.raises(ValueError, match="square"):
        L.det(cb.asarray(np.ones((2, 3)), device=device))
    with pytest.raises(ValueError, match="2 dimensions"):
        L.svd(cb.asarray(np.ones(3), device=device))
    with pytest.raises(TypeError, match=r"cambrian\.Array"):
        L.inv(np.eye(3))
    with pytest.raises(ValueError, match="size 3"):
        L.cross(cb.asarray(np.ones((2, 4)), device=device), cb.asarray(np.ones((2, 4)), device=device))
    with pytest.raises(ValueError, match="1-D"):
        L.outer(m, m)
    with pytest.raises(ValueError, match="ord"):
        L.matrix_norm(m, ord=3)
    with pytest.raises(ValueError, match="mode"):
        L.qr(m, mode="r")
    with pytest.raises(ValueError, match="align"):
        L.solve(m, cb.asarray(np.ones(4), device=device))
    other = "interp" if device.backend != "interp" else "cpu"
    with pytest.raises(PlacementError):
        L.solve(m, cb.asarray(np.ones(3), device=other))


def test_big_operands(device, path):
    """Big operands (Cambrian-owned host memory on OpenCL CPU devices too): NumPy works on the device
    memory in place there; same answers as NumPy either way."""
    a = RNG.random((96, 96)) + 96 * np.eye(96)
    b = RNG.random((96, 90))
    x, y = cb.asarray(a, device=device), cb.asarray(b, device=device)
    if path == "numpy in place":
        assert _host.host_memory(x) == (device.kind == "cpu")
    np.testing.assert_allclose(cb.asnumpy(L.solve(x, y)), np.linalg.solve(a, b), rtol=1e-9)
    np.testing.assert_allclose(cb.asnumpy(L.svdvals(y)), np.linalg.svd(b, compute_uv=False), rtol=1e-9)
    np.testing.assert_allclose(float(L.matrix_norm(x, ord=1)), np.linalg.matrix_norm(a, ord=1), rtol=1e-12)
    np.testing.assert_allclose(float(L.vector_norm(y)), np.linalg.vector_norm(b), rtol=1e-12)
    np.testing.assert_allclose(cb.asnumpy(L.trace(x)), np.trace(a), rtol=1e-12)
