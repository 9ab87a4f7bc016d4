"""Sub-group (warp) operations in C (issue 19), used by ``render_c_expr.c_subgroup``.

CUDA: native warps of 32 lanes (``__shfl_sync``, butterfly reductions with ``__shfl_xor_sync`` whose
result every lane shares; min/max NaN-propagating like ``min``/``max``). All 32 lanes of a warp must
take part, as CUDA requires: launch blocks of a multiple of 32 work-items with a global size that the
block divides, and call them in warp-uniform control flow. OpenCL: sub-groups of one work-item (the
portable choice; ``Device.sub_group_size`` is 1), so the operations are identities.
"""

from __future__ import annotations

from typing import Any

from .. import dtypes
from . import ir
from .render_c_prelude import GENERATORS, Dep, helper_name

_FULL = "0xffffffffu"
_CU_LANE_ID = ("((long long)((threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z))"
               " & 31u))")


def _wide(r: Any, dt: str) -> str:
    """The type ``__shfl_sync`` moves a ``dt`` value as (narrow integers and bool go as int)."""
    if dtypes.itemsize(dt) < 4 or dt == "bool":
        return "int"
    return r.ctype(dt)


def _shfl(r: Any, dt: str, space: str) -> tuple[str, list[Dep]]:
    T, W = r.ctype(dt), _wide(r, dt)
    code = (f"{r.inline} {T} {helper_name('sgshfl', dt)}({T} x, long long lane) "
            f"{{ return ({T})__shfl_sync({_FULL}, ({W})x, (int)lane); }}")
    return code, []


def _reduce(op: str) -> Any:
    def gen(r: Any, dt: str, space: str) -> tuple[str, list[Dep]]:
        T, W = r.ctype(dt), _wide(r, dt)
        deps: list[Dep] = []
        if op != "add":
            combine, deps = f"{helper_name(op, dt)}(v, s)", [(op, dt, "")]
        elif dtypes.is_float(dt):
            combine = "v + s"
        else:  # wrapping, without signed overflow
            U = "unsigned long long" if dtypes.itemsize(dt) == 8 else "unsigned int"
            combine = f"({T})(({U})v + ({U})s)"
        code = f"""{r.inline} {T} {helper_name('sgreduce_' + op, dt)}({T} x) {{
  {T} v = x;
  for (int o = 16; o > 0; o >>= 1) {{
    {T} s = ({T})__shfl_xor_sync({_FULL}, ({W})v, o);
    v = {combine};
  }}
  return v;
}}"""
        return code, deps

    return gen


GENERATORS.update({"sgshfl": _shfl, "sgreduce_add": _reduce("add"), "sgreduce_min": _reduce("min"),
                   "sgreduce_max": _reduce("max")})

#: Spelling per dialect (for the renderers' ``spellings`` table and its unit test).
SPELLINGS = {"opencl": {"get_sub_group_size": "1", "get_sub_group_local_id": "0"},
             "cuda": {"get_sub_group_size": "warpSize", "get_sub_group_local_id": "lane id & 31"}}


def spelling(dialect: str, name: str) -> str:
    return SPELLINGS.get(dialect, {}).get(name) or (
        "identity" if dialect == "opencl" else f"cb_{name.replace('sub_group_', 'sg')}_<dtype>")


def render(em: Any, e: ir.Call) -> str:
    """C for the sub-group call ``e`` in the emitter ``em`` (a ``render_c._Emitter``)."""
    cuda = em.r.dialect == "cuda"
    L = em.t("int64")
    if e.name == "get_sub_group_size":
        return f"(({L})warpSize)" if cuda else f"(({L})1)"
    if e.name == "get_sub_group_local_id":
        return _CU_LANE_ID if cuda else f"(({L})0)"
    assert isinstance(e.type, ir.Scalar)
    dt = e.type.dtype
    args = [em.ex(a) for a in e.args]
    if not cuda:  # sub-groups of one work-item
        return f"((void)({args[1]}), {args[0]})" if len(args) == 2 else args[0]
    if len(args) == 2:  # shuffle, broadcast
        return f"{em.need('sgshfl', dt)}({args[0]}, {args[1]})"
    return f"{em.need('sgreduce_' + e.name.rsplit('_', 1)[1], dt)}({args[0]})"
