"""NVRTC compilation of generated CUDA C (through ``cupy.cuda.nvrtc``) and its on-disk cache.

Needs NVRTC (``libnvrtc``, shipped by the CUDA toolkit or the ``nvidia-cuda-nvrtc`` wheel) but no
GPU and no driver, so CI can compile the kernel corpus to PTX with an explicit architecture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..cache import DiskCache
from ..errors import CompileError

_DISK = DiskCache("cuda")
_SUFFIX = {"cubin": "kernel.cubin", "ptx": "kernel.ptx"}


def nvrtc_module() -> Any:
    """``cupy.cuda.nvrtc`` after checking that libnvrtc loads (raises RuntimeError saying why not)."""
    try:
        from cupy.cuda import nvrtc
    except Exception as exc:  # ImportError, or a CuPy built for another CUDA
        raise RuntimeError(f"cupy is not importable: {exc}") from exc
    try:
        nvrtc.getVersion()
    except Exception as exc:
        raise RuntimeError(f"NVRTC is not available: {str(exc).strip()}") from exc
    return nvrtc


def nvrtc_version() -> tuple[int, int]:
    return tuple(nvrtc_module().getVersion())  # type: ignore[return-value]


def supported_archs() -> tuple[int, ...]:
    """Real architectures NVRTC can emit (``(75, 80, ...)``); empty if NVRTC can't tell."""
    try:
        return tuple(int(a) for a in nvrtc_module().getSupportedArchs())
    except Exception:
        return ()


@dataclass(frozen=True)
class Binary:
    """A compiled program: ``kind`` is "cubin" or "ptx"; ``log`` the NVRTC log (warnings)."""

    data: bytes
    kind: str
    log: str = ""


def compile_source(source: str, options: tuple[str, ...], kind: str, name: str = "kernel") -> Binary:
    """Compile CUDA C with NVRTC to a cubin or PTX. Errors -> :class:`CompileError` with source + log."""
    nvrtc = nvrtc_module()
    prog = nvrtc.createProgram(source, f"cambrian_{name}.cu", (), ())
    try:
        try:
            nvrtc.compileProgram(prog, list(options))
        except nvrtc.NVRTCError as exc:
            log = nvrtc.getProgramLog(prog)
            raise CompileError(f"NVRTC could not compile kernel {name} ({exc})", source, log) from None
        log = nvrtc.getProgramLog(prog)
        data = nvrtc.getCUBIN(prog) if kind == "cubin" else nvrtc.getPTX(prog)
    finally:
        nvrtc.destroyProgram(prog)
    if isinstance(data, str):
        data = data.encode()
    if kind == "ptx" and not data.endswith(b"\0"):
        data += b"\0"  # cuModuleLoadData needs NUL-terminated PTX
    return Binary(bytes(data), kind, log.strip("\0 \n") if isinstance(log, str) else "")


def cached_binary(key: str, source: str, options: tuple[str, ...], kind: str, name: str) -> Binary:
    """The binary for ``key`` from the disk cache, else compiled and stored (source, meta, binary)."""
    meta = _DISK.read_json(key)
    if meta is not None and meta.get("kind") == kind:
        entry = _DISK.entry_dir(key)
        if entry is None or not (entry / _SUFFIX[kind]).is_file():
            _DISK.discard(key, "binary missing")
        elif data := _DISK.read_checked(key, _SUFFIX[kind]):  # (a bad binary is discarded there)
            return Binary(data, kind, str(meta.get("log", "")))
    binary = compile_source(source, options, kind, name)
    if _DISK.root() is not None:
        _DISK.write(key, "source.cu", source.encode())
        _DISK.write_checked(key, _SUFFIX[kind], binary.data)
        _DISK.write_json(key, {"kernel": name, "kind": kind, "options": list(options), "log": binary.log})
    return binary


def discard(key: str, why: str) -> None:
    """Drop a cache entry the driver refused to load (it is rebuilt next time)."""
    _DISK.discard(key, why)
