"""What ``validate`` reports: one finding per problem, at its line and column."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from ..errors import Location
from ..manifest.stream import CLUSTER_SCOPED, Path, Resource, json_path

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

# Everything a terminal or a CI log may take for the end of a line.
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


@dataclass(frozen=True)
class Finding:
    """One problem (or note) about one place of one input."""

    path: str
    line: int
    column: int
    severity: Severity
    rule: str
    message: str
    kind: str = ""
    namespace: str = ""
    name: str = ""
    json_path: str = ""
    # Why the finding does not count (an ignore annotation's reason); None: it counts.
    suppressed: str | None = None

    def __post_init__(self) -> None:
        # Messages quote manifest content (keys, names): a key holding a newline and then
        # "::error::" must not become a line of its own, where a CI runner would obey it.
        object.__setattr__(self, "message", one_line(self.message))
        object.__setattr__(self, "json_path", one_line(self.json_path))
        if self.suppressed is not None:
            object.__setattr__(self, "suppressed", one_line(self.suppressed))

    def __str__(self) -> str:
        return (f"{one_line(self.path)}:{self.line}:{self.column}: {self.severity}: "
                f"{self.message} [{self.rule}]" + self.because())

    def because(self) -> str:
        """`` (suppressed: REASON)`` for a suppressed finding, else ""."""
        if self.suppressed is None:
            return ""
        return f" (suppressed: {self.suppressed or 'no reason given'})"

    @property
    def object(self) -> str:
        """``kind/namespace/name`` (``kind/name`` for cluster-scoped kinds), "" outside objects."""
        if not self.kind and not self.name:
            return ""
        parts = [self.kind, self.namespace, self.name] if self.namespace else [self.kind, self.name]
        return "/".join(parts)

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        return (self.path, self.line, self.column, SEVERITIES.index(self.severity), self.rule,
                self.message)


class Subject(NamedTuple):
    """One thing that was checked: an object (``Kind/namespace/name``) in a file, or the file
    itself (``object`` ""). Report formats with a test per object list passing ones from these."""

    path: str
    object: str = ""
    line: int = 1


def subject(resource: Resource, namespace: str) -> Subject:
    where = resource.location()
    probe = on(resource, (), "info", "", "", namespace=namespace)
    return Subject(where.path, probe.object, where.line or 1)


def one_line(text: str) -> str:
    """``text`` with every character that could break a line written as an escape (``\\n``)."""
    if not _LINE_BREAKING.search(text):
        return text
    return _LINE_BREAKING.sub(lambda m: _ESCAPES.get(m[0], f"\\u{ord(m[0]):04x}"), text)


def at(location: Location, severity: Severity, rule: str, message: str) -> Finding:
    """A finding about a place that belongs to no object (a file, a YAML error)."""
    return Finding(location.path, location.line or 1, location.column or 1, severity, rule, message)


def on(
    resource: Resource,
    path: Path,
    severity: Severity,
    rule: str,
    message: str,
    *,
    namespace: str,
    key: bool = False,
) -> Finding:
    """A finding about ``path`` inside ``resource`` (``key``: point at the key, not the value)."""
    where = resource.location(path, key=key)
    return Finding(
        where.path, where.line or 1, where.column or 1, severity, rule, message,
        kind=resource.kind,
        namespace="" if resource.kind in CLUSTER_SCOPED else resource.namespace or namespace,
        name=resource.name,
        json_path=json_path(path),
    )


def title(resource: Resource, namespace: str) -> str:
    """How messages name an object: ``Deployment shop/web``, ``Namespace shop``."""
    return resource.title(namespace)


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Sorted by path, line and column; exact duplicates dropped."""
    return sorted(set(findings), key=Finding.sort_key)


def count(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts: dict[Severity, int] = {s: 0 for s in SEVERITIES}
    for finding in findings:
        counts[finding.severity] += 1
    return counts
