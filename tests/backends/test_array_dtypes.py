"""Data types and the data type functions (astype, can_cast, finfo, iinfo, isdtype, result_type) against
NumPy, astype on every device (contiguous and strided inputs); dtype equality."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import cambrian as cb
from cambrian import dtypes
from cambrian.errors import PlacementError
from cambrian.testing import requires

ALL = dtypes.ALL
INTS = [0, 1, -1, 2, 7, 100, -100, 127, -128, 128, 255, 256, -129, 32767, -32768, 65535, 65536,
        2**31 - 1, -2**31, 2**32 - 1, 2**32, 2**53 + 1, 2**63 - 1, -2**63, 2**64 - 1]
FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 2.7, -2.7, 100.9, -100.9, 126.99, 1e5, -3e9,
          3.4e38, 1e300, 1e-40, 1e-310, np.inf, -np.inf, np.nan]


def need(device, *names: str) -> None:
    if any(map(dtypes.needs_float64, names)):
        requires(device, "float64")


def values(src: str) -> np.ndarray:
    """Interesting values of dtype ``src`` (24 of them, for 1-D and (4, 6) layouts)."""
    if src == "bool":
        out = np.array([True, False, False, True] * 6)
    elif dtypes.is_integer(src):
        out = np.array([v % 2**64 for v in INTS], np.uint64).astype(src)  # wraps as a C cast does
    else:
        with np.errstate(over="ignore"):
            re = np.array(FLOATS, np.float64).astype(dtypes.real_of(src))
        if dtypes.is_float(src):
            out = re
        else:
            out = np.empty(re.size, src)
            out.real, out.imag = re, np.roll(re, 5)
    return np.resize(out, 24)


def expected(host: np.ndarray, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """NumPy's cast and the mask of elements the standard specifies (float -> integer is defined only
    for finite values whose truncation fits the target)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        want = host.astype(dst)
    mask = np.ones(host.shape, bool)
    if dtypes.is_integer(dst) and host.dtype.kind == "f":
        info = np.iinfo(dst)
        with np.errstate(invalid="ignore"):
            t = np.trunc(host.astype(np.float64))
            mask = np.isfinite(t) & (t >= info.min) & (t <= info.max)
    return want, mask


ALLOWED = [(s, d) for s, d in itertools.product(ALL, ALL)
           if not (dtypes.is_complex(s) and not (dtypes.is_complex(d) or d == "bool"))]


def check_cast(x, host: np.ndarray, dst: str, device) -> None:
    out = cb.astype(x, getattr(cb, dst))
    assert out.dtype == np.dtype(dst) and out.shape == host.shape and out.device == device
    assert out.c_contiguous
    want, mask = expected(host, dst)
    got = cb.asnumpy(out)
    np.testing.assert_array_equal(got[mask], want[mask], err_msg=f"{host.dtype}->{dst}")
    if got.dtype.kind in "fc":  # -0.0 stays -0.0
        for part in ("real", "imag"):
            g, w = getattr(got, part), getattr(want, part)
            ok = ~np.isnan(w)
            assert np.array_equal(np.signbit(g[ok]), np.signbit(w[ok])), f"{host.dtype}->{dst} {part}"


@pytest.mark.parametrize(("src", "dst"), ALLOWED, ids=[f"{s}->{d}" for s, d in ALLOWED])
def test_astype_every_allowed_pair(device, src, dst):
    need(device, src, dst)
    host = values(src)
    check_cast(cb.asarray(host, device=device), host, dst, device)


# every source and every target dtype once or more in a strided layout (the n-d kernel; the cast itself
# is the same code as above, and each pair costs a kernel compile)
STRIDED = [(s, d) for k, s in enumerate(ALL) for d in (ALL[(k + 1) % len(ALL)], ALL[(k + 6) % len(ALL)])
           if (s, d) in ALLOWED]


@pytest.mark.parametrize(("src", "dst"), STRIDED, ids=[f"{s}->{d}" for s, d in STRIDED])
def test_astype_strided_inputs(device, src, dst):
    need(device, src, dst)
    host = values(src).reshape(4, 6)
    x = cb.asarray(host, device=device)
    check_cast(x[::-1, 1::2], host[::-1, 1::2], dst, device)  # reversed rows, every other column
    check_cast(x[2:, None, ::-3], host[2:, None, ::-3], dst, device)


