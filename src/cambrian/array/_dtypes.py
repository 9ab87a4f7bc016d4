"""Data types (array API "Data Types" and "Data Type Functions"): the dtype objects ``cb.bool`` ...
``cb.complex128`` (also kernel casts: ``cb.float32(x)``)."""

from __future__ import annotations

from ..compiler.lang import DTYPES

__all__ = ["bool", "bool_", "complex64", "complex128", "float32", "float64", "int8", "int16", "int32",
           "int64", "uint8", "uint16", "uint32", "uint64"]

bool = bool_ = DTYPES["bool"]
int8, int16, int32, int64 = (DTYPES[n] for n in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (DTYPES[n] for n in ("uint8", "uint16", "uint32", "uint64"))
float32, float64 = DTYPES["float32"], DTYPES["float64"]
complex64, complex128 = DTYPES["complex64"], DTYPES["complex128"]
