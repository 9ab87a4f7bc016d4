"""The ``cpu`` device's spellings of the kernel language's exact intrinsics: ``cambrian.fma`` (rounded
once: ``llvm.fma``, one instruction on machines with FMA) and the bit casts ``cambrian.float_as_int``/
``int_as_float`` (LLVM bitcasts), as Numba intrinsics that vectorise. Cambrian's math functions
themselves are kernel-language device functions (:mod:`cambrian.math_kernels`), rendered for the cpu
device like for every other (:func:`cambrian.compiler.mathlib.lower_calls`).

Imported only by generated kernel modules (after Numba is known to be present).
"""

from __future__ import annotations

from llvmlite import ir as llir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


def bitcast(src: types.Type, dst: types.Type, dst_ir: llir.Type, name: str, doc: str) -> object:
    """A Numba intrinsic reinterpreting the bits of a ``src`` value as ``dst`` (an LLVM bitcast, which
    vectorises)."""
    def impl(typingctx, x):  # type: ignore[no-untyped-def]
        def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
            return builder.bitcast(args[0], dst_ir)
        return dst(src), codegen
    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = doc
    return intrinsic(impl)


def fused_multiply_add(ty: types.Type, ty_ir: llir.Type, llvm_name: str, name: str) -> object:
    """A Numba intrinsic ``a * b + c`` of ``ty`` through the LLVM intrinsic ``llvm_name``
    (``llvm.fma.*``: rounded once, as ``cambrian.fma`` on every device)."""
    def impl(typingctx, a, b, c):  # type: ignore[no-untyped-def]
        def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
            fn = cgutils.get_or_insert_function(builder.module, llir.FunctionType(ty_ir, [ty_ir] * 3),
                                                llvm_name)
            return builder.call(fn, args)
        return ty(ty, ty, ty), codegen
    impl.__name__ = impl.__qualname__ = name
    return intrinsic(impl)


as_int64 = bitcast(types.float64, types.int64, llir.IntType(64), "as_int64",
                   "The bits of a float64 as an int64.")
as_float64 = bitcast(types.int64, types.float64, llir.DoubleType(), "as_float64",
                     "The float64 whose bits are the int64 ``x``.")
as_int32 = bitcast(types.float32, types.int32, llir.IntType(32), "as_int32",
                   "The bits of a float32 as an int32.")
as_float32 = bitcast(types.int32, types.float32, llir.FloatType(), "as_float32",
                     "The float32 whose bits are the int32 ``x``.")
fma_f64 = fused_multiply_add(types.float64, llir.DoubleType(), "llvm.fma.f64", "fma_f64")
fma_f32 = fused_multiply_add(types.float32, llir.FloatType(), "llvm.fma.f32", "fma_f32")

__all__ = ["as_float32", "as_float64", "as_int32", "as_int64", "fma_f32", "fma_f64"]
