"""The methods of the dataclasses defined by ``import cambrian`` (the compiler IR's and the others), from
the disk cache (compiler/dataclass_code.py), are the same functions as ``dataclasses`` compiles itself:
compared field by field across new processes (cache off, cache being filled, cache read, corrupt file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import dataclasses, json, sys, warnings
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    import cambrian
    from cambrian.compiler import ir
out = {}
classes = [(f"{m}.{name}", cls) for m in sorted(sys.modules) if m.startswith("cambrian")
           for name, cls in sorted(vars(sys.modules[m]).items())
           if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == m]
for name, cls in classes:
    for meth in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        fn = cls.__dict__.get(meth)
        if fn is None:
            continue
        c = fn.__code__
        out[f"{name}.{meth}"] = repr((
            c.co_code.hex(), c.co_consts, c.co_names, c.co_varnames, c.co_freevars, c.co_cellvars,
            c.co_flags, c.co_argcount, c.co_kwonlyargcount, c.co_posonlyargcount, c.co_qualname,
            c.co_filename, c.co_firstlineno, c.co_linetable.hex(), c.co_exceptiontable.hex(),
            fn.__defaults__, fn.__kwdefaults__, fn.__annotations__, fn.__qualname__,
            [type(x.cell_contents).__name__ for x in fn.__closure__ or ()],
            fn.__globals__ is vars(sys.modules[cls.__module__]) if meth == "__init__" else None))
e = ir.Const(ir.FLOAT64, 1.5)
assert e == ir.Const(ir.FLOAT64, 1.5) and hash(e) == hash(ir.Const(ir.FLOAT64, 1.5)) != hash(ir.INT64)
assert repr(e) == "Const(type=Scalar(dtype='float64'), loc=None, value=1.5)", repr(e)
try:
    e.value = 2
except dataclasses.FrozenInstanceError:
    pass
else:
    raise AssertionError("not frozen")
print(json.dumps({"methods": out, "classes": len(classes), "patched": "exec" in vars(dataclasses),
                  "warnings": [str(w.message) for w in caught]}))
"""


def _probe(env: dict[str, str]) -> dict:
    env = {**os.environ, **env}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cached_methods_equal_compiled(tmp_path: Path) -> None:
    cache = {"CAMBRIAN_CACHE_DIR": str(tmp_path / "c")}
    plain = _probe({"CAMBRIAN_DISABLE_CACHE": "1"})
    first = _probe(cache)  # compiles, writes the table
    files = list((tmp_path / "c" / "python").rglob("dataclass_code.marshal"))
    assert len(files) == 1
    second = _probe(cache)  # reads it
    assert len(plain["methods"]) >= 150 and plain["classes"] >= 35
    for res in (first, second):
        assert res["methods"] == plain["methods"]
        assert not res["patched"] and not res["warnings"]
    assert not plain["patched"]
    files[0].write_bytes(files[0].read_bytes()[:-7] + b"garbage")  # corrupt: warned, rebuilt
    third = _probe(cache)
    assert third["methods"] == plain["methods"]
    assert any("corrupt cache entry" in w for w in third["warnings"])
    assert _probe(cache) == second and files[0].is_file()
