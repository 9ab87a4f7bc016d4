"""Kernel-language source of :mod:`cambrian.fuse`: a traced graph becomes one device function and the
kernels that apply it.

* ``_f(a0.., s0..)``: the elementwise part, one statement per traced operation, each calling the
  namespace function (``cb.exp``: its scalar definition inside kernels) on operands cast to the dtypes
  its ``types()`` chose, the result cast to its result dtype: what the op-by-op kernels compute;
* ``_p(v, s0..)``: the scalar arithmetic after a reduction, applied to its result ``v``;
* kernels: elementwise (flat, serial loop, n-d with broadcasting) and, for a trailing reduction, the
  chunked (CPU devices) / tree (GPUs) / along-axes kernels of :mod:`cambrian.reduction_source` with
  ``_f`` as the map: the same reduction order, so the same floating-point results.

``aK`` are the array arguments, ``sK`` the run-time scalars; an input "kind" is ``(ndim, broadcast
dims)`` against the iteration shape (``None``: flat, same shape and C-contiguous, or 0-d as ``(0, ())``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .fuse_trace import Node, Unsupported
from .reduction_source import chunk_loop, tree_loop
from .reduction_source import combine as _combine

Kind = tuple[int, tuple[int, ...]] | None


def literal(value: Any) -> str:
    """A Python or NumPy scalar as kernel-language source (exact: ``repr`` of floats round-trips)."""
    if isinstance(value, np.generic):
        return f"cb.{value.dtype.name}({literal(value.item())})"
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "math.nan"
        if math.isinf(value):
            return "math.inf" if value > 0 else "(-math.inf)"
        return repr(value)
    if isinstance(value, complex):
        return f"complex({literal(value.real)}, {literal(value.imag)})"
    raise TypeError(f"no literal for {type(value).__name__}")


class Graph:
    """The parts of a trace the kernels need: the array inputs (argument positions), the run-time
    scalars, the reduction node (if the result depends on one) and the functions' source."""

    def __init__(self, out: Node, reduction: Node | None, namespace: dict[str, Any]):
        self.out, self.ns = out, namespace
        post: list[Node] = []
        self.reduction = reduction if reduction is not None and _reaches(out, reduction) else None
        if self.reduction is not None:
            _order(out, post, stop=self.reduction)
            for n in post:
                if n.kind == "in":
                    user = next((m for m in post if n in m.args), None)
                    raise Unsupported("after a reduction a fused function may only do arithmetic with "
                                      "scalars on its result; here an array argument is used after it",
                                      user.loc if user is not None else None)
        self.pre = self.reduction.args[0] if self.reduction is not None else out
        pre: list[Node] = []
        _order(self.pre, pre)
        self.inputs = sorted((n for n in pre if n.kind == "in"), key=lambda n: n.value)
        self.arrays = [n.value for n in self.inputs]
        self.scalars: list[Node] = []
        for n in (*pre, *post):
            if n.kind == "host" and n not in self.scalars:
                self.scalars.append(n)
        self.result = out.dtype
        names = {n: f"a{k}" for k, n in enumerate(self.inputs)}
        names.update({n: f"s{k}" for k, n in enumerate(self.scalars)})
        sparams = [f"s{k}" for k in range(len(self.scalars))]
        self.f_src = _function("_f", [names[n] for n in self.inputs] + sparams, pre, self.pre, dict(names),
                               namespace)
        self.p_src = None
        if self.reduction is not None:
            pnames = dict(names)
            pnames[self.reduction] = "v"
            self.p_src = _function("_p", ["v", *sparams], post, out, pnames, namespace)

    @property
    def params(self) -> list[str]:
        return [*(f"a{k}" for k in range(len(self.inputs))), *(f"s{k}" for k in range(len(self.scalars)))]


def _reaches(node: Node, target: Node) -> bool:
    found: list[Node] = []
    _order(node, found)
    return any(n is target for n in found)


def _order(node: Node, out: list[Node], stop: Node | None = None, seen: set[int] | None = None) -> None:
    """Post-order (operands first) of the nodes ``node`` depends on, not crossing ``stop``."""
    seen = set() if seen is None else seen
    if id(node) in seen or node is stop:
        return
    seen.add(id(node))
    for a in node.args:
        _order(a, out, stop, seen)
    out.append(node)