@pytest.mark.parametrize("src", dtypes.COMPLEX)
@pytest.mark.parametrize("dst", dtypes.INTEGER + dtypes.FLOATING)
def test_astype_complex_to_real_is_refused(device, src, dst):
    need(device, src)
    x = cb.asarray(np.array([1 + 2j], src), device=device)
    with pytest.raises(TypeError, match=r"imaginary part.*real\(x\) or imag\(x\)"):
        cb.astype(x, getattr(cb, dst))


def test_astype_bool_semantics(device):
    """The standard's notes: True -> 1 / 1+0j, 0 -> False, any non-zero (nan, 0+1j) -> True."""
    b = cb.asarray([True, False], device=device)
    assert cb.asnumpy(cb.astype(b, cb.float32)).tolist() == [1.0, 0.0]
    assert cb.asnumpy(cb.astype(b, cb.complex64)).tolist() == [1 + 0j, 0j]
    f = cb.asarray(np.array([0.0, -0.0, np.nan, 1e-30], np.float32), device=device)
    assert cb.asnumpy(cb.astype(f, cb.bool)).tolist() == [False, False, True, True]
    z = cb.asarray(np.array([0j, 1j, complex(0, -0.0), 2 + 0j], np.complex64), device=device)
    assert cb.asnumpy(cb.astype(z, cb.bool)).tolist() == [False, True, False, True]


def test_astype_float_to_int_truncates(device):
    x = cb.asarray(np.array([2.9, -2.9, 0.5, -0.5, 126.99], np.float32), device=device)
    assert cb.asnumpy(cb.astype(x, cb.int8)).tolist() == [2, -2, 0, 0, 126]
    assert cb.asnumpy(cb.astype(x[::2], cb.uint8)).tolist() == [2, 0, 126]


def test_astype_copy_keyword(device):
    x = cb.asarray(np.arange(6, dtype=np.int32), device=device)
    assert cb.astype(x, cb.int32, copy=False) is x
    assert cb.astype(x, np.dtype("int32"), copy=False) is x
    y = cb.astype(x, cb.int32)  # copy=True: always a new array
    assert y is not x and y._buffer is not x._buffer
    x[0] = 42
    assert cb.asnumpy(y).tolist() == [0, 1, 2, 3, 4, 5]
    z = cb.astype(x, cb.int16, copy=False)  # a dtype change always copies
    assert z is not x and z.dtype == np.int16 and cb.asnumpy(z).tolist() == [42, 1, 2, 3, 4, 5]
    v = cb.astype(x[1::2], cb.int32, copy=True)  # same dtype, strided: a contiguous copy
    assert v.c_contiguous and cb.asnumpy(v).tolist() == [1, 3, 5]


@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (1, 1, 1)])
def test_astype_empty_and_0d(device, shape):
    host = np.full(shape, 3.75, np.float32)
    out = cb.astype(cb.asarray(host, device=device), cb.int16)
    assert out.shape == shape and out.dtype == np.int16
    assert np.array_equal(cb.asnumpy(out), host.astype(np.int16))


def test_astype_to_another_device(device, interp_device):
    x = cb.asarray(np.array([1.5, -2.5], np.float32), device=device)
    out = cb.astype(x, cb.int32, device=interp_device)
    assert out.device == interp_device and cb.asnumpy(out).tolist() == [1, -2]
    same = cb.astype(x, cb.float32, copy=False, device=interp_device)
    assert same.device == interp_device and cb.asnumpy(same).tolist() == [1.5, -2.5]
    assert cb.astype(x, cb.float32, device=str(device)).device == device


def test_astype_bad_arguments(device):
    x = cb.asarray([1, 2], device=device)
    for bad in (None, float, "float16", {}):
        with pytest.raises(TypeError, match="astype"):
            cb.astype(x, bad)
    with pytest.raises(TypeError, match=r"cambrian\.Array"):
        cb.astype(np.arange(2), cb.int8)


