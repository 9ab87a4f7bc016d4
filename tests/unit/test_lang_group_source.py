"""Issue 19's kernels as generated source (no device needed): CUDA C with native warp shuffles and atomics
compiles with ``nvcc --ptx``; OpenCL C spells the 64-bit atomics with the int64 extension; the front end
lowers collectives to barriers and one local scratch array per dtype."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb
from cambrian.compiler import ir, render_c
from cambrian.compiler.frontend_group import SCRATCH

from ..backends import test_lang_group as lg
from .nvcc import NVCC, compile_failures

INTS = ("int32", "uint32", "int64", "uint64")


@cb.kernel
def narrow_shuffles(a8, b16, c, out):
    i = cb.get_global_id(0)
    lane = cb.get_sub_group_local_id()
    a8[i] = cb.sub_group_shuffle(a8[i], lane ^ 1)
    b16[i] = cb.sub_group_reduce_max(b16[i])
    c[i] = cb.sub_group_broadcast(c[i], 0)
    out[i] = cb.sub_group_reduce_add(c[i]) + cb.sub_group_reduce_min(cb.int16(i))


def _modules() -> list[tuple[str, ir.Module]]:
    z = np.zeros
    out = []
    for dt in INTS:
        out.append((f"bits_{dt}", lg.bit_atomics.ir(z(4, dt), z(5, dt), z(4, dt))))
        local = lg._bit_atomics_local(getattr(cb, dt))
        out.append((f"bits_local_{dt}", local.ir(z(4, dt), z(5, dt), z(4, dt))))
        out.append((f"wrap_{dt}", lg.wrap_edges.ir(z(8, dt), z(8, dt), z(8, dt))))
    for dt in ("int32", "uint32", "int64", "float32", "float64"):
        for part, kern in (("reductions", lg.reductions), ("inclusive", lg.inclusive_scans),
                           ("exclusive", lg.exclusive_scans_broadcast)):
            out.append((f"{part}_{dt}", kern.ir(z(4, dt), z((10, 4), dt))))
        if dt in ("int32", "float64"):
            out.append((f"subgroups_{dt}", lg.subgroups.ir(z(4, dt), z((7, 4), dt))))
    out += [("votes", lg.votes.ir(z(4, np.int32), z((5, 4), np.int32))),
            ("scan_2d", lg.scan_2d.ir(z((4, 4), np.int64), z((4, 4), np.int64))),
            ("big_group", lg.big_group.ir(z(4, np.int64), z((4, 4), np.int64))),
            ("minmax_nan", lg.minmax_nan.ir(z(4, np.float32), z(4, np.float32))),
            ("narrow", narrow_shuffles.ir(z(4, np.int8), z(4, np.uint16), z(4, np.bool_), z(4, np.int64)))]
    return out


def test_cuda_spellings() -> None:
    mods = dict(_modules())
    sub = render_c.render_cuda(mods["subgroups_float64"])
    assert "__shfl_sync(0xffffffffu" in sub and "__shfl_xor_sync(0xffffffffu" in sub and "warpSize" in sub
    assert "atomicInc(" in render_c.render_cuda(mods["bits_uint32"])  # native where CUDA has it
    wide = render_c.render_cuda(mods["bits_int64"])
    assert "atomicAnd((unsigned long long*)" in wide and "cb_atomic_inc_int64" in wide
    coll = render_c.render_cuda(mods["reductions_float32"])
    assert "__syncthreads();" in coll and "__shared__ float" in coll and f"[{SCRATCH}]" in coll


def test_opencl_spellings() -> None:
    mods = dict(_modules())
    wide = render_c.render_opencl(mods["bits_uint64"]).source
    assert "cl_khr_int64_extended_atomics" in wide and "atom_and(" in wide and "atom_xor(" in wide
    assert "cb_atomic_dec_uint64_global" in wide and "atom_cmpxchg(" in wide
    narrow = render_c.render_opencl(mods["bits_local_int32"]).source
    assert "atomic_or(" in narrow and "volatile __local" in narrow
    sub = render_c.render_opencl(mods["subgroups_int32"]).source
    assert "shfl" not in sub  # sub-groups of one work-item


def test_collectives_lower_to_barriers_and_one_scratch_per_dtype() -> None:
    mods = dict(_modules())
    for part in ("reductions", "inclusive", "exclusive"):
        m = mods[f"{part}_float32"]
        arrays = [s.type for s in m.kernel.body if isinstance(s, ir.ArrayDecl)]
        decls = [(t.dtype, t.shape, t.space) for t in arrays]
        assert decls == [("float32", (SCRATCH,), "local")]
        assert m.uses_barrier
        assert not any(isinstance(n, ir.Call) and n.name.startswith("group_") for s in m.kernel.body
                       for n in ir.walk(s))


@pytest.mark.skipif(NVCC is None, reason="nvcc not found")
def test_cuda_sources_compile_with_nvcc(tmp_path) -> None:
    failures = compile_failures(((name, render_c.render_cuda(m)) for name, m in _modules()), tmp_path)
    assert not failures, "\n\n".join(failures)
