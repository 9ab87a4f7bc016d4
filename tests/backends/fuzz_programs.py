"""Random kernels for differential fuzzing (issue 20): well-typed programs over every dtype, edge values,
operators, casts, control flow, device functions and wrap-then-compare patterns, run on every device and
compared with the interpreter; and invalid programs, which must raise a CambrianError naming the file and
the line. Used by ``tests/backends/test_reliability_fuzz.py`` (a fixed seed, a small budget) and
``scripts/fuzz.py`` (long campaigns).

Comparison: bit for bit (any NaN equals any NaN: NaN signs and payloads of arithmetic are the hardware's,
docs/semantics.md), except outputs whose last operation is a transcendental function, compared within
:data:`ULPS` units in the last place. Such values never feed other operations, so no bound compounds.
"""

from __future__ import annotations

import itertools
import linecache
import math
import random
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import cambrian as cb
from cambrian import dtypes

INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
FLOATS = ("float32", "float64")
COMPLEX = ("complex64", "complex128")
ALL = ("bool", *INTS, *FLOATS, *COMPLEX)
#: Transcendental results are compared within this many ulps (docs/semantics.md allows 4).
ULPS = 4
N = 23  # work-items (and elements of each input array)
_COUNTER = itertools.count()


def edge_values(dt: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` values of ``dt``: edge values (extremes, zeros, NaN, infinities, subnormals) and random."""
    if dt == "bool":
        return rng.integers(0, 2, n).astype(bool)
    if dt in INTS:
        info = np.iinfo(dt)
        edges = [0, 1, 2, 3, 7, info.max, info.max - 1, info.min, info.min + 1, info.max // 2 + 1]
        if info.min < 0:
            edges += [-1, -2, -3, -7, info.min // 2]
        rand = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    else:
        real = dtypes.real_of(dt) if dt in COMPLEX else dt
        fi = np.finfo(real)
        edges = [0.0, -0.0, 1.0, -1.0, 0.5, 3.0, -7.25, np.inf, -np.inf, np.nan, fi.max, -fi.max, fi.tiny,
                 fi.smallest_subnormal, -fi.smallest_subnormal, 2.0**40 + 1, 1e-3, 123456.789]
        rand = rng.standard_normal(n) * 10.0 ** rng.integers(-5, 6, n)
    edge = np.array(edges, dtype=object)[rng.integers(0, len(edges), n)]
    pick = rng.random(n) < 0.6
    out = np.where(pick, edge, rand.astype(object))
    if dt in COMPLEX:
        im = np.array(edges, dtype=object)[rng.integers(0, len(edges), n)]
        return np.array([complex(a, b) for a, b in zip(out, im, strict=True)], dtype=dt)
    return np.array(list(out), dtype=dt)


@dataclass
class Program:
    seed: int
    source: str
    name: str
    inputs: list[tuple[str, str]] = field(default_factory=list)  # array parameters
    scalars: list[tuple[str, str]] = field(default_factory=list)
    outputs: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, dtype, exact)
    filename: str = ""

    def kernel(self) -> cb.Kernel:
        """The kernel, from its source (registered in ``linecache`` under :attr:`filename`)."""
        ns: dict[str, Any] = {"cb": cb, "math": math}
        linecache.cache[self.filename] = (len(self.source), None, self.source.splitlines(True), self.filename)
        exec(compile(self.source, self.filename, "exec"), ns)
        return ns[self.name]

    def arguments(self, rng: np.random.Generator) -> list[Any]:
        args: list[Any] = [np.zeros(N, dt) for _, dt, _ in self.outputs]
        args += [edge_values(dt, rng, N) for _, dt in self.inputs]
        for name, dt in self.scalars:  # n (a loop bound) is small
            value = rng.integers(0, 6) if name == "n" else edge_values(dt, rng, 1)[0]
            args.append(np.dtype(dt).type(value))
        return args


Typed = tuple[str, str, bool]  # (source text, dtype, exact)
_FLOAT_LITERALS = ["0.0", "-0.0", "1.5", "-2.0", "math.inf", "math.nan", "1e-30", "3.0e7"]


class _Gen:
    """Random typed expressions and statements; every value's dtype is known (NEP 50 through
    ``cambrian.dtypes.result_type``, the front end's rule)."""

    def __init__(self, rng: random.Random, allow_complex: bool):
        self.rng = rng
        self.kinds = ALL if allow_complex else ALL[:-2]
        self.values: list[tuple[str, str]] = []  # exact values in scope: (text, dtype)
        self.funcs: list[tuple[str, tuple[str, ...], str]] = []  # device functions: name, params, result
        self.lines: list[str] = []
        self.names = itertools.count()
        self.bounds = ["5", "n", "n + 2"]  # loop bounds (a device function has no n)

    # -- expressions ----------------------------------------------------------------------------
    def leaf(self, want: str | None = None) -> Typed:
        r = self.rng
        pool = [v for v in self.values if want is None or v[1] == want]
        if pool and r.random() < 0.75:
            text, dt = r.choice(pool)
            return text, dt, True
        dt = want or r.choice(self.kinds)
        return self.literal(dt), dt, True

    def literal(self, dt: str) -> str:
        r = self.rng
        if dt == "bool":
            return r.choice(["True", "False"])
        if dt in INTS:
            info = np.iinfo(dt)
            v = r.choice([0, 1, 3, -1, info.max, info.min, r.randint(int(info.min), int(info.max))])
            v = min(max(v, int(info.min)), int(info.max))
            return f"cb.{dt}({v})"
        if dt in FLOATS:
            return f"cb.{dt}({r.choice(_FLOAT_LITERALS)})"
        return f"cb.{dt}(complex({r.choice(['0.5', '-1.0', '2.0'])}, {r.choice(['0.0', '-3.0', '1.0'])}))"

    def expr(self, depth: int, want: str | None = None) -> Typed:
        """An exact expression (its value is defined bit for bit on every device)."""
        r = self.rng
        if depth <= 0 or r.random() < 0.2:
            return self.cast(self.leaf(), want) if want else self.leaf()
        choice = r.random()
        if choice < 0.45:
            e = self.binary(depth)
        elif choice < 0.55:
            e = self.unary(depth)
        elif choice < 0.65:
            e = self.compare(depth)
        elif choice < 0.72:
            c = self.expr(depth - 1, "bool")
            a = self.expr(depth - 1)
            b = self.cast(self.expr(depth - 1), a[1])
            e = (f"({a[0]} if {c[0]} else {b[0]})", a[1], True)
        elif choice < 0.8 and self.funcs:
            name, params, ret = r.choice(self.funcs)
            args = [self.cast(self.expr(depth - 1), p)[0] for p in params]
            e = (f"{name}({', '.join(args)})", ret, True)
        else:
            e = self.cast(self.expr(depth - 1), r.choice(self.kinds))
        return self.cast(e, want) if want else e

    def cast(self, e: Typed, to: str) -> Typed:
        text, dt, exact = e
        if dt == to:
            return e
        if to == "bool":
            return (f"({text} != 0)" if dt != "bool" else text), "bool", exact
        if dt in COMPLEX and to not in COMPLEX:
            text, dt = f"({text}).real", dtypes.real_of(dt)
            if dt == to:
                return text, dt, exact
        if dt in FLOATS and to in INTS:  # out of range and NaN casts are unspecified: clamp first
            info = np.iinfo(to)
            lo, hi = float(max(info.min, -100000)), float(min(info.max, 100000))
            text = f"clamped({text}, {lo}, {hi})"
        return f"cb.{to}({text})", to, exact

    def binary(self, depth: int) -> Typed:
        r = self.rng
        a = self.expr(depth - 1)
        at: Any = a[1]
        if r.random() < 0.25:  # a weak Python literal (NEP 50: it takes the other operand's type)
            kind = dtypes.kind(at)
            weak = {"bool": "bool", "int": "int", "uint": "int"}.get(kind) or r.choice(["int", "float"])
            text = {"int": str(r.choice([0, 1, 2, 3, 5, 7, 100])), "float": r.choice(["0.5", "2.0", "-1.25"]),
                    "bool": r.choice(["True", "False"])}[weak]
            b: Typed = (text, "weak", True)
            bt: Any = ("weak", weak)
        else:
            b = self.expr(depth - 1)
            bt = b[1]
            if (at == "bool") != (bt == "bool"):  # no arithmetic on bools: cast the bool one
                a, b = (self.cast(a, "int32"), b) if at == "bool" else (a, self.cast(b, "int32"))
                at, bt = a[1], b[1]
        if r.random() < 0.3:
            a, b, at, bt = b, a, bt, at
        ops = ["+", "-", "*", "/"]
        dt = dtypes.result_type(at, bt)
        kind = dtypes.kind(dt)
        if kind == "bool":
            ops = ["&", "|", "^"]
        elif kind in ("int", "uint"):
            ops += ["//", "%", "**", "&", "|", "^", "<<", ">>", "min", "max"]
        elif kind == "float":
            ops += ["//", "%", "min", "max"]
        op = r.choice(ops)
        if op in ("min", "max"):
            return f"{op}({a[0]}, {b[0]})", dt, True
        if op == "**" and not isinstance(bt, tuple):
            b = self.cast(b, dt)
            b = (f"({b[0]} % cb.{dt}(9))", dt, True)  # bounded exponents: the loop stays short
        if op == "/" and kind in ("int", "uint", "bool"):
            dt = "float64"
        return f"({a[0]} {op} {b[0]})", dt, True

    def unary(self, depth: int) -> Typed:
        r = self.rng
        a = self.expr(depth - 1)
        kind = dtypes.kind(a[1])
        ops = {"bool": ["not", "~"], "int": ["-", "~", "abs"], "uint": ["-", "~", "abs"],
               "float": ["-", "abs", "math.sqrt", "math.floor", "math.ceil", "math.trunc_"],
               "complex": ["-", "conj"]}[kind]
        op = r.choice(ops)
        if op == "not":
            return f"(not {a[0]})", "bool", True
        if op in ("-", "~"):
            return f"({op}{a[0]})", a[1], True
        if op == "abs":
            return f"abs({a[0]})", a[1], True
        if op == "conj":
            return f"({a[0]}).conjugate()", a[1], True
        if op == "math.trunc_":
            return f"cb.{a[1]}(math.copysign(math.floor(abs({a[0]})), {a[0]}))", a[1], True
        if op in ("math.floor", "math.ceil"):  # Python's int-returning floor: keep the float
            return f"cb.{a[1]}({op}({a[0]}) if ({a[0]}) - ({a[0]}) == 0 else {a[0]})", a[1], True
        return f"{op}({a[0]})", a[1], True

    def compare(self, depth: int) -> Typed:
        r = self.rng
        a = self.expr(depth - 1)
        b = self.cast(self.expr(depth - 1), a[1]) if r.random() < 0.7 else self.expr(depth - 1)
        ops = ["==", "!="]
        dt = dtypes.result_type(a[1], b[1])
        if dtypes.kind(dt) not in ("complex",):
            ops += ["<", "<=", ">", ">="]
        if r.random() < 0.2 and a[1] == "bool" and b[1] == "bool":
            return f"({a[0]} {r.choice(['and', 'or'])} {b[0]})", "bool", True
        return f"({a[0]} {r.choice(ops)} {b[0]})", "bool", True

    def inexact(self, depth: int) -> Typed:
        """A transcendental function at the root (compared within ULPS)."""
        r = self.rng
        dt = r.choice(FLOATS)
        a = self.cast(self.expr(depth - 1), dt)
        fn = r.choice(["math.exp", "math.log", "math.sin", "math.cos", "math.tanh", "math.atan", "math.log1p",
                       "math.expm1", "math.cbrt_"])
        if fn == "math.cbrt_":
            return f"({a[0]}) ** cb.{dt}(1.5)", dt, False
        return f"{fn}({a[0]})", dt, False

    # -- statements ------------------------------------------------------------------------------
    def local(self, indent: int, e: Typed) -> str:
        name = f"v{next(self.names)}"
        self.lines.append("    " * indent + f"{name} = {e[0]}")
        self.values.append((name, e[1]))
        return name

    def block(self, indent: int, depth: int, budget: int) -> None:
        r = self.rng
        for _ in range(budget):
            c = r.random()
            if c < 0.4:
                self.local(indent, self.expr(depth))
            elif c < 0.55:  # wrap then compare: the wrapped value must be observable
                t = r.choice(INTS)
                a, b = self.expr(depth - 1, t), self.expr(depth - 1, t)
                s = self.local(indent, (f"({a[0]} {r.choice(['+', '-', '*'])} {b[0]})", t, True))
                self.local(indent, (f"({s} < {a[0]})", "bool", True))
            elif c < 0.7:  # a local widened in a branch: its type is the promotion of both values
                a, b = self.expr(depth - 1), self.expr(depth - 1)
                if dtypes.kind(a[1]) == "complex" or dtypes.kind(b[1]) == "complex":
                    b = self.cast(b, a[1])
                dt = dtypes.result_type(a[1], b[1])
                name = f"v{next(self.names)}"
                cond = self.expr(depth - 1, "bool")
                pad = "    " * indent
                self.lines += [f"{pad}{name} = {a[0]}", f"{pad}if {cond[0]}:", f"{pad}    {name} = {b[0]}"]
                self.values.append((name, dt))
            elif c < 0.85:  # a loop with an accumulator, break and continue
                dt = r.choice([*INTS, *FLOATS])
                acc = self.local(indent, (self.literal(dt), dt, True))
                j = f"j{next(self.names)}"
                pad = "    " * indent
                bound = r.choice(self.bounds)
                self.lines.append(f"{pad}for {j} in range({bound}):")
                self.values.append((j, "int64"))
                if r.random() < 0.5:
                    self.lines.append(f"{pad}    if {self.expr(depth - 1, 'bool')[0]}:")
                    self.lines.append(f"{pad}        {r.choice(['break', 'continue'])}")
                step = self.expr(depth - 1, dt)
                self.lines.append(f"{pad}    {acc} = cb.{dt}({acc} {r.choice(['+', '-', '*'])} {step[0]})")
                self.values.pop()
            else:  # a bounded while loop
                k = self.local(indent, ("cb.int64(0)", "int64", True))
                dt = r.choice([*INTS, *FLOATS])
                acc = self.local(indent, (self.literal(dt), dt, True))
                pad = "    " * indent
                self.lines.append(f"{pad}while {k} < 4 and {self.expr(depth - 1, 'bool')[0]}:")
                self.lines.append(f"{pad}    {acc} = cb.{dt}({acc} + {self.expr(depth - 1, dt)[0]})")
                self.lines.append(f"{pad}    {k} += 1")


#: Float -> int casts of NaN or out-of-range values are unspecified: programs clamp first.
_CLAMPED = ["@cb.func", "def clamped(x, lo, hi):", "    if x != x:", "        return lo - lo",
            "    return min(max(x, lo), hi)", ""]


def generate(seed: int, statements: int = 8, depth: int = 3, allow_complex: bool = True,
             trace: bool = False) -> Program:
    """A random well-typed kernel: device functions, then statements, then stores to typed outputs
    (with ``trace``, also of every local: to find where a mismatch starts)."""
    r = random.Random(seed)
    g = _Gen(r, allow_complex)
    kinds = g.kinds
    inputs = [(f"a{k}", r.choice(kinds)) for k in range(r.randint(2, 5))]
    scalars = [("n", "int64")] + [(f"s{k}", r.choice(kinds)) for k in range(r.randint(0, 2))]
    src: list[str] = list(_CLAMPED)
    for f in range(r.randint(0, 2)):  # device functions, specialised on the declared param types
        params = tuple(r.choice(kinds) for _ in range(r.randint(1, 3)))
        fg = _Gen(r, allow_complex)
        fg.values = [(f"p{k}", t) for k, t in enumerate(params)]
        fg.funcs = list(g.funcs)
        fg.bounds = ["5", "3"]
        fg.block(1, max(depth - 1, 1), r.randint(0, 2))
        body = fg.expr(depth)
        name = f"f{f}"
        src += ["@cb.func", f"def {name}({', '.join(p for p, _ in fg.values[:len(params)])}):", *fg.lines,
                f"    return {body[0]}", ""]
        g.funcs.append((name, params, body[1]))
    name = f"fuzz_{seed}"
    g.values = [(f"{p}[i]", t) for p, t in inputs]
    g.values += [(f"{p}[(i * 7 + 3) % {p}.shape[0]]", t) for p, t in inputs[:1]]  # another element
    g.values += [(s, t) for s, t in scalars]
    g.block(1, depth, statements)
    outputs, stores = [], []
    for k in range(r.randint(2, 4)):
        e = g.inexact(depth) if r.random() < 0.15 else g.expr(depth)
        if k == 0 and len(g.values) > len(inputs) + len(scalars):  # keep a statement's value alive
            text, dt = g.values[-1]
            e = (text, dt, True)
        outputs.append((f"o{k}", e[1], e[2]))
        stores.append(f"    o{k}[i] = {e[0]}")
    if trace:
        for text, dt in g.values:
            if text.startswith("v"):
                outputs.append((f"t_{text}", dt, True))
                stores.append(f"    t_{text}[i] = {text}")
    params = [o for o, _, _ in outputs] + [p for p, _ in inputs] + [s for s, _ in scalars]
    src += ["@cb.kernel", f"def {name}({', '.join(params)}):", "    i = cb.get_global_id(0)", *g.lines,
            *stores]
    prog = Program(seed, "\n".join(src) + "\n", name, inputs, scalars, outputs)
    prog.filename = f"<cambrian-fuzz {seed}-{next(_COUNTER)}>"
    return prog


# -- comparison -------------------------------------------------------------------------------------
def _ulp_close(ref: np.ndarray, got: np.ndarray) -> np.ndarray:
    real = ref.real.dtype if np.iscomplexobj(ref) else ref.dtype
    with np.errstate(all="ignore"):
        spacing = np.spacing(np.maximum(np.abs(ref), np.finfo(real).tiny).astype(real))
        close = np.abs(ref - got) <= ULPS * np.abs(spacing)
    return close | (ref == got) | (np.isnan(ref) & np.isnan(got))


def differences(ref: list[np.ndarray], got: list[np.ndarray], prog: Program) -> list[str]:
    """Outputs that differ: bit for bit (NaN equals NaN) or within ULPS for inexact ones."""
    bad = []
    for (name, dt, exact), r_, g_ in zip(prog.outputs, ref, got, strict=True):
        if dt in INTS or dt == "bool":
            same = r_ == g_
        elif exact:
            comps = [(r_.real, g_.real), (r_.imag, g_.imag)] if dt in COMPLEX else [(r_, g_)]
            same = np.ones(r_.shape, bool)
            for a, b in comps:
                bits = f"u{a.dtype.itemsize}"
                same &= (a.view(bits) == b.view(bits)) | (np.isnan(a) & np.isnan(b))
        else:
            same = _ulp_close(r_, g_)
        if not same.all():
            k = int(np.flatnonzero(~same)[0])
            bad.append(f"{name} ({dt}) element {k}: interp {r_[k]!r}, device {g_[k]!r}")
    return bad


@dataclass
class Outcome:
    programs: int = 0
    launches: int = 0
    mismatches: list[str] = field(default_factory=list)
    internal: list[str] = field(default_factory=list)  # crashes of Cambrian itself (not CambrianErrors)
    rejected: list[str] = field(default_factory=list)  # valid programs Cambrian refused


def run_program(prog: Program, devices: list[Any], reference: Any, outcome: Outcome, seed: int) -> None:
    """Run ``prog`` on the interpreter and on ``devices``; record what differs."""
    outcome.programs += 1
    rng = np.random.default_rng(seed)
    args = prog.arguments(rng)
    nout = len(prog.outputs)
    results = {}
    for dev in [reference, *devices]:
        if not dev.supports_float64 and any(dtypes.needs_float64(t) for _, t, *_ in
                                            [*prog.inputs, *prog.scalars, *prog.outputs]):
            continue
        mine = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        try:
            kern = prog.kernel()
            with cb.using(dev):
                kern[N](*mine)
            outcome.launches += 1
        except cb.CambrianError as exc:
            outcome.rejected.append(f"seed {seed} on {dev}: {type(exc).__name__}: {str(exc)[:300]}")
            return
        except Exception:
            outcome.internal.append(f"seed {seed} on {dev}: {traceback.format_exc(limit=3)[-600:]}")
            return
        results[dev] = mine[:nout]
    ref = results.pop(reference)
    for dev, got in results.items():
        for line in differences(ref, got, prog):
            outcome.mismatches.append(f"seed {seed} on {dev}: {line}")


# -- invalid programs ------------------------------------------------------------------------------
#: Statements outside the language or ill-typed: each must be a CambrianError at its own line.
INVALID = [
    "x = undefined_name + 1", "x = print(a0[i])", "x = [k for k in range(3)]", "x = lambda q: q",
    "x = {1: 2}", "x = {1, 2}", "x = 'text'", "a0[1:3] = 0", "import os", "x = cb.float64(1.0) & 1",
    "x = cb.float32(2.0) << 1", "x = cb.complex64(1j) // cb.complex64(1j)", "x = cb.complex128(1j) < 0",
    "x = (i > 0) + (i > 1)", "x = 2 ** 70 + 1", "x = 3037000500 * 3037000500", "del a0", "global zz",
    "x = a0", "x = a0[i, i]", "x = a0[cb.float32(1.0)]", "a0 = 1", "x = len(3)", "x = yield 1",
    "with open('f') as fh: pass", "try:\n        pass\n    except Exception:\n        pass",
    "class C: pass", "x = f'{i}'", "x = (1, 2) + a0[i]", "x = i @ i", "assert i", "raise ValueError()",
    "x = cb.get_global_id(7)", "x = cb.no_such_intrinsic(1)", "x = math.no_such_function(1.0)",
    "x = a0.no_such_attribute", "x = *a0", "x = abs()", "x = min(1)", "x = cb.int32(1, 2)",
    "return 5", "x = (yield)", "async def g(): pass", "x = cb.float64(1.0)\n    x = 'a'", "nonlocal x",
    "for q in a0[i]: pass", "x = not_a_func(1)(2)", "x = range(3)", "x = cb.local_array(a0[0], cb.int32)",
]


def invalid_program(seed: int) -> tuple[Program, int, str]:
    """A valid program with one bad statement inserted: ``(program, its line, the statement)``."""
    r = random.Random(seed)
    prog = generate(seed, statements=r.randint(1, 4), depth=2)
    lines = prog.source.splitlines()
    start = next(k for k, ln in enumerate(lines) if ln.startswith(f"def {prog.name}(")) + 2
    at = r.randint(start, len(lines) - 1)
    bad = r.choice(INVALID)
    lines.insert(at, "    " + bad)
    prog.source = "\n".join(lines) + "\n"
    prog.filename = f"<cambrian-fuzz-invalid {seed}-{next(_COUNTER)}>"
    return prog, at + 1, bad


def check_invalid(seed: int, device: Any) -> str | None:
    """None when the invalid program raised a CambrianError naming its file and the bad line; else what
    went wrong."""
    prog, line, bad = invalid_program(seed)
    try:
        kern = prog.kernel()
    except SyntaxError:
        return None  # Python itself rejects it (with file and line)
    args = prog.arguments(np.random.default_rng(seed))
    try:
        with cb.using(device):
            kern[N](*args)
    except cb.CambrianError as exc:
        text = str(exc)
        lines = range(line, line + bad.count("\n") + 1)
        if prog.filename in text and any(f"line {k}" in text for k in lines):
            return None
        return f"seed {seed} ({bad!r}): {type(exc).__name__} without {prog.filename}:{line}: {text[:300]}"
    except Exception as exc:
        return f"seed {seed} ({bad!r}): {type(exc).__name__} instead of a CambrianError: {str(exc)[:300]}"
    return f"seed {seed} ({bad!r}): accepted"
