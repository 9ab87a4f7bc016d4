"""Regression tests of issue 20 for the disk cache, on every device: binaries checked by size and digest
before a driver sees them (#5: truncated, altered or another kernel's binary -> a warning and a
rebuild), corrupt Numba cache files rebuilt (#12), and a read-only or full cache degrading to memory
with one warning (#12)."""

from __future__ import annotations

import errno
import itertools
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import cambrian as cb
from cambrian import cache
from cambrian.backends import cuda_nvrtc
from cambrian.cache import CacheWarning, DiskCache
from cambrian.vectorize import kernel_namespace, make_function

_COUNT = itertools.count(1)


def fresh_kernel() -> tuple[cb.Kernel, int]:
    """A kernel never compiled in this process (its constant is new): ``a[i] = a[i] * 3 + c``."""
    c = next(_COUNT) * 7919 + 13
    name = f"cache_probe_{c}"
    src = f"def {name}(a):\n    i = cb.get_global_id(0)\n    a[i] = a[i] * 3 + {c}\n"
    return cb.kernel(make_function(src, name, "test", kernel_namespace())), c


def run(kern: cb.Kernel, c: int, device) -> None:
    a = np.arange(16, dtype=np.int64)
    with cb.using(device):
        kern[16](a)
    np.testing.assert_array_equal(a, np.arange(16) * 3 + c)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("CAMBRIAN_CACHE_DIR", str(d))
    monkeypatch.delenv("CAMBRIAN_DISABLE_CACHE", raising=False)
    return d


def forget_programs(device) -> None:
    """Drop the backend's in-memory programs, so the next compile goes to the disk cache."""
    impl = device.impl
    if device.backend == "opencl":
        impl.builder.memory.clear()
    elif device.backend == "cpu":
        impl._programs.clear()


# -- #20.5: checked binaries ----------------------------------------------------------------------
def test_checked_binary_rejects_truncated_altered_and_swapped_files(cache_dir: Path) -> None:
    disk = DiskCache("unit")
    a, b = cache.make_key("a"), cache.make_key("b")
    disk.write_checked(a, "binary.bin", b"A" * 100)
    disk.write_checked(b, "binary.bin", b"B" * 100)
    assert disk.read_checked(a, "binary.bin") == b"A" * 100
    path_a, path_b = (disk.entry_dir(k) / "binary.bin" for k in (a, b))
    for damage, words in [(lambda: path_a.write_bytes(path_a.read_bytes()[:90]), "truncated"),
                          (lambda: path_a.write_bytes(path_a.read_bytes()[:-1] + b"X"), "digest"),
                          (lambda: shutil.copy(path_b, path_a), "another entry")]:
        disk.write_checked(a, "binary.bin", b"A" * 100)
        damage()
        with pytest.warns(CacheWarning, match=words):
            assert disk.read_checked(a, "binary.bin") is None
        assert not path_a.exists()  # discarded: the next build rewrites it
    assert disk.read_checked(b, "binary.bin") == b"B" * 100


