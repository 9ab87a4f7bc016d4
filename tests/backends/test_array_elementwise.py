"""Every elementwise function of the namespace against NumPy (exactness rules: elementwise_cases.py),
on every device and path: the host path (NumPy on the device's memory: ``interp``, ``cpu``) and the
generated kernels (``cpu`` with ``HOST_MATH_MAX = 0``, ``opencl``), plus every scalar definition
called inside one generated ``@cb.kernel`` per dtype.

Compile time decides the kernel cases: the host path takes every dtype of every function; the array
call's generated kernel takes each function's first dtype on ``opencl`` (PoCL compiles in ~0.3 s) and
``CPU_KERNEL_CASES`` on ``cpu`` (Numba: ~1 s a kernel); the definitions are checked for every dtype in
grouped kernels, one per dtype (~20 s on Numba instead of ~60 separately; ``GROUPED`` trims ``cpu``).
"""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.array._elementwise import FUNCTIONS, TABLE
from cambrian.vectorize import kernel_namespace, make_function

from .elementwise_cases import (
    DTYPES,
    TRANSCENDENTAL,
    assert_matches,
    dtypes_of,
    elementwise_path,  # noqa: F401 (the fixture)
    expected_dtype,
    operands,
    reference,
)

#: (function, dtype) whose array call runs as a generated kernel on ``cpu``: the generated wrappers are
#: the same on every backend (all checked on opencl); these cover Numba's side of each kind: casts of
#: integer operands to float, bool results, integer and unsigned variants, complex definitions.
CPU_KERNEL_CASES = (("add", "int8"), ("divide", "int64"), ("exp", "int8"), ("abs", "complex128"),
                    ("isnan", "uint8"), ("less", "float64"), ("sign", "uint8"), ("nextafter", "float32"),
                    ("pow", "int8"), ("sqrt", "complex128"), ("exp", "complex128"), ("atanh", "complex128"))
#: Functions per dtype of the grouped definition kernels on a backend (default: all of every dtype).
#: Numba compiles ~0.3 s per function call in a kernel and complex code slowly: on ``cpu`` float32
#: takes the libm functions only, and uint8, bool and complex are left to the other devices.
GROUPED: dict[str, dict[str, frozenset[str] | None]] = {
    "cpu": {"float64": None, "int8": None, "float32": TRANSCENDENTAL},
}


def kernel_dtypes(name: str, device) -> list[str]:
    if device.backend == "cpu":
        return [d for n, d in CPU_KERNEL_CASES if n == name]
    return dtypes_of(name)[:1]


@pytest.mark.parametrize("name", list(TABLE))
def test_function_against_numpy(device, elementwise_path, name):  # noqa: F811 (the fixture)
    fn = getattr(cb, name)
    assert fn is FUNCTIONS[name]
    path = elementwise_path
    cases = dtypes_of(name) if path == "host" else kernel_dtypes(name, device)
    if not cases:
        pytest.skip(f"{name}: no generated kernel case on {device} (compile time; see CPU_KERNEL_CASES)")
    for dtype in cases:
        ins = operands(name, dtype)
        got = fn(*(cb.asarray(i, device=device) for i in ins))
        assert isinstance(got, cb.Array) and got.device == device
        assert got.shape == ins[0].shape
        assert got.dtype == np.dtype(expected_dtype(name, [dtype] * len(ins)))
        assert_matches(name, ins, cb.asnumpy(got), reference(name, ins), f" on {device} ({path}, {dtype})")


