"""Devices: discovery over the backend registry, trust by self-test, filter strings, selection and the
scoped default device.

Filter strings (after SYCL's ``ONEAPI_DEVICE_SELECTOR``)::

    filter := term ("," term)*          alternatives, in order of preference
    term   := part (":" part){0,2}      backend, kind, ordinal: in this order, each optional
    part   := backend | kind | ordinal | "*" | ""

Parts are recognised by value: backends ``interp cpu opencl cuda``, kinds ``cpu gpu accelerator``, an
ordinal is an integer >= 0, ``*`` (or an empty part) is a wildcard. As the *first* part ``cpu`` names the
Numba ``cpu`` backend (a backend name wins over the kind); later it is the kind: ``"opencl:cpu"`` selects
OpenCL CPU devices and ``":cpu"`` or ``"*:cpu"`` any CPU-kind device. The ordinal indexes the devices that
match the backend (and kind, if given), usable or not, in listing order. Case and whitespace are ignored.

A device is trusted only after it proves itself: before it is offered, ``backend.self_test(device)`` runs;
the verdict is cached per ``device.identity()`` (which includes the driver version) in memory and on disk
(``<cache_dir>/verdicts``); a failed verdict is retried after a day or when the driver environment changes,
and its reason says ``cached verdict from <date>``. ``CAMBRIAN_RETEST=1`` re-runs the self-tests. Failed
devices are listed with ``usable=False`` and the reason, and are never selected.

Note: ``cambrian.devices`` is the *function* :func:`devices`; reach this module with
``from cambrian.devices import ...`` or ``importlib.import_module("cambrian.devices")``.
"""

from __future__ import annotations

import copyreg
import re
import threading
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from . import backends, config
from .backends.base import BackendUnavailable, Device
from .errors import DeviceError, FilterSyntaxError
from .verdicts import VerdictStore

KINDS = ("cpu", "gpu", "accelerator")
_WILDCARDS = ("", "*")
GRAMMAR = ("filters are 'backend:kind:ordinal' with every part optional, ',' between alternatives; "
           "backend: {backends}; kind: cpu, gpu, accelerator; ordinal: an integer >= 0; '*' matches "
           "anything (e.g. 'cuda,opencl:gpu', 'opencl:cpu:0', ':gpu', 'cpu')")

Score = Callable[[Device], Any]

__all__ = ["Device", "Term", "default_device", "default_score", "devices", "parse_filter",
           "refresh", "resolve_device", "retest_requested", "select_device", "unavailable_backends",
           "using"]


def retest_requested() -> bool:
    """``CAMBRIAN_RETEST=1``: re-run device self-tests instead of trusting cached verdicts."""
    return config.retest()


# -- filter strings ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """One alternative of a filter: each part None when it is a wildcard."""

    backend: str | None = None
    kind: str | None = None
    ordinal: int | None = None

    def matches(self, device: Device) -> bool:
        """Backend and kind match (the ordinal is applied over a list, see :func:`match`)."""
        return ((self.backend is None or device.backend == self.backend)
                and (self.kind is None or device.kind == self.kind))

    def __str__(self) -> str:
        parts = [self.backend or "*", self.kind or "*", "*" if self.ordinal is None else str(self.ordinal)]
        while len(parts) > 1 and parts[-1] == "*":
            parts.pop()
        return ":".join(parts)


def _syntax_error(text: str, why: str) -> FilterSyntaxError:
    grammar = GRAMMAR.format(backends=", ".join(backends.NAMES))
    return FilterSyntaxError(f"bad device filter {text!r}: {why}; {grammar}")


def _parse_term(term: str, text: str) -> Term:
    parts = [p.strip().lower() for p in term.split(":")]
    if len(parts) > 3:
        raise _syntax_error(text, f"{term.strip()!r} has {len(parts)} parts, at most 3 are allowed")
    values: list[Any] = [None, None, None]
    slot = 0  # next free position: 0 backend, 1 kind, 2 ordinal
    for p in parts:
        if p in _WILDCARDS:
            role = slot
        elif p.isdigit():
            role, values[2] = 2, int(p)
        elif re.fullmatch(r"[+-]\d+", p):
            raise _syntax_error(text, f"ordinal {p!r} must be an integer >= 0")
        elif p in backends.NAMES and (p != "cpu" or slot == 0):
            role, values[0] = 0, p
        elif p in KINDS:
            role, values[1] = 1, p
        else:
            raise _syntax_error(text, f"unknown part {p!r} in {term.strip()!r}")
        if role < slot or role > 2:
            raise _syntax_error(text, f"{p or '(empty)'!r} is out of place in {term.strip()!r} "
                                      "(the order is backend:kind:ordinal)")
        slot = role + 1
    return Term(*values)


