"""Compiling generated CUDA C with nvcc (no GPU needed): shared by the CUDA source tests."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

NVCC = shutil.which("nvcc")


def compile_failures(sources: Iterable[tuple[str, str]], workdir: Path) -> list[str]:
    """Compile each ``(name, CUDA C)`` with ``nvcc --ptx -arch=sm_80 --fmad=false`` (two at a time);
    return one message per source that fails or whose PTX has no ``k_`` kernel entry."""

    def compile_one(item: tuple[str, str]) -> str | None:
        name, src = item
        path = workdir / f"{name}.cu"
        path.write_text(src)
        ptx = path.with_suffix(".ptx")
        proc = subprocess.run([str(NVCC), "--ptx", "-arch=sm_80", "--fmad=false", "-o", str(ptx), str(path)],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            return f"{name}:\n{proc.stderr[-3000:]}"
        return None if ".entry k_" in ptx.read_text() else f"{name}: no kernel entry in the PTX"

    with ThreadPoolExecutor(max_workers=2) as pool:
        return [f for f in pool.map(compile_one, sources) if f]
