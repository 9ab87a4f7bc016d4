"""NumPy's protocols on cambrian.Array, every device: ``__array_ufunc__`` (NEP 13) and
``__array_function__`` (NEP 18) compute on the array's device and return cambrian.Arrays; what Cambrian
does not implement raises TypeError naming the NumPy function: never a silent host copy."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import Array
from cambrian.array._elementwise import FUNCTIONS
from cambrian.array._numpy_functions import NUMPY_FUNCTIONS, TABLE, Mapping
from cambrian.array._numpy_protocols import FLOAT_ONLY, METHODS, UFUNC_ALIASES, UFUNCS
from cambrian.errors import UnsupportedFeatureError
from cambrian.testing import FakeBackend, requires, use_fake_backends

NEVER = "never copies to the host silently"
HOST = np.array([[0.25, 0.5, 0.75], [0.125, 0.375, 0.625]])


def on(device, host):
    return cb.asarray(host, device=device)


def check(got, want, device, exact=False):
    """``got`` is a cambrian.Array on ``device`` equal to NumPy's ``want`` (dtype and values)."""
    assert isinstance(got, Array), f"got {type(got).__name__}, not a cambrian.Array"
    assert got.device == device
    want = np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    if exact or want.dtype.kind in "biu":
        np.testing.assert_array_equal(cb.asnumpy(got), want)
    else:
        np.testing.assert_allclose(cb.asnumpy(got), want, rtol=2e-6, atol=1e-12)


def pending(call):
    """``call()``, or a skip naming the missing counterpart while it has not landed (parts 2/3)."""
    try:
        return call()
    except TypeError as e:
        if "does not exist yet" not in str(e):
            raise
        assert NEVER in str(e) and "asnumpy" in str(e)
        pytest.skip(str(e).split("(its counterpart ")[1].split(")")[0])


# -- NEP 13 ---------------------------------------------------------------------------------------------
def test_numpy_operands_mix_with_device_arrays(device):
    requires(device, "float64")
    x, h = on(device, HOST), HOST * 3
    check(np.float64(2.0) * x, np.float64(2.0) * HOST, device)
    check(h + x, h + HOST, device)
    check(x + h, HOST + h, device)
    check(h == x, h == HOST, device)
    check(h < x, h < HOST, device)
    check(np.maximum(x, 0.5), np.maximum(HOST, 0.5), device)
    check(np.maximum(x, 1), np.maximum(HOST, 1), device)
    check(np.exp(x), np.exp(HOST), device)
    check(np.exp(-0.5 * x ** 2), np.exp(-0.5 * HOST ** 2), device)


def test_numpy_scalars_are_strong_python_scalars_weak(device):
    x32 = on(device, HOST.astype(np.float32))
    check(np.float32(2) * x32, np.float32(2) * HOST.astype(np.float32), device)
    check(np.multiply(x32, 2.0), np.multiply(HOST.astype(np.float32), 2.0), device)
    if device.supports_float64:  # NEP 50: a NumPy float64 scalar promotes float32 arrays
        check(np.float64(2) * x32, np.float64(2) * HOST.astype(np.float32), device)
        check(x32 * np.float64(2), HOST.astype(np.float32) * np.float64(2), device)  # the same both ways
        check(x32 + np.complex128(1j), HOST.astype(np.float32) + np.complex128(1j), device)
    i8 = on(device, np.arange(6, dtype=np.int8))
    check(np.add(i8, np.int16(300)), np.add(np.arange(6, dtype=np.int8), np.int16(300)), device)


def _ufunc_inputs(ufunc, name):
    group = FUNCTIONS[name].group if name in FUNCTIONS else "numeric"
    if group in ("integer", "integer or bool"):
        return [np.array([[1, 2, 3], [4, 5, 7]], np.int32), np.array([1, 0, 2], np.int32)][: ufunc.nin]
    if name == "acosh":
        return [HOST + 1]
    return [HOST, HOST[0] + 0.0625][: ufunc.nin]