def parse_filter(text: str) -> tuple[Term, ...]:
    """Parse a filter string into its alternatives; raise FilterSyntaxError when malformed."""
    if not isinstance(text, str):
        raise FilterSyntaxError(f"a device filter must be a string, got {type(text).__name__}")
    if not text.strip():
        raise _syntax_error(text, "the filter is empty")
    terms = text.split(",")
    if any(not t.strip() for t in terms):
        raise _syntax_error(text, "empty alternative between commas")
    return tuple(_parse_term(t, text) for t in terms)


def match(terms: tuple[Term, ...], listed: list[Device]) -> list[list[Device]]:
    """For each term, the listed devices (usable or not) it selects, in listing order."""
    out = []
    for t in terms:
        found = [d for d in listed if t.matches(d)]
        if t.ordinal is not None:
            found = found[t.ordinal:t.ordinal + 1]
        out.append(found)
    return out


def _backends_of(terms: tuple[Term, ...]) -> set[str] | None:
    """The backends a filter can match, or None when a term leaves the backend open."""
    if any(t.backend is None for t in terms):
        return None
    return {t.backend for t in terms if t.backend is not None}


# -- discovery and verdicts ----------------------------------------------------------------------
def _one_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    text = lines[0] if lines else ""
    if not isinstance(exc, BackendUnavailable | DeviceError):
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text[:300]


class Verdicts:
    """Self-test verdicts per device identity (:class:`~cambrian.verdicts.VerdictStore`: a failed one
    is retried after a day or on a changed environment)."""

    def __init__(self) -> None:
        self._store = VerdictStore("verdict")

    def get(self, device: Device, run: Callable[[], None]) -> tuple[bool, str]:
        """The (usable, reason) verdict of ``device``; ``run`` is its self-test, called when needed."""
        return self._store.get(device.identity(), run, lambda exc: f"self-test failed: {_one_line(exc)}")


class Registry:
    """Devices of every backend, discovered once (lazily, thread-safe) and self-tested."""

    def __init__(self, names: tuple[str, ...] | None = None) -> None:
        self.names = names
        self.verdicts = Verdicts()
        self._lock = threading.RLock()
        self._found: dict[str, list[Device]] = {}  # backend name -> its devices, once discovered
        self._listed: list[Device] | None = None  # every backend's devices, once all are discovered
        self._missing: dict[str, str] = {}
        self._default: tuple[str | None, Device] | None = None

    def reset(self) -> None:
        """Forget discovered devices (the next query discovers again); tests use this."""
        with self._lock:
            self._found, self._listed, self._missing, self._default = {}, None, {}, None
            self.verdicts._store.clear_memory()

    def listed(self, only: Iterable[str] | None = None) -> list[Device]:
        """Discovered devices, usable or not, in backend order: every backend's, or only those of the
        backends named in ``only`` (the others are not even imported: ``select_device("cpu")`` never
        loads PyOpenCL or CuPy)."""
        if only is None and self._listed is not None:
            return self._listed
        names = [n for n in self.names or backends.NAMES if only is None or n in only]
        if any(n not in self._found for n in names):
            with self._lock:
                for n in names:
                    if n not in self._found:
                        self._found[n] = self._discover(n)
        found = [d for n in names for d in self._found[n]]
        if only is None:
            self._listed = found
        return found

    def missing(self) -> dict[str, str]:
        """Backend name -> why it yields no devices."""
        self.listed()
        return dict(self._missing)

    def _discover(self, name: str) -> list[Device]:
        try:
            impl = backends.get_backend(name)
            devs = list(impl.discover())
        except Exception as exc:  # a broken backend never breaks discovery
            self._missing[name] = _one_line(exc)
            return []
        if not devs:
            self._missing[name] = "no devices found"
        for d in devs:
            d.usable, d.reason = self.verdicts.get(d, lambda d=d, impl=impl: impl.self_test(d))
        return devs

    def describe(self) -> str:
        """One line naming the devices that exist, unusable ones and missing backends (for errors)."""
        listed = self.listed()
        ok = [str(d) for d in listed if d.usable]
        bad = [f"{d} ({d.reason})" for d in listed if not d.usable]
        text = "devices: " + (", ".join(ok) or "none")
        if bad:
            text += "; unusable: " + ", ".join(bad)
        if self._missing:
            text += "; unavailable backends: " + ", ".join(f"{k} ({v})" for k, v in self._missing.items())
        return text

    def default(self) -> Device:
        env = config.device_filter()
        cached = self._default
        if cached is not None and cached[0] == env:
            return cached[1]
        if env:
            try:
                device = self.select(env)
            except DeviceError as exc:
                raise type(exc)(f"CAMBRIAN_DEVICE={env!r}: {exc}") from None
        else:
            device = self.select()
        self._default = (env, device)
        return device

    def select(self, filter: str | Device | None = None, score: Score | None = None) -> Device:
        """See :func:`select_device`."""
        if isinstance(filter, Device):
            if not filter.usable:
                raise DeviceError(f"device {filter} is unusable: {filter.reason}")
            return filter
        if filter is None:
            groups = [self.listed()]
        else:
            terms = parse_filter(filter)
            groups = match(terms, self.listed(_backends_of(terms)))
        if score is not None:
            union: list[Device] = []
            for g in groups:
                union.extend(d for d in g if d.usable and d not in union)
            chosen = _best(union, score)
        else:
            chosen = next((b for g in groups if (b := _best([d for d in g if d.usable], default_score))),
                          None)
        if chosen is None:
            what = "" if filter is None else f" matches filter {filter!r}"
            extra = " is accepted by the score function" if score is not None else ""
            raise DeviceError(f"no usable device{what}{extra}; {self.describe()}")
        return chosen


