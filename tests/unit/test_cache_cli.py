"""``cambrian cache info|clear`` and the cache's size bound (least recently used entries go first), on a
temporary cache directory."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from cambrian import cache_bound, cli
from cambrian.cache import DiskCache


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    d.mkdir(mode=0o700)
    monkeypatch.setenv("CAMBRIAN_CACHE_DIR", str(d))
    monkeypatch.delenv("CAMBRIAN_DISABLE_CACHE", raising=False)
    monkeypatch.delenv("CAMBRIAN_CACHE_MAX_MB", raising=False)
    return d


def entry(base: Path, ns: str, key: str, nbytes: int, age_s: float = 0.0) -> Path:
    """A fake entry of ``nbytes`` (a file and a Numba-like subdirectory), last used ``age_s`` ago."""
    d = base / ns / key[:2] / key
    (d / "__pycache__").mkdir(parents=True)
    (d / "source").write_bytes(b"s" * (nbytes // 2))
    (d / "__pycache__" / "k.nbc").write_bytes(b"b" * (nbytes - nbytes // 2))
    t = time.time() - age_s
    os.utime(d, (t, t))
    return d


def test_cache_info_counts_entries_and_bytes_per_backend(cache_dir, capsys):
    entry(cache_dir, "cpu", "aa01", 1000)
    entry(cache_dir, "cpu", "bb02", 3000)
    entry(cache_dir, "opencl", "cc03", 500_000)
    assert cli.main(["cache", "info", "--json"]) == 0
    use = json.loads(capsys.readouterr().out)
    assert use["directory"] == str(cache_dir) and use["enabled"]
    assert use["namespaces"] == {"cpu": {"entries": 2, "bytes": 4000},
                                 "opencl": {"entries": 1, "bytes": 500_000}}
    assert use["total_bytes"] == 504_000 and use["entries"] == 3 and use["max_bytes"] == 1000 * 10**6
    assert cli.main(["cache"]) == 0  # info is the default
    out = capsys.readouterr().out
    assert str(cache_dir) in out and "1000.0 MB" in out and "CAMBRIAN_CACHE_MAX_MB" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:]}
    assert rows["cpu"] == ["2", "0.0", "MB"] and rows["opencl"] == ["1", "0.5", "MB"]
    assert rows["total"] == ["3", "0.5", "MB"]


def test_cache_clear_one_backend_then_all(cache_dir, capsys):
    entry(cache_dir, "cpu", "aa01", 100)
    entry(cache_dir, "opencl", "cc03", 200)
    entry(cache_dir, "verdicts", "dd04", 10)
    assert cli.main(["cache", "clear", "--backend", "opencl"]) == 0
    assert "removed 1 opencl entries" in capsys.readouterr().out
    assert set(cache_bound.usage()["namespaces"]) == {"cpu", "verdicts"}
    assert cli.main(["cache", "clear"]) == 0
    assert "removed 2 entries" in capsys.readouterr().out
    assert cache_bound.usage()["entries"] == 0 and cache_dir.is_dir()
    assert cli.main(["cache", "clear", "--backend", "nonsense"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_writes_past_the_bound_evict_the_least_recently_used(cache_dir, monkeypatch):
    monkeypatch.setenv("CAMBRIAN_CACHE_MAX_MB", "0.01")  # 10 kB
    old = [entry(cache_dir, "opencl", f"{i:02x}old", 3000, age_s=3600 - i) for i in range(4)]
    recent = entry(cache_dir, "cpu", "ffrecent", 3000, age_s=10)
    verdict = entry(cache_dir, "verdicts", "eeverdict", 100, age_s=10**6)
    disk = DiskCache("cpu")
    assert disk.write("ab" + "0" * 62, "new", b"x" * 1000) is not None  # first write: a walk
    left = {e.path for e in cache_bound.entries(cache_dir)}
    assert not any(p in left for p in old[:3])  # the oldest went first...
    assert {old[3], recent, verdict, cache_dir / "cpu" / "ab" / ("ab" + "0" * 62)} <= left  # ...down to 8 kB
    assert sum(e.size for e in cache_bound.entries(cache_dir)) <= 10_000
    assert json.loads((cache_dir / cache_bound.STATE_FILE).read_text())["bytes"] <= 8000 + 100


def test_the_bound_is_kept_without_a_walk_per_write(cache_dir, monkeypatch):
    monkeypatch.setenv("CAMBRIAN_CACHE_MAX_MB", "0.05")  # 50 kB
    walks = []
    real = cache_bound.entries
    monkeypatch.setattr(cache_bound, "entries", lambda *a, **k: walks.append(1) or real(*a, **k))
    disk = DiskCache("opencl")

    def write(i: int) -> None:  # as another process would: this one spares the entries it used
        disk.write(f"{i:02x}" + "1" * 62, "binary.bin", b"y" * 1000)
        cache_bound._USED.clear()

    for i in range(20):  # 20 kB: under the bound after the first (measuring) walk
        write(i)
    assert len(walks) == 1
    for i in range(20, 60):  # 60 kB written: the estimate passes the bound, a walk evicts
        write(i)
    assert 2 <= len(walks) <= 3
    assert sum(e.size for e in cache_bound.entries(cache_dir)) <= 50_000


def test_a_process_that_spares_its_own_entries_does_not_walk_at_every_write(cache_dir, monkeypatch):
    monkeypatch.setenv("CAMBRIAN_CACHE_MAX_MB", "0.01")
    walks = []
    real = cache_bound.entries
    monkeypatch.setattr(cache_bound, "entries", lambda *a, **k: walks.append(1) or real(*a, **k))
    disk = DiskCache("cpu")
    for i in range(40):  # 40 kB, all used by this process (never evicted by it)
        disk.write(f"{i:02x}" + "4" * 62, "k.py", b"y" * 1000)
    assert len(real(cache_dir)) == 40
    assert len(walks) <= 40 * 1000 // 2000 + 2  # a walk per 20% of the bound written at most


def test_reading_an_entry_marks_it_recently_used(cache_dir):
    disk = DiskCache("cpu")
    key = "cd" + "2" * 62
    d = disk.write(key, "source.py", b"pass\n").parent
    os.utime(d, (1000.0, 1000.0))
    cache_bound._USED.discard(d)  # as in a new process
    assert disk.read(key, "source.py") == b"pass\n"
    assert d.stat().st_mtime > time.time() - 60


def test_no_bound_with_zero_and_a_clear_error_for_nonsense(cache_dir, monkeypatch):
    from cambrian import config

    monkeypatch.setenv("CAMBRIAN_CACHE_MAX_MB", "0")
    entry(cache_dir, "cpu", "aa01", 50_000, age_s=10**5)
    DiskCache("cpu").write("ab" + "3" * 62, "x", b"z")
    assert len(cache_bound.entries(cache_dir)) == 2
    monkeypatch.setenv("CAMBRIAN_CACHE_MAX_MB", "lots")
    with pytest.raises(ValueError, match="CAMBRIAN_CACHE_MAX_MB"):
        config.cache_max_bytes()
