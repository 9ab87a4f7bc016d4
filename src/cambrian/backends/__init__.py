"""Backend registry: name -> module holding ``BACKEND``. Imported lazily so a missing library costs
nothing until its backend is asked for."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Backend

#: Backend names in the order devices are listed.
NAMES = ("interp", "cpu", "opencl", "cuda")
_MODULES = {"interp": ".interp", "cpu": ".cpu", "opencl": ".opencl", "cuda": ".cuda"}
_loaded: dict[str, Backend] = {}


def get_backend(name: str) -> Backend:
    """The backend object for ``name`` (imports its module on first use)."""
    if name not in _loaded:
        module = importlib.import_module(_MODULES[name], __name__)
        _loaded[name] = module.BACKEND
    return _loaded[name]
