"""NVRTC builds of the CUDA backend without a GPU: the same render + options + compile path as
``CUDABackend.compile``, down to PTX/cubin (skipped where libnvrtc is missing), and the disk cache."""

from __future__ import annotations

import re

import numpy as np
import pytest

import cambrian as cb
from cambrian.backends import cuda, cuda_nvrtc
from cambrian.backends import cuda_launch as cl
from cambrian.compiler import ir
from cambrian.errors import CompileError

try:
    NVRTC = cuda_nvrtc.nvrtc_version()
    WHY = ""
except RuntimeError as exc:
    NVRTC, WHY = None, str(exc)

pytestmark = pytest.mark.skipif(NVRTC is None, reason=f"NVRTC not available ({WHY})")

F32 = ir.Scalar("float32")
A1 = ir.ArrayT("float32", 1, layout="C")


def vadd_module(boundscheck: bool = False) -> ir.Module:
    """``c[i] = a[i] + b[i]`` with ``i = get_global_id(0)``, built by hand (no front end needed)."""
    i = ir.Name(ir.INT64, name="i")
    a, b, c = (ir.Name(A1, name=n) for n in "abc")
    gid = ir.Call(ir.INT64, name="get_global_id", args=(ir.Const(ir.INT64, value=0),))
    total = ir.Binary(F32, op="add", left=ir.Index(F32, array=a, indices=(i,)),
                      right=ir.Index(F32, array=b, indices=(i,)))
    body = (ir.Assign(name="i", value=gid), ir.Store(array=c, indices=(i,), value=total))
    fn = ir.Function("vadd", tuple(ir.Param(n, A1) for n in "abc"), None, body, locals=(("i", ir.INT64),),
                     is_kernel=True, py_name="vadd")
    return ir.Module(fn, boundscheck=boundscheck)


def build(module: ir.Module, cc: int = 80, kind: str | None = None) -> cuda_nvrtc.Binary:
    arch, default_kind = cl.choose_arch(cc, cuda_nvrtc.supported_archs())
    kind = kind or default_kind
    if kind == "ptx":
        arch = arch.replace("sm_", "compute_")
    rendered = cuda.render(module)
    return cuda_nvrtc.compile_source(rendered.source, cl.nvrtc_options(arch), kind, "t")


@pytest.mark.parametrize("boundscheck", [False, True])
def test_vadd_compiles_to_ptx_and_cubin(boundscheck: bool) -> None:
    module = vadd_module(boundscheck)
    rendered = cuda.render(module)
    assert rendered.kernel_name in rendered.source and "cb_gs0" in rendered.source
    assert cuda.renderer_guards(rendered.source)
    ptx = build(module, kind="ptx")
    assert ptx.kind == "ptx" and f".entry {rendered.kernel_name}" in ptx.data.decode()
    assert ptx.data.endswith(b"\0")
    assert "fma.rn" not in ptx.data.decode()  # --fmad=false: no contraction
    cubin = build(module, kind="cubin")
    assert cubin.data[:4] == b"\x7fELF"
    plan = cl.arg_plan(module.kernel)
    params = 1 + max(int(n) for n in re.findall(rf"{rendered.kernel_name}_param_(\d+)", ptx.data.decode()))
    # pointer + offset + shape per C-layout array, error record, 3 global sizes
    assert params == sum(2 + s.ndim for s in plan[0]) + boundscheck + 3


def test_compile_error_keeps_source_and_log() -> None:
    src = 'extern "C" __global__ void k_bad(float* a) { a[0] = undefined_name; }'
    with pytest.raises(CompileError, match="NVRTC could not compile kernel bad") as info:
        cuda_nvrtc.compile_source(src, cl.nvrtc_options("-arch=sm_80"), "cubin", "bad")
    assert info.value.source == src and "undefined_name" in info.value.log


def test_disk_cache_reuses_and_rebuilds(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMBRIAN_CACHE_DIR", str(tmp_path))
    src = cuda.render(vadd_module()).source
    opts = cl.nvrtc_options("-arch=sm_80")
    key = cl.program_key(vadd_module().key(), "cuda|test", opts, NVRTC)
    first = cuda_nvrtc.cached_binary(key, src, opts, "cubin", "vadd")
    entry = tmp_path / "cuda" / key[:2] / key
    assert sorted(p.name for p in entry.iterdir()) == ["kernel.cubin", "meta.json", "source.cu"]
    assert (entry / "source.cu").read_text() == src

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("recompiled despite a cache entry")

    monkeypatch.setattr(cuda_nvrtc, "compile_source", boom)
    assert cuda_nvrtc.cached_binary(key, src, opts, "cubin", "vadd").data == first.data
    monkeypatch.undo()
    monkeypatch.setenv("CAMBRIAN_CACHE_DIR", str(tmp_path))
    (entry / "kernel.cubin").unlink()
    with pytest.warns(UserWarning, match="corrupt cache entry"):
        again = cuda_nvrtc.cached_binary(key, src, opts, "cubin", "vadd")
    assert again.data[:4] == b"\x7fELF" and (entry / "kernel.cubin").exists()


def test_kernel_corpus_compiles_with_nvrtc() -> None:
    """Every kernel of tests/backends/corpus.py, rendered and built exactly as the backend does
    (PTX for compute_80, the options of CUDABackend.compile)."""
    from ..backends.corpus import CASES

    failures, seen = [], set()
    for case in CASES:
        if case.kernel in seen:
            continue
        seen.add(case.kernel)
        kern = case.kernel if isinstance(case.kernel, cb.Kernel) else cb.kernel(case.kernel)
        module = kern.ir(*case.make(np.random.default_rng(0)))
        try:
            binary = build(module, kind="ptx")
        except CompileError as exc:
            failures.append(f"{case.name}: {exc.log[-1500:]}")
            continue
        if b".entry" not in binary.data:
            failures.append(f"{case.name}: no .entry in the PTX")
    assert len(seen) > 10
    assert not failures, "\n\n".join(failures)