@pytest.mark.parametrize("ufunc", sorted(UFUNCS, key=lambda u: u.__name__), ids=lambda u: u.__name__)
def test_every_mapped_ufunc_matches_numpy(device, ufunc):
    requires(device, "float64")
    name = UFUNCS[ufunc]
    hosts = _ufunc_inputs(ufunc, name)
    args = [on(device, hosts[0]), *hosts[1:]]  # a NumPy operand moves to the device
    if name not in FUNCTIONS:
        got = pending(lambda: ufunc(*args))
        check(got, ufunc(*hosts), device)
        return
    check(ufunc(*args), ufunc(*hosts), device)
    check(ufunc(*(on(device, h) for h in hosts)), ufunc(*hosts), device)


def test_numpy_aliases_map():
    for np_name, name in UFUNC_ALIASES.items():
        u = getattr(np, np_name, None)
        if isinstance(u, np.ufunc):
            assert UFUNCS[u] == name, np_name
    assert UFUNCS[np.abs] == UFUNCS[np.absolute] == "abs" and UFUNCS[np.power] == "pow"
    assert UFUNCS[np.conjugate] == "conj" and UFUNCS[np.true_divide] == "divide"
    assert UFUNCS[np.arccos] == "acos" and UFUNCS[np.invert] == "bitwise_invert"
    assert len(UFUNCS) >= 64


def test_aliases_and_complex_on_device(device):
    requires(device, "float64")
    z = HOST + 1j * HOST[::-1]
    x = on(device, z)
    for u in (np.abs, np.absolute, np.conjugate, np.conj, np.sqrt, np.exp):
        check(u(x), u(z), device)
    check(np.power(on(device, HOST), 2.5), np.power(HOST, 2.5), device)
    check(np.true_divide(on(device, HOST), 3), np.true_divide(HOST, 3), device)
    check(np.arccos(on(device, HOST)), np.arccos(HOST), device)


def test_out(device):
    requires(device, "float64")
    x, y = on(device, HOST), cb.empty(HOST.shape, dtype="float64", device=device)
    assert np.sin(x, out=(y,)) is y
    check(y, np.sin(HOST), device)
    assert np.sin(x, out=y) is y
    assert np.add(x, 1, out=x) is x
    check(x, HOST + 1, device)
    assert np.cos(HOST, out=(y,)) is y  # NumPy input, device out: the data moves to out's device
    check(y, np.cos(HOST), device)
    with pytest.raises(TypeError, match=r"out must be a cambrian\.Array.*asnumpy"):
        np.sin(x, out=np.empty(HOST.shape))
    h = HOST.copy()
    with pytest.raises(TypeError, match=r"out must be a cambrian\.Array"):
        h += x  # in place on a host array would be a device -> host copy


def test_float_only_ufuncs(device):
    requires(device, "float64")
    data = np.array([-2.5, -0.5, 0.5, 1.5, 2.5])
    x = on(device, data)
    check(np.rint(x), np.rint(data), device)
    check(np.fabs(x), np.fabs(data), device)
    assert set(FLOAT_ONLY) == {"fabs", "rint"}
    with pytest.raises(TypeError, match=r"numpy\.rint is not implemented.*asnumpy"):
        np.rint(on(device, np.arange(3)))


@pytest.mark.parametrize("call", [
    lambda x: np.fmod(x, 2), lambda x: np.heaviside(x, 0.5), lambda x: np.ldexp(x, 2),
    lambda x: np.divmod(x, 2), lambda x: np.modf(x), lambda x: np.add.at(x, [0], 1),
    lambda x: np.add.reduceat(x, [0, 1]), lambda x: np.subtract.reduce(x),
    lambda x: np.maximum.accumulate(x), lambda x: np.logaddexp.reduce(x),
], ids=["fmod", "heaviside", "ldexp", "divmod", "modf", "add.at", "add.reduceat", "subtract.reduce",
        "maximum.accumulate", "logaddexp.reduce"])
def test_unimplemented_ufuncs_raise_naming_them(device, call):
    x = on(device, HOST.astype(np.float32))
    with pytest.raises(TypeError) as info:
        call(x)
    msg = str(info.value)
    assert "numpy." in msg and NEVER in msg and "cambrian.asnumpy(x)" in msg


