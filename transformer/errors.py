"""The exceptions of wi-transform; one handler in ``cli`` maps them to exit codes."""

from __future__ import annotations

from typing import NamedTuple

EXIT_OK = 0
EXIT_CHANGED = 1
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3
EXIT_BUG = 4


class Location(NamedTuple):
    """Where a problem is: 1-based line and column, as editors and GitHub count them."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}:{self.column or 1}"


class WiTransformError(Exception):
    """Base of every error we raise on purpose."""

    exit_code = EXIT_BAD_INPUT


class UsageError(WiTransformError):
    """Flags or arguments that cannot work together."""

    exit_code = EXIT_USAGE


class InputError(WiTransformError):
    """One problem in one input, with its location."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class InputErrors(WiTransformError):
    """Every problem found across all inputs; raised once so that nothing is written."""

    def __init__(self, errors: list[InputError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors
