"""The ``cambrian`` command: ``cambrian devices | info | bench | cache``.

Errors (a bad filter, no such device...) print one line to stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any

from .errors import CambrianError

#: Distribution names whose versions ``cambrian info`` reports, with their display names.
PACKAGES = (("Cambrian", "cambrian"), ("NumPy", "numpy"), ("Numba", "numba"), ("PyOpenCL", "pyopencl"),
            ("CuPy", ("cupy", "cupy-cuda12x", "cupy-cuda13x", "cupy-cuda11x")), ("Dask", "dask"))
NOT_INSTALLED = "not installed"


def _devmod() -> Any:
    # ``cambrian.devices`` is the function once the package re-exports it: import the module by name.
    return importlib.import_module("cambrian.devices")


# -- cambrian devices ----------------------------------------------------------------------------
def _gib(n: int) -> str:
    return f"{n / 2**30:.1f}" if n else "-"


def _row(d: Any, default: Any) -> list[str]:
    local = f"{d.local_memory_size // 1024} KiB" if d.supports_local_memory and d.local_memory_size else "-"
    status = "ok" if d.usable else f"unusable: {d.reason}"
    mark = "*" if default is not None and d == default else " "
    return [mark + str(d), d.name, d.kind, d.vendor or "-", d.driver_version or "-", _gib(d.global_memory),
            str(d.compute_units), "yes" if d.supports_float64 else "no", local, status]


HEADER = [" FILTER", "NAME", "KIND", "VENDOR", "DRIVER", "MEM GiB", "CU", "FP64", "LOCAL", "STATUS"]


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def _default_or_error() -> tuple[Any, str]:
    try:
        return _devmod().default_device(), ""
    except CambrianError as exc:
        return None, str(exc).splitlines()[0]


def cmd_devices(args: argparse.Namespace) -> int:
    dm = _devmod()
    listed = dm.devices(args.filter, include_unusable=True)
    missing = dm.unavailable_backends()
    default, default_error = _default_or_error()
    if args.json:
        out = {"devices": [d.as_dict() | {"default": d == default} for d in listed],
               "default": None if default is None else str(default),
               "unavailable_backends": missing}
        print(json.dumps(out, indent=2))
        return 0
    rows = [HEADER] + [_row(d, default) for d in listed]
    if args.all:
        rows += [[" " + name] + ["-"] * 8 + ["unavailable"] for name in missing]
    print(_table(rows))
    if default is not None:
        print(f"* default device: {default}")
    else:
        print(f"default device: none ({default_error})")
    if args.verbose:
        for d in listed:
            extra = {k: v for k, v in d.as_dict().items() if k not in ("filter", "name", "usable")}
            print(f"\n{d}: {d.name}")
            for k, v in extra.items():
                print(f"    {k}: {v}")
        for name, why in missing.items():
            print(f"\nbackend {name}: no devices: {why}")
    elif missing and not args.all:
        print(f"({len(missing)} backend(s) without devices: {', '.join(missing)}; --verbose says why)")
    return 0


# -- cambrian info -------------------------------------------------------------------------------
def _version(dists: str | tuple[str, ...]) -> str:
    for dist in (dists,) if isinstance(dists, str) else dists:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return NOT_INSTALLED


def opencl_platforms() -> list[str]:
    """``"name version"`` of each OpenCL platform (empty without PyOpenCL or an ICD loader)."""
    try:
        import pyopencl as cl

        return [f"{p.name} ({p.version.strip()})" for p in cl.get_platforms()]
    except Exception:
        return []


def pocl_version(platforms: list[str]) -> str:
    """PoCL's version from its OpenCL platform version string ("OpenCL 3.0 PoCL 3.1 ...")."""
    for p in platforms:
        words = p.replace("(", " ").split()
        for i, w in enumerate(words[:-1]):
            if w.lower() == "pocl":
                return words[i + 1]
    return NOT_INSTALLED


def info() -> dict[str, str]:
    """Versions of Cambrian, Python and the libraries it can use."""
    from . import config

    versions = {"Python": f"{platform.python_version()} ({sys.executable})"}
    versions |= {label: _version(dist) for label, dist in PACKAGES}
    platforms = opencl_platforms()
    versions["PoCL"] = pocl_version(platforms)
    versions["OpenCL platforms"] = "; ".join(platforms) or "none"
    versions["Platform"] = platform.platform()
    versions["Cache directory"] = str(config.cache_dir())
    versions |= linalg_libraries()
    return versions


def linalg_libraries() -> dict[str, str]:
    """``"linalg/fft on DEVICE"``: the library serving ``cambrian.linalg``/``fft``/``matmul`` there."""
    try:
        from .array._host import libraries

        return {f"linalg/fft on {d}": libraries(d) for d in _devmod().devices()}
    except Exception as exc:  # an unusable backend must not break ``cambrian info``
        return {"linalg/fft": f"unknown ({type(exc).__name__}: {exc})"}


def cmd_info(args: argparse.Namespace) -> int:
    versions = info()
    if args.json:
        print(json.dumps(versions, indent=2))
    else:
        width = max(map(len, versions))
        print("\n".join(f"{k.ljust(width)}  {v}" for k, v in versions.items()))
    return 0


# -- cambrian cache --------------------------------------------------------------------------------
CACHE_NAMESPACES = ("cpu", "opencl", "cuda", "verdicts")


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def cmd_cache(args: argparse.Namespace) -> int:
    from . import cache_bound

    if args.action == "clear":
        removed, freed = cache_bound.clear(args.backend)
        what = f"{args.backend} entries" if args.backend else "entries"
        print(f"removed {removed} {what} ({_mb(freed)}) from {cache_bound.config.cache_dir()}")
        return 0
    use = cache_bound.usage()
    if args.json:
        print(json.dumps(use, indent=2))
        return 0
    state = "on" if use["enabled"] else "off (CAMBRIAN_DISABLE_CACHE)"
    bound = _mb(use["max_bytes"]) if use["max_bytes"] else "none"
    print(f"cache directory: {use['directory']}{'' if use['exists'] else ' (not created yet)'}")
    print(f"disk cache: {state}; size bound: {bound} (CAMBRIAN_CACHE_MAX_MB; least recently used "
          "entries go first)")
    rows = [["BACKEND", "ENTRIES", "SIZE"]]
    rows += [[ns, str(v["entries"]), _mb(v["bytes"])] for ns, v in use["namespaces"].items()]
    rows.append(["total", str(use["entries"]), _mb(use["total_bytes"])])
    print(_table(rows))
    return 0


# -- cambrian bench (implemented in cambrian/bench/cli.py, imported only when asked) ---------------
def cmd_bench(argv: Sequence[str]) -> int:
    """``cambrian bench ARGS``: parsed by ``cambrian.bench.cli`` (``add_arguments``, ``run``)."""
    try:
        bench = importlib.import_module("cambrian.bench.cli")
    except Exception as exc:
        print(f"cambrian bench: unavailable ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="cambrian bench", description="Benchmark Cambrian's devices.")
    bench.add_arguments(parser)
    return int(bench.run(parser.parse_args(list(argv))) or 0)


# -- the parser ----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="cambrian",
                                     description="Cambrian: one Python kernel, every device.")
    parser.add_argument("--version", action="version", version=f"cambrian {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("devices", help="list devices of every backend (like sycl-ls / clinfo -l)")
    p.add_argument("filter", nargs="?", default=None, help="only devices matching this filter string")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="all properties of each device and why each missing backend is missing")
    p.add_argument("--json", action="store_true", help="JSON for scripts")
    p.add_argument("--all", action="store_true", help="also list backends that have no devices")
    p.set_defaults(func=cmd_devices)
    p = sub.add_parser("info", help="versions of Cambrian, Python and the libraries it uses")
    p.add_argument("--json", action="store_true", help="JSON for scripts")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("cache", help="the on-disk cache of compiled programs: info (default) or clear")
    p.add_argument("action", nargs="?", choices=("info", "clear"), default="info",
                   help="info: location, size bound, entries and size per backend; clear: remove entries")
    p.add_argument("--backend", choices=CACHE_NAMESPACES, help="clear only this backend's entries")
    p.add_argument("--json", action="store_true", help="JSON for scripts (info)")
    p.set_defaults(func=cmd_cache)
    sub.add_parser("bench", help="run the benchmarks (`cambrian bench --help`)")  # routed in main()
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cambrian`` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        if argv[:1] == ["bench"]:  # its own parser, imported only now
            return cmd_bench(argv[1:])
        args = parser.parse_args(argv)
        func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
        if func is None:
            parser.print_help(sys.stderr)
            return 2
        return func(args)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except CambrianError as exc:
        print(f"cambrian: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
