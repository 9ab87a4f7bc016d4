"""Numba-style signatures of device functions: ``@cb.func("int32(int32, float32[:])")``."""

from __future__ import annotations

import re

from .. import dtypes

_FUNC_SIG = re.compile(r"^\s*(\w+)\s*\((.*)\)\s*$")
_ARRAY_SIG = re.compile(r"^(\w+)\s*\[\s*(:\s*(?:,\s*:\s*)*)(?::\s*1\s*)?\]$")


def parse_func_signature(sig: str) -> tuple[str | None, tuple[str | tuple[str, int], ...]]:
    """``'int32(int32, float64[:, :])'`` -> ``('int32', ('int32', ('float64', 2)))``; ``void`` -> None."""
    m = _FUNC_SIG.match(sig) if isinstance(sig, str) else None
    if m is None:
        raise ValueError(f"bad device function signature {sig!r}; expected like 'int32(int32, float32[:])'")
    try:
        ret = None if m.group(1) in ("void", "none") else dtypes.name(m.group(1))
        params: list[str | tuple[str, int]] = []
        for part in re.split(r",(?![^\[]*\])", m.group(2)):
            part = part.strip()
            arr = _ARRAY_SIG.match(part)
            if arr:
                params.append((dtypes.name(arr.group(1)), arr.group(0).count(":") - arr.group(0).count(":1")))
            elif part:
                params.append(dtypes.name(part))
    except TypeError as exc:
        raise ValueError(f"bad device function signature {sig!r}: {exc}") from None
    return ret, tuple(params)
