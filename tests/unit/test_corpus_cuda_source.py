"""The CUDA C of the whole kernel corpus compiles with nvcc (no GPU needed)."""

from __future__ import annotations

import numpy as np
import pytest

from ..backends.corpus import CASES
from .nvcc import NVCC, compile_failures


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
    failures = compile_failures(((case.name, src) for case, src in sources), tmp_path)
    assert not failures, "\n\n".join(failures)