_registry = Registry()


def refresh() -> None:
    """Discard discovered devices and in-memory verdicts; the next query discovers again."""
    _registry.reset()


def unavailable_backends() -> dict[str, str]:
    """Backend name -> reason, for backends that yield no devices (``cambrian devices --verbose``)."""
    return _registry.missing()


def devices(filter: str | None = None, *, include_unusable: bool = False) -> list[Device]:
    """The devices matching ``filter`` (all when None), in backend order: interp, cpu, opencl, cuda.

    Devices that failed their self-test are left out unless ``include_unusable``.
    """
    if filter is None:
        found = list(_registry.listed())
    else:
        found = []
        terms = parse_filter(filter)
        for group in match(terms, _registry.listed(_backends_of(terms))):
            found.extend(d for d in group if d not in found)
    return found if include_unusable else [d for d in found if d.usable]


# ``cambrian.devices`` is this function once the package re-exports it: keep the module's helpers
# reachable as ``cambrian.devices.refresh()`` and ``cambrian.devices.unavailable_backends()``.
devices.refresh = refresh  # type: ignore[attr-defined]
devices.unavailable_backends = unavailable_backends  # type: ignore[attr-defined]


def default_score(device: Device) -> tuple[Any, ...]:
    """The default preference: a GPU (biggest compute_units * memory, CUDA over OpenCL), else the
    Numba cpu device, else another CPU device, else interp."""
    return (device.kind == "gpu", device.backend == "cpu", device.backend != "interp",
            device.compute_units * device.global_memory, device.backend == "cuda")


def _best(candidates: list[Device], score: Score) -> Device | None:
    best, best_score = None, None
    for d in candidates:
        s = score(d)
        if s is None or (isinstance(s, int | float) and s < 0):
            continue  # rejected by the score function
        if best is None or s > best_score:
            best, best_score = d, s
    return best


def select_device(filter: str | Device | None = None, *, score: Score | None = None) -> Device:
    """Pick one usable device matching ``filter`` (any device when None).

    With ``score`` the matching device of highest score wins (a score of None or below 0 rejects a
    device). Without it, the alternatives of a comma list are tried in order and within one the
    :func:`default_score` decides. Raises DeviceError listing the devices that exist.
    """
    return _registry.select(filter, score)


# A Device pickles (and copies) as its filter string: unpickling selects that device in the new process
# (DeviceError there when it has no such device).
copyreg.pickle(Device, lambda d: (select_device, (d.filter_string,)))


def resolve_device(device: Device | str | None) -> Device:
    """A Device from a Device, a filter string, or None (the current default)."""
    if device is None:
        return default_device()
    if isinstance(device, Device | str):
        return select_device(device)
    raise TypeError(f"expected a cambrian Device or a filter string, got {type(device).__name__}")


# -- the scoped default --------------------------------------------------------------------------
_current: ContextVar[Device | None] = ContextVar("cambrian_device", default=None)


def default_device() -> Device:
    """The device used when none is given: the innermost ``using()`` of this thread/task, else
    ``CAMBRIAN_DEVICE``, else the best usable GPU, else the Numba ``cpu`` device, else ``interp``."""
    d = _current.get()
    return d if d is not None else _registry.default()


class using:
    """``with cambrian.using(device_or_filter) as dev:`` sets the default device for the current
    thread or asyncio task only (a ContextVar), restored on exit."""

    def __init__(self, device: Device | str):
        self.device = select_device(device)
        self._tokens: list[Any] = []

    def __enter__(self) -> Device:
        self._tokens.append(_current.set(self.device))
        return self.device

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._tokens.pop())
