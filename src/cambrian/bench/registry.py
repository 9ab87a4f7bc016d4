"""The implementation table (every family, in table order) and device-filter matching of rows."""

from __future__ import annotations

import importlib.util

from .core import DeviceSpec, Impl, Skip


def all_impls() -> list[Impl]:
    """Every implementation, baselines first (imports no optional tool: they load when built)."""
    from . import (
        impls_arrays,
        impls_cambrian,
        impls_cambrian_arrays,
        impls_dask,
        impls_fuse,
        impls_numba,
        impls_opencl,
        impls_python,
    )

    arrays = {i.name: i for i in impls_arrays.IMPLS}
    return [*impls_python.IMPLS, arrays.pop("numpy"), *impls_numba.IMPLS, *impls_opencl.IMPLS,
            *impls_cambrian.IMPLS, *impls_cambrian_arrays.IMPLS,
            *impls_cambrian_arrays.KERNEL_IMPLS, *impls_fuse.IMPLS, *arrays.values(),
            *impls_dask.IMPLS]


def select(spec: str | None, impls: list[Impl] | None = None) -> list[Impl]:
    """Implementations named in a comma list; a name also matches a family or a prefix (``numba``)."""
    impls = all_impls() if impls is None else impls
    if not spec:
        return impls
    wanted = [s.strip().lower() for s in spec.split(",") if s.strip()]

    def hit(i: Impl, s: str) -> bool:
        return i.name == s or i.family == s or i.name.startswith(s)

    unknown = [s for s in wanted if not any(hit(i, s) for i in impls)]
    if unknown:
        raise ValueError(f"unknown implementation(s) {', '.join(unknown)}; "
                         f"known: {', '.join(i.name for i in impls)}")
    return [i for i in impls if any(hit(i, s) for s in wanted)]


def missing_requirement(impl: Impl) -> str | None:
    """Why ``impl`` cannot run here (a module that is not installed), or None."""
    for mod in impl.requires:
        try:
            found = importlib.util.find_spec(mod) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return f"{mod.split('.')[0]} not installed"
    return None


_KINDS = {"cpu", "gpu", "accelerator"}
_BACKENDS = {"interp", "cpu", "opencl", "cuda"}


def _term_matches(term: str, spec: DeviceSpec) -> bool:
    parts = spec.label.split(":")
    backend = parts[0]
    ordinal = parts[-1] if len(parts) > 1 and parts[-1].isdigit() else None
    t = [p.strip() for p in term.split(":")]
    if len(t) == 1 and t[0] in _KINDS and t[0] not in _BACKENDS:
        return spec.kind == t[0]
    wants = [*t, "*", "*", "*"][:3]
    if len(t) == 2 and t[1].isdigit():  # "cuda:0"
        wants = [t[0], "*", t[1]]
    return all(w in ("", "*") or w == have
               for w, have in zip(wants, (backend, spec.kind, ordinal), strict=True))


def device_selected(filter_: str | None, spec: DeviceSpec) -> bool:
    """Does the ``--devices`` filter keep this row? Host rows (the baselines) are always kept."""
    if not filter_ or spec.label == "host":
        return True
    return any(_term_matches(term.lower(), spec) for term in filter_.split(",") if term.strip())


def devices_of(impl: Impl) -> list[DeviceSpec]:
    """Where ``impl`` runs; raises Skip with the reason when nowhere."""
    if impl.devices is None:
        return [DeviceSpec("host")]
    try:
        found = impl.devices()
    except Skip:
        raise
    except Exception as exc:
        raise Skip(f"no {impl.name} device: {type(exc).__name__}: {exc}") from None
    if not found:
        raise Skip(f"no {impl.name} device")
    return found


def found_devices(impls: list[Impl]) -> list[DeviceSpec]:
    """Every device besides the host where an installed implementation of ``impls`` runs (before any
    ``--devices`` filter), once per label, in table order."""
    seen: dict[str, DeviceSpec] = {}
    for impl in impls:
        if impl.devices is None or missing_requirement(impl) is not None:
            continue
        try:
            specs = devices_of(impl)
        except Skip:
            continue
        for d in specs:
            if d.label != "host":
                seen.setdefault(d.label, d)
    # accelerators first, then Cambrian's cpu, other CPU devices, and the interpreter last
    return sorted(seen.values(), key=lambda d: (d.kind == "cpu", d.label != "cpu", d.label == "interp"))
