"""Kernel-language source templates of the reductions (see :mod:`cambrian.reduction`).

Three kernels, each generated for: the accumulator dtype ``acc``, the number of mapped arrays
``nin``, whether a map function ``_m`` is applied (``mapped``) and whether it gets the index
(``with_index``). ``_r`` is the reduce function, ``_m`` the map; both are ``@cb.func`` globals.

* ``chunks`` (CPU devices): work-item ``g`` reduces the contiguous chunk ``[g*chunk, (g+1)*chunk)``
  with ``LANES`` independent accumulators (element ``i`` goes to lane ``i % LANES`` of its chunk while
  whole rows of ``LANES`` remain, the rest to a tail accumulator), then combines the lanes in order
  and the tail last. Written as scalars, the lanes become vector registers under LLVM's SLP
  vectorizer (Numba with it on, see backends/cpu.py, and PoCL), which the in-order combine lets it
  recognise as a horizontal reduction.
* ``tree`` (GPUs): each work-item reduces a grid-stride loop, then the work-group reduces its values
  in local memory as a binary tree (halving strides, a barrier per level).
* ``axis``: one work-item per output element loops along the reduced axis in order.
"""

from __future__ import annotations

from collections.abc import Callable

LANES = 16


# Reduce functions of the built-in reductions (device functions; `min`/`max` are the NaN-propagating
# kernel intrinsics).
def add(a, b):  # type: ignore[no-untyped-def]
    return a + b


def multiply(a, b):  # type: ignore[no-untyped-def]
    return a * b


def minimum(a, b):  # type: ignore[no-untyped-def]
    return min(a, b)


def maximum(a, b):  # type: ignore[no-untyped-def]
    return max(a, b)


def _element(nin: int, mapped: bool, with_index: bool, acc: str, index: str, subs: list[str] | None = None,
             scalars: tuple[int, ...] = ()) -> str:
    """The mapped value of element ``index`` (or of the n-d subscript ``subs``), cast to ``acc``;
    the map arguments numbered in ``scalars`` are scalars (broadcast), not arrays."""
    sub = index if subs is None else ", ".join(subs)
    loads = [f"a{k}" if k in scalars else f"a{k}[{sub}]" for k in range(nin)]
    if not mapped:
        return f"cb.{acc}({loads[0]})"
    if with_index:
        loads.append(index)
    return f"cb.{acc}(_m({', '.join(loads)}))"


def combine(acc: str, a: str, b: str) -> str:
    """Kernel-language text of ``_r(a, b)`` in the accumulator dtype."""
    return f"cb.{acc}(_r({a}, {b}))"


def chunk_loop(acc: str, element: Callable[[str], str], finish: Callable[[str], str] = lambda v: v,
               target: str = "partials[g]") -> list[str]:
    """The body of a chunk kernel after ``g``/``start``/``stop``: ``target = finish(reduction of
    element(i) for i in [start, stop))``. Floats and complex use ``LANES`` independent accumulators
    (element ``i`` to lane ``i % LANES`` while whole rows of lanes remain, the rest to a tail), combined
    in order and the tail last: written as scalars, the lanes become vector registers under LLVM's SLP
    vectorizer (Numba with it on, see backends/cpu.py, and PoCL), which the in-order combine lets it
    recognise as a horizontal reduction. Integer reductions are exact in any order: one loop, which
    LLVM's loop vectorizer turns into a vector reduction itself (the lanes defeat it: an int64 sum of
    10**7 ran 8x slower)."""
    if acc == "bool" or acc.startswith(("int", "uint")):
        return ["    acc = ident", "    i = start", "    while i < stop:",
                f"        acc = {combine(acc, 'acc', element('i'))}", "        i += 1",
                f"    {target} = {finish('acc')}"]
    lanes = [f"acc{k}" for k in range(LANES)]
    lines = [f"    {v} = ident" for v in lanes]
    lines += ["    i = start", f"    while i + {LANES} <= stop:"]
    for k, v in enumerate(lanes):
        lines.append(f"        {v} = {combine(acc, v, element('i' if k == 0 else f'i + {k}'))}")
    lines += [f"        i += {LANES}", "    tail = ident", "    while i < stop:",
              f"        tail = {combine(acc, 'tail', element('i'))}", "        i += 1"]
    lines += [f"    acc0 = {combine(acc, 'acc0', v)}" for v in lanes[1:]]
    lines.append(f"    {target} = {finish(combine(acc, 'acc0', 'tail'))}")
    return lines


