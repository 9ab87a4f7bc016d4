"""Philox4x32-10 (Random123, Salmon et al. SC'11): the NumPy reference and the kernel-language source.

One definition of the stream, used everywhere:

* key   = (seed & 0xffffffff, seed >> 32)                 -- ``seed`` is a uint64
* ctr   = (counter & 0xffffffff, counter >> 32, 0, 0)     -- ``counter`` is a uint64
* words = philox4x32_10(ctr, key)                          -- four uint32
* uniform float64 in [0, 1):  ((w0 >> 5) * 2**26 + (w1 >> 6)) / 2**53   (53 random bits, NumPy's recipe)
* uniform float32 in [0, 1):  (w0 >> 8) / 2**24                          (24 random bits)
* raw uint64:                 w0 | (w1 << 32)
* normal float64: Box-Muller from u1 = (k1 + 1) / 2**53 in (0, 1] (from w0, w1) and the angle
  2*pi*k2 / 2**53 (from w2, w3); ``log``, ``sin`` and ``cos`` are computed with + - * / only (below), so
  the result is bit-identical on every device (no libm involved; ``sqrt`` is correctly rounded).

:func:`philox4x32` is the NumPy reference (vectorised over arrays of counters); ``KERNEL_SOURCE``
holds the same algorithm as Cambrian kernel-language device functions (see :mod:`cambrian.random`).
"""

from __future__ import annotations

import numpy as np

M0, M1 = 0xD2511F53, 0xCD9E8D57  # round multipliers
W0, W1 = 0x9E3779B9, 0xBB67AE85  # Weyl key increments
ROUNDS = 10
_U32 = np.uint64(0xFFFFFFFF)


def philox4x32(ctr: np.ndarray, key: np.ndarray, rounds: int = ROUNDS) -> np.ndarray:
    """Philox4x32-``rounds``: ``ctr`` is (..., 4) and ``key`` (..., 2) uint32 (broadcast); returns (..., 4)
    uint32. Exactly Random123's ``philox4x32_R``: round, then bump the key, ``rounds`` times."""
    c = [np.asarray(ctr, dtype=np.uint64)[..., j] for j in range(4)]
    k0 = np.asarray(key, dtype=np.uint64)[..., 0]
    k1 = np.asarray(key, dtype=np.uint64)[..., 1]
    for r in range(rounds):
        if r:
            k0 = (k0 + W0) & _U32
            k1 = (k1 + W1) & _U32
        p0 = c[0] * np.uint64(M0)
        p1 = c[2] * np.uint64(M1)
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ k0, p1 & _U32, (p0 >> np.uint64(32)) ^ c[3] ^ k1, p0 & _U32]
    return np.stack(np.broadcast_arrays(*c), axis=-1).astype(np.uint32)


def words(seed: int, counters: np.ndarray) -> np.ndarray:
    """The four uint32 words of the stream ``seed`` at each uint64 counter: shape (n, 4)."""
    cnt = np.asarray(counters, dtype=np.uint64).reshape(-1)
    ctr = np.zeros((cnt.size, 4), dtype=np.uint64)
    ctr[:, 0] = cnt & _U32
    ctr[:, 1] = cnt >> np.uint64(32)
    s = int(seed) & 0xFFFFFFFFFFFFFFFF
    return philox4x32(ctr, np.array([s & 0xFFFFFFFF, s >> 32], dtype=np.uint64))


def uniform(seed: int, counters: np.ndarray) -> np.ndarray:
    """Reference of ``cambrian.random.uniform``: float64 in [0, 1)."""
    w = words(seed, counters).astype(np.uint64)
    k = ((w[:, 0] >> np.uint64(5)) << np.uint64(26)) + (w[:, 1] >> np.uint64(6))
    return k.astype(np.float64) * 2.0**-53


def uniform_f32(seed: int, counters: np.ndarray) -> np.ndarray:
    """Reference of ``cambrian.random.uniform_f32``: float32 in [0, 1)."""
    w = words(seed, counters)
    return (w[:, 0] >> np.uint32(8)).astype(np.float32) * np.float32(2.0**-24)


def bits64(seed: int, counters: np.ndarray) -> np.ndarray:
    """Reference of ``cambrian.random.bits64``: uint64 ``w0 | w1 << 32``."""
    w = words(seed, counters).astype(np.uint64)
    return w[:, 0] | (w[:, 1] << np.uint64(32))


# --------------------------------------------------------------------------- kernel-language source
# Device functions in the kernel language, exec'd by cambrian.random under a linecache filename.
# Names starting with "_philox" are private helpers. `{rounds}` is filled with the unrolled rounds.