def test_nvrtc_cache_rebuilds_a_bad_binary(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[str] = []

    def compile_source(source, options, kind, name="kernel"):
        builds.append(name)
        return cuda_nvrtc.Binary(b"\x7fELF" + name.encode() * 10, kind)

    monkeypatch.setattr(cuda_nvrtc, "compile_source", compile_source)
    k1, k2 = cache.make_key("cuda", 1), cache.make_key("cuda", 2)
    first = cuda_nvrtc.cached_binary(k1, "src1", (), "cubin", "one")
    cuda_nvrtc.cached_binary(k2, "src2", (), "cubin", "two")
    assert cuda_nvrtc.cached_binary(k1, "src1", (), "cubin", "one") == first and builds == ["one", "two"]
    entry1, entry2 = (cache_dir / "cuda" / k[:2] / k for k in (k1, k2))
    shutil.copy(entry2 / "kernel.cubin", entry1 / "kernel.cubin")  # another kernel's binary, same name
    with pytest.warns(CacheWarning, match="another entry"):
        assert cuda_nvrtc.cached_binary(k1, "src1", (), "cubin", "one").data == first.data
    (entry1 / "kernel.cubin").write_bytes((entry1 / "kernel.cubin").read_bytes()[:30])
    with pytest.warns(CacheWarning, match="truncated"):
        assert cuda_nvrtc.cached_binary(k1, "src1", (), "cubin", "one").data == first.data
    assert builds == ["one", "two", "one", "one"]


def _entries(root: Path, pattern: str) -> dict[str, Path]:
    """Cache entry directories by the kernel name in their files."""
    out = {}
    for f in root.glob(pattern):
        text = f.read_text(errors="replace")
        for tag in ("cache_probe_",):
            at = text.find(tag)
            if at >= 0:
                out[text[at:].split("(")[0].split('"')[0].split("'")[0]] = f.parent
    return out


def test_corrupt_disk_cache_entries_are_warned_and_rebuilt(device, cache_dir: Path) -> None:
    if device.backend not in ("opencl", "cpu"):
        pytest.skip(f"device {device} keeps no compiled code on disk")
    k1, c1 = fresh_kernel()
    run(k1, c1, device)
    if device.backend == "opencl":
        k2, c2 = fresh_kernel()
        run(k2, c2, device)
        entries = _entries(cache_dir / "opencl", "*/*/meta.json")
        e1, e2 = entries[k1.name] / "binary.bin", entries[k2.name] / "binary.bin"
        damages = [("truncated", lambda: e1.write_bytes(e1.read_bytes()[: len(e1.read_bytes()) // 2])),
                   ("another entry", lambda: shutil.copy(e2, e1))]
    else:
        entries = _entries(cache_dir / "cpu", "*/*/kernel_*.py")
        nb = entries[k1.name] / "__pycache__"
        damages = [("corrupt Numba cache file", lambda kind=kind: [
            f.write_bytes(b"\x80\x04garbage") for f in nb.glob(f"*._launch1*-*{kind}")])
            for kind in (".nbi", ".nbc")]
    for words, damage in damages:
        damage()
        forget_programs(device)
        again = cb.kernel(k1.py_func)
        with pytest.warns(CacheWarning, match=words):
            run(again, c1, device)
    forget_programs(device)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # rebuilt entries load without a warning
        run(cb.kernel(k1.py_func), c1, device)


# -- #20.12: a read-only, full or unsafe cache degrades to memory with one warning ------------------
@pytest.mark.parametrize("fault", [errno.EROFS, errno.ENOSPC])
def test_cache_faults_degrade_to_memory_with_one_warning(device, cache_dir: Path, monkeypatch, fault) -> None:
    cache_dir.mkdir(mode=0o700)

    def failing(*args, **kwargs):
        raise OSError(fault, "injected fault")

    monkeypatch.setattr(cache.tempfile, "mkstemp", failing)  # every write of the cache fails
    monkeypatch.setattr(cache, "_REFUSED", {})
    kern, c = fresh_kernel()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(kern, c, device)
        k3, c3 = fresh_kernel()
        run(k3, c3, device)
    cache_warnings = [w for w in caught if issubclass(w.category, CacheWarning)]
    if device.backend == "interp":
        assert not cache_warnings
        return
    assert len(cache_warnings) == 1, [str(w.message) for w in cache_warnings]
    assert "compiling in memory only" in str(cache_warnings[0].message)


def test_unsafe_namespace_directory_is_replaced(cache_dir: Path, tmp_path: Path) -> None:
    """A namespace directory that is a link to a world-writable place is removed, not used."""
    cache_dir.mkdir(mode=0o700)
    elsewhere = tmp_path / "world"
    elsewhere.mkdir(mode=0o777)
    elsewhere.chmod(0o777)
    (cache_dir / "unit").symlink_to(elsewhere, target_is_directory=True)
    with pytest.warns(CacheWarning, match="symbolic link"):
        root = DiskCache("unit").root()
    assert root is not None and not root.is_symlink()
    assert DiskCache("unit").write("k" * 64, "x", b"1").parent.parent.parent == root
    (root / "zz").mkdir(mode=0o700)
    (root / "zz").chmod(0o777)  # an entry's parent writable by others
    with pytest.warns(CacheWarning, match="writable by others"):
        assert DiskCache("unit").entry_dir("zz" + "0" * 62) is not None
    assert not (root / "zz").exists()


_DEVICES_SCRIPT = """
import errno, os, tempfile, warnings
real = tempfile.mkstemp
def failing(*a, **k):
    raise OSError(errno.EROFS, "Read-only file system")
tempfile.mkstemp = failing
real_mkdir = os.mkdir
def mkdir(path, *a, **k):
    if str(path).startswith(os.environ["CAMBRIAN_CACHE_DIR"]):
        raise OSError(errno.EROFS, "Read-only file system", str(path))
    return real_mkdir(path, *a, **k)
os.mkdir = mkdir
warnings.simplefilter("always")
import numpy as np, cambrian as cb
print(len(cb.devices()) > 0)
@cb.kernel
def bump(a):
    i = cb.get_global_id(0)
    a[i] = a[i] + 1
for d in cb.devices():
    a = np.zeros(4, np.int32)
    with cb.using(d):
        bump[4](a)
    assert a.tolist() == [1, 1, 1, 1], (d, a)
print("ok")
"""


def test_devices_and_launches_with_a_read_only_cache(tmp_path: Path) -> None:
    """cb.devices() and launches raised a raw OSError from the verdict and program caches."""
    script = tmp_path / "ro.py"
    script.write_text(_DEVICES_SCRIPT)
    env = {**os.environ, "CAMBRIAN_CACHE_DIR": str(tmp_path / "ro" / "cache")}
    env.pop("CAMBRIAN_DISABLE_CACHE", None)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["True", "ok"]
    assert proc.stderr.count("CacheWarning") == 1, proc.stderr[-3000:]