def scaling(acc: str, scaled: bool) -> tuple[str, Callable[[str], str]]:
    """``(extra parameter text, finish)`` of a kernel whose result is multiplied by its last
    parameter ``fin`` cast to ``acc`` (a mean: ``fin = 1/n``, as NumPy's ``total * (1/n)``)."""
    if not scaled:
        return "", lambda v: v
    return ", fin", lambda v: f"cb.{acc}({v} * cb.{acc}(fin))"


def chunks_source(name: str, nin: int, mapped: bool, with_index: bool, acc: str,
                  scalars: tuple[int, ...] = (), scaled: bool = False) -> str:
    """``name(partials, a0.., n, chunk, ident[, fin])``: ``partials[g]`` = reduction of chunk ``g``
    (times ``fin`` when ``scaled``: :func:`scaling`)."""
    arrays = ", ".join(f"a{k}" for k in range(nin))
    extra, finish = scaling(acc, scaled)
    lines = [f"def {name}(partials, {arrays}, n, chunk, ident{extra}):",
             "    g = cb.get_global_id(0)",
             "    start = g * chunk",
             "    stop = min(start + chunk, n)",
             *chunk_loop(acc, lambda i: _element(nin, mapped, with_index, acc, i, None, scalars), finish)]
    return "\n".join(lines) + "\n"


def claimed_chunks(acc: str, element: Callable[[str], str]) -> list[str]:
    """The body of a one-launch chunked kernel up to its last step: work-items claim chunks in turn
    (``count[0]``: the next unclaimed one) until none is left, writing ``partials[c]`` for each chunk
    ``c`` they reduce. Which work-item reduces a chunk does not change the result, and a work-item
    that the OS does not run for a while (a busy machine) leaves its share to the others: with a
    fixed chunk per work-item, a sum of 10**7 float64 on 2 threads waited for the slower one."""
    claim = "        c = cb.int64(cb.atomic_add(count, 0, 1))"
    body = chunk_loop(acc, element, target="partials[c]")
    return [claim[4:], "    while c < nparts:", "        start = c * chunk",
            "        stop = min(start + chunk, n)", *("    " + line for line in body), claim]


def last_step(lines: list[str]) -> list[str]:
    """``lines`` run by the last work-item to finish its chunks (``count[1]`` counts them; it resets
    ``count`` to zeros, as it was before the launch)."""
    last = "cb.int32(cb.get_global_size(0) - 1)"
    return [f"    if cb.atomic_inc(count, 1, {last}) == {last}:", "        count[0] = 0",
            *("    " + line for line in lines)]


def last_chunk_loop(acc: str, finish: Callable[[str], str] = lambda v: v, target: str = "out[0]"
                    ) -> list[str]:
    """After :func:`claimed_chunks`: the last work-item to finish reduces ``partials[0 .. nparts)`` as
    one chunk, in the order of a second ``chunks`` launch over them, into ``target``. A whole-array
    reduction on a CPU device is then one launch instead of two (a launch after reading 80 MB costs
    40-100 us here: caches and TLB are cold)."""
    body = chunk_loop(acc, lambda i: f"cb.{acc}(partials[{i}])", finish, target)
    return last_step(["    start = 0", "    stop = nparts", *body])


def last_chunk_source(name: str, nin: int, mapped: bool, with_index: bool, acc: str,
                      scalars: tuple[int, ...] = (), scaled: bool = False) -> str:
    """``name(out, partials, count, a0.., n, chunk, nparts, ident[, fin])``: the ``chunks`` kernel,
    then :func:`last_chunk_loop` (``out[0]`` = the reduction of the first ``nparts`` partials)."""
    arrays = ", ".join(f"a{k}" for k in range(nin))
    extra, finish = scaling(acc, scaled)
    lines = [f"def {name}(out, partials, count, {arrays}, n, chunk, nparts, ident{extra}):",
             *claimed_chunks(acc, lambda i: _element(nin, mapped, with_index, acc, i, None, scalars)),
             *last_chunk_loop(acc, finish)]
    return "\n".join(lines) + "\n"