# -- result_type and can_cast against NumPy 2 (NEP 50) ----------------------------------------------
PAIRS = list(itertools.product(ALL, ALL))


def test_result_type_of_dtypes_is_numpys():
    for a, b in PAIRS:
        got = cb.result_type(getattr(cb, a), getattr(cb, b))
        assert got == np.result_type(a, b) and got is getattr(cb, got.name), (a, b)
        assert cb.result_type(np.dtype(a), getattr(cb, b)) == got  # NumPy dtypes are dtypes too
    for a, b, c in itertools.product(ALL[::2], ALL[1::2], ALL[::3]):
        assert cb.result_type(getattr(cb, a), getattr(cb, b), getattr(cb, c)) == np.result_type(a, b, c)


@pytest.mark.parametrize("scalar", [True, 1, -1, 1.0, 1j])
def test_result_type_with_python_scalars_is_nep50(scalar):
    for a in ALL:
        want = np.result_type(np.dtype(a), scalar)
        assert cb.result_type(getattr(cb, a), scalar) == want, (a, scalar)
        assert cb.result_type(scalar, getattr(cb, a), scalar) == want, (a, scalar)


def test_result_type_with_arrays(device):
    for a, b in PAIRS[::7]:
        if not device.supports_float64 and any(map(dtypes.needs_float64, (a, b, np.result_type(a, b).name))):
            continue
        x = cb.empty(2, dtype=a, device=device)
        assert cb.result_type(x, getattr(cb, b)) == np.result_type(a, b)
        assert cb.result_type(x, 2.5) == np.result_type(np.dtype(a), 2.5)
    other = next((d for d in cb.devices() if d != device), None)
    if other is not None:
        with pytest.raises(PlacementError, match="result_type"):
            cb.result_type(cb.empty(1, device=device), cb.empty(1, device=other))


def test_result_type_errors():
    with pytest.raises(ValueError, match="at least one array or dtype"):
        cb.result_type()
    with pytest.raises(ValueError, match="at least one array or dtype"):
        cb.result_type(1, 2.0)
    for bad in (None, float, "float16", [1, 2]):
        with pytest.raises(TypeError, match="result_type"):
            cb.result_type(cb.int8, bad)


def test_can_cast_is_numpys_safe_casting():
    for a, b in PAIRS:
        got = cb.can_cast(getattr(cb, a), getattr(cb, b))
        assert got is bool(np.can_cast(a, b, "safe")), (a, b)
        assert got == (np.result_type(a, b) == np.dtype(b)), (a, b)  # "by the promotion rules"


def test_can_cast_accepts_arrays(device):
    x = cb.asarray(np.zeros(2, np.int16), device=device)
    assert cb.can_cast(x, cb.int32) and not cb.can_cast(x, cb.int8) and cb.can_cast(x, cb.float32)
    with pytest.raises(TypeError, match="can_cast"):
        cb.can_cast(x, None)
    with pytest.raises(TypeError, match="can_cast"):
        cb.can_cast("int8x", cb.int8)


# -- finfo, iinfo, isdtype --------------------------------------------------------------------------
@pytest.mark.parametrize("name", dtypes.FLOATING + dtypes.COMPLEX)
def test_finfo_is_numpys(name, device):
    real = dtypes.real_of(name)
    ref = np.finfo(real)
    args = [getattr(cb, name), np.dtype(name), np.dtype(name).type]
    if device.supports_float64 or not dtypes.needs_float64(name):
        args.append(cb.empty(1, dtype=name, device=device))
    for arg in args:
        f = cb.finfo(arg)
        assert (f.bits, f.eps, f.max, f.min, f.smallest_normal) == (
            ref.bits, float(ref.eps), float(ref.max), float(ref.min), float(ref.smallest_normal))
        assert all(type(v) is float for v in (f.eps, f.max, f.min, f.smallest_normal)) and type(f.bits) is int
        assert f.dtype is getattr(cb, real)