def _fname(fn: Any, namespace: dict[str, Any]) -> str:
    import cambrian

    if getattr(cambrian, fn.name, None) is fn:
        return f"cb.{fn.name}"
    for k, v in namespace.items():
        if v is fn:
            return k
    name = f"_e{sum(k.startswith('_e') for k in namespace)}"
    namespace[name] = fn
    return name


def _function(name: str, params: Sequence[str], nodes: Sequence[Node], result: Node, names: dict[Node, str],
              namespace: dict[str, Any]) -> str:
    lines = [f"def {name}({', '.join(params)}):"]
    temps = 0

    def expr(n: Node) -> str:
        if n in names:
            return names[n]
        if n.kind == "const":
            return literal(n.value)
        raise Unsupported(f"internal: no value for {n!r}")  # pragma: no cover

    for n in nodes:
        if n.kind == "op":
            operands = ", ".join(f"cb.{c}({expr(a)})" for a, c in zip(n.args, n.compute, strict=True))
            call = f"{_fname(n.fn, namespace)}({operands})"
        elif n.kind == "cast":
            call = expr(n.args[0])
        else:
            continue
        names[n] = f"t{temps}"
        temps += 1
        lines.append(f"    {names[n]} = cb.{n.dtype}({call})")
    lines.append(f"    return {expr(result)}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ kernels
def _loads(kinds: Sequence[Kind], idx: Sequence[str], flat: str) -> list[str]:
    """The element of each input at the iteration index ``idx`` (n-d) or ``flat`` (plain inputs)."""
    out = []
    for k, kind in enumerate(kinds):
        if kind is None:
            out.append(f"a{k}[{flat}]")
        elif kind[0] == 0:
            out.append(f"a{k}[0]")
        else:
            nd, zero = kind
            mine = idx[len(idx) - nd:]
            out.append(f"a{k}[{', '.join('0' if d in zero else v for d, v in enumerate(mine))}]")
    return out


def _decode(var: str, dims: Sequence[str], extents: Sequence[str], indent: str) -> list[str]:
    """Statements that split the flat ``var`` into the indices ``dims`` (row-major) over ``extents``."""
    lines = []
    for d in range(len(dims) - 1, 0, -1):
        lines += [f"{indent}{dims[d]} = {var} % {extents[d]}", f"{indent}{var} = {var} // {extents[d]}"]
    if dims:
        lines.append(f"{indent}{dims[0]} = {var}")
    return lines


def elementwise_source(name: str, g: Graph, kinds: Sequence[Kind], ndim: int, out_dtype: str,
                       serial: bool = False) -> str:
    """``name(out, a.., s..[, n])``: ``out[idx] = _f(loads)``; flat (``ndim`` 0: plain inputs), n-d
    (``ndim`` dims of ``out``), or ``serial`` (one work-item loops over ``n`` flat elements)."""
    params = ", ".join(["out", *g.params, *(["n"] if serial else [])])
    lines = [f"def {name}({params}):"]
    ind = "    "
    if serial:
        lines.append("    for g in range(n):")
        ind = "        "
    else:
        lines.append("    g = cb.get_global_id(0)")
    flat = ndim == 0  # plain inputs (kinds None or 0-d), launched as flat views
    idx = [f"i{d}" for d in range(ndim)]
    if not flat:
        lines += _decode("g", idx, [f"out.shape[{d}]" for d in range(ndim)], ind)
    args = [*_loads(kinds, idx, "g"), *(f"s{k}" for k in range(len(g.scalars)))]
    target = "g" if flat else ", ".join(idx)
    lines.append(f"{ind}out[{target}] = cb.{out_dtype}(_f({', '.join(args)}))")
    return "\n".join(lines) + "\n"


def loader_source(g: Graph, kinds: Sequence[Kind], ndim: int) -> str:
    """``_l(i, a.., s.., d1..)``: ``_f`` of the element at flat index ``i`` of the iteration shape with
    extents ``d0..`` (for reductions over broadcast or strided inputs)."""
    ext = [f"d{d}" for d in range(1, ndim)]
    lines = [f"def _l({', '.join(['i', *g.params, *ext])}):", "    r = i"]
    idx = [f"i{d}" for d in range(ndim)]
    lines += _decode("r", idx, ["d0", *ext], "    ")
    args = [*_loads(kinds, idx, "i"), *(f"s{k}" for k in range(len(g.scalars)))]
    lines.append(f"    return _f({', '.join(args)})")
    return "\n".join(lines) + "\n"


def _element(g: Graph, kinds: Sequence[Kind] | None, ndim: int, acc: str, i: str) -> str:
    """The mapped element ``i`` in the accumulator dtype (``kinds`` None: the partials ``a0``)."""
    scal = [f"s{k}" for k in range(len(g.scalars))]
    if kinds is None:
        return f"cb.{acc}(a0[{i}])"
    if all(k is None or k[0] == 0 for k in kinds):
        return f"cb.{acc}(_f({', '.join([*_loads(kinds, [], i), *scal])}))"
    return f"cb.{acc}(_l({', '.join([i, *g.params, *(f'd{d}' for d in range(1, ndim))])}))"


def _final(g: Graph, acc: str, out_dtype: str, value: str) -> str:
    if g.p_src is None:
        return f"cb.{out_dtype}({value})"
    return f"cb.{out_dtype}(_p({', '.join([value, *(f's{k}' for k in range(len(g.scalars)))])}))"


def _inputs(g: Graph, kinds: Sequence[Kind] | None, ndim: int) -> list[str]:
    """Parameters after the output: the arrays and scalars (or the partials ``a0``), the extents."""
    if kinds is None:
        return ["a0", *(f"s{k}" for k in range(len(g.scalars)))]
    flat = all(k is None or k[0] == 0 for k in kinds)
    return [*g.params, *([] if flat else [f"d{d}" for d in range(1, ndim)])]


def chunks_source(name: str, g: Graph, kinds: Sequence[Kind] | None, ndim: int, acc: str,
                  out_dtype: str | None) -> str:
    """``reduction_source.chunks_source`` with the fused map; ``out_dtype``: the last pass (``_p``)."""
    lines = [f"def {name}({', '.join(['partials', *_inputs(g, kinds, ndim), 'n', 'chunk', 'ident'])}):",
             "    g = cb.get_global_id(0)", "    start = g * chunk", "    stop = min(start + chunk, n)",
             *chunk_loop(acc, lambda i: _element(g, kinds, ndim, acc, i),
                         (lambda v: _final(g, acc, out_dtype, v)) if out_dtype else (lambda v: v))]
    return "\n".join(lines) + "\n"


def tree_source(name: str, g: Graph, kinds: Sequence[Kind] | None, ndim: int, acc: str, group: int,
                out_dtype: str | None) -> str:
    """``reduction_source.tree_source`` with the fused map; ``out_dtype``: the last pass (``_p``)."""
    lines = [f"def {name}({', '.join(['partials', *_inputs(g, kinds, ndim), 'n', 'ident'])}):",
             *tree_loop(acc, group, lambda i: _element(g, kinds, ndim, acc, i),
                        (lambda v: _final(g, acc, out_dtype, v)) if out_dtype else (lambda v: v))]
    return "\n".join(lines) + "\n"


def axis_source(name: str, g: Graph, kinds: Sequence[Kind], ndim: int, axes: Sequence[int], acc: str,
                out_dtype: str) -> str:
    """``name(out, a.., s.., k1.., r1.., m, ident)``: one work-item per kept element ``out[g]`` (flat,
    C order) reduces the ``m`` elements of the reduced axes in C order (as the namespace's rows)."""
    kept = [d for d in range(ndim) if d not in axes]
    kx = [f"k{j}" for j in range(len(kept))]
    rx = [f"r{j}" for j in range(len(axes))]
    params = ["out", *g.params, *kx[1:], *rx[1:], "m", "ident"]
    lines = [f"def {name}({', '.join(params)}):", "    g = cb.get_global_id(0)"]
    idx = [""] * ndim
    for j, d in enumerate(kept):
        idx[d] = f"o{j}"
    for j, d in enumerate(axes):
        idx[d] = f"q{j}"
    lines += _decode("g", [f"o{j}" for j in range(len(kept))], kx, "    ")
    lines += ["    v = ident", "    for j in range(m):", "        p = j"]
    lines += _decode("p", [f"q{j}" for j in range(len(axes))], rx, "        ")
    scal = [f"s{k}" for k in range(len(g.scalars))]
    elem = f"cb.{acc}(_f({', '.join([*_loads(kinds, idx, 'j'), *scal])}))"
    lines.append(f"        v = {_combine(acc, 'v', elem)}")
    lines.append(f"    out[cb.get_global_id(0)] = {_final(g, acc, out_dtype, 'v')}")
    return "\n".join(lines) + "\n"
