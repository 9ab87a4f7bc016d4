"""``cambrian.fft`` on every device against NumPy's pocketfft: every function with ``norm=``, ``n``/``s``
trimming and padding, axes, batches, float32/complex64 kept, errors; the kernel path's three algorithms
(radix-2, direct DFT, Bluestein). On host-memory devices both paths run: NumPy in place, and the Cambrian
kernels that OpenCL GPUs take. A fake device without float64 checks dtypes."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import _host
from cambrian.devices import select_device
from cambrian.errors import UnsupportedFeatureError
from cambrian.testing import FakeBackend, use_fake_backends

FFT = cb.fft
RNG = np.random.default_rng(3)
NORMS = ("backward", "ortho", "forward")


def _draw(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    x = RNG.random(shape) - 0.5
    if dtype.startswith("complex"):
        x = x + 1j * (RNG.random(shape) - 0.5)
    return x.astype(dtype)


def _tol(dtype: np.dtype) -> float:
    return 1e-4 if dtype in (np.float32, np.complex64) else 1e-10


@pytest.fixture(params=["numpy in place", "kernels"])
def path(request, monkeypatch):
    monkeypatch.setattr(_host, "IN_PLACE", request.param == "numpy in place")
    return request.param


def _same(got: cb.Array, want: np.ndarray, device) -> None:
    assert got.device == device
    host = cb.asnumpy(got)
    assert host.dtype == want.dtype and host.shape == want.shape
    tol = _tol(want.dtype) * max(1.0, float(np.max(np.abs(want), initial=0)))
    np.testing.assert_allclose(host, want, rtol=0, atol=tol)


#: name -> (input shape, input kind, keyword arguments); each runs with every norm.
ONE_D = {
    "fft": ((3, 8), "complex", {}),
    "fft n pad": ((3, 6), "complex", {"n": 10, "axis": 0}),
    "fft n trim": ((4, 12), "complex", {"n": 5}),
    "ifft": ((2, 3, 16), "complex", {"axis": 1}),
    "ifft bluestein": ((2, 100), "complex", {}),
    "rfft": ((3, 10), "real", {}),
    "rfft odd n": ((10, 3), "real", {"n": 7, "axis": 0}),
    "irfft": ((3, 5), "complex", {}),
    "irfft odd n": ((3, 5), "complex", {"n": 9}),
    "hfft": ((2, 6), "complex", {}),
    "hfft n": ((6, 2), "complex", {"n": 7, "axis": 0}),
    "ihfft": ((4, 9), "real", {}),
}
N_D = {
    "fftn": ((3, 4, 8), "complex", {}),
    "fftn s axes": ((3, 4, 8), "complex", {"s": (5, 6), "axes": (0, 2)}),
    "ifftn": ((4, 6), "complex", {"s": (3, 8), "axes": (0, 1)}),
    "rfftn": ((4, 6, 5), "real", {}),
    "rfftn axes": ((4, 6, 5), "real", {"axes": (1, 0)}),
    "irfftn": ((4, 6, 5), "complex", {}),
    "irfftn s": ((4, 6), "complex", {"s": (5, 7), "axes": (0, 1)}),
}


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("precision", ["64", "32"])
@pytest.mark.parametrize("case", [*ONE_D, *N_D])
def test_against_numpy(device, path, case, precision, norm):
    shape, kind, kw = {**ONE_D, **N_D}[case]
    dtype = {"complex": {"64": "complex128", "32": "complex64"}, "real": {"64": "float64", "32": "float32"}}
    x = _draw(shape, dtype[kind][precision])
    name = case.split()[0]
    got = getattr(FFT, name)(cb.asarray(x, device=device), norm=norm, **kw)
    _same(got, getattr(np.fft, name)(x, norm=norm, **kw), device)


@pytest.mark.parametrize("n", [1, 2, 8, 64, 6, 15, 97, 128 + 1])
def test_kernel_algorithms_and_round_trip(device, path, n):
    """Power-of-two (radix-2), short (direct DFT) and long odd/prime (Bluestein) lengths, batched; the
    inverse transform gives the input back."""
    x = _draw((3, n), "complex128")
    y = FFT.fft(cb.asarray(x, device=device))
    _same(y, np.fft.fft(x), device)
    _same(FFT.ifft(y), x, device)


def test_real_input_to_fft_keeps_its_precision(device, path):
    x = _draw((8,), "float32")
    got = FFT.fft(cb.asarray(x, device=device))
    assert got.dtype == np.complex64
    _same(got, np.fft.fft(x), device)


@pytest.mark.parametrize("n, d, dtype", [(7, 0.5, None), (8, 1.0, "float32"), (1, 2.0, "float64")])
def test_frequencies(device, n, d, dtype):
    want = np.fft.fftfreq(n, d)
    got = FFT.fftfreq(n, d=d, dtype=dtype, device=device)
    assert got.device == device and got.dtype == np.dtype(dtype or "float64")
    np.testing.assert_allclose(cb.asnumpy(got), want, rtol=1e-6)
    got = FFT.rfftfreq(n, d=d, dtype=dtype, device=device)
    np.testing.assert_allclose(cb.asnumpy(got), np.fft.rfftfreq(n, d), rtol=1e-6)


@pytest.mark.parametrize("axes", [None, 0, (1,), (0, 1), -1])
def test_shifts(device, axes):
    x = np.arange(35.0).reshape(5, 7)
    for ours, theirs in ((FFT.fftshift, np.fft.fftshift), (FFT.ifftshift, np.fft.ifftshift)):
        got = ours(cb.asarray(x, device=device), axes=axes)
        np.testing.assert_array_equal(cb.asnumpy(got), theirs(x, axes=axes))


def test_big_arrays(device, path):
    """Arrays of 64 KiB and more: pocketfft works on OpenCL CPU device memory in place too."""
    if device.backend == "interp" and path == "kernels":
        pytest.skip("the interpreter runs the FFT kernels at small sizes only (10 s here)")
    x = _draw((4, 4096), "complex128")
    r = _draw((64, 256), "float32")
    xd, rd = cb.asarray(x, device=device), cb.asarray(r, device=device)
    if path == "numpy in place":
        assert _host.host_memory(xd) == (device.kind == "cpu")
    _same(FFT.fft(xd, norm="ortho"), np.fft.fft(x, norm="ortho"), device)
    _same(FFT.rfftn(rd), np.fft.rfftn(r), device)
    _same(FFT.irfft(FFT.rfft(rd)), r, device)


def test_bad_input(device):
    z = cb.asarray(_draw((4,), "complex128"), device=device)
    with pytest.raises(ValueError, match="norm"):
        FFT.fft(z, norm="none")
    with pytest.raises(ValueError, match="data points"):
        FFT.fft(z, n=0)
    with pytest.raises(IndexError, match="axis"):
        FFT.ifft(z, axis=1)
    with pytest.raises(TypeError, match="complex floating-point"):
        FFT.fft(cb.asarray(np.arange(4), device=device))
    with pytest.raises(TypeError, match="real floating-point"):
        FFT.rfft(z)
    with pytest.raises(ValueError, match="lengths"):
        FFT.fftn(z, s=(4, 4), axes=(0,))
    with pytest.raises(ValueError, match="positive"):
        FFT.fftfreq(0, device=device)
    with pytest.raises(TypeError, match="Array"):
        FFT.fft(np.ones(4, complex))


def test_device_without_float64(monkeypatch, tmp_path):
    """float32 data stays float32 and frequencies default to float32; float64 is refused, clearly."""
    spec = {"name": "no-fp64 GPU", "kind": "gpu", "ordinal": 0, "supports_float64": False}
    use_fake_backends(monkeypatch, tmp_path, FakeBackend("opencl", [spec]))
    gpu = select_device("opencl:gpu:0")
    f = FFT.fftfreq(8, device=gpu)
    assert f.dtype == np.float32 and f.device == gpu
    with pytest.raises(UnsupportedFeatureError, match="opencl:gpu:0"):
        FFT.rfftfreq(8, dtype="float64", device=gpu)
    x = _draw((3, 8), "float32")
    got = FFT.rfft(cb.asarray(x, device=gpu))
    assert got.dtype == np.complex64
    np.testing.assert_allclose(cb.asnumpy(got), np.fft.rfft(x), atol=1e-5)
    a = x[:, :3] + 3 * np.eye(3, dtype=np.float32)
    inv = cb.linalg.inv(cb.asarray(a, device=gpu))
    assert inv.dtype == np.float32 and inv.device == gpu
    np.testing.assert_allclose(cb.asnumpy(inv), np.linalg.inv(a), rtol=1e-5)


def test_single_precision_on_host_memory_is_scipy_fft(device) -> None:
    """On host memory, float32/complex64 transforms run ``scipy.fft`` in single precision (all cores)
    rather than NumPy's double-precision loops plus a conversion: the same values as SciPy's."""
    sf = pytest.importorskip("scipy.fft", reason="the single-precision host path needs SciPy")
    x = _draw((16, 24), "float32")
    dx = cb.asarray(x, device=device)
    if _host.numpy_views(dx) is None:
        pytest.skip(f"{device} has no host memory (the Cambrian kernels compute there)")
    got = FFT.rfftn(dx, norm="ortho")
    assert got.dtype == np.complex64
    np.testing.assert_array_equal(cb.asnumpy(got), sf.rfftn(x, norm="ortho"))
    back = FFT.irfftn(got, s=x.shape, norm="ortho")
    assert back.dtype == np.float32
    np.testing.assert_allclose(cb.asnumpy(back), x, atol=1e-5)