def test_unsupported_ufunc_keywords(device):
    x = on(device, HOST.astype(np.float32))
    for kw in ({"where": np.ones(3, bool)}, {"casting": "unsafe"}, {"order": "F"}):
        with pytest.raises(TypeError, match=f"numpy.sin: the keyword {next(iter(kw))}="):
            np.sin(x, **kw)
    check(np.sin(x, casting="same_kind", order="K"), np.sin(HOST.astype(np.float32)), device)
    small = np.array([100, -100, 7], np.int8)  # dtype= computes in that dtype, as NumPy (Dask's sums)
    check(np.add(on(device, small), on(device, small), dtype=np.int16), np.add(small, small, dtype=np.int16),
          device)


@pytest.mark.parametrize("method, ufunc", sorted(METHODS), ids=[f"{u}.{m}" for m, u in sorted(METHODS)])
@pytest.mark.parametrize("axis", [0, 1, None])
def test_reduce_and_accumulate(device, method, ufunc, axis):
    requires(device, "float64")
    u = getattr(np, ufunc)
    host = HOST > 0.3 if ufunc.startswith("logical") else HOST
    if method == "accumulate" and axis is None:
        return
    got = pending(lambda: getattr(u, method)(on(device, host), axis=axis))
    check(got, getattr(u, method)(host, axis=axis), device)


def test_reduce_defaults_to_axis_0(device):
    requires(device, "float64")
    check(np.add.reduce(on(device, HOST)), np.add.reduce(HOST), device)
    check(np.maximum.reduce(on(device, HOST), axis=1), np.maximum.reduce(HOST, axis=1), device)
    with pytest.raises(TypeError, match="initial"):
        np.add.reduce(on(device, HOST), initial=1.0)


def test_outer(device):
    requires(device, "float64")
    a, b = HOST[0], HOST[1]
    check(np.add.outer(on(device, a), on(device, b)), np.add.outer(a, b), device)
    check(np.multiply.outer(on(device, HOST), b), np.multiply.outer(HOST, b), device)
    check(np.less.outer(on(device, a), on(device, b)), np.less.outer(a, b), device)


def test_other_libraries_get_their_turn(device):
    class Foreign:
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return "foreign"

        def __array_function__(self, func, types, args, kwargs):
            return "foreign"

    x = on(device, HOST.astype(np.float32))
    assert np.add(x, Foreign()) == "foreign"
    assert np.concatenate([x, Foreign()]) == "foreign"