def arg_source(name: str, acc: str) -> str:
    """``name(out, partials, count, a0, n, chunk, nparts, ident, is_max)``: the index of the first
    extreme of the 1-D ``a0`` (``_r``: ``maximum`` or ``minimum``; ``_b(v, best, is_max)``: ``v`` beats
    ``best``, the first NaN wins) in one launch: the ``chunks`` kernel writes each chunk's extreme,
    then the last work-item to finish takes the first chunk holding the best one and searches it."""
    pick = ["best = partials[0]", "r = 0", "for k in range(1, nparts):",
            "    if _b(partials[k], best, is_max):", "        best = partials[k]", "        r = k",
            "lo = r * chunk", "hi = min(lo + chunk, n)", "bi = lo", "b = a0[lo]",
            "for i in range(lo + 1, hi):", "    if _b(a0[i], b, is_max):", "        b = a0[i]",
            "        bi = i", "out[0] = bi"]
    lines = [f"def {name}(out, partials, count, a0, n, chunk, nparts, ident, is_max):",
             *claimed_chunks(acc, lambda i: f"cb.{acc}(a0[{i}])"),
             *last_step(["    " + line for line in pick])]
    return "\n".join(lines) + "\n"


def tree_loop(acc: str, group: int, element: Callable[[str], str],
              finish: Callable[[str], str] = lambda v: v) -> list[str]:
    """The body of a tree kernel launched with local size ``group`` (a power of two): each work-item
    reduces a grid-stride loop of ``element(i)``, then the work-group reduces its values in local
    memory as a binary tree (halving strides, a barrier per level); ``partials[group id] =
    finish(total)``."""
    lines = [f"    scratch = cb.local_array(({group},), cb.{acc})",
             "    lid = cb.get_local_id(0)",
             "    v = ident",
             "    for i in range(cb.get_global_id(0), n, cb.get_global_size(0)):",
             f"        v = {combine(acc, 'v', element('i'))}",
             "    scratch[lid] = v",
             "    cb.barrier()"]
    half = group // 2
    while half >= 1:
        lines += [f"    if lid < {half}:",
                  f"        scratch[lid] = {combine(acc, 'scratch[lid]', f'scratch[lid + {half}]')}",
                  "    cb.barrier()"]
        half //= 2
    lines += ["    if lid == 0:", f"        partials[cb.get_group_id(0)] = {finish('scratch[0]')}"]
    return lines


def tree_source(name: str, nin: int, mapped: bool, with_index: bool, acc: str, group: int,
                scalars: tuple[int, ...] = (), scaled: bool = False) -> str:
    """``name(partials, a0.., n, ident[, fin])`` launched with local size ``group`` (a power of two):
    ``partials[group id]`` = reduction of the group's grid-stride elements (:func:`scaling`)."""
    arrays = ", ".join(f"a{k}" for k in range(nin))
    extra, finish = scaling(acc, scaled)
    lines = [f"def {name}(partials, {arrays}, n, ident{extra}):",
             *tree_loop(acc, group, lambda i: _element(nin, mapped, with_index, acc, i, None, scalars),
                        finish)]
    return "\n".join(lines) + "\n"


def axis_source(name: str, nin: int, mapped: bool, with_index: bool, acc: str, ndim: int, axis: int,
                scalars: tuple[int, ...] = ()) -> str:
    """``name(out, a0.., ident)``: ``out`` (``ndim - 1`` dims) = reduction of ``a*`` along ``axis``;
    the map's index argument is the position along the axis."""
    arrays = ", ".join(f"a{k}" for k in range(nin))
    odims = ndim - 1
    lines = [f"def {name}(out, {arrays}, ident):", "    g = cb.get_global_id(0)"]
    for d in range(odims - 1, 0, -1):
        lines += [f"    o{d} = g % out.shape[{d}]", f"    g = g // out.shape[{d}]"]
    lines.append("    o0 = g")
    outs = [f"o{d}" for d in range(odims)]
    subs = [*outs[:axis], "j", *outs[axis:]]
    first = next(k for k in range(nin) if k not in scalars)
    lines += ["    v = ident", f"    for j in range(a{first}.shape[{axis}]):",
              f"        v = {combine(acc, 'v', _element(nin, mapped, with_index, acc, 'j', subs, scalars))}",
              f"    out[{', '.join(outs)}] = v"]
    return "\n".join(lines) + "\n"
