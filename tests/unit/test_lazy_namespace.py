"""``import cambrian`` binds the array chapters a kernel launch needs and imports the others on first use
(``cambrian.array.LAZY``): the public names, ``__all__`` and ``from cambrian import *`` are unchanged."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import cambrian as cb
import cambrian.array as A


def test_lazy_table_is_each_chapters_all() -> None:
    for mod, names in A.LAZY.items():
        chapter = importlib.import_module(f"cambrian.array.{mod}")
        assert tuple(chapter.__all__) == names, mod
        for name in names:
            assert getattr(cb, name) is getattr(chapter, name) is getattr(A, name)
    assert cb.linalg is importlib.import_module("cambrian.array.linalg")
    assert cb.fft is importlib.import_module("cambrian.array.fft")


def test_every_public_name_resolves_once() -> None:
    ns: dict[str, object] = {}
    exec("from cambrian import *", ns)
    assert [n for n in cb.__all__ if n not in ns] == []
    assert len(set(cb.__all__)) == len(cb.__all__)
    assert set(A.__all__) == {"Array", *A.EAGER[1:], *(n for names in A.LAZY.values() for n in names)}
    assert set(cb.__all__) <= set(dir(cb))


def test_unknown_names_still_raise() -> None:
    for module in (cb, A):
        try:
            module.no_such_function  # type: ignore[attr-defined]  # noqa: B018
        except AttributeError as exc:
            assert "no_such_function" in str(exc)
        else:
            raise AssertionError(f"{module.__name__}.no_such_function resolved")


def test_new_process_imports_later_chapters_on_first_use() -> None:
    code = ("import json, sys, numpy as np, cambrian as cb\n"
            "before = sorted(m for m in sys.modules if m.startswith('cambrian.array._statistical')"
            " or m in ('cambrian.array.linalg', 'cambrian.array.fft', 'cambrian.array._manipulation'))\n"
            "x = cb.asarray(np.arange(6.0), device='interp')\n"
            "total = float(cb.sum(cb.reshape(x, (2, 3))))\n"
            "print(json.dumps({'before': before, 'total': total, 'after': 'cambrian.array._statistical' in "
            "sys.modules}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"before": [], "total": 15.0, "after": True}
