"""Findings grouped into test cases, one per object (or file): what JUnit and TAP report. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .findings import Finding, Subject, one_line


@dataclass
class Case:
    """One object of one file (``object`` "" for the file itself) and its findings."""

    path: str
    object: str
    line: int = 1
    findings: list[Finding] = field(default_factory=list)

    @property
    def name(self) -> str:
        return one_line(self.object or self.path)

    @property
    def errors(self) -> list[Finding]:
        """The findings that fail the case: errors not suppressed."""
        return [f for f in self.findings if f.severity == "error" and f.suppressed is None]

    @property
    def notes(self) -> list[Finding]:
        """Everything else: warnings, notes, and suppressed findings with their reason."""
        return [f for f in self.findings if f.severity != "error" or f.suppressed is not None]

    @property
    def failed(self) -> bool:
        return bool(self.errors)


def cases(findings: Sequence[Finding], subjects: Sequence[Subject] = ()) -> list[Case]:
    """One case per subject and per object that has findings, in file and line order."""
    by_key: dict[tuple[str, str], Case] = {}
    for s in subjects:
        by_key.setdefault((s.path, s.object), Case(s.path, s.object, s.line))
    for f in findings:
        key = (f.path, f.object)
        if key not in by_key:
            by_key[key] = Case(f.path, f.object, f.line)
        by_key[key].findings.append(f)
    # A file's own case only when something is wrong with the file itself, or it has no objects.
    with_objects = {path for path, name in by_key if name}
    used = [c for c in by_key.values() if c.object or c.findings or c.path not in with_objects]
    return sorted(used, key=lambda c: (c.path, c.line, c.object))
