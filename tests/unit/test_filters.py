"""Device filter strings: grammar, errors and matching (fake devices, no hardware)."""

from __future__ import annotations

import pytest

from cambrian.backends.base import Device
from cambrian.devices import Term, match, parse_filter
from cambrian.errors import DeviceError, FilterSyntaxError

GOOD = [
    ("cpu", [Term("cpu")]),
    ("opencl", [Term("opencl")]),
    ("opencl:gpu", [Term("opencl", "gpu")]),
    ("opencl:cpu:0", [Term("opencl", "cpu", 0)]),
    ("cuda:1", [Term("cuda", None, 1)]),
    ("gpu", [Term(None, "gpu")]),
    (":cpu", [Term(None, "cpu")]),
    ("*:cpu", [Term(None, "cpu")]),
    ("*:*:2", [Term(None, None, 2)]),
    ("interp", [Term("interp")]),
    ("*", [Term()]),
    ("accelerator:0", [Term(None, "accelerator", 0)]),
    ("cuda,opencl:gpu", [Term("cuda"), Term("opencl", "gpu")]),
    ("  OpenCL : GPU , Cuda ", [Term("opencl", "gpu"), Term("cuda")]),
    ("opencl::3", [Term("opencl", None, 3)]),
]


@pytest.mark.parametrize(("text", "terms"), GOOD, ids=[g[0] for g in GOOD])
def test_parse(text, terms):
    assert list(parse_filter(text)) == terms


BAD = [
    ("opencl::x", "'x'"),
    ("foo", "'foo'"),
    ("cuda:-1", "'-1'"),
    ("", "empty"),
    ("   ", "empty"),
    ("opencl:gpu:0:1", "4 parts"),
    ("cuda,", "empty alternative"),
    ("gpu:opencl", "'opencl' is out of place"),
    ("0:gpu", "'gpu' is out of place"),
    ("cpu:cpu:cpu", "'cpu' is out of place"),
    ("opencl:1.5", "'1.5'"),
]


@pytest.mark.parametrize(("text", "needle"), BAD, ids=[repr(b[0]) for b in BAD])
def test_malformed_filters_raise_clear_errors(text, needle):
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)
    msg = str(info.value)
    assert needle in msg
    assert "backend:kind:ordinal" in msg  # the grammar is part of the message
    assert isinstance(info.value, DeviceError) and isinstance(info.value, ValueError)


def test_non_string_filter():
    with pytest.raises(FilterSyntaxError, match="must be a string"):
        parse_filter(3)  # type: ignore[arg-type]


def _dev(backend: str, kind: str, ordinal: int | None) -> Device:
    return Device(backend=backend, kind=kind, ordinal=ordinal, name=f"{backend}-{kind}-{ordinal}")


LISTED = [_dev("interp", "cpu", None), _dev("cpu", "cpu", None), _dev("opencl", "cpu", 0),
          _dev("opencl", "gpu", 0), _dev("opencl", "gpu", 1), _dev("cuda", "gpu", 0), _dev("cuda", "gpu", 1)]


MATCHES = [
    ("cpu", ["cpu"]),
    ("opencl:cpu", ["opencl:cpu:0"]),
    (":cpu", ["interp", "cpu", "opencl:cpu:0"]),
    ("*:cpu", ["interp", "cpu", "opencl:cpu:0"]),
    ("gpu", ["opencl:gpu:0", "opencl:gpu:1", "cuda:0", "cuda:1"]),
    ("opencl:gpu:1", ["opencl:gpu:1"]),
    ("opencl:1", ["opencl:gpu:0"]),  # the ordinal indexes the backend's devices when no kind is given
    ("cuda:1", ["cuda:1"]),
    ("cuda:2", []),
    ("gpu:2", ["cuda:0"]),
    ("cpu:0", ["cpu"]),
    ("interp", ["interp"]),
    ("accelerator", []),
]


@pytest.mark.parametrize(("text", "expected"), MATCHES, ids=[m[0] for m in MATCHES])
def test_match(text, expected):
    (group,) = match(parse_filter(text), LISTED)
    assert [str(d) for d in group] == expected


def test_filter_strings_of_devices_select_themselves():
    for d in LISTED:
        (group,) = match(parse_filter(str(d)), LISTED)
        assert group == [d]


def test_term_str_round_trips():
    for text, _ in GOOD:
        for term in parse_filter(text):
            assert parse_filter(str(term)) == (term,)