def grouped_kernel(dtype: str, names: frozenset[str] | None) -> tuple[
        cb.Kernel, list[tuple[str, int, int, int]], list[list[np.ndarray]], list[str]]:
    """One kernel calling every function (of ``names``) that takes ``dtype`` as ``cb.<name>(...)``.

    Returns the kernel, ``(name, operand set, output, row)`` per function, the operand sets and the
    output dtypes (one 2-D output per result dtype and operand set)."""
    sets: list[list[np.ndarray]] = []
    keys: dict[tuple[bytes, ...], int] = {}
    outs: dict[tuple[str, int], int] = {}
    rows: list[tuple[str, int, int, int]] = []
    for name in TABLE:
        if dtype not in dtypes_of(name) or (names is not None and name not in names):
            continue
        ins = operands(name, dtype)
        s = keys.setdefault(tuple(i.tobytes() for i in ins), len(sets))
        if s == len(sets):
            sets.append(ins)
        ret = FUNCTIONS[name].types([dtype] * len(ins))[0]
        o = outs.setdefault((ret, s), len(outs))
        rows.append((name, s, o, sum(1 for r in rows if r[2] == o)))
    params = [f"o{k}" for k in range(len(outs))] + [f"x{s}_{j}" for s, ins in enumerate(sets)
                                                      for j in range(len(ins))]
    lines = [f"def grouped_{dtype}({', '.join(params)}):", "    i = cb.get_global_id(0)"]
    for s, ins in enumerate(sets):
        lines.append(f"    if i < x{s}_0.shape[0]:")
        args = ", ".join(f"x{s}_{j}[i]" for j in range(len(ins)))
        lines += [f"        o{o}[{row}, i] = cb.{name}({args})" for name, s2, o, row in rows if s2 == s]
    fn = make_function("\n".join(lines) + "\n", f"grouped_{dtype}", "test", kernel_namespace())
    out_dtypes = [ret for (ret, _s) in outs]
    return cb.kernel(fn), rows, sets, out_dtypes


@pytest.mark.parametrize("dtype", DTYPES)
def test_definitions_inside_a_kernel(device, dtype):
    """``cb.exp(x)`` and every other function inside a kernel is its scalar definition (the complex
    one for complex operands); each result equals NumPy's."""
    chosen = GROUPED.get(device.backend, dict.fromkeys(DTYPES))
    if dtype not in chosen:
        pytest.skip(f"{dtype} definitions on {device}: compile time (checked on the other devices)")
    kern, rows, sets, out_dtypes = grouped_kernel(dtype, chosen[dtype])
    shapes = [(sum(1 for r in rows if r[2] == o), max(len(sets[r[1]][0]) for r in rows if r[2] == o))
              for o in range(len(out_dtypes))]
    outs = [cb.asarray(np.zeros(sh, dt), device=device) for sh, dt in zip(shapes, out_dtypes, strict=True)]
    args = [cb.asarray(a, device=device) for ins in sets for a in ins]
    kern[max(len(ins[0]) for ins in sets)](*outs, *args)
    host = [cb.asnumpy(o) for o in outs]
    for name, s, o, row in rows:
        ins = sets[s]
        assert_matches(name, ins, host[o][row, :len(ins[0])], reference(name, ins),
                       f" inside a kernel on {device} ({dtype})")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_kernel_on_host_functions(device, dtype, monkeypatch):
    """Large arrays of the ``KERNEL_ON_HOST`` functions run Cambrian's vectorised kernels on ``cpu`` too
    (faster there than NumPy's loops): within the documented 4 ulp of NumPy on every device, and on
    host-memory devices the very bits of the kernel path (HOST_MATH_MAX=0 forces it)."""
    from cambrian import elementwise
    from cambrian.array._elementwise import KERNEL_ON_HOST

    if dtype == "float64" and not device.supports_float64:
        pytest.skip("needs float64")
    n = elementwise.KERNEL_ON_HOST_MIN + 5
    a = (np.random.default_rng(7).random(n) * 6 - 1).astype(dtype)
    a[:3] = [0.0, 1.0, np.inf]
    x = cb.asarray(np.abs(a), device=device)
    tol = 4 * np.finfo(dtype).eps
    for name in ("exp", "expm1", "log", "tanh", "sqrt", "sin", "cos", "floor", "square", "reciprocal"):
        fn = FUNCTIONS[name]
        got = cb.asnumpy(fn(x))
        with np.errstate(all="ignore"):
            want = getattr(np, name)(np.abs(a))
        np.testing.assert_allclose(got, want, rtol=tol, err_msg=name)
        if device.impl.host_memory and device.backend != "interp" and dtype in KERNEL_ON_HOST[name]:
            fn._fast.clear()
            monkeypatch.setattr(elementwise, "HOST_MATH_MAX", 0)
            kernel = cb.asnumpy(fn(x))
            monkeypatch.undo()
            fn._fast.clear()
            assert got.tobytes() == kernel.tobytes(), name
