"""Constants of the array API standard: ``e``, ``inf``, ``nan``, ``newaxis``, ``pi``."""

from __future__ import annotations

import math

__all__ = ["e", "inf", "nan", "newaxis", "pi"]

e = math.e
inf = math.inf
nan = math.nan
pi = math.pi
#: ``x[:, newaxis]`` adds an axis of size 1 (it is ``None``, as in NumPy).
newaxis = None
