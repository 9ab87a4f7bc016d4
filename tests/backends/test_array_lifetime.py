"""Results die with their last reference, without the cyclic garbage collector, so memory pools can
reuse their blocks at once (a result kept alive by a reference cycle made every new 80 MB result pay
its page faults again)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import cambrian as cb
from cambrian.array import _whole


@cb.vectorize
def _twice(v):  # type: ignore[no-untyped-def]
    return v * 2.0


@cb.fuse
def _affine(x):  # type: ignore[no-untyped-def]
    return x * 2.0 + 1.0


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


CALLS: dict[str, tuple[Callable[[Any], Any], Callable[[np.ndarray], Any]]] = {
    "vectorize": (_twice, lambda a: a * 2.0),
    "fuse": (_affine, lambda a: a * 2.0 + 1.0),
    "elementwise": (lambda x: cb.exp(x), np.exp),
    "operator": (lambda x: x * 2.0 + x, lambda a: a * 2.0 + a),
    "reduction": (lambda x: cb.sum(x * x), lambda a: np.sum(a * a)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_results_are_freed_by_reference_counting(device: cb.Device, no_cyclic_gc: None, name: str) -> None:
    host = np.linspace(0.0, 1.0, 100_000, dtype=np.float32)
    x = cb.asarray(host, device=device)
    call, reference = CALLS[name]
    call(x)  # compiled and planned: the plans hold no result
    result = call(x)
    np.testing.assert_allclose(cb.asnumpy(result), reference(host), rtol=1e-5)
    refs = (weakref.ref(result), weakref.ref(result._buffer))  # the array and its memory
    # a 0-d result on an OpenCL device's host memory takes a slot of the device's current 4 KiB slab,
    # which the slab table holds until it is full (array/_whole.py): that memory is meant to stay
    slab = _whole._SLABS.get(device)
    in_slab = slab is not None and slab[0] is result._buffer
    del result
    assert refs[0]() is None, f"a {name} result outlived its last reference (a reference cycle holds it)"
    if in_slab:
        assert _whole._SLABS[device][0] is refs[1](), "a slot's slab is held by anything but the slab table"
        return
    assert refs[1]() is None, f"the memory of a {name} result outlived it (a reference cycle holds it)"
