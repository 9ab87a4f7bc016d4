"""Tuples of scalars as kernel (launch) arguments: ``k[n](a, (1.5, 2, 3))``.

The front end types a tuple argument as :class:`~cambrian.compiler.frontend_views.TupleT`; the kernel
keeps an unused int32 placeholder parameter at the tuple's position (so array positions, which the
launch machinery uses, do not move) and takes the elements as scalar parameters appended after the
others, in argument order. :func:`flat_types` and :func:`expand` apply the same layout to the types
and to the launch arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .compiler import ir
from .compiler.frontend_views import TupleT


def is_scalar_tuple(a: Any) -> bool:
    return isinstance(a, tuple) and len(a) > 0 and all(
        isinstance(x, (bool, int, float, complex, np.generic)) for x in a)


def flat_types(types: Sequence[Any]) -> list[Any]:
    """Kernel parameter types in launch order: placeholders in place, tuple elements at the end."""
    return [ir.INT32 if isinstance(t, TupleT) else t for t in types] + [
        e for t in types if isinstance(t, TupleT) for e in t.elems]


def expand(launch_args: list[Any]) -> None:
    """Lay out ``launch_args`` (in place) as :func:`flat_types` lays out the types."""
    extra: list[Any] = []
    for i, a in enumerate(launch_args):
        if isinstance(a, tuple):
            extra.extend(a)
            launch_args[i] = np.int32(0)
    launch_args.extend(extra)