# -- NEP 18 ---------------------------------------------------------------------------------------------
#: (id, call on (x, host twin)): each compared with the same call on NumPy arrays.
CALLS = [
    ("zeros_like", lambda x: np.zeros_like(x)), ("ones_like", lambda x: np.ones_like(x, dtype=np.int16)),
    ("full_like", lambda x: np.full_like(x, 7.5)), ("full_like_pos", lambda x: np.full_like(x, 3, np.int8)),
    ("round", lambda x: np.round(x * 10)), ("around", lambda x: np.around(x * 10)),
    ("clip", lambda x: np.clip(x, 0.3, 0.6)), ("clip_kw", lambda x: np.clip(x, min=0.3, max=None)),
    ("clip_arrays", lambda x: np.clip(x, HOST[0] - 0.1, 0.6)),
    ("real", lambda x: np.real(x + 2j * x)), ("imag", lambda x: np.imag(x + 2j * x)),
    ("copy", lambda x: np.copy(x)), ("astype", lambda x: np.astype(x, np.float32)),
    ("sum", lambda x: np.sum(x)), ("sum_axis", lambda x: np.sum(x, axis=1)),
    ("prod", lambda x: np.prod(x, 0)),
    ("max", lambda x: np.max(x)), ("amin", lambda x: np.amin(x, axis=0)),
    ("tril", lambda x: np.tril(x)), ("triu", lambda x: np.triu(x, 1)),
    ("transpose", lambda x: np.transpose(x)), ("transpose_axes", lambda x: np.transpose(x, (1, 0))),
    ("permute_dims", lambda x: np.permute_dims(x, (1, 0))), ("swapaxes", lambda x: np.swapaxes(x, 0, 1)),
    ("concatenate", lambda x: np.concatenate([x, x], axis=1)), ("stack", lambda x: np.stack((x, x))),
    ("reshape", lambda x: np.reshape(x, (3, 2))), ("ravel", lambda x: np.ravel(x)),
    ("where", lambda x: np.where(x > 0.3, x, 0.0)), ("expand_dims", lambda x: np.expand_dims(x, 0)),
    ("squeeze", lambda x: np.squeeze(x[:1])), ("flip", lambda x: np.flip(x, axis=1)),
    ("roll", lambda x: np.roll(x, 1, axis=1)), ("mean", lambda x: np.mean(x, axis=0)),
    ("std", lambda x: np.std(x, ddof=1)), ("var", lambda x: np.var(x, axis=1)),
    ("argmax", lambda x: np.argmax(x, axis=1)), ("sort", lambda x: np.sort(x[::-1], axis=0)),
    ("cumsum", lambda x: np.cumsum(x)), ("cumsum_axis", lambda x: np.cumsum(x, axis=1)),
    ("any", lambda x: np.any(x > 0.6, axis=0)), ("count_nonzero", lambda x: np.count_nonzero(x > 0.3)),
    ("searchsorted", lambda x: np.searchsorted(np.sort(x[0]), x[1])),
    ("take", lambda x: np.take(x, np.array([2, 0]), axis=1)), ("nonzero", lambda x: np.nonzero(x > 0.3)),
    ("take_along_axis", lambda x: np.take_along_axis(x, np.argsort(x, axis=1), axis=1)),
    ("unique_values", lambda x: np.unique_values(x)),
    ("broadcast_to", lambda x: np.broadcast_to(x[0], (4, 3))),
    ("broadcast_arrays", lambda x: np.broadcast_arrays(x, x[0])),
    ("moveaxis", lambda x: np.moveaxis(x, 0, 1)),
    ("tile", lambda x: np.tile(x, (2, 1))), ("repeat", lambda x: np.repeat(x, 2, axis=0)),
    ("diff", lambda x: np.diff(x, axis=1)), ("unstack", lambda x: np.unstack(x)),
    ("cumulative_sum", lambda x: np.cumulative_sum(x, axis=1, include_initial=True)),
    ("meshgrid", lambda x: np.meshgrid(x[0], x[1])),
    ("concat_numpy", lambda x: np.concatenate([HOST, x])),
    ("where_numpy", lambda x: np.where(HOST > 0.3, x, HOST)),
    ("matmul", lambda x: np.matmul(x, x.T)), ("dot", lambda x: np.dot(x, x.T)),
    ("tensordot", lambda x: np.tensordot(x, x, axes=([1], [1]))),
    ("norm", lambda x: np.linalg.norm(x)), ("norm_axis", lambda x: np.linalg.norm(x, axis=1)),
    ("norm_fro", lambda x: np.linalg.norm(x, ord="fro")), ("fft", lambda x: np.fft.fft(x)),
]


@pytest.mark.parametrize("call", [c for _, c in CALLS], ids=[i for i, _ in CALLS])
def test_numpy_functions_run_their_counterparts(device, call):
    requires(device, "float64")
    got = pending(lambda: call(on(device, HOST)))
    want = call(HOST)
    if isinstance(want, tuple | list):
        for g, w in zip(got, want, strict=True):
            check(g, w, device)
    else:
        check(got, want, device)


def test_metadata_and_dtype_functions(device):
    x = on(device, HOST.astype(np.float32))
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6 and np.size(x, 1) == 3
    assert np.result_type(x, np.int64) == cb.result_type(x, cb.int64)
    assert np.can_cast(x, np.float64) is True and np.can_cast(x, np.int8) is False


@pytest.mark.parametrize("call, arg", [
    (lambda x: np.sum(x, initial=1.0), "initial"), (lambda x: np.round(x, 2), "decimals"),
    (lambda x: np.zeros_like(x, order="F"), "order"), (lambda x: np.max(x, where=x > 0), "where"),
    (lambda x: np.clip(x, 0, 1, out=x), "out"), (lambda x: np.can_cast(x, np.int8, "unsafe"), "casting"),
], ids=["sum initial", "round decimals", "zeros_like order", "max where", "clip out", "can_cast casting"])
def test_numpy_only_arguments_raise(device, call, arg):
    x = on(device, HOST.astype(np.float32))
    with pytest.raises(TypeError, match=rf"numpy\..*: the argument {arg}=.* is not supported for cambrian"):
        call(x)


