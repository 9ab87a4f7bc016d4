"""The kernel corpus: kernels with inputs and NumPy references, run on every device.

Each :class:`Case` names a kernel, makes its arguments (NumPy arrays and scalars), the launch sizes and
the reference outputs. ``ulp=0`` means bit-exact; otherwise results must be within ``ulp`` units in the
last place of the reference. Sizes are small: the pure-Python interpreter runs every case too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import cambrian as cb

INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


@dataclass
class Case:
    name: str
    kernel: Any
    make: Callable[[np.random.Generator], list[Any]]
    gsize: Any
    outputs: tuple[int, ...]
    reference: Callable[..., list[np.ndarray]] | None = None
    lsize: Any = None
    ulp: int = 0
    check: Callable[[list[np.ndarray]], None] | None = None
    needs: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)

    def sizes(self, args: list[Any]) -> tuple[Any, Any]:
        g = self.gsize(args) if callable(self.gsize) else self.gsize
        return g, self.lsize


CASES: list[Case] = []


def case(**kw: Any) -> Callable[[Any], Any]:
    """Decorator: compile the function as a kernel and register it with these case fields."""

    def register(fn: Any) -> Any:
        kern = fn if isinstance(fn, cb.Kernel) else cb.kernel(fn)
        CASES.append(Case(kernel=kern, **kw))
        return kern

    return register


def _n(args: list[Any]) -> int:
    return int(args[0].shape[0])


# ----------------------------------------------------------------------------- elementwise basics


def _vadd_make(dtype: str) -> Callable[[np.random.Generator], list[Any]]:
    return lambda rng: [rng.standard_normal(100).astype(dtype), rng.standard_normal(100).astype(dtype),
                        np.zeros(100, dtype)]


@cb.kernel
def vadd(a, b, c):
    i = cb.get_global_id(0)
    c[i] = a[i] + b[i]


for _dt in ("float32", "float64"):
    CASES.append(Case(f"vadd_{_dt}", vadd, _vadd_make(_dt), _n, (2,),
                      lambda a, b, c: [a + b], needs=("float64",) if _dt == "float64" else ()))


@case(name="saxpy", make=lambda rng: [np.float32(2.5), rng.standard_normal(128).astype("float32"),
                                      rng.standard_normal(128).astype("float32")],
      gsize=lambda args: args[1].shape[0], outputs=(2,),
      reference=lambda a, x, y: [(a * x) + y])
def saxpy(a, x, y):
    i = cb.get_global_id(0)
    y[i] = a * x[i] + y[i]


@case(name="weak_literal_float32", make=lambda rng: [rng.standard_normal(64).astype("float32"),
                                                     np.zeros(64, "float32")],
      gsize=_n, outputs=(1,), reference=lambda x, y: [x * np.float32(2.5) + np.float32(1.0)])
def weak_literal(x, y):
    i = cb.get_global_id(0)
    y[i] = x[i] * 2.5 + 1


@case(name="augassign_array", make=lambda rng: [rng.integers(-100, 100, 64).astype("int32"),
                                                rng.integers(-100, 100, 64).astype("int32")],
      gsize=_n, outputs=(1,), reference=lambda a, c: [c + a * 2])
def augassign(a, c):
    i = cb.get_global_id(0)
    c[i] += a[i] * 2


@case(name="early_return", make=lambda rng: [np.arange(100, dtype="int32"), np.full(128, -1, "int32"),
                                             np.int32(100)],
      gsize=128, outputs=(1,),
      reference=lambda a, out, n: [np.concatenate([a * 3, np.full(28, -1, "int32")])])
def early_return(a, out, n):
    i = cb.get_global_id(0)
    if i >= n:
        return
    out[i] = a[i] * 3


# ----------------------------------------------------------------------------- integer semantics


def _int_operands(dtype: str) -> Callable[[np.random.Generator], list[Any]]:
    def make(rng: np.random.Generator) -> list[Any]:
        info = np.iinfo(dtype)
        special = [0, 1, -1, 2, -2, 7, -7, info.min, info.max, info.min + 1, info.max - 1, 3, -3]
        vals = np.array([v for v in special if info.min <= v <= info.max], dtype=dtype)
        a = np.repeat(vals, len(vals)).astype(dtype)
        b = np.tile(vals, len(vals)).astype(dtype)
        return [a, b, np.zeros_like(a), np.zeros_like(a), np.zeros_like(a), np.zeros_like(a),
                np.zeros_like(a)]

    return make


def _np_floordiv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        q = np.floor_divide(a, b)
    return np.where(b == 0, 0, q).astype(a.dtype)


def _np_mod(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        r = np.remainder(a, b)
    return np.where(b == 0, 0, r).astype(a.dtype)


def _int_ref(a, b, add, sub, mul, fdiv, mod):
    with np.errstate(all="ignore"):
        return [a + b, a - b, a * b, _np_floordiv(a, b), _np_mod(a, b)]


@cb.kernel
def int_arith(a, b, add, sub, mul, fdiv, mod):
    i = cb.get_global_id(0)
    x = a[i]
    y = b[i]
    add[i] = x + y
    sub[i] = x - y
    mul[i] = x * y
    fdiv[i] = x // y
    mod[i] = x % y


for _dt in INT_DTYPES:
    CASES.append(Case(f"int_arith_{_dt}", int_arith, _int_operands(_dt), _n, (2, 3, 4, 5, 6), _int_ref,
                      tags=("int",)))


@case(name="shifts_int32", make=lambda rng: [np.array([1, -8, 123456, -1, 7, 2**30] * 6, "int32"),
                                             np.array([0, 1, 5, 31, 32, 40, -1, 3, 33, 2, 64, 16] * 3,
                                                      "int32"),
                                             np.zeros(36, "int32"), np.zeros(36, "int32")],
      gsize=_n, outputs=(2, 3),
      reference=lambda a, s, l, r: [np.left_shift(a, s), np.right_shift(a, s)])
def shifts(a, s, left, right):
    i = cb.get_global_id(0)
    left[i] = a[i] << s[i]
    right[i] = a[i] >> s[i]


@case(name="shifts_uint32", make=lambda rng: [np.array([1, 0xFFFFFFFF, 123456, 0x80000000] * 6, "uint32"),
                                              np.array([0, 1, 5, 31, 32, 40] * 4, "uint32"),
                                              np.zeros(24, "uint32"), np.zeros(24, "uint32")],
      gsize=_n, outputs=(2, 3),
      reference=lambda a, s, l, r: [np.left_shift(a, s), np.right_shift(a, s)])
def shifts_u(a, s, left, right):
    i = cb.get_global_id(0)
    left[i] = a[i] << s[i]
    right[i] = a[i] >> s[i]


def _ipow_ref(a, e, out):
    res = []
    for x, y in zip(a.tolist(), e.tolist(), strict=True):
        if y < 0:
            res.append(1 if x == 1 else ((-1) ** (y % 2) if x == -1 else 0))
        else:
            res.append(((x ** y) + 2**63) % 2**64 - 2**63)
    return [np.array(res, dtype="int64")]


@case(name="int_pow", make=lambda rng: [np.array([2, 3, -2, 1, -1, 0, 5, 7, -3, 2] * 3, "int64"),
                                        np.array([0, 1, 2, 10, 63, -1, -2, 30, 5, 64, 3, 7, 9, 13, 40] * 2,
                                                 "int64"),
                                        np.zeros(30, "int64")],
      gsize=_n, outputs=(2,), reference=_ipow_ref)
def int_pow(a, e, out):
    i = cb.get_global_id(0)
    out[i] = a[i] ** e[i]


@case(name="bitwise_int16", make=lambda rng: [rng.integers(-30000, 30000, 64).astype("int16"),
                                              rng.integers(-30000, 30000, 64).astype("int16"),
                                              np.zeros(64, "int16"), np.zeros(64, "int16"),
                                              np.zeros(64, "int16"), np.zeros(64, "int16")],
      gsize=_n, outputs=(2, 3, 4, 5),
      reference=lambda a, b, *_: [a & b, a | b, a ^ b, ~a])
def bitwise(a, b, o_and, o_or, o_xor, o_not):
    i = cb.get_global_id(0)
    o_and[i] = a[i] & b[i]
    o_or[i] = a[i] | b[i]
    o_xor[i] = a[i] ^ b[i]
    o_not[i] = ~a[i]


@case(name="uint8_wrap", make=lambda rng: [rng.integers(0, 256, 64).astype("uint8"),
                                           rng.integers(0, 256, 64).astype("uint8"), np.zeros(64, "uint8")],
      gsize=_n, outputs=(2,), reference=lambda a, b, c: [a * b + a - b * 3])
def uint8_wrap(a, b, c):
    i = cb.get_global_id(0)
    c[i] = a[i] * b[i] + a[i] - b[i] * 3


@case(name="int64_wrap", make=lambda rng: [rng.integers(-2**62, 2**62, 64, dtype="int64"),
                                           np.zeros(64, "int64")],
      gsize=_n, outputs=(1,), reference=lambda a, c: [a * 6364136223846793005 + 1442695040888963407])
def int64_wrap(a, c):
    i = cb.get_global_id(0)
    c[i] = a[i] * 6364136223846793005 + 1442695040888963407


def _div_uint8_wrap(a: np.ndarray, u: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return a / (u + np.uint8(1))  # u + 1 wraps in uint8: 255 + 1 == 0


@case(name="mixed_promotion", make=lambda rng: [rng.integers(-100, 100, 32).astype("int8"),
                                                rng.integers(-1000, 1000, 32).astype("int16"),
                                                rng.integers(0, 1000, 32).astype("uint8"),
                                                np.zeros(32, "int16"), np.zeros(32, "float64")],
      gsize=_n, outputs=(3, 4),
      reference=lambda a, b, u, o1, o2: [(a + b + u).astype("int16"), _div_uint8_wrap(a, u)],
      needs=("float64",))
def mixed_promotion(a, b, u, o1, o2):
    i = cb.get_global_id(0)
    o1[i] = a[i] + b[i] + u[i]
    o2[i] = a[i] / (u[i] + 1)


@case(name="uint64_compare", make=lambda rng: [rng.integers(0, 2**63, 64, dtype="uint64") * np.uint64(2),
                                               rng.integers(0, 2**63, 64, dtype="uint64") * np.uint64(2),
                                               np.zeros(64, "uint64")],
      gsize=_n, outputs=(2,), reference=lambda a, b, c: [np.where(a > b, a - b, b - a)])
def uint64_compare(a, b, c):
    i = cb.get_global_id(0)
    if a[i] > b[i]:
        c[i] = a[i] - b[i]
    else:
        c[i] = b[i] - a[i]


# ----------------------------------------------------------------------------- floats


def _float_ops_make(rng: np.random.Generator) -> list[Any]:
    vals = np.array([0.0, -0.0, 1.5, -1.5, 7.0, -7.0, 2.0, 0.1, -3.25, np.inf, -np.inf, np.nan, 1e300])
    a = np.repeat(vals, len(vals))
    b = np.tile(vals, len(vals))
    return [a, b, np.zeros_like(a), np.zeros_like(a), np.zeros_like(a), np.zeros_like(a), np.zeros_like(a)]


def _float_ops_ref(a, b, *_):
    with np.errstate(all="ignore"):
        return [a / b, np.floor_divide(a, b), np.remainder(a, b), np.minimum(a, b), np.maximum(a, b)]


@case(name="float_ops_float64", make=_float_ops_make, gsize=_n, outputs=(2, 3, 4, 5, 6),
      reference=_float_ops_ref, needs=("float64",))
def float_ops(a, b, div, fdiv, mod, mn, mx):
    i = cb.get_global_id(0)
    div[i] = a[i] / b[i]
    fdiv[i] = a[i] // b[i]
    mod[i] = a[i] % b[i]
    mn[i] = min(a[i], b[i])
    mx[i] = max(a[i], b[i])


def _float_ops_make_f32(rng: np.random.Generator) -> list[Any]:
    with np.errstate(over="ignore"):  # 1e300 becomes inf in float32: wanted
        return [x.astype("float32") for x in _float_ops_make(rng)]


CASES.append(Case("float_ops_float32", float_ops, _float_ops_make_f32, _n, (2, 3, 4, 5, 6), _float_ops_ref))


def _math_make(dtype: str) -> Callable[[np.random.Generator], list[Any]]:
    def make(rng: np.random.Generator) -> list[Any]:
        x = rng.uniform(0.05, 4.0, 96).astype(dtype)
        y = rng.uniform(-3.0, 3.0, 96).astype(dtype)
        return [x, y] + [np.zeros(96, dtype) for _ in range(12)]

    return make


def _math_ref(x, y, *_):
    return [np.sqrt(x), np.exp(y), np.log(x), np.sin(y), np.cos(y), np.tan(y), np.arctan2(y, x),
            np.power(x, y), np.floor(y), np.ceil(y), np.fabs(y), np.tanh(y)]


@cb.kernel
def math_funcs(x, y, o0, o1, o2, o3, o4, o5, o6, o7, o8, o9, o10, o11):
    i = cb.get_global_id(0)
    a = x[i]
    b = y[i]
    o0[i] = math.sqrt(a)
    o1[i] = math.exp(b)
    o2[i] = math.log(a)
    o3[i] = math.sin(b)
    o4[i] = math.cos(b)
    o5[i] = math.tan(b)
    o6[i] = math.atan2(b, a)
    o7[i] = math.pow(a, b)
    o8[i] = math.floor(b)
    o9[i] = math.ceil(b)
    o10[i] = math.fabs(b)
    o11[i] = math.tanh(b)


CASES.append(Case("math_float64", math_funcs, _math_make("float64"), _n, tuple(range(2, 14)), _math_ref,
                  ulp=4, needs=("float64",)))
CASES.append(Case("math_float32", math_funcs, _math_make("float32"), _n, tuple(range(2, 14)), _math_ref,
                  ulp=4))


@case(name="nan_inf_predicates", make=lambda rng: [np.array([0.0, np.nan, np.inf, -np.inf, 1.0, -2.5] * 4,
                                                            "float32"), np.zeros(24, "int32")],
      gsize=_n, outputs=(1,),
      reference=lambda x, o: [(np.isnan(x) * 1 + np.isinf(x) * 2 + np.isfinite(x) * 4).astype("int32")])
def predicates(x, o):
    i = cb.get_global_id(0)
    v = x[i]
    r = 0
    if math.isnan(v):
        r += 1
    if math.isinf(v):
        r += 2
    if math.isfinite(v):
        r += 4
    o[i] = r


@case(name="abs_min_max_int", make=lambda rng: [rng.integers(-2**31, 2**31, 64).astype("int32"),
                                                rng.integers(-2**31, 2**31, 64).astype("int32"),
                                                np.zeros(64, "int32"), np.zeros(64, "int32")],
      gsize=_n, outputs=(2, 3),
      reference=lambda a, b, o1, o2: [np.abs(a), np.minimum(a, b) + np.maximum(a, np.int32(5))])
def abs_min_max(a, b, o1, o2):
    i = cb.get_global_id(0)
    o1[i] = abs(a[i])
    o2[i] = min(a[i], b[i]) + max(a[i], 5)


def _casts_ref(x, o_i32, o_i8, o_u8, o_b, o_f):
    t = np.trunc(x)
    return [t.astype("int32"), t.astype("int32").astype("int8"), (t.astype("int32") & 255).astype("uint8"),
            (x != 0), np.arange(len(x), dtype="int64").astype("float32") * np.float32(0.5)]


@case(name="casts", make=lambda rng: [np.concatenate([rng.uniform(-1000, 1000, 60), [0.0, -0.5, 0.5, 2.99]]),
                                      np.zeros(64, "int32"), np.zeros(64, "int8"), np.zeros(64, "uint8"),
                                      np.zeros(64, "bool"), np.zeros(64, "float32")],
      gsize=_n, outputs=(1, 2, 3, 4, 5), reference=_casts_ref, needs=("float64",))
def casts(x, o_i32, o_i8, o_u8, o_b, o_f):
    i = cb.get_global_id(0)
    v = cb.int32(x[i])
    o_i32[i] = v
    o_i8[i] = cb.int8(v)
    o_u8[i] = cb.uint8(v & 255)
    o_b[i] = cb.bool_(x[i])
    o_f[i] = cb.float32(i) * cb.float32(0.5)


@case(name="bool_logic", make=lambda rng: [rng.integers(-5, 5, 64).astype("int32"),
                                           rng.integers(-5, 5, 64).astype("int32"), np.zeros(64, "int32")],
      gsize=_n, outputs=(2,),
      reference=lambda a, b, o: [np.where(((a > 0) & (b < 0)) | ~(a != b), a, np.where(b > a, 1, -1))
                                 .astype("int32")])
def bool_logic(a, b, o):
    i = cb.get_global_id(0)
    x = a[i]
    y = b[i]
    o[i] = x if (x > 0 and y < 0) or not (x != y) else (1 if y > x else -1)


@case(name="chained_compare", make=lambda rng: [rng.integers(-10, 10, 64).astype("int64"),
                                                np.zeros(64, "bool")],
      gsize=_n, outputs=(1,), reference=lambda a, o: [(-3 <= a) & (a < 4)])
def chained_compare(a, o):
    i = cb.get_global_id(0)
    o[i] = -3 <= a[i] < 4


# ----------------------------------------------------------------------------- complex


@cb.func
def cmag2(z):
    return z.real * z.real + z.imag * z.imag


def _complex_ref(a, b, add, mul, div, ab, conj):
    pa, pb = a.tolist(), b.tolist()
    return [a + b, np.array([x * y for x, y in zip(pa, pb, strict=True)], a.dtype),
            np.array([x / y if y != 0 else complex(math.nan, math.nan) for x, y in zip(pa, pb, strict=True)],
                     a.dtype), np.abs(a), np.conj(a) + cmag2(b)]


def _complex_make(dtype: str) -> Callable[[np.random.Generator], list[Any]]:
    def make(rng: np.random.Generator) -> list[Any]:
        n = 64
        a = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)
        b = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)
        b[3] = 1e-3 + 2e3j
        real = "float32" if dtype == "complex64" else "float64"
        z = np.zeros_like(a)
        return [a, b, z, z.copy(), z.copy(), np.zeros(n, real), z.copy()]

    return make


@cb.kernel
def complex_ops(a, b, add, mul, div, ab, conj):
    i = cb.get_global_id(0)
    add[i] = a[i] + b[i]
    mul[i] = a[i] * b[i]
    div[i] = a[i] / b[i]
    ab[i] = abs(a[i])
    conj[i] = a[i].conjugate() + cmag2(b[i])


CASES.append(Case("complex128_ops", complex_ops, _complex_make("complex128"), _n, (2, 3, 4, 5, 6),
                  _complex_ref, ulp=2, needs=("float64",)))
CASES.append(Case("complex64_ops", complex_ops, _complex_make("complex64"), _n, (2, 3, 4, 5, 6),
                  _complex_ref, ulp=2))


@cb.func
def mandel_iter(c, max_iter):
    z = complex(0.0, 0.0)
    for k in range(max_iter):
        z = z * z + c
        if cmag2(z) > 4.0:
            return k
    return max_iter


def _mandel_ref(out, max_iter):
    h, w = out.shape
    res = np.zeros_like(out)
    for y in range(h):
        for x in range(w):
            c = complex(-2.0 + 3.0 * x / w, -1.5 + 3.0 * y / h)
            z = 0j
            n = max_iter
            for k in range(max_iter):
                z = z * z + c
                if z.real * z.real + z.imag * z.imag > 4.0:
                    n = k
                    break
            res[y, x] = n
    return [res]


@case(name="mandelbrot", make=lambda rng: [np.zeros((12, 16), "int32"), np.int32(30)],
      gsize=lambda args: (args[0].shape[0], args[0].shape[1]), outputs=(0,), reference=_mandel_ref,
      needs=("float64",))
def mandelbrot(out, max_iter):
    y = cb.get_global_id(0)
    x = cb.get_global_id(1)
    h = out.shape[0]
    w = out.shape[1]
    c = complex(-2.0 + 3.0 * x / w, -1.5 + 3.0 * y / h)
    out[y, x] = mandel_iter(c, max_iter)


# ----------------------------------------------------------------------------- loops


@cb.func
def hash32(k):
    x = cb.uint32(k)
    x ^= x >> 16
    x *= cb.uint32(0x7FEB352D)
    x ^= x >> 15
    x *= cb.uint32(0x846CA68B)
    x ^= x >> 16
    return x


def _hash32_np(x: np.ndarray) -> np.ndarray:
    x = x.astype("uint32")
    with np.errstate(all="ignore"):
        x ^= x >> np.uint32(16)
        x *= np.uint32(0x7FEB352D)
        x ^= x >> np.uint32(15)
        x *= np.uint32(0x846CA68B)
        x ^= x >> np.uint32(16)
    return x


def _pi_ref(hits, samples):
    n = hits.shape[0]
    ids = (np.arange(n, dtype="uint64")[:, None] * samples + np.arange(samples, dtype="uint64")[None, :])
    hx = _hash32_np((ids * 2).astype("uint32"))
    hy = _hash32_np((ids * 2 + 1).astype("uint32"))
    x = hx.astype("float32") * np.float32(2.0**-32)
    y = hy.astype("float32") * np.float32(2.0**-32)
    return [((x * x + y * y) <= np.float32(1.0)).sum(axis=1).astype("int32")]


@case(name="monte_carlo_pi", make=lambda rng: [np.zeros(32, "int32"), np.int32(16)],
      gsize=_n, outputs=(0,), reference=_pi_ref)
def monte_carlo_pi(hits, samples):
    i = cb.get_global_id(0)
    count = 0
    for s in range(samples):
        k = i * samples + s
        x = cb.float32(hash32(k * 2)) * cb.float32(2.0**-32)
        y = cb.float32(hash32(k * 2 + 1)) * cb.float32(2.0**-32)
        if x * x + y * y <= 1.0:
            count += 1
    hits[i] = count


@case(name="reverse_negative_step", make=lambda rng: [rng.integers(0, 100, 40).astype("int64"),
                                                      np.zeros(40, "int64")],
      gsize=1, outputs=(1,), reference=lambda a, o: [a[::-1].copy()])
def reverse_negative_step(a, o):
    n = a.shape[0]
    j = 0
    for i in range(n - 1, -1, -1):
        o[j] = a[i]
        j += 1


@case(name="while_collatz", make=lambda rng: [np.arange(1, 65, dtype="int64"), np.zeros(64, "int32")],
      gsize=_n, outputs=(1,),
      reference=lambda a, o: [np.array([_collatz(int(v)) for v in a], "int32")])
def while_collatz(a, o):
    i = cb.get_global_id(0)
    x = a[i]
    steps = 0
    while x != 1:
        if x % 2 == 0:
            x = x // 2
        else:
            x = 3 * x + 1
        steps += 1
    o[i] = steps


def _collatz(x: int) -> int:
    n = 0
    while x != 1:
        x = x // 2 if x % 2 == 0 else 3 * x + 1
        n += 1
    return n


def _first_ref(m, thr, out):
    res = []
    for row in m:
        idx = np.nonzero(row > thr)[0]
        res.append(idx[0] if len(idx) else -1)
    return [np.array(res, "int32")]


@case(name="break_continue", make=lambda rng: [rng.integers(0, 100, (16, 24)).astype("int32"), np.int32(90),
                                               np.zeros(16, "int32")],
      gsize=lambda args: args[0].shape[0], outputs=(2,), reference=_first_ref)
def break_continue(m, thr, out):
    r = cb.get_global_id(0)
    found = -1
    for j in range(m.shape[1]):
        if m[r, j] <= thr:
            continue
        found = j
        break
    out[r] = found


@case(name="tuple_swap_fib", make=lambda rng: [np.arange(0, 100, 3, dtype="int32"), np.zeros(34, "int64")],
      gsize=_n, outputs=(1,),
      reference=lambda n, o: [np.array([_fib(int(v)) for v in n], "int64")])
def tuple_swap_fib(n, o):
    i = cb.get_global_id(0)
    a, b = 0, 1
    for _ in range(n[i]):
        a, b = b, a + b
    o[i] = a


def _fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, (a + b + 2**63) % 2**64 - 2**63
    return a


@cb.func
def clamp(x, lo, hi):
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


@cb.func
def smooth(x):
    return clamp(x * x, 0.0, 10.0) + 0.5


@case(name="nested_device_functions", make=lambda rng: [rng.uniform(-5, 5, 64).astype("float32"),
                                                        np.zeros(64, "float32")],
      gsize=_n, outputs=(1,),
      reference=lambda x, o: [np.clip(x * x, np.float32(0), np.float32(10)) + np.float32(0.5)])
def nested_funcs(x, o):
    i = cb.get_global_id(0)
    o[i] = smooth(x[i])


# ----------------------------------------------------------------------------- multi-dimensional


def _stencil_ref(u, v):
    out = u.copy()
    out[1:-1, 1:-1] = np.float32(0.25) * (((u[:-2, 1:-1] + u[2:, 1:-1]) + u[1:-1, :-2]) + u[1:-1, 2:])
    return [out]


@case(name="stencil_2d", make=lambda rng: [rng.standard_normal((18, 20)).astype("float32"),
                                           np.zeros((18, 20), "float32")],
      gsize=lambda args: args[0].shape, outputs=(1,), reference=_stencil_ref)
def stencil_2d(u, v):
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    if i == 0 or j == 0 or i == u.shape[0] - 1 or j == u.shape[1] - 1:
        v[i, j] = u[i, j]
    else:
        v[i, j] = 0.25 * (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1])


def _matmul_ref(a, b, c):
    a64, b64 = a.astype("float64"), b.astype("float64")
    return [(a64 @ b64).astype(c.dtype)]


def _matmul_make(rng: np.random.Generator) -> list[Any]:
    # small integers: every partial sum is exact in float32, so any summation order is bit-exact
    return [rng.integers(-4, 5, (16, 24)).astype("float32"), rng.integers(-4, 5, (24, 8)).astype("float32"),
            np.zeros((16, 8), "float32")]


@case(name="matmul_naive", make=_matmul_make, gsize=lambda args: args[2].shape, outputs=(2,),
      reference=_matmul_ref)
def matmul_naive(a, b, c):
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    acc = 0.0
    for k in range(a.shape[1]):
        acc += a[i, k] * b[k, j]
    c[i, j] = acc


TILE = 4


@case(name="matmul_tiled", make=_matmul_make, gsize=lambda args: args[2].shape, lsize=(TILE, TILE),
      outputs=(2,), reference=_matmul_ref, needs=("local_memory",))
def matmul_tiled(a, b, c):
    ti = cb.get_local_id(0)
    tj = cb.get_local_id(1)
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    ta = cb.local_array((TILE, TILE), cb.float32)
    tb = cb.local_array((TILE, TILE), cb.float32)
    acc = cb.float32(0.0)
    for t in range(a.shape[1] // TILE):
        ta[ti, tj] = a[i, t * TILE + tj]
        tb[ti, tj] = b[t * TILE + ti, j]
        cb.barrier()
        for k in range(TILE):
            acc += ta[ti, k] * tb[k, tj]
        cb.barrier()
    c[i, j] = acc


@case(name="grid_3d", make=lambda rng: [np.zeros((3, 4, 5), "int32")], gsize=(3, 4, 5), outputs=(0,),
      reference=lambda o: [np.fromfunction(lambda a, b, c: a * 100 + b * 10 + c, (3, 4, 5)).astype("int32")])
def grid_3d(o):
    a = cb.get_global_id(0)
    b = cb.get_global_id(1)
    c = cb.get_global_id(2)
    o[a, b, c] = a * 100 + b * 10 + c


def _ids_ref(o):
    n = o.shape[1]
    g = np.arange(n)
    return [np.stack([g, g % 8, g // 8, np.full(n, n), np.full(n, 8), np.full(n, n // 8)]).astype("int64")]


@case(name="workitem_ids", make=lambda rng: [np.zeros((6, 32), "int64")], gsize=32, lsize=8, outputs=(0,),
      reference=_ids_ref)
def workitem_ids(o):
    i = cb.get_global_id(0)
    o[0, i] = i
    o[1, i] = cb.get_local_id(0)
    o[2, i] = cb.get_group_id(0)
    o[3, i] = cb.get_global_size(0)
    o[4, i] = cb.get_local_size(0)
    o[5, i] = cb.get_num_groups(0)


@case(name="row_sum_shape", make=lambda rng: [rng.integers(-1000, 1000, (10, 13)).astype("int32"),
                                              np.zeros(10, "int64")],
      gsize=lambda args: args[0].shape[0], outputs=(1,),
      reference=lambda m, o: [m.sum(axis=1, dtype="int64")])
def row_sum_shape(m, o):
    r = cb.get_global_id(0)
    s = cb.int64(0)
    for j in range(m.shape[1]):
        s += m[r, j]
    o[r] = s


@case(name="strided_input", make=lambda rng: [rng.integers(0, 100, (12, 20)).astype("int32")[::2, 1::3],
                                              np.zeros((6, 7), "int32")],
      gsize=lambda args: args[0].shape, outputs=(1,), reference=lambda a, o: [a.T.T * 2 + 1])
def strided_input(a, o):
    i = cb.get_global_id(0)
    j = cb.get_global_id(1)
    o[i, j] = a[i, j] * 2 + 1


# ----------------------------------------------------------------------------- local memory, barriers


LSIZE = 16


def _wg_reduce_ref(x, partial):
    v = x.reshape(-1, LSIZE).copy()
    width = LSIZE // 2
    while width > 0:
        v[:, :width] = v[:, :width] + v[:, width:2 * width]
        width //= 2
    return [v[:, 0].copy()]


@case(name="workgroup_reduction", make=lambda rng: [rng.standard_normal(64).astype("float32"),
                                                    np.zeros(4, "float32")],
      gsize=64, lsize=LSIZE, outputs=(1,), reference=_wg_reduce_ref, needs=("local_memory",))
def wg_reduce(x, partial):
    lid = cb.get_local_id(0)
    buf = cb.local_array(LSIZE, cb.float32)
    buf[lid] = x[cb.get_global_id(0)]
    cb.barrier()
    width = LSIZE // 2
    while width > 0:
        if lid < width:
            buf[lid] = buf[lid] + buf[lid + width]
        cb.barrier()
        width = width // 2
    if lid == 0:
        partial[cb.get_group_id(0)] = buf[0]


@case(name="local_reverse", make=lambda rng: [np.arange(48, dtype="int32"), np.zeros(48, "int32")],
      gsize=48, lsize=16, outputs=(1,),
      reference=lambda a, o: [a.reshape(3, 16)[:, ::-1].reshape(-1).copy()], needs=("local_memory",))
def local_reverse(a, o):
    lid = cb.get_local_id(0)
    n = cb.get_local_size(0)
    tmp = cb.local_array(16, cb.int32)
    tmp[lid] = a[cb.get_global_id(0)]
    cb.barrier()
    o[cb.get_global_id(0)] = tmp[n - 1 - lid]


def _sort4_ref(a, o):
    return [np.sort(a.reshape(-1, 4), axis=1).reshape(-1)]


@case(name="private_array_sort", make=lambda rng: [rng.integers(-50, 50, 64).astype("int32"),
                                                   np.zeros(64, "int32")],
      gsize=16, outputs=(1,), reference=_sort4_ref)
def private_sort(a, o):
    g = cb.get_global_id(0)
    p = cb.private_array(4, cb.int32)
    for k in range(4):
        p[k] = a[g * 4 + k]
    for x in range(4):
        for y in range(3 - x):
            if p[y] > p[y + 1]:
                t = p[y]
                p[y] = p[y + 1]
                p[y + 1] = t
    for k in range(4):
        o[g * 4 + k] = p[k]


# ----------------------------------------------------------------------------- atomics


@case(name="histogram_atomic", make=lambda rng: [rng.integers(0, 16, 512).astype("int32"),
                                                 np.zeros(16, "int32")],
      gsize=_n, outputs=(1,), reference=lambda v, h: [np.bincount(v, minlength=16).astype("int32")],
      needs=("atomics",))
def histogram(values, hist):
    i = cb.get_global_id(0)
    cb.atomic_add(hist, values[i], 1)


@case(name="atomic_min_max", make=lambda rng: [rng.integers(-10**6, 10**6, 256).astype("int32"),
                                               np.array([2**31 - 1, -2**31], "int32")],
      gsize=_n, outputs=(1,), reference=lambda v, mm: [np.array([v.min(), v.max()], "int32")],
      needs=("atomics",))
def atomic_min_max(v, mm):
    i = cb.get_global_id(0)
    cb.atomic_min(mm, 0, v[i])
    cb.atomic_max(mm, 1, v[i])


@case(name="atomic_add_float32", make=lambda rng: [rng.integers(-8, 8, 256).astype("float32"),
                                                   np.zeros(1, "float32")],
      gsize=_n, outputs=(1,), reference=lambda v, s: [np.array([v.sum()], "float32")], needs=("atomics",))
def atomic_add_f32(v, s):
    i = cb.get_global_id(0)
    cb.atomic_add(s, 0, v[i])


@case(name="atomic_cas_claim", make=lambda rng: [np.zeros(8, "int32"), np.zeros(64, "int32")],
      gsize=64, outputs=(0, 1), check=lambda outs: check_cas_claim(outs), needs=("atomics",))
def atomic_cas_claim(slots, won):
    i = cb.get_global_id(0)
    old = cb.atomic_cas(slots, i % 8, 0, i + 1)
    if old == 0:
        won[i] = 1


def check_cas_claim(outputs: list[np.ndarray]) -> None:
    """Exactly one work-item per slot wins, and the slot holds the winner's id + 1."""
    slots, won = outputs
    assert won.sum() == 8
    for s in range(8):
        winners = [i for i in range(64) if i % 8 == s and won[i]]
        assert len(winners) == 1 and slots[s] == winners[0] + 1


def by_name(name: str) -> Case:
    return next(c for c in CASES if c.name == name)
