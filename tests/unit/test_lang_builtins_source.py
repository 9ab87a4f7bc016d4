"""Issue 19 builtins in generated source without a device: CUDA C of round, math.modf/frexp/ldexp,
popc/clz/ffs, complex ``**`` and print renders (and compiles with nvcc where present); front-end errors."""

from __future__ import annotations

import linecache
import math
import re

import pytest

import cambrian as cb
from cambrian.compiler import ir

from .nvcc import NVCC, compile_failures


@cb.kernel
def k_all(x, z, n, r, out, zo, bits):
    i = cb.get_global_id(0)
    r[i] = round(x[i])
    f, w = math.modf(x[i])
    m, e = math.frexp(x[i])
    out[i] = f + w + m + math.ldexp(m, e) + math.degrees(x[i]) + math.radians(x[i]) + round(x[i], 3)
    zo[i] = z[i] ** z[i] + z[i] ** 2 + z[i] ** 0.5
    bits[i] = cb.popc(n[i]) + cb.clz(n[i]) + cb.ffs(n[i])
    print("i", i, x[i], f"{z[i]}", n[i] > 0)


def _types(real: str, cplx: str, integer: str) -> tuple[ir.Type, ...]:
    A = ir.ArrayT
    return (A(real, 1, "global", "C"), A(cplx, 1, "global", "C"), A(integer, 1, "global", "C"),
            A("int64", 1, "global", "C"), A(real, 1, "global", "C"), A(cplx, 1, "global", "C"),
            A("int32", 1, "global", "C"))


CASES = {"f32": _types("float32", "complex64", "int8"), "f64": _types("float64", "complex128", "uint64")}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cuda_source_of_builtins(case) -> None:
    src = k_all.source("cuda", *CASES[case])
    assert "rint" in src and "ldexp" in src  # round and frexp's mantissa
    assert "popc64" in src and "clz64" in src and "ffs64" in src and "frexp_exp" in src
    assert "c_pow" in src  # complex ** through the namespace's definition
    assert "atomicAdd" in src and "v__cb_print_i" in src  # print: a record row per call


@pytest.mark.skipif(NVCC is None, reason="nvcc not found")
def test_cuda_builtins_compile_with_nvcc(tmp_path) -> None:
    sources = ((f"builtins_{c}", k_all.source("cuda", *t)) for c, t in CASES.items())
    failures = compile_failures(sources, tmp_path)
    assert not failures, "\n".join(failures)


def test_print_sites_in_the_module() -> None:
    module = k_all.module(CASES["f32"])
    assert [p.name for p in module.kernel.params[-3:]] == ["_cb_print_n", "_cb_print_i", "_cb_print_f"]
    ((_, line, sep, end, args),) = module.prints
    assert (sep, end) == (" ", "\n") and line > 0
    assert [a[0][0] for a in args] == ["s", "v", "v", "v", "v"]
    assert args[3][0][1] == "complex64" and args[4][0][1] == "bool"


def _err(body: str) -> str:
    ns: dict = {}
    src = ("import math\nimport cambrian as cb\n@cb.kernel\ndef k(a, z, m):\n    i = cb.get_global_id(0)\n"
           f"{body}\n")
    name = f"<lang_builtins_{abs(hash(body))}>"
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    exec(compile(src, name, "exec"), ns)
    with pytest.raises(cb.CambrianError) as exc:
        ns["k"].module((ir.ArrayT("float64", 1, "global", "C"), ir.ArrayT("complex128", 1, "global", "C"),
                        ir.Scalar("int64")))
    return str(exc.value)


@pytest.mark.parametrize(("body", "message"), [
    ("    a[i] = math.modf(a[i])", r"returns a tuple: unpack it"),
    ("    a[i] = round(z[i])", r"round\(\) of a complex number is not supported"),
    ("    a[i] = cb.popc(a[i])", r"needs an integer operand, got float64"),
    ("    a[i] = math.ldexp(a[i], 1.5)", r"exponent of math.ldexp\(\) must be an integer"),
    ("    a[i] = print(a[i])", r"print\(\) is a statement"),
    ("    print(a)", r"must be a scalar"),
    ("    print(a[i], sep=a[i])", r"sep= and end= with string literals"),
    ("    t = cb.private_array(len(a), cb.float32)", r"must be a constant integer"),  # an expression
    ("    n = len(a)\n    t = cb.private_array(n, cb.float32)", r"the local 'n' is not a constant"),
    ("    t = cb.private_array(m, cb.float32)", r"'m' is a parameter, a run-time value"),
])
def test_builtin_errors(body, message) -> None:
    assert re.search(message, _err(body)), _err(body)
