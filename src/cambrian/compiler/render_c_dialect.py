"""The two C dialects as class attributes (after tinygrad's ``cstyle.py``): OpenCL C and CUDA C.

:class:`CRenderer` holds everything that differs between the dialects: type names, qualifiers, the
spelling of work-item queries, barriers, math functions, atomics and bit casts, and the one checked
literal function. The statement/expression walk lives in :mod:`render_c` and is shared.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .. import dtypes
from . import intrinsics, render_c_group

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_FLOAT_MATH = {n for n, it in intrinsics.TABLE.items() if it.category == "math"}
_RENAME = {"gamma": "tgamma"}
_HEX_ZEROS = re.compile(r"\.?0*p")


def mangle(name: str, prefix: str = "v") -> str:
    """An injective map of any Python identifier to a safe C identifier ``<prefix>_<name>``."""
    if _IDENT.match(name) and name.isascii():
        return f"{prefix}_{name}"
    return f"{prefix}x_{name.encode().hex()}"


class CRenderer:
    """Attributes and spellings of one C dialect; :meth:`render` turns an ``ir.Module`` into source."""

    dialect = "c"
    kernel_prefix = ""
    func_prefix = "static"
    inline = "static inline"
    global_qual = ""
    local_decl = ""
    restrict = "restrict"
    barrier = ""
    type_map: dict[str, str] = {}
    int_suffix = {"int64": "L", "uint64": "UL", "uint32": "u"}
    #: Work-item spelling per intrinsic: format with ``d`` (0..2) and ``x`` ("x", "y", "z").
    workitem: dict[str, str] = {}
    #: Atomic intrinsic -> builtin for 32-bit and 64-bit integers.
    atomic_int: dict[str, tuple[str, str]] = {}
    #: Extra kernel parameters every kernel and device function receives (C type, name).
    hidden_params: tuple[tuple[str, str], ...] = ()

    def render(self, module: object) -> str:
        """Source text of an ``ir.Module`` in this dialect."""
        from .render_c import render_with

        return render_with(self, module).source  # type: ignore[arg-type]

    # --- types -----------------------------------------------------------------------------
    def ctype(self, dtype: str) -> str:
        return self.type_map[dtype]

    def storage_type(self, dtype: str) -> str:
        """Element type in memory (bool is a byte: OpenCL forbids bool in kernel arguments)."""
        return self.type_map["uint8"] if dtype == "bool" else self.type_map[dtype]

    def utype(self, dtype: str) -> str:
        """Unsigned type in which integer arithmetic of ``dtype`` wraps without UB."""
        return self.type_map["uint64" if dtypes.itemsize(dtype) == 8 else "uint32"]

    def bits_type(self, dtype: str) -> str:
        return self.type_map["uint64" if dtypes.itemsize(dtype) == 8 else "uint32"]

    def ptr_qual(self, space: str) -> str:
        """Qualifiers of a pointer used with atomics in ``space``."""
        return ""

    def space_qual(self, space: str) -> str:
        return self.global_qual if space == "global" else ""

    # --- spellings -------------------------------------------------------------------------
    def math_fn(self, name: str, dtype: str) -> str:
        """The C function for math intrinsic ``name`` at float ``dtype``."""
        return _RENAME.get(name, name)

    def to_bits(self, dtype: str, x: str) -> str:
        raise NotImplementedError

    def from_bits(self, dtype: str, x: str) -> str:
        raise NotImplementedError

    def cas_call(self, dtype: str, ptr: str, cmp: str, val: str) -> str:
        raise NotImplementedError

    def special_float(self, value: float, dtype: str) -> str:
        raise NotImplementedError

    @property
    def spellings(self) -> dict[str, str]:
        """How each intrinsic of ``intrinsics.TABLE`` is spelled (checked by a unit test)."""
        out = {n: self.math_fn(n, "float64") for n in _FLOAT_MATH}
        out |= {n: s for n, s in self.workitem.items()}
        out |= {n: f"{self.math_fn(n, 'float64')} / cb_{n}_<dtype>" for n in ("isnan", "isinf", "isfinite")}
        out |= {"abs": "cb_abs_<int> / fabs / cb_cabs_<complex>", "min": "cb_min_<dtype>",
                "max": "cb_max_<dtype>", "fmin": "cb_fmin_<dtype>", "fmax": "cb_fmax_<dtype>",
                "complex": "cb_make_<complex>", "real": ".re", "imag": ".im",
                "conjugate": "cb_conj_<complex>"}
        out |= {n: "/".join(s) for n, s in self.atomic_int.items()}
        out |= {"float_as_int": self.to_bits("float64", "x"), "int_as_float": self.from_bits("float64", "x")}
        out |= {n: render_c_group.spelling(self.dialect, n) for n in intrinsics.SUB_GROUP}
        return out

    # --- literals --------------------------------------------------------------------------
    def literal(self, value: object, dtype: str) -> str:
        """The one checked literal function: ``value`` of ``dtype`` as C source, or ValueError."""
        if dtype == "bool":
            if not isinstance(value, (bool, int, np.bool_)) or value not in (0, 1):
                raise ValueError(f"bad bool literal {value!r}")
            return "true" if value else "false"
        if dtypes.is_integer(dtype):
            return self._int_literal(value, dtype)
        if dtypes.is_float(dtype):
            return self._float_literal(value, dtype)
        if dtypes.is_complex(dtype):
            z = complex(value)  # type: ignore[arg-type]
            real = dtypes.real_of(dtype)
            re, im = self._float_literal(z.real, real), self._float_literal(z.imag, real)
            return f"cb_make_{dtype}({re}, {im})"
        raise ValueError(f"no literal of dtype {dtype!r}")

    def _int_literal(self, value: object, dtype: str) -> str:
        if isinstance(value, (float, complex, str)) or int(value) != value:  # type: ignore[call-overload]
            raise ValueError(f"bad {dtype} literal {value!r}")
        v = int(value)  # type: ignore[call-overload]
        info = np.iinfo(dtype)
        if not info.min <= v <= info.max:
            raise ValueError(f"literal {v} out of range for {dtype}")
        suffix = self.int_suffix.get(dtype, "")
        if dtypes.itemsize(dtype) < 4:
            return f"(({self.ctype(dtype)}){v})"
        if v == info.min and v < 0:  # -2**63 is not a literal: write it as (-MAX - 1)
            return f"(-{info.max}{suffix} - 1{suffix})"
        return f"({v}{suffix})" if v < 0 else f"{v}{suffix}"

    def _float_literal(self, value: object, dtype: str) -> str:
        if not isinstance(value, (int, float, np.floating, np.integer)) or isinstance(value, bool):
            raise ValueError(f"bad {dtype} literal {value!r}")
        v = float(np.dtype(dtype).type(value))
        if math.isinf(v) or math.isnan(v):
            s = self.special_float(v, dtype)
            return f"(-{s})" if v < 0 else s
        text = _HEX_ZEROS.sub("p", v.hex()) + ("f" if dtype == "float32" else "")
        return f"({text})" if text.startswith("-") else text


_CL_TYPES = {"bool": "bool", "int8": "char", "int16": "short", "int32": "int", "int64": "long",
             "uint8": "uchar", "uint16": "ushort", "uint32": "uint", "uint64": "ulong", "float32": "float",
             "float64": "double", "complex64": "cb_complex64", "complex128": "cb_complex128"}
_CL_WORKITEM = {n: f"((long){n}({{d}}))" for n in (
    "get_global_id", "get_local_id", "get_group_id", "get_global_size", "get_local_size", "get_num_groups")}
_ATOMIC_OPS = ("add", "sub", "min", "max", "xchg", "and", "or", "xor")
#: Atomics always rendered as a helper (``render_c_prelude``): CUDA's atomicInc/atomicDec semantics.
_WRAP_ATOMICS = {"atomic_inc": ("cb_atomic_inc_<dtype>", "cb_atomic_inc_<dtype>"),
                 "atomic_dec": ("cb_atomic_dec_<dtype>", "cb_atomic_dec_<dtype>")}


class OpenCLRenderer(CRenderer):
    dialect = "opencl"
    kernel_prefix = "__kernel void"
    func_prefix = "static"
    inline = "static inline"
    global_qual = "__global "
    local_decl = "__local "
    restrict = "restrict"
    barrier = "barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);"
    type_map = _CL_TYPES
    workitem = _CL_WORKITEM
    atomic_int = {f"atomic_{op}": (f"atomic_{op}", f"atom_{op}") for op in _ATOMIC_OPS} | {
        "atomic_cas": ("atomic_cmpxchg", "atom_cmpxchg")} | _WRAP_ATOMICS

    def ptr_qual(self, space: str) -> str:
        return {"global": "volatile __global ", "local": "volatile __local "}.get(space, "")

    def space_qual(self, space: str) -> str:
        return {"global": "__global ", "local": "__local "}.get(space, "")

    def to_bits(self, dtype: str, x: str) -> str:
        return f"as_{self.bits_type(dtype)}({x})"

    def from_bits(self, dtype: str, x: str) -> str:
        return f"as_{self.ctype(dtype)}({x})"

    def cas_call(self, dtype: str, ptr: str, cmp: str, val: str) -> str:
        fn = "atom_cmpxchg" if dtypes.itemsize(dtype) == 8 else "atomic_cmpxchg"
        return f"{fn}({ptr}, {cmp}, {val})"

    def special_float(self, value: float, dtype: str) -> str:
        if math.isnan(value):
            # the quiet NaN of every other backend (PoCL's NAN macro has all payload bits set)
            return "as_float(0x7fc00000U)" if dtype == "float32" else "as_double(0x7ff8000000000000UL)"
        return "INFINITY" if dtype == "float32" else "((double)INFINITY)"


_CU_TYPES = {"bool": "bool", "int8": "signed char", "int16": "short", "int32": "int", "int64": "long long",
             "uint8": "unsigned char", "uint16": "unsigned short", "uint32": "unsigned int",
             "uint64": "unsigned long long", "float32": "float", "float64": "double",
             "complex64": "cb_complex64", "complex128": "cb_complex128"}
_XYZ = "{x}"
_CU_WORKITEM = {
    "get_global_id": f"((long long)blockIdx.{_XYZ} * blockDim.{_XYZ} + threadIdx.{_XYZ})",
    "get_local_id": f"((long long)threadIdx.{_XYZ})",
    "get_group_id": f"((long long)blockIdx.{_XYZ})",
    "get_local_size": f"((long long)blockDim.{_XYZ})",
    "get_num_groups": f"((long long)gridDim.{_XYZ})",
    "get_global_size": "cb_gs{d}",
}


class CUDARenderer(CRenderer):
    """CUDA C. Kernels get the true global size as trailing ``long long cb_gs0, cb_gs1, cb_gs2``
    arguments: work-items past it return at once (so any block size may be launched, provided
    kernels with barriers get a grid that divides exactly), and ``get_global_size`` reads them."""

    dialect = "cuda"
    kernel_prefix = 'extern "C" __global__ void'
    func_prefix = "static __device__"
    inline = "static __device__ __forceinline__"
    global_qual = ""
    local_decl = "__shared__ "
    restrict = "__restrict__"
    barrier = "__syncthreads();"
    type_map = _CU_TYPES
    int_suffix = {"int64": "LL", "uint64": "ULL", "uint32": "u"}
    workitem = _CU_WORKITEM
    atomic_int = {"atomic_add": ("atomicAdd", "atomicAdd"), "atomic_sub": ("atomicSub", "atomicAdd"),
                  "atomic_min": ("atomicMin", "atomicMin"), "atomic_max": ("atomicMax", "atomicMax"),
                  "atomic_xchg": ("atomicExch", "atomicExch"), "atomic_cas": ("atomicCAS", "atomicCAS"),
                  "atomic_and": ("atomicAnd", "atomicAnd"), "atomic_or": ("atomicOr", "atomicOr"),
                  "atomic_xor": ("atomicXor", "atomicXor")} | _WRAP_ATOMICS
    hidden_params = (("long long", "cb_gs0"), ("long long", "cb_gs1"), ("long long", "cb_gs2"))

    def math_fn(self, name: str, dtype: str) -> str:
        base = _RENAME.get(name, name)
        return base + "f" if dtype == "float32" else base

    def to_bits(self, dtype: str, x: str) -> str:
        if dtype == "float32":
            return f"__float_as_uint({x})"
        return f"(unsigned long long)__double_as_longlong({x})"

    def from_bits(self, dtype: str, x: str) -> str:
        return f"__uint_as_float({x})" if dtype == "float32" else f"__longlong_as_double((long long)({x}))"

    def cas_call(self, dtype: str, ptr: str, cmp: str, val: str) -> str:
        return f"atomicCAS({ptr}, {cmp}, {val})"

    def special_float(self, value: float, dtype: str) -> str:
        bits = {("float32", True): "__int_as_float(0x7fc00000)",
                ("float32", False): "__int_as_float(0x7f800000)",
                ("float64", True): "__longlong_as_double(0x7ff8000000000000LL)",
                ("float64", False): "__longlong_as_double(0x7ff0000000000000LL)"}
        return bits[(dtype, math.isnan(value))]