_ROUND = """\
    p0 = cb.uint64(c0) * cb.uint64({M0})
    p1 = cb.uint64(c2) * cb.uint64({M1})
    c0 = cb.uint32(p1 >> 32) ^ c1 ^ k0
    c2 = cb.uint32(p0 >> 32) ^ c3 ^ k1
    c1 = cb.uint32(p1)
    c3 = cb.uint32(p0)
"""
_BUMP = """\
    k0 = k0 + cb.uint32({W0})
    k1 = k1 + cb.uint32({W1})
"""


def _rounds() -> str:
    parts = []
    for r in range(ROUNDS):
        if r:
            parts.append(_BUMP.format(W0=W0, W1=W1))
        parts.append(_ROUND.format(M0=M0, M1=M1))
    return "".join(parts)


_PROLOGUE = """\
    s = cb.uint64(seed)
    n = cb.uint64(counter)
    k0 = cb.uint32(s)
    k1 = cb.uint32(s >> 32)
    c0 = cb.uint32(n)
    c1 = cb.uint32(n >> 32)
    c2 = cb.uint32(0)
    c3 = cb.uint32(0)
"""

KERNEL_SOURCE = (
    "def bits64(seed, counter):\n" + _PROLOGUE + _rounds()
    + "    return cb.uint64(c0) | (cb.uint64(c1) << 32)\n\n\n"
    "def uniform(seed, counter):\n" + _PROLOGUE + _rounds()
    + "    k = ((cb.uint64(c0) >> 5) << 26) + (cb.uint64(c1) >> 6)\n"
    "    return cb.float64(k) * 1.1102230246251565e-16\n\n\n"
    "def uniform_f32(seed, counter):\n" + _PROLOGUE + _rounds()
    + "    return cb.float32(c0 >> 8) * cb.float32(5.960464477539063e-08)\n\n\n"
    "def normal(seed, counter):\n" + _PROLOGUE + _rounds()
    + "    q1 = ((cb.uint64(c0) >> 5) << 26) + (cb.uint64(c1) >> 6)\n"
    "    q2 = ((cb.uint64(c2) >> 5) << 26) + (cb.uint64(c3) >> 6)\n"
    "    return _philox_box_muller(q1, q2)\n"
)


def _horner(var: str, coeffs: list[float]) -> str:
    """``c0 + var * (c1 + var * (...))`` with ``repr`` literals (round-trip exact)."""
    expr = repr(coeffs[-1])
    for c in reversed(coeffs[:-1]):
        expr = f"{c!r} + {var} * ({expr})"
    return expr


_LOG_TERMS = 13  # atanh series: |s| <= 0.1716, z**13 / 27 < 2**-60
_SIN_TERMS = 10  # |x| <= pi/4: x**21 / 21! < 2**-70
_INV_FACT = [1.0 / __import__("math").factorial(n) for n in range(2 * _SIN_TERMS + 2)]

# log, sin and cos with + - * / only, so every device rounds every step the same way.
# _philox_log53(m): log(m / 2**53) for an integer 1 <= m <= 2**53 (uint64).
# _philox_cos_turn(q): cos(2*pi*q / 2**53) for 0 <= q < 2**53 (uint64).
MATH_SOURCE = f"""\
def _philox_log53(m):
    e = cb.int64(0)
{''.join(f'''    if (m >> cb.uint64(e + {sh})) != cb.uint64(0):
        e = e + {sh}
''' for sh in (32, 16, 8, 4, 2, 1))}\
    f = cb.float64(m) / cb.float64(cb.uint64(1) << cb.uint64(e))
    if f > 1.4142135623730951:
        f = f * 0.5
        e = e + 1
    s = (f - 1.0) / (f + 1.0)
    z = s * s
    lf = 2.0 * s * ({_horner("z", [1.0 / (2 * k + 1) for k in range(_LOG_TERMS)])})
    d = cb.float64(e - 53)
    return d * 0.6931471803691238 + (d * 1.9082149292705877e-10 + lf)


def _philox_cos_turn(q):
    t = (q + cb.uint64(1125899906842624)) & cb.uint64(9007199254740991)
    quadrant = cb.int64(t >> cb.uint64(51))
    r = cb.int64(t & cb.uint64(2251799813685247)) - 1125899906842624
    x = cb.float64(r) * 6.975736996017264e-16
    z = x * x
    if quadrant == 0 or quadrant == 2:
        v = {_horner("z", [(-1.0) ** k * _INV_FACT[2 * k] for k in range(_SIN_TERMS)])}
    else:
        v = x * ({_horner("z", [(-1.0) ** k * _INV_FACT[2 * k + 1] for k in range(_SIN_TERMS)])})
    if quadrant == 1 or quadrant == 2:
        v = -v
    return v


def _philox_box_muller(q1, q2):
    lu = _philox_log53(q1 + cb.uint64(1))
    return math.sqrt(-2.0 * lu) * _philox_cos_turn(q2)
"""
