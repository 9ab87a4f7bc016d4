"""The creation functions on every device, compared with NumPy: each runs both ways a device offers it
(NumPy writing host memory, where the device has it, and the Cambrian kernel), plus conversions
(asarray, from_dlpack), bad input, and the float64-less fake device."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
import cambrian.array._creation_kernels as K
from cambrian import dtypes
from cambrian.devices import select_device
from cambrian.errors import PlacementError, UnsupportedFeatureError
from cambrian.testing import FakeBackend, requires, use_fake_backends

#: A few dtypes for the tests whose kernel does not depend on the value's kind.
SOME = ["int8", "uint64", "float32", "float64", "complex64"]
#: Every dtype runs the kernels on opencl and interp; Numba compiles each one in 0.3-2.6 s, so the
#: ``cpu`` device checks its kernels on these.
CPU_KERNEL_DTYPES = {"bool", "int8", "uint64", "float32", "float64", "complex64"}


def need(device, dtype: str) -> None:
    if dtypes.needs_float64(dtype):
        requires(device, "float64")


def same(x: cb.Array, expected: np.ndarray) -> None:
    """``x`` holds exactly ``expected``: dtype, shape and bits (nan == nan)."""
    got = cb.asnumpy(x)
    assert got.dtype == expected.dtype and got.shape == expected.shape, (got, expected)
    assert got.tobytes() == np.ascontiguousarray(expected).tobytes(), (got, expected)


@pytest.fixture(params=["numpy", "driver", "kernel"])
def path(request, device, monkeypatch):
    """Run a test with NumPy filling host memory (devices that have it), with the driver's buffer fill
    (backends that have one: OpenCL; no fill kernel may run) or with the kernels."""
    if request.param == "numpy":
        probe = cb.empty(1, dtype="int8", device=device)
        if probe.__cambrian_array__().view is None:
            pytest.skip(f"device {device} has no host memory: it always runs the kernels")
    elif request.param == "driver":
        if getattr(device.impl, "fill", None) is None:
            pytest.skip(f"backend {device.backend} has no driver fill")
        launch = K.launch

        def no_fill_kernel(kern, *args):
            assert kern is not K.fill, "a fill kernel ran although the driver fills"
            return launch(kern, *args)

        monkeypatch.setattr(K, "launch", no_fill_kernel)
    else:
        monkeypatch.setattr(K, "HOST_NUMPY", False)
    return request.param


def thin(device, path: str, dtype: str) -> None:
    """Skip the kernel path of ``cpu`` for the dtypes outside CPU_KERNEL_DTYPES (compile cost)."""
    if path == "kernel" and device.backend == "cpu" and dtype not in CPU_KERNEL_DTYPES:
        pytest.skip(f"cpu kernels are checked on {sorted(CPU_KERNEL_DTYPES)} (Numba compile cost); "
                    f"{dtype} runs on the other devices")


# ------------------------------------------------------------------------------ full, zeros, ones
@pytest.mark.parametrize("dtype", dtypes.ALL)
def test_full_zeros_ones_every_dtype(device, path, dtype):
    need(device, dtype)
    thin(device, path, dtype)
    value = {"bool": True, "uint8": 200, "int8": -7, "uint64": 2**64 - 1, "int64": -(2**62)}.get(dtype, 3)
    if dtypes.kind(dtype) in ("float", "complex"):
        value = -2.5 if dtype.startswith("float") else 1.5 - 2j
    same(cb.full((2, 3), value, dtype=dtype, device=device), np.full((2, 3), value, dtype=dtype))
    same(cb.zeros(5, dtype=dtype, device=device), np.zeros(5, dtype))
    same(cb.ones((3, 1, 2), dtype=dtype, device=device), np.ones((3, 1, 2), dtype))
    x = cb.full((4,), value, dtype=dtype, device=device)
    for like, ref in [(cb.zeros_like(x), np.zeros(4, dtype)), (cb.ones_like(x), np.ones(4, dtype)),
                      (cb.full_like(x, 0), np.zeros(4, dtype))]:
        assert like.device == device
        same(like, ref)


@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), 7, (1, 1, 1, 1)])
def test_full_shapes(device, path, shape):
    same(cb.full(shape, 9, dtype="int16", device=device), np.full(shape, 9, "int16"))
    assert cb.empty(shape, dtype="int16", device=device).shape == np.empty(shape).shape


@pytest.mark.parametrize(("value", "dtype"), [(True, "bool"), (3, "int64"), (2.5, "float64"),
                                              (1j, "complex128"), (np.float32(2), "float32"),
                                              (np.uint8(7), "uint8")])
def test_full_infers_the_dtype(device, value, dtype):
    need(device, dtype)
    same(cb.full(3, value, device=device), np.full(3, value, dtype))


def test_defaults_and_like_follow_the_input(device):
    assert cb.zeros(2, device=device).dtype == cb.empty(2, device=device).dtype == np.float64
    x = cb.full((2, 2), 5, dtype="uint16", device=device)
    for y in (cb.empty_like(x), cb.zeros_like(x), cb.ones_like(x), cb.full_like(x, 1)):
        assert (y.shape, y.dtype, y.device) == ((2, 2), np.uint16, device)
    y = cb.ones_like(x, dtype=cb.float32, device="interp")
    assert (y.dtype, str(y.device)) == (np.float32, "interp")
    same(y, np.ones((2, 2), "float32"))


@pytest.mark.parametrize(("call", "error"), [
    (lambda d: cb.zeros("12", device=d), TypeError),
    (lambda d: cb.empty("3", device=d), TypeError),
    (lambda d: cb.ones((2, "3"), device=d), TypeError),
    (lambda d: cb.full([2.5], 1, device=d), TypeError),
    (lambda d: cb.zeros(None, device=d), TypeError),
    (lambda d: cb.zeros((2, -1), device=d), ValueError),
    (lambda d: cb.full(3, 300, dtype="int8", device=d), OverflowError),
    (lambda d: cb.full(3, 1j, dtype="float32", device=d), TypeError),
    (lambda d: cb.zeros(3, dtype="float16", device=d), TypeError),
    (lambda d: cb.zeros(3, dtype="nonsense", device=d), TypeError),
], ids=["str-shape", "str-shape-empty", "str-in-shape", "float-in-shape", "none-shape", "negative",
        "overflow", "complex-into-real", "float16", "bad-dtype"])
def test_bad_shapes_and_values(device, call, error):
    with pytest.raises(error):
        call(device)


# ------------------------------------------------------------------------------------------ arange
ARANGE = [((5,), {}), ((2, 10, 3), {}), ((10, 2, -3), {}), ((5, 0), {}), ((0, 1, 0.1), {}),
          ((1, 2, 0.3), {"dtype": "float64"}), ((0.1, 1.0, 0.1), {"dtype": "float32"}),
          ((-3.5, 7.25, 0.75), {"dtype": "float32"}), ((-5, 5, 2), {"dtype": "int8"}),
          ((10, 0, -3), {"dtype": "uint8"}), ((0, 300, 7), {"dtype": "int16"}),
          ((2**62, 2**62 + 10, 3), {"dtype": "uint64"}), ((0.5, 5), {"dtype": "int64"}),
          ((1e3, 1e3 + 5), {}), ((3,), {"step": 0.5}), ((-1e10, 1e10, 1e9), {}),
          ((300,), {"dtype": "int8"})]


@pytest.mark.parametrize(("args", "kw"), ARANGE, ids=[f"{a}-{k.get('dtype', '')}" for a, k in ARANGE])
def test_arange_matches_numpy(device, path, args, kw):
    need(device, kw.get("dtype", "float64"))
    same(cb.arange(*args, **kw, device=device), np.arange(*args, **kw))


@pytest.mark.parametrize(("args", "kw", "error"), [
    ((0, 5, 0), {}, ValueError), ((1j,), {}, TypeError), ((5,), {"dtype": "bool"}, TypeError),
    ((5,), {"dtype": "complex64"}, TypeError), ((300, 302), {"dtype": "int8"}, OverflowError),
    (("5",), {}, TypeError), ((0, float("inf")), {}, ValueError)])
def test_arange_bad_input(device, args, kw, error):
    with pytest.raises(error):
        cb.arange(*args, **kw, device=device)


# ------------------------------------------------------------------------------------------ eye
EYE = [((3,), {}), ((3, 5), {"k": 1}), ((4, 2), {"k": -1}), ((3, 3), {"k": 10}), ((2, 3), {"k": -5}),
       ((0,), {}), ((1, 0), {}), ((4,), {"k": -3}), ((3, 4), {"k": 2**70})]


@pytest.mark.parametrize(("args", "kw"), EYE, ids=[f"{a}-{k}" for a, k in EYE])
@pytest.mark.parametrize("dtype", ["float64", "int32", "complex64", "bool"])
def test_eye_matches_numpy(device, path, args, kw, dtype):
    need(device, dtype)
    thin(device, path, dtype)
    k = min(kw.get("k", 0), 100)
    same(cb.eye(*args, k=kw.get("k", 0), dtype=dtype, device=device), np.eye(*args, k=k, dtype=dtype))


def test_eye_default_dtype_and_bad_input(device):
    same(cb.eye(2, device=device), np.eye(2))
    same(cb.eye(2, dtype=np.dtype("int8"), device=device), np.eye(2, dtype="int8"))
    for bad, error in [((2.5,), TypeError), ((-1,), ValueError), ((2, "3"), TypeError)]:
        with pytest.raises(error):
            cb.eye(*bad, device=device)
    with pytest.raises(TypeError):
        cb.eye(2, k=0.5, device=device)


# ------------------------------------------------------------------------------------------ linspace
LINSPACE = [((0, 1, 5), {}), ((0, 1, 5), {"endpoint": False}), ((-3, 7.5, 11), {"dtype": "float32"}),
            ((1, 1, 4), {}), ((0, 1, 1), {}), ((0, 1, 1), {"endpoint": False}), ((0, 1, 0), {}),
            ((2.5, -1e3, 33), {}), ((0, 1j, 4), {}), ((1 + 2j, -3j, 5), {"endpoint": False}),
            ((0, 1, 3), {"dtype": "complex128"}), ((0, 5e-324, 10), {}), ((1e300, -1e300, 7), {}),
            ((0.1, 0.7, 1000), {}), ((-2, 2, 9), {"dtype": "float32", "endpoint": False})]


@pytest.mark.parametrize(("args", "kw"), LINSPACE, ids=[f"{a}-{k}" for a, k in LINSPACE])
def test_linspace_matches_numpy(device, path, args, kw):
    requires(device, "float64")  # NumPy computes in float64 (the devices without it: the fake test)
    same(cb.linspace(*args, **kw, device=device), np.linspace(*args, **kw))


@pytest.mark.parametrize(("args", "kw", "error"), [
    ((0, 1, -1), {}, ValueError), ((0, 1, 2.0), {}, TypeError), ((0, 1, 3), {"dtype": "int32"}, TypeError),
    ((0, 1j, 3), {"dtype": "float64"}, TypeError), (("0", 1, 3), {}, TypeError),
    ((0, 1, 3), {"dtype": "bool"}, TypeError)])
def test_linspace_bad_input(device, args, kw, error):
    with pytest.raises(error):
        cb.linspace(*args, **kw, device=device)


# ------------------------------------------------------------------------------------------ meshgrid
@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sizes", [(3,), (3, 2), (2, 3, 4), (1, 4, 2, 3), (3, 0)])
def test_meshgrid_matches_numpy(device, path, indexing, sizes):
    hosts = [np.arange(n, dtype="int32") * (k + 1) - 3 for k, n in enumerate(sizes)]
    arrays = [cb.asarray(h, device=device) for h in hosts]
    out = cb.meshgrid(*arrays, indexing=indexing)
    ref = np.meshgrid(*hosts, indexing=indexing)
    assert isinstance(out, list) and len(out) == len(ref)
    for o, r in zip(out, ref, strict=True):
        assert o.device == device
        same(o, r)


@pytest.mark.parametrize("dtype", SOME)
def test_meshgrid_strided_inputs(device, path, dtype):
    need(device, dtype)
    thin(device, path, dtype)
    a, b = np.arange(10).astype(dtype), np.arange(4).astype(dtype)
    x, y = cb.asarray(a, device=device)[::-3], cb.asarray(b, device=device)[1:]
    for o, r in zip(cb.meshgrid(x, y), np.meshgrid(a[::-3], b[1:]), strict=True):
        same(o, r)
    assert cb.meshgrid() == []


def test_meshgrid_bad_input(device, interp_device):
    x = cb.arange(3, device=device)
    cases = [((x,), {"indexing": "yx"}, ValueError), ((x, cb.arange(3.0, device=device)), {}, ValueError),
             ((cb.zeros((2, 2), device=device),), {}, ValueError), ((np.arange(3),), {}, TypeError)]
    for args, kw, error in cases:
        with pytest.raises(error):
            cb.meshgrid(*args, **kw)
    other = select_device("cpu") if device == interp_device else interp_device
    with pytest.raises(PlacementError, match="to_device"):
        cb.meshgrid(x, cb.arange(2, device=other))


# ------------------------------------------------------------------------------------------ tril, triu
@pytest.mark.parametrize("k", [0, 1, -2, -10, 2**70])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4), (2, 1, 3, 3), (2, 0, 2)])
def test_tril_triu_match_numpy(device, path, shape, k):
    host = np.arange(int(np.prod(shape)), dtype="int64").reshape(shape) - 5
    x = cb.asarray(host, device=device)
    kk = max(min(k, 100), -100)
    same(cb.tril(x, k=k), np.tril(host, kk))
    same(cb.triu(x, k=k), np.triu(host, kk))


@pytest.mark.parametrize("dtype", [*SOME, "bool"])
def test_tril_triu_strided_and_dtypes(device, path, dtype):
    need(device, dtype)
    thin(device, path, dtype)
    host = (np.arange(60).reshape(3, 4, 5) % 3).astype(dtype)
    x = cb.asarray(host, device=device)
    same(cb.tril(x[:, ::-1, 1:]), np.tril(host[:, ::-1, 1:]))
    same(cb.triu(x[1, ::2], k=1), np.triu(host[1, ::2], 1))


def test_tril_triu_bad_input(device):
    for bad, error in [(cb.arange(3, device=device), ValueError), (np.eye(3), TypeError)]:
        for fn in (cb.tril, cb.triu):
            with pytest.raises(error, match="tri"):
                fn(bad)
    with pytest.raises(TypeError):
        cb.tril(cb.eye(2, device=device), k=0.5)


# ------------------------------------------------------------------------------------------ asarray
def test_asarray_keeps_float32_of_dlpack_producers(device):
    xp = pytest.importorskip("array_api_strict")
    a = xp.asarray([1.5, 2.0], dtype=xp.float32)
    x = cb.asarray(a, device=device)
    assert x.dtype == np.float32 and x.device == device
    same(x, np.array([1.5, 2.0], "float32"))
    same(cb.asarray(xp.asarray(3, dtype=xp.int16), device=device), np.array(3, "int16"))
    need(device, "float64")
    same(cb.asarray(a, dtype="float64", device=device), np.array([1.5, 2.0]))


def test_asarray_keeps_float32_of_torch(device):
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.5, -2.0], dtype=torch.float32)
    same(cb.asarray(t, device=device), np.array([1.5, -2.0], "float32"))
    same(cb.asarray(t.to(torch.bfloat16).float()[::-1], device=device), np.array([-2.0, 1.5], "float32"))


def test_asarray_nested_sequences_of_arrays(device):
    f32 = cb.asarray(1.5, dtype="float32", device=device)
    i8 = cb.asarray(-2, dtype="int8", device=device)
    for obj, ref in [([f32, f32], [np.float32(1.5)] * 2), ([[f32], [f32]], [[np.float32(1.5)]] * 2),
                     ([i8, i8, i8], [np.int8(-2)] * 3), ([i8, 3], [np.int8(-2), 3]),
                     ([f32, 2.0], [np.float32(1.5), 2.0])]:
        x = cb.asarray(obj)  # on the device of its elements
        assert x.device == device
        same(x, np.asarray(ref))
    other = select_device("interp") if str(device) != "interp" else select_device("cpu")
    with pytest.raises(PlacementError):
        cb.asarray([f32, cb.asarray(1.0, dtype="float32", device=other)])


def _mutate(src):
    """Change the first element of ``src`` (any kind); the value a copy must not see."""
    if isinstance(src, cb.Array):
        src[(0,) * src.ndim] = 99
    elif isinstance(src, np.ndarray):
        src.reshape(-1)[0] = 99
    elif isinstance(src, list):
        src[0] = 99


@pytest.mark.parametrize("kind", ["array", "strided", "other-dtype", "numpy", "list", "scalar", "strict"])
def test_asarray_copy_true_never_shares(device, path, kind):
    host = np.arange(6, dtype="int32")
    src = {"array": lambda: cb.asarray(host, device=device),
           "strided": lambda: cb.asarray(host, device=device)[::2],
           "other-dtype": lambda: cb.asarray(host, device=device),
           "numpy": lambda: host.copy(), "list": lambda: host.tolist(), "scalar": lambda: 5,
           "strict": lambda: pytest.importorskip("array_api_strict").asarray(host)}[kind]()
    dtype = "int64" if kind == "other-dtype" else None
    out = cb.asarray(src, dtype=dtype, copy=True, device=device)
    before = cb.asnumpy(out).copy()
    if isinstance(src, cb.Array):
        assert out is not src and (out._buffer is not src._buffer)
    _mutate(src)
    same(out, before)
    assert out.device == device and (dtype is None or out.dtype == np.int64)


def test_asarray_device_conversions(device, path):
    x = cb.asarray(np.arange(8, dtype="int16"), device=device)
    assert cb.asarray(x) is x and cb.asarray(x, copy=False) is x
    same(cb.asarray(x[::3], dtype=cb.float32), np.arange(8, dtype="int16")[::3].astype("float32"))
    same(cb.asarray(x[1::2], dtype="bool"), np.arange(8)[1::2].astype(bool))
    with pytest.raises(ValueError, match="copy=False"):
        cb.asarray(x, dtype="int32", copy=False)
    c = cb.asarray(np.array([1 + 2j], "complex64"), device=device)
    with pytest.raises(TypeError, match="complex"):
        cb.asarray(c, dtype="float32")
    y = cb.asarray(x, device="interp")
    assert str(y.device) == "interp"
    same(y, np.arange(8, dtype="int16"))


def test_asarray_python_scalars_and_errors(device):
    same(cb.asarray([[1, 2], [3, 4]], device=device), np.array([[1, 2], [3, 4]]))
    same(cb.asarray([True, False], device=device), np.array([True, False]))
    same(cb.asarray([], device=device), np.array([], "float64"))
    with pytest.raises(OverflowError):
        cb.asarray(300, dtype="int8", device=device)
    with pytest.raises(TypeError):
        cb.asarray([1j], dtype="float64", device=device)
    with pytest.raises(ValueError, match="copy=False"):
        cb.asarray([1, 2], device=device, copy=False)


# ------------------------------------------------------------------------------------------ from_dlpack
def test_from_dlpack_of_host_memory(device):
    host = np.arange(12.0).reshape(3, 4)[:, ::-2]
    x = cb.from_dlpack(host, device=device)
    same(x, host)
    if device.impl.host_memory:  # zero-copy: the array is a view of the producer's memory
        x[0, 0] = -1.0
        assert host[0, 0] == -1.0
        assert cb.from_dlpack(host, device=device, copy=False).shape == (3, 2)
    else:
        with pytest.raises(BufferError, match="copy=False"):
            cb.from_dlpack(host, device=device, copy=False)
    y = cb.from_dlpack(host, device=device, copy=True)
    host[1, 1] = 42.0
    assert cb.asnumpy(y)[1, 1] != 42.0


def test_from_dlpack_read_only_and_empty(device):
    ro = np.arange(4.0)
    ro.flags.writeable = False
    same(cb.from_dlpack(ro, device=device), ro)  # a copy: device arrays are writable
    with pytest.raises(BufferError, match="copy=False"):
        cb.from_dlpack(ro, device=device, copy=False)
    empty = np.zeros((0, 3), "int16")
    same(cb.from_dlpack(empty, device=device, copy=None), empty)


def test_asarray_of_array_interface_objects(device):
    class Producer:  # only __array__: its dtype is kept
        def __array__(self, dtype=None, copy=None):
            return np.array([1.5, 2.5], "float32")

    same(cb.asarray(Producer(), device=device), np.array([1.5, 2.5], "float32"))
    same(cb.asarray(memoryview(b"\x01\x02"), device=device), np.array([1, 2], "uint8"))


def test_from_dlpack_defaults_and_sources(device):
    x = cb.from_dlpack(np.arange(3, dtype="uint8"))  # host data stays in host memory
    assert x.device.impl.host_memory
    same(x, np.arange(3, dtype="uint8"))
    a = cb.arange(4, device=device)
    assert cb.from_dlpack(a) is a
    assert cb.from_dlpack(a, copy=True) is not a
    same(cb.from_dlpack(a, device="interp"), np.arange(4))
    with pytest.raises(TypeError, match="__dlpack__"):
        cb.from_dlpack([1, 2, 3])
    xp = pytest.importorskip("array_api_strict")
    same(cb.from_dlpack(xp.asarray([1.0, 2.0], dtype=xp.float32), device=device), np.array([1, 2], "float32"))


# ------------------------------------------------------------------------------------------ no float64
@pytest.fixture
def fake(monkeypatch, tmp_path):
    use_fake_backends(monkeypatch, tmp_path,
                      FakeBackend("interp", [{"name": "fake interp", "kind": "cpu"}]),
                      FakeBackend("opencl", [{"name": "no-fp64 GPU", "kind": "gpu", "ordinal": 0,
                                              "supports_float64": False}]))
    return select_device("opencl:gpu:0")


def test_defaults_on_a_device_without_float64(fake):
    for x in (cb.zeros(2, device=fake), cb.ones(2, device=fake), cb.empty(2, device=fake),
              cb.full(2, 0.5, device=fake), cb.eye(2, device=fake), cb.arange(0.5, 3, device=fake),
              cb.linspace(0, 1, 3, device=fake), cb.asarray([0.5], device=fake)):
        assert x.dtype == np.float32 and x.device == fake
    assert cb.linspace(0, 1j, 3, device=fake).dtype == np.complex64
    assert cb.full(2, 1j, device=fake).dtype == np.complex64
    assert cb.arange(3, device=fake).dtype == np.int64
    same(cb.linspace(0, 1, 5, device=fake), np.linspace(0, 1, 5, dtype="float32"))
    same(cb.eye(2, 3, k=1, device=fake), np.eye(2, 3, k=1, dtype="float32"))


@pytest.mark.parametrize("call", [
    lambda d: cb.zeros(2, dtype="float64", device=d), lambda d: cb.full(2, 1, dtype="complex128", device=d),
    lambda d: cb.arange(3, dtype="float64", device=d), lambda d: cb.eye(2, dtype="float64", device=d),
    lambda d: cb.linspace(0, 1, 3, dtype="float64", device=d), lambda d: cb.asarray(np.zeros(2), device=d),
    lambda d: cb.from_dlpack(np.zeros(2), device=d), lambda d: cb.full(2, np.float64(1), device=d),
], ids=["zeros", "full", "arange", "eye", "linspace", "asarray", "from_dlpack", "full-inferred"])
def test_float64_refused_without_float64(fake, call):
    with pytest.raises(UnsupportedFeatureError, match="opencl:gpu:0"):
        call(fake)