@pytest.mark.parametrize("call", [
    lambda x: np.allclose(x, x), lambda x: np.isclose(x, 0.5), lambda x: np.histogram(x),
    lambda x: np.unique(x), lambda x: np.einsum("ij->j", x), lambda x: np.linalg.eig(x),
    lambda x: np.fft.fft2(x), lambda x: np.percentile(x, 50), lambda x: np.array_equal(x, x),
], ids=["allclose", "isclose", "histogram", "unique", "einsum", "linalg.eig", "fft.fft2", "percentile",
        "array_equal"])
def test_unimplemented_functions_raise_naming_them(device, call):
    x = on(device, HOST.astype(np.float32))
    with pytest.raises(TypeError) as info:
        call(x)
    msg = str(info.value)
    assert msg.startswith("numpy.") and "is not implemented for cambrian.Array" in msg
    assert NEVER in msg and "cambrian.asnumpy(x)" in msg


def test_missing_counterpart_says_which():
    mapping = Mapping("no_such_function_yet", "a /")
    with pytest.raises(TypeError, match=r"numpy\.f .*cambrian\.no_such_function_yet does not exist yet"):
        mapping("numpy.f", (1,), {})


def test_table_is_sound():
    resolved = {_np_obj(name) for name in TABLE} - {None}  # aliases (np.concat is np.concatenate) once
    assert set(NUMPY_FUNCTIONS) == resolved and len(resolved) >= 100
    for name, (_, spec, _) in TABLE.items():  # every spec parses, its names are NumPy's parameters
        m = Mapping("x", spec)
        assert m.params, name


def _np_obj(dotted):
    obj = np
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
    return obj


def test_explicit_host_copies_still_work(device):
    x = on(device, HOST.astype(np.float32))
    for host in (np.asarray(x), np.array(x), cb.asnumpy(x), np.asarray(x, dtype=np.float64)):
        assert type(host) is np.ndarray
        np.testing.assert_array_equal(host, HOST.astype(np.float32))


UFUNC_SWEEP = sorted((u for u in vars(np).values() if isinstance(u, np.ufunc)), key=lambda u: u.__name__)


def test_no_ufunc_silently_returns_numpy(device):
    x = on(device, HOST.astype(np.float32))
    for u in UFUNC_SWEEP:
        try:
            got = u(*[x] * u.nin)
        except (TypeError, ValueError, UnsupportedFeatureError, NotImplementedError):
            continue
        for part in got if isinstance(got, tuple) else (got,):
            assert isinstance(part, Array) and part.device == device, u.__name__


def test_no_mapped_function_silently_returns_numpy(device):
    x = on(device, HOST.astype(np.float32))
    for func, (what, _) in NUMPY_FUNCTIONS.items():
        try:
            got = func(x)
        except Exception:  # wrong arity for this function, or a clear error: either way no host data
            continue
        parts = got if isinstance(got, tuple | list) else (got,)
        assert not any(isinstance(p, np.ndarray) for p in parts), what


# -- devices and Dask -----------------------------------------------------------------------------------
def test_float64_scalar_on_a_device_without_float64(monkeypatch, tmp_path):
    use_fake_backends(monkeypatch, tmp_path,
                      FakeBackend("interp", [{"name": "no-fp64 host", "kind": "cpu",
                                             "supports_float64": False}]))
    dev = cb.select_device("interp")
    x = on(dev, HOST.astype(np.float32))
    with pytest.raises(UnsupportedFeatureError, match="float64"):
        np.float64(2) * x  # NEP 50: a float64 result, which this device cannot hold
    with pytest.raises(UnsupportedFeatureError, match="float64"):
        x * np.float64(2)
    with pytest.raises(UnsupportedFeatureError, match="float64"):
        np.add(x, HOST)


def test_dask_chunks_stay_on_the_device(device):
    requires(device, "float64")
    da = pytest.importorskip("dask.array", reason="dask is not installed")
    import dask

    d = da.from_array(on(device, HOST), chunks=(1, 3))
    chunks = dask.compute(*da.exp(d * 2).to_delayed().ravel())
    assert all(isinstance(c, Array) and c.device == device for c in chunks)
    np.testing.assert_allclose(np.concatenate([cb.asnumpy(c) for c in chunks]), np.exp(HOST * 2), rtol=1e-6)
