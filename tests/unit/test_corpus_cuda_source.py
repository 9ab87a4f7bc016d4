"""The CUDA C of the whole kernel corpus compiles with nvcc (no GPU needed)."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from ..backends.corpus import CASES

NVCC = shutil.which("nvcc")


@pytest.mark.skipif(NVCC is None, reason="nvcc not found: CUDA C of the corpus is not compiled")
def test_corpus_cuda_c_compiles_with_nvcc(tmp_path) -> None:
    seen: set[object] = set()
    sources = []
    for case in CASES:
        if case.kernel in seen:
            continue
        seen.add(case.kernel)
        args = case.make(np.random.default_rng(0))
        src = case.kernel.source("cuda", *args)
        assert "__global__" in src, case.name
        sources.append((case, src))

    def compile_one(item: tuple[object, str]) -> str | None:
        case, src = item
        path = tmp_path / f"{case.name}.cu"
        path.write_text(src)
        ptx = path.with_suffix(".ptx")
        proc = subprocess.run([NVCC, "--ptx", "-arch=sm_80", "--fmad=false", "-o", str(ptx), str(path)],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            return f"{case.name}:\n{proc.stderr[-2000:]}"
        return None if ".entry" in ptx.read_text() else f"{case.name}: no .entry in PTX"

    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [f for f in pool.map(compile_one, sources) if f]
    assert not failures, "\n\n".join(failures)


