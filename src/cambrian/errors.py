"""Exception hierarchy. Every error Cambrian raises on purpose is a :class:`CambrianError`."""

from __future__ import annotations

import linecache
import os
from dataclasses import dataclass

from . import config


@dataclass(frozen=True)
class Loc:
    """A position in the user's Python source: file, 1-based line, 0-based column."""

    file: str
    line: int
    col: int = 0
    end_col: int | None = None

    def __str__(self) -> str:
        return f'File "{self.file}", line {self.line}'

    def excerpt(self) -> str:
        """The source line with a caret under the column (empty if the file can't be read)."""
        text = linecache.getline(self.file, self.line).rstrip("\n")
        if not text:
            return ""
        stripped = text.lstrip()
        indent = len(text) - len(stripped)
        col = max(self.col - indent, 0)
        width = max((self.end_col or self.col + 1) - self.col, 1) if self.end_col else 1
        return f"    {stripped}\n    {' ' * col}{'^' * min(width, max(len(stripped) - col, 1))}"


class CambrianError(Exception):
    """Base class of every error raised by Cambrian."""


class _LocatedError(CambrianError):
    """An error tied to a place in the user's kernel source."""

    def __init__(self, message: str, loc: Loc | None = None):
        self.message = message
        self.loc = loc
        super().__init__(self._format())

    def _format(self) -> str:
        if self.loc is None:
            return self.message
        excerpt = self.loc.excerpt()
        return f"{self.message}\n  {self.loc}\n{excerpt}" if excerpt else f"{self.message}\n  {self.loc}"


class KernelSyntaxError(_LocatedError):
    """Python syntax that is outside the kernel language."""


class KernelTypeError(_LocatedError):
    """A type error in kernel code (or in launch arguments)."""


class UnsupportedFeatureError(_LocatedError):
    """A feature the chosen device cannot provide (e.g. float64 on a device without it)."""


class CompileError(CambrianError):
    """A backend compiler rejected generated source. Keeps the source and the compiler log."""

    def __init__(self, message: str, source: str = "", log: str = ""):
        self.source = source
        self.log = log
        text = message
        if log:
            text += f"\n--- compiler log ---\n{log.strip()}"
        super().__init__(text)


class DeviceError(CambrianError):
    """A device could not be found, selected or used."""


def forked_child_error(api: str, why: str) -> DeviceError:
    """The error of a device API (``api``) used in a process forked from one that had set it up."""
    return DeviceError(f"{api} cannot be used in a process forked from one that used it ({why}); start "
                       "child processes with the 'spawn' or 'forkserver' method, or use the cpu device there")


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def is_user_file(filename: str) -> bool:
    """Whether code in ``filename`` is the user's: outside the package and its generated sources."""
    return not filename.startswith(_PACKAGE) and not filename.startswith("<cambrian-")


class OutOfMemoryError(DeviceError, MemoryError):
    """An allocation failed: not enough memory on the device (or host), or more than the device's
    largest single allocation. The one out-of-memory error of every backend; a ``MemoryError``, so
    ``except MemoryError`` catches it as it catches NumPy's."""


class PlacementError(CambrianError):
    """Operands live on different devices; data never moves implicitly."""


class LaunchError(CambrianError):
    """Bad launch configuration or arguments (sizes, argument count, dtype, ndim)."""


class KernelRuntimeError(CambrianError):
    """An error raised by device work (reported at the next wait on its queue)."""


class KernelIndexError(KernelRuntimeError, IndexError):
    """Out-of-bounds access in a kernel (bounds-checked, or on the interpreter): names the kernel, the
    source line, the index and the shape. An ``IndexError``, so ``except IndexError`` catches it."""


class FilterSyntaxError(DeviceError, ValueError):
    """A malformed device filter string."""


#: Where a function's code came from when Python kept no source for it (``co_filename``).
_NO_SOURCE = {"<stdin>": "the plain Python REPL or a pipe (<stdin>)",
              "<string>": "a string (python -c, exec)"}


def no_source_hint(filename: str) -> str:
    """Why a kernel's source can't be read and where to define kernels instead."""
    where = _NO_SOURCE.get(filename, f"{filename}, which Python cannot read back")
    return (f"it was defined in {where}, and kernels are compiled from their source: define kernels and "
            "device functions in a file (a script or a module), in IPython/Jupyter, or in the "
            "interactive REPL of Python 3.13 or later, which keeps the source")


def user_error(exc: BaseException) -> BaseException:
    """``exc`` made ready to be raised again at a public entry point (a launch, ``source``):

        except CambrianError as exc:
            raise user_error(exc)

    Cambrian's frames below the entry are dropped (also from chained exceptions, whose messages stay), so
    the traceback ends at the user's call and the message follows (a compile error's names the kernel's
    file, line and caret). ``CAMBRIAN_DEBUG=1`` keeps every frame, for debugging Cambrian itself."""
    if config.debug():
        return exc
    seen: set[int] = set()
    chained: BaseException | None = exc
    while chained is not None and id(chained) not in seen:
        seen.add(id(chained))
        chained.__traceback__ = None
        chained = chained.__cause__ or (None if chained.__suppress_context__ else chained.__context__)
    return exc


def bounds_message(kernel: str, index: int, size: int, axis: int | None = None, array: str | None = None,
                   shape: tuple[int, ...] | None = None, where: str | None = None,
                   function: str | None = None) -> str:
    """The text of every backend's :class:`KernelIndexError` (parts it does not know are left out):
    ``index 10 out of bounds for axis 0 with size 8 of array 'a' (shape (8,)) in kernel 'k' at f.py:12``."""
    text = f"index {index} out of bounds"
    text += f" for axis {axis} with size {size}" if axis is not None else f" (size {size})"
    if array:
        text += f" of array {array!r}" + (f" (shape {tuple(shape)})" if shape is not None else "")
    text += f" in kernel {kernel!r}" + (f" (device function {function!r})" if function else "")
    return text + (f" at {where}" if where else "")


def first_out_of_bounds(index: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, int, int]:
    """``(axis, index, size)`` of the first axis where ``index`` falls outside ``shape``."""
    for axis, (i, n) in enumerate(zip(index, shape, strict=False)):
        if not 0 <= i < n:
            return axis, int(i), int(n)
    return 0, int(index[0]) if index else 0, int(shape[0]) if shape else 0