@pytest.mark.parametrize("name", dtypes.INTEGER)
def test_iinfo_is_numpys(name, device):
    ref = np.iinfo(name)
    for arg in (getattr(cb, name), np.dtype(name), cb.empty(1, dtype=name, device=device)):
        i = cb.iinfo(arg)
        assert (i.bits, i.max, i.min) == (ref.bits, ref.max, ref.min)
        assert all(type(v) is int for v in (i.bits, i.max, i.min)) and i.dtype is getattr(cb, name)


def test_finfo_iinfo_refuse_the_other_kinds():
    for name in ("bool", *dtypes.INTEGER):
        with pytest.raises(TypeError, match=r"finfo: .* not a floating"):
            cb.finfo(getattr(cb, name))
    for name in ("bool", *dtypes.FLOATING, *dtypes.COMPLEX):
        with pytest.raises(TypeError, match=r"iinfo: .* not an integer"):
            cb.iinfo(getattr(cb, name))
    with pytest.raises(TypeError, match="finfo"):
        cb.finfo(None)


KIND_OF = {"bool": {"bool"}, "signed integer": set(dtypes.SIGNED), "unsigned integer": set(dtypes.UNSIGNED),
           "integral": set(dtypes.INTEGER), "real floating": set(dtypes.FLOATING),
           "complex floating": set(dtypes.COMPLEX), "numeric": set(ALL) - {"bool"}}


def test_isdtype_kinds_dtypes_and_tuples():
    for name, kind in itertools.product(ALL, KIND_OF):
        assert cb.isdtype(getattr(cb, name), kind) is (name in KIND_OF[kind]), (name, kind)
        assert cb.isdtype(np.dtype(name), kind) is (name in KIND_OF[kind])
    for a, b in PAIRS:
        assert cb.isdtype(getattr(cb, a), getattr(cb, b)) is (a == b)
    assert cb.isdtype(cb.int8, ("real floating", cb.int8)) and cb.isdtype(cb.uint8, ("bool", "integral"))
    assert not cb.isdtype(cb.float32, ("integral", cb.float64)) and not cb.isdtype(cb.float32, ())


def test_isdtype_errors():
    with pytest.raises(ValueError, match="unknown kind 'floating'"):
        cb.isdtype(cb.float32, "floating")
    with pytest.raises(TypeError, match="isdtype"):
        cb.isdtype(cb.float32, 3)
    with pytest.raises(TypeError, match="isdtype"):
        cb.isdtype(None, "bool")


# -- dtype objects ----------------------------------------------------------------------------------
def test_dtype_objects():
    assert cb.bool is cb.bool_ and [getattr(cb, n).name for n in ALL] == list(ALL)
    for n in ALL:
        assert cb.isdtype(getattr(cb, n), getattr(cb, n)) and repr(getattr(cb, n)) == f"cambrian.{n}"
        assert np.dtype(getattr(cb, n)) == np.dtype(n)


@pytest.mark.parametrize("name", ALL)
def test_dtype_equality_is_exact_and_never_raises(name):
    d = getattr(cb, name)
    np_dtype, np_type = np.dtype(name), np.dtype(name).type
    for same in (d, np_dtype, np_type, np.dtype(np_dtype.str)):
        assert d == same and same == d and not (d != same) and not (same != d)
    assert hash(d) == hash(np_dtype) and {np_dtype: 1}[d] == 1 and d in {np_dtype}
    others = [getattr(cb, n) for n in ALL if n != name] + [np.dtype(n) for n in ALL if n != name]
    weird = [None, name, "f8", {}, {"a": 1}, [], 0, 1.0, object(), float, int, bool, complex,
             np.array([1.0, 2.0]), np.float16, np.dtype("float16"), np.floating]
    if np_dtype.itemsize > 1:
        weird.append(np_dtype.newbyteorder())  # the same numbers, swapped bytes: another dtype
    for other in others + weird:
        assert (d == other) is False and (d != other) is True, other
    assert d != np.dtype("S3") and d != np.dtype([("a", "f4")])


def test_array_dtype_stays_numpy_and_compares_both_ways(device):
    x = cb.empty(1, dtype=cb.float32, device=device)
    assert isinstance(x.dtype, np.dtype) and x.dtype == cb.float32 and cb.float32 == x.dtype
    assert cb.float64 != None  # noqa: E711 (today np.dtype(None) is float64)
