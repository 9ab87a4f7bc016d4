"""Non-temporal stores in Numba code (``store_nontemporal`` of the kernel language).

``store_nt(array, index_tuple, value)`` stores one element with LLVM's ``!nontemporal`` hint: x86 then
writes past the caches (no read-for-ownership of the destination: a streaming ``out = f(x, y)`` over
arrays larger than the last-level cache moves a quarter to a third fewer bytes). LLVM's loop vectoriser
refuses a non-temporal store aligned to one element, so a loop with one runs scalar: worth it for cheap
bodies only (``Vectorized(stream=True)``). Integer, float and bool elements; the renderer spells a plain
store for others.

Imported only by generated kernel modules (after Numba is known to be present).
"""

from __future__ import annotations

from llvmlite import ir as llir
from numba import types
from numba.extending import intrinsic

from .cpu_atomics import _pointer


@intrinsic
def store_nt(typingctx, arr, idx, value):  # type: ignore[no-untyped-def]
    if not isinstance(arr, types.Array) or not isinstance(arr.dtype, (types.Integer, types.Float,
                                                                      types.Boolean)):
        raise TypeError(f"store_nt on {arr}")
    n = len(idx) if isinstance(idx, types.BaseTuple) else 0
    if n != arr.ndim:
        raise TypeError(f"store_nt on a {arr.ndim}-d array needs {arr.ndim} indices")
    sig = types.void(arr, idx, value)

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        ptr = _pointer(context, builder, sig, args)
        dtype = sig.args[0].dtype
        val = context.cast(builder, args[2], sig.args[2], dtype)
        data = context.data_model_manager[dtype].as_data(builder, val)
        inst = builder.store(data, ptr)
        inst.set_metadata("nontemporal", builder.module.add_metadata([llir.Constant(llir.IntType(32), 1)]))
        return context.get_dummy_value()

    return sig, codegen
