"""Numba building blocks of Cambrian's own math functions (:mod:`.cpu_math`, :mod:`.cpu_math32`): bit
reinterpretation and fused multiply-add as single LLVM instructions (which vectorise), one factory per
kind for float64 and float32, and the inlining decorator of the math functions."""

from __future__ import annotations

from llvmlite import ir as llir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

#: Decorator of the math functions: inlined at Numba level into the kernel's loop.
inline = njit(inline="always", nogil=True, error_model="numpy")


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
