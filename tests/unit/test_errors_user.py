"""What a user sees when a kernel is wrong: a traceback that ends at their call, then the kernel's
place; Cambrian's own frames only under CAMBRIAN_DEBUG=1; a clear word when a kernel has no source."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HEAD = "import numpy as np\nimport cambrian as cb\n"
#: name -> (script body after HEAD, the user's call line, the kernel's bad line): lines count from 1.
SCRIPTS = {
    "launch": ("""
        @cb.kernel
        def k(a):
            a[cb.get_global_id(0)] = "x"

        k[4](np.zeros(4, dtype=np.float32))
        """, 7, 5),
    "vectorize": ("""
        @cb.vectorize
        def f(x):
            return x + "s"

        f(np.zeros(4))
        """, 7, 5),
    "reduction": ("""
        def add(u, v): return u + v
        def square(v): return v * "x"
        r = cb.reduction(add, identity=0.0, map=square)
        r(np.zeros(4))
        """, 6, 4),
    "source": ("""
        @cb.kernel
        def k(a):
            a[0] = undefined_name

        print(k.source("cuda", np.zeros(4, dtype=np.float32)))
        """, 7, 5),
}


def _run(tmp_path: Path, body: str, debug: bool = False) -> tuple[Path, subprocess.CompletedProcess]:
    script = tmp_path / "user_script.py"
    script.write_text(HEAD + textwrap.dedent(body).lstrip("\n"))
    env = {**os.environ, "CAMBRIAN_DEVICE": "interp", "CAMBRIAN_DEBUG": "1" if debug else "0"}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    return script, proc


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_traceback_ends_at_the_users_call(tmp_path, name):
    body, call_line, bad_line = SCRIPTS[name]
    script, proc = _run(tmp_path, body)
    err = proc.stderr
    assert proc.returncode == 1 and "cambrian.errors." in err, err
    frames = re.findall(r'^  File "([^"]+)", line (\d+)', err, re.MULTILINE)
    # the user's call, Cambrian's public entry point (one or two frames), then the kernel's place
    assert (str(script), str(call_line)) == frames[0], err
    assert frames[-1] == (str(script), str(bad_line)), err
    inside = [f for f, _ in frames if f != str(script)]
    assert len(inside) <= 2 and not any(os.sep + "compiler" + os.sep in f for f in inside), err
    assert "^" in err.splitlines()[-1]  # the caret under the bad expression


def test_cambrian_debug_keeps_the_internal_frames(tmp_path):
    body, _, _ = SCRIPTS["launch"]
    _, proc = _run(tmp_path, body, debug=True)
    assert proc.returncode == 1
    assert f"cambrian{os.sep}compiler{os.sep}frontend" in proc.stderr, proc.stderr


KERNEL = HEAD + "@cb.kernel\ndef k(a):\n    a[cb.get_global_id(0)] = 1\nk[4](np.zeros(4))\n"


@pytest.mark.parametrize(("how", "words"), [("-c", "python -c"), ("stdin", "a pipe")])
def test_a_kernel_without_source_says_where_to_define_it(how, words):
    args, stdin = ([sys.executable, "-c", KERNEL], None) if how == "-c" else ([sys.executable, "-"], KERNEL)
    proc = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "CAMBRIAN_DEVICE": "interp"})
    assert proc.returncode == 1
    err = " ".join(proc.stderr.split())
    assert "KernelSyntaxError: cannot read the source of 'k'" in err, err
    for hint in (words, "in a file", "IPython/Jupyter", "Python 3.13"):
        assert hint in err, (hint, err)
