"""Atomic read-modify-write on NumPy array elements inside Numba code (Numba has no CPU atomics).

Each operation is a ``numba.extending.intrinsic`` taking ``(array, index_tuple, value...)`` that
computes the element pointer and emits an LLVM ``atomicrmw`` (integers, float add/sub) or a
``cmpxchg`` loop (float min/max, NaN-propagating like ``np.minimum``). ``atomic_cas`` compares bit
patterns (floats are compared as their integer bits, like OpenCL/CUDA). All return the old value.

Imported only by generated kernel modules (after Numba is known to be present).
"""

from __future__ import annotations

from llvmlite import ir as llir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

#: seq_cst: a one-launch reduction's last work-item reads the partials the others stored before their
#: atomic count (weakly ordered CPUs need the ordering; on x86 the instructions are the same).
_ORDER = "seq_cst"
_INT_OPS = {"add": "add", "sub": "sub", "xchg": "xchg", "and": "and", "or": "or", "xor": "xor"}
_SIGNED_OPS = {"min": "min", "max": "max"}
_UNSIGNED_OPS = {"min": "umin", "max": "umax"}
_FLOAT_OPS = {"add": "fadd", "sub": "fsub", "xchg": "xchg"}


def _check(arr: types.Type, idx: types.Type) -> None:
    if not isinstance(arr, types.Array):
        raise TypeError("atomic on a non-array")
    n = len(idx) if isinstance(idx, types.BaseTuple) else 0
    if n != arr.ndim:
        raise TypeError(f"atomic on a {arr.ndim}-d array needs {arr.ndim} indices")
    if not isinstance(arr.dtype, (types.Integer, types.Float)):
        raise TypeError(f"atomics on {arr.dtype} arrays are not supported")


def _pointer(context, builder, sig, args):
    aryty, idxty = sig.args[0], sig.args[1]
    ary = context.make_array(aryty)(context, builder, value=args[0])
    inds = [context.cast(builder, v, t, types.intp)
            for v, t in zip(cgutils.unpack_tuple(builder, args[1], len(idxty)), idxty, strict=True)]
    return cgutils.get_item_pointer(context, builder, aryty, ary, inds, wraparound=False)


def _int_ptr(builder, ptr, dtype):
    """The element pointer as an integer pointer of the same width (for float cmpxchg)."""
    ity = llir.IntType(dtype.bitwidth)
    return builder.bitcast(ptr, ity.as_pointer()), ity


def _cmpxchg_bits(builder, ptr, dtype, expected, value):
    """cmpxchg on the bit patterns; returns (old value as dtype, success i1)."""
    if isinstance(dtype, types.Float):
        iptr, ity = _int_ptr(builder, ptr, dtype)
        res = builder.cmpxchg(iptr, builder.bitcast(expected, ity), builder.bitcast(value, ity),
                              _ORDER, _ORDER)
        old = builder.bitcast(builder.extract_value(res, 0), expected.type)
    else:
        res = builder.cmpxchg(ptr, expected, value, _ORDER, _ORDER)
        old = builder.extract_value(res, 0)
    return old, builder.extract_value(res, 1)


def _cas_loop(builder, ptr, dtype, val, update):
    """CAS loop storing ``update(builder, old)`` until no other work-item intervened; returns the old
    value."""
    entry = builder.block
    loop = builder.append_basic_block("atomic.loop")
    done = builder.append_basic_block("atomic.done")
    init = builder.load(ptr)
    builder.branch(loop)
    builder.position_at_end(loop)
    old = builder.phi(val.type)
    old.add_incoming(init, entry)
    cur, ok = _cmpxchg_bits(builder, ptr, dtype, old, update(builder, old))
    old.add_incoming(cur, builder.block)
    builder.cbranch(ok, done, loop)
    builder.position_at_end(done)
    return cur


def _float_minmax(val, is_min: bool):
    """The update of a NaN-propagating ``np.minimum/np.maximum(old, val)``."""
    def update(builder, old):
        # old if (old < val or isnan(old)) else val   (as np.minimum; '>' for np.maximum)
        better = builder.or_(builder.fcmp_ordered("<" if is_min else ">", old, val),
                             builder.fcmp_unordered("!=", old, old))
        return builder.select(better, old, val)
    return update


def _int_wrap(dtype, val, inc: bool):
    """The update of CUDA's atomicInc (``0 if old >= val else old + 1``) or atomicDec (``val if old == 0
    or old > val else old - 1``), comparisons signed or unsigned as ``dtype``."""
    def update(builder, old):
        one, zero = llir.Constant(val.type, 1), llir.Constant(val.type, 0)
        cmp = builder.icmp_signed if dtype.signed else builder.icmp_unsigned
        if inc:
            return builder.select(cmp(">=", old, val), zero, builder.add(old, one))
        wrap = builder.or_(builder.icmp_unsigned("==", old, zero), cmp(">", old, val))
        return builder.select(wrap, val, builder.sub(old, one))
    return update


def _make_rmw(op: str):
    def impl(typingctx, arr, idx, val):
        _check(arr, idx)
        dtype = arr.dtype
        sig = dtype(arr, idx, dtype)

        def codegen(context, builder, sig, args):
            ptr = _pointer(context, builder, sig, args)
            v = context.cast(builder, args[2], sig.args[2], dtype)
            if isinstance(dtype, types.Float):
                if op in _FLOAT_OPS:
                    return builder.atomic_rmw(_FLOAT_OPS[op], ptr, v, _ORDER)
                return _cas_loop(builder, ptr, dtype, v, _float_minmax(v, op == "min"))
            if op in ("inc", "dec"):
                if not isinstance(dtype, types.Integer):
                    raise TypeError(f"atomic_{op} needs an integer array")
                return _cas_loop(builder, ptr, dtype, v, _int_wrap(dtype, v, op == "inc"))
            table = _INT_OPS | (_SIGNED_OPS if dtype.signed else _UNSIGNED_OPS)
            return builder.atomic_rmw(table[op], ptr, v, _ORDER)

        return sig, codegen

    impl.__name__ = f"atomic_{op}"
    return intrinsic(impl)


def _cas_impl(typingctx, arr, idx, expected, val):
    _check(arr, idx)
    dtype = arr.dtype
    sig = dtype(arr, idx, dtype, dtype)

    def codegen(context, builder, sig, args):
        ptr = _pointer(context, builder, sig, args)
        exp = context.cast(builder, args[2], sig.args[2], dtype)
        v = context.cast(builder, args[3], sig.args[3], dtype)
        return _cmpxchg_bits(builder, ptr, dtype, exp, v)[0]

    return sig, codegen


atomic_add = _make_rmw("add")
atomic_sub = _make_rmw("sub")
atomic_min = _make_rmw("min")
atomic_max = _make_rmw("max")
atomic_xchg = _make_rmw("xchg")
atomic_cas = intrinsic(_cas_impl)

#: Intrinsic name (as in ``compiler/intrinsics.py``) -> implementation.
ATOMICS = {"atomic_add": atomic_add, "atomic_sub": atomic_sub, "atomic_min": atomic_min,
           "atomic_max": atomic_max, "atomic_xchg": atomic_xchg, "atomic_cas": atomic_cas}
#: Integer-only atomics (``intrinsics.INT_ATOMICS``); inc/dec wrap as CUDA's atomicInc/atomicDec.
RMW_NAMES = ("add", "sub", "min", "max", "xchg", "and", "or", "xor", "inc", "dec")
ATOMICS |= {f"atomic_{op}": _make_rmw(op) for op in RMW_NAMES[5:]}
